"""Outcomes: response and deaths by subgroup, survival, response with death competing, and cohort outcomes."""

import math

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from lib import outcomes, schema, ui
from lib.wording import plural, plural_word

COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf"]


def pct(x: float) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.0f}%"


def pct_ci(est: float, lo: float, hi: float) -> str:
    if est is None or (isinstance(est, float) and math.isnan(est)):
        return "—"
    return f"{pct(est)} ({pct(lo)}–{pct(hi)})"


def days(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "not reached"
    return f"{x:g} days"


def median_ci(lo: float, hi: float) -> str:
    if math.isnan(lo) and math.isnan(hi):
        return "not reached"
    return f"{days(lo)} to {days(hi)}"


def rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    return f"rgba({int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha})"


def add_step_band(fig, x, lower, upper, colour, name):
    fig.add_trace(go.Scatter(x=x, y=upper, mode="lines", line=dict(width=0, shape="hv"), showlegend=False,
                             hoverinfo="skip", legendgroup=name))
    fig.add_trace(go.Scatter(x=x, y=lower, mode="lines", line=dict(width=0, shape="hv"), fill="tonexty",
                             fillcolor=rgba(colour, 0.15), showlegend=False, hoverinfo="skip", legendgroup=name))


RESPONSE_WORDS = {"complete": "complete", "partial": "partial", "improved": "improved (not graded)",
                  "none": "no response"}


def rate_text(k: int, n: int, est: float, lo: float, hi: float, shown: bool) -> str:
    """"k of n = p% (lo–hi)" when the rate is shown, "k of n" (small-n guard) otherwise, "—" when n is 0."""
    if n == 0:
        return "—"
    if not shown:
        return f"{k} of {n} (too few for a %)"
    return f"{k} of {n} = {pct_ci(est, lo, hi)}"


def range_text(k: int, missing: int, n: int, lo: float, hi: float, shown: bool) -> str:
    if not missing or n == 0:
        return "—"
    return f"{pct(lo)}–{pct(hi)}" if shown else f"{k}–{k + missing} of {n}"


# the proportions the rate charts show as percentages (their CSV gives them in percent as shown)
RATE_COLUMNS = tuple(f"{what}_{part}" for what in ("response", "complete", "death")
                     for part in ("pct", "ci_lower", "ci_upper", "if_none", "if_all"))


def rate_chart(df, est_col, lo_col, hi_col, none_col, all_col, k_col, xlabel: str, ytitle: str):
    """One row per subgroup: range over the not-stated (bar), rate among the stated with its CI; counts only
    for groups below the small-n guard."""
    rows = list(df.itertuples(index=False))
    ylab = [f"{r.label} ({r.n_stated}/{r.n} stated)" for r in rows]
    fig = go.Figure()
    bx, by_ = [], []
    cx, cy = [], []
    for r, y in zip(rows, ylab):
        if not r.rate_shown:
            continue
        bx += [100 * getattr(r, none_col), 100 * getattr(r, all_col), None]
        by_ += [y, y, None]
        cx += [100 * getattr(r, lo_col), 100 * getattr(r, hi_col), None]
        cy += [y, y, None]
    fig.add_trace(go.Scatter(x=bx, y=by_, mode="lines", line=dict(color="rgba(31,119,180,0.25)", width=14),
                             name="Range over not stated", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=cx, y=cy, mode="lines", line=dict(color="#1f77b4", width=2),
                             name="95% CI (exact)", hoverinfo="skip"))
    shown = [(r, y) for r, y in zip(rows, ylab) if r.rate_shown]
    fig.add_trace(go.Scatter(
        x=[100 * getattr(r, est_col) for r, _ in shown], y=[y for _, y in shown], mode="markers+text",
        marker=dict(size=10, color="#1f77b4"), name="Among stated",
        text=[f"{getattr(r, k_col)}/{r.n_stated}" for r, _ in shown], textposition="top center",
        hovertemplate="%{y}: %{x:.0f}%<extra></extra>"))
    small = [(r, y) for r, y in zip(rows, ylab) if not r.rate_shown]
    if small:
        fig.add_trace(go.Scatter(
            x=[0] * len(small), y=[y for _, y in small], mode="text", name="Counts only (small group)",
            text=[(f"{getattr(r, k_col)} of {r.n_stated} stated: too few for a %" if r.n_stated else "none stated")
                  for r, _ in small], textposition="middle right", hoverinfo="skip"))
    fig.update_layout(height=170 + 45 * len(rows), margin=dict(t=50, b=40, l=10, r=10),
                      legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"))
    fig.update_xaxes(title_text=xlabel, range=[-2, 105])
    fig.update_yaxes(title_text=ytitle, autorange="reversed", categoryorder="array", categoryarray=ylab)
    return fig


def _response_by(view, by):
    return outcomes.response_by(view.cases, by)


def _deaths_by(view, by):
    return outcomes.deaths_by(view.cases, by)


def _km_by(view, by):
    return outcomes.km_by(view.cases, by)


def _competing_data(view):
    return outcomes.competing_data(view.cases)


def _cohort_outcomes(view):
    return outcomes.cohort_outcomes(view.cohorts, view.sources)


MIXED_WARNING = ("This figure mixes conditions (DIRA, MAS and HLH differ in course and mortality). Choose "
                 "Condition, or filter one condition, before reading it.")


def _n_conditions(view) -> int:
    return int(view.cases["condition"].nunique())


def _response_and_deaths(view, by: str, measure: str) -> None:
    """Response and deaths by subgroup: charts and tables (a recorded section)."""
    n_conditions = _n_conditions(view)
    resp = ui.cached(_response_by, view, by)
    dead = ui.cached(_deaths_by, view, by)
    total = ui.cached(_response_by, view, "all").iloc[0]
    total_d = ui.cached(_deaths_by, view, "all").iloc[0]
    cats = ", ".join(f"{int(total[c])} {RESPONSE_WORDS[c]}" for c in ("complete", "partial", "improved", "none")
                     if int(total[c]))
    st.markdown(
        f"**{int(total.n_stated)}** of **{int(total.n)}** {plural_word(int(total.n), 'patient')} have a response stated ({cats or 'none'}); "
        f"**{int(total.not_stated)}** not stated (never counted as no response). "
        f"**{int(total_d.died)}** {plural_word(int(total_d.died), 'death')} reported among **{int(total_d.n)}** {plural_word(int(total_d.n), 'patient')} (survival status stated "
        f"for {int(total_d.n_stated)})."
    )
    if by == "all" and n_conditions > 1:
        st.warning("All conditions together: DIRA, MAS and HLH differ in course and mortality, so a rate "
                   "across conditions is hard to read. Choose Subgroup → Condition, or filter one condition.")
    small = [r.label for r in resp.itertuples(index=False) if not r.rate_shown and r.n_stated]
    small_d = [r.label for r in dead.itertuples(index=False) if not r.rate_shown and r.n_stated]
    col_r, col_d = st.columns(2)
    with col_r:
        st.markdown("**Response**")
        if total.n_stated == 0:
            st.info("No patient in view has a response stated, so no rate can be shown.")
        else:
            if measure == "any":
                cols = ("response_pct", "response_ci_lower", "response_ci_upper", "response_if_none",
                        "response_if_all", "responders")
                xlabel = "Responded (% of those with response stated)"
            else:
                cols = ("complete_pct", "complete_ci_lower", "complete_ci_upper", "complete_if_none",
                        "complete_if_all", "complete")
                xlabel = "Complete response (% of those with response stated)"
            fig = rate_chart(resp, *cols, xlabel=xlabel, ytitle=outcomes.SUBGROUP_LABELS[by])
            st.caption(ui.n_caption(int(total.n_stated), int(total.not_stated), "patients with a response stated"))
            ui.chart(fig, key="outcomes_response_chart", data=resp, filename=f"outcomes_response_by_{by}",
                     percent=RATE_COLUMNS)
    with col_d:
        st.markdown("**Deaths**")
        if total_d.n_stated == 0:
            st.info("No patient in view has a survival status stated.")
        else:
            fig = rate_chart(dead, "death_pct", "death_ci_lower", "death_ci_upper", "death_if_none",
                             "death_if_all", "died", xlabel="Died (% of those with survival status stated)",
                             ytitle=outcomes.SUBGROUP_LABELS[by])
            st.caption(f"{plural(int(total_d.died), 'death')} among {plural(int(total_d.n), 'patient')}; status stated for "
                       f"{int(total_d.n_stated)}")
            ui.chart(fig, key="outcomes_deaths_chart", data=dead, filename=f"outcomes_deaths_by_{by}",
                     percent=RATE_COLUMNS)
    st.caption(
        "Dot and thin line: the rate among patients with the outcome stated, with its exact 95% interval "
        "(Clopper-Pearson, R `binom.test`). Shaded bar: the range over the patients whose outcome is not stated, "
        "from 'none of them' to 'all of them' (denominator: every patient in the group). "
        + (f"Groups with fewer than {outcomes.MIN_STATED_FOR_RATE} patients with the outcome stated show "
           "'k of n' only, without a percentage or bar: "
           + "; ".join(dict.fromkeys(small + small_d)) + ". " if small or small_d else "")
        + ("'Complete' counts only what the source graded as complete: an 'improved (not graded)' patient may "
           "have had a complete response, so the bar runs up to complete + improved + not stated. "
           if measure == "complete" else "")
    )
    table = resp.assign(
        responded=[rate_text(int(r.responders), int(r.n_stated), r.response_pct, r.response_ci_lower,
                             r.response_ci_upper, r.rate_shown) for r in resp.itertuples(index=False)],
        range_=[range_text(int(r.responders), int(r.not_stated), int(r.n), r.response_if_none, r.response_if_all,
                           r.rate_shown) for r in resp.itertuples(index=False)],
    )[["label", "n", "complete", "partial", "improved", "none", "not_stated", "responded", "range_"]].rename(
        columns={"label": outcomes.SUBGROUP_LABELS[by], "n": "Patients", "complete": "Complete",
                 "partial": "Partial", "improved": "Improved (not graded)", "none": "No response",
                 "not_stated": "Not stated", "responded": "Responded, of those stated (95% CI)",
                 "range_": "If none / all not stated responded"})
    st.dataframe(table, hide_index=True, width="stretch", placeholder="—")
    dtable = dead.assign(
        deaths=[f"{int(r.died)} among {int(r.n)}" for r in dead.itertuples(index=False)],
        stated=[rate_text(int(r.died), int(r.n_stated), r.death_pct, r.death_ci_lower, r.death_ci_upper,
                          r.rate_shown) for r in dead.itertuples(index=False)],
        range_=[range_text(int(r.died), int(r.not_stated), int(r.n), r.death_if_none, r.death_if_all,
                           r.rate_shown) for r in dead.itertuples(index=False)],
    )[["label", "deaths", "alive", "not_stated", "stated", "range_"]].rename(
        columns={"label": outcomes.SUBGROUP_LABELS[by], "deaths": "Deaths reported", "alive": "Alive (stated)",
                 "not_stated": "Survival not stated", "stated": "Died, of those stated (95% CI)",
                 "range_": "If all not stated survived / died"})
    st.dataframe(dtable, hide_index=True, width="stretch", placeholder="—")
    st.caption(
        "Response is the source's own words mapped to complete / partial / improved (improvement described "
        "without a grade) / none. Case reports state deaths and often leave survival implicit: deaths are "
        "read against every patient, with the range, not as a share of the stated few. "
        "Route: a patient given several routes forms one combined group. Dose bands use the maximum "
        "daily dose: <2, 2 to <5, 5 to <10 and ≥10 mg/kg/day (lower bound included); a dose stated only "
        "in mg/day counts as not stated. "
        "Uncontrolled case reports: these are descriptions, not comparisons of treatments."
    )


def _survival(view, km_by: str) -> None:
    """Kaplan-Meier curves by ``km_by`` (a recorded section)."""
    n_conditions = _n_conditions(view)
    if km_by == "all" and n_conditions > 1:
        st.warning(MIXED_WARNING)
    res = ui.cached(_km_by, view, km_by)
    d = res.data
    st.markdown(
        f"**{d.n}** of **{d.n_cases}** {plural_word(d.n_cases, 'patient')} have both a follow-up time and death stated "
        f"(**{d.n_events}** {plural_word(d.n_events, 'death')}). Left out: {d.n_no_time} with death stated but no follow-up time, "
        f"{d.n_no_death} with follow-up time but death not stated, {d.n_neither} with neither."
    )
    if res.overall is None:
        st.info(f"A Kaplan-Meier curve needs at least {outcomes.MIN_PATIENTS_CURVE} patients with a "
                f"follow-up time and death stated; {d.n} in view have them. Upload patient-level data "
                "with a follow-up time (`followup_days`) and survival status (`death`) to see the curve.")
    else:
        curves = outcomes.km_curves(res)
        fig = go.Figure()
        labels = list(dict.fromkeys(curves["label"]))
        for i, label in enumerate(labels):
            c = curves.loc[curves["label"] == label]
            colour = COLOURS[i % len(COLOURS)]
            add_step_band(fig, c["time"], c["band_lower"], c["band_upper"], colour, label)
            fig.add_trace(go.Scatter(x=c["time"], y=c["survival"], mode="lines", name=label,
                                     line=dict(color=colour, shape="hv", width=2), legendgroup=label,
                                     hovertemplate="day %{x:g}: %{y:.0%}<extra>" + label + "</extra>"))
            cens = c.loc[c["n_censored"] > 0]
            fig.add_trace(go.Scatter(x=cens["time"], y=cens["survival"], mode="markers", showlegend=False,
                                     marker=dict(symbol="line-ns-open", size=12, color=colour),
                                     legendgroup=label, hovertemplate="censored, day %{x:g}<extra></extra>"))
        fig.update_layout(height=420, margin=dict(t=30, b=10, l=10, r=10),
                          legend=dict(orientation="h", y=1.08))
        fig.update_xaxes(title_text="Days from the first anakinra dose", rangemode="tozero")
        fig.update_yaxes(title_text="Probability of survival", range=[0, 1.05], tickformat=".0%")
        not_drawn = [g for g in res.groups if g.km is None]
        st.caption(ui.n_caption(d.n, d.n_excluded, "patients with follow-up time and death stated")
                   + (". Not drawn (fewer than 2 patients): " + ", ".join(f"{g.label} (n = {g.n})"
                                                                         for g in not_drawn)
                      if not_drawn else ""))
        ui.chart(fig, key="outcomes_km_chart", data=curves, filename=f"outcomes_km_{km_by}",
                 percent=("survival", "ci_lower", "ci_upper"))
        st.caption("Shaded: pointwise 95% confidence band (Greenwood, log-log, as R `survfit(..., "
                   "conf.type = \"log-log\")`). Ticks: censored patients (alive at last follow-up).")

        st.markdown("**Numbers at risk** (alive and still followed at the start of the day)")
        times = outcomes.risk_times(float(d.frame["time"].max()))
        if km_by == "all":
            rt = outcomes.risk_table(d.frame, times)
            label_of = {"all": "All patients"}
        else:
            order = [g.group for g in res.groups]
            rt = outcomes.risk_table(d.frame, times, group_col="group", order=order)
            label_of = {g.group: g.label for g in res.groups}
        rt = rt.assign(label=[label_of.get(g, str(g)) for g in rt["group"]],
                       day=[f"Day {t:g}" for t in rt["time"]])
        wide = rt.pivot(index="label", columns="day", values="n_at_risk")
        wide = wide.reindex(index=list(dict.fromkeys(rt["label"])), columns=list(dict.fromkeys(rt["day"])))
        st.dataframe(wide.reset_index().rename(columns={"label": "Group"}), hide_index=True, width="stretch", placeholder="—")

        st.markdown("**Median survival**")
        med_rows = ([("All patients", res.overall, d.n, d.n_events)] if km_by == "all" else
                    [(g.label, g.km, g.n, g.n_events) for g in res.groups])
        st.dataframe(
            [{"Group": lab, "Patients": n, "Deaths": e,
              "Median survival": "—" if km is None else days(km.median),
              "95% CI": "—" if km is None else median_ci(km.median_ci_lower, km.median_ci_upper)}
             for lab, km, n, e in med_rows],
            hide_index=True, width="stretch", placeholder="—")
        st.caption("'Not reached': the curve (or its confidence limit) never falls to 50%, as R "
                   "`print(survfit(...))` reports NA.")

        if res.small_groups:
            st.warning("Very few patients or deaths (fewer than "
                       f"{outcomes.MIN_GROUP_PATIENTS} patients or fewer than "
                       f"{outcomes.MIN_GROUP_EVENTS} deaths): " + ", ".join(res.small_groups)
                       + (". These curves and the log-rank test are unreliable." if km_by != "all"
                          else ". The curve and its median are very imprecise."))
        if km_by != "all":
            if res.logrank is None:
                st.info("No log-rank test: it needs at least two groups with a stated subgroup.")
            else:
                lr = res.logrank
                p_text = "not computable (no deaths)" if math.isnan(lr.p_value) else (
                    "< 0.001" if lr.p_value < 0.001 else f"{lr.p_value:.3f}")
                st.markdown(f"**Log-rank test:** χ² = {lr.statistic:.2f} on {lr.dof} degrees of freedom, "
                            f"p = {p_text}.")
                st.caption(
                    "The log-rank test (R `survdiff`) compares whole survival curves without assuming their "
                    "shape; it is the standard test for censored survival times. "
                    + (f"{plural(res.n_logrank_excluded, 'patient')} whose subgroup is not stated "
                       f"{'is' if res.n_logrank_excluded == 1 else 'are'} left out of it. "
                       if res.n_logrank_excluded else "")
                    + "Patients in case reports are not randomised: a difference is not an effect of the "
                    "subgroup."
                )


def _competing_and_cohorts(view) -> None:
    """Competing risks and cohort outcomes (a recorded section)."""
    cases = view.cases

    # ------------------------------------------------------------------ competing risks
    st.header("Time to response, with death as a competing event")
    if cases.empty:
        st.info("No individually described patients match the current filters.")
    else:
        cd = ui.cached(_competing_data, view)
        st.markdown(
            f"**{cd.n}** of **{cd.n_cases}** {plural_word(cd.n_cases, 'patient')} have the times needed. Left out: "
            f"{cd.n_response_not_stated} with response not stated, {cd.n_responder_no_time} responders "
            f"without days to response, {cd.n_nonresponder_incomplete} non-responders without follow-up time "
            "or death stated."
        )
        if cd.n < outcomes.MIN_PATIENTS_CURVE:
            st.info(f"Cumulative incidence needs at least {outcomes.MIN_PATIENTS_CURVE} patients with these "
                    f"times; {cd.n} in view have them.")
        else:
            if cd.frame["case_id"].map(dict(zip(cases["case_id"], cases["condition"]))).nunique() > 1:
                st.warning(MIXED_WARNING + " (Filter one condition: this analysis has no subgroups.)")
            cif = outcomes.cif_curves(cd)
            fig = go.Figure()
            for i, (et, label) in enumerate(outcomes.EVENT_LABELS.items()):
                c = cif.loc[cif["event_type"] == et]
                colour = ["#2ca02c", "#d62728"][i]
                add_step_band(fig, c["time"], c["band_lower"], c["band_upper"], colour, label)
                fig.add_trace(go.Scatter(x=c["time"], y=c["cif"], mode="lines", name=label, legendgroup=label,
                                         line=dict(color=colour, shape="hv", width=2),
                                         hovertemplate="day %{x:g}: %{y:.0%}<extra>" + label + "</extra>"))
            fig.update_layout(height=380, margin=dict(t=30, b=10, l=10, r=10), legend=dict(orientation="h", y=1.1))
            fig.update_xaxes(title_text="Days from the first anakinra dose", rangemode="tozero")
            fig.update_yaxes(title_text="Cumulative incidence (probability)", range=[0, 1.05], tickformat=".0%")
            st.caption(ui.n_caption(cd.n, cd.n_excluded, "patients with the needed times"))
            ui.chart(fig, key="outcomes_cif_chart", data=cif, filename="outcomes_cumulative_incidence",
                     percent=("cif", "ci_lower", "ci_upper", "band_lower", "band_upper"))
            last = [cif.loc[cif["event_type"] == et].iloc[-1] for et in (1, 2)]
            st.dataframe(
                [{"Event": r["event"], "By day": f"{r['time']:g}",
                  "Cumulative incidence (95% CI)": pct_ci(r["cif"], r["ci_lower"], r["ci_upper"])} for r in last],
                hide_index=True, width="stretch", placeholder="—")
            st.caption("Aalen-Johansen estimator with log-transformed 95% limits (R `survfit(Surv(time, "
                       "factor(status)) ~ 1)`). Death before response is a competing event: treating it as "
                       "censoring (1 − Kaplan-Meier) would overstate the chance of response.")

    # ------------------------------------------------------------------ cohorts
    st.header("Cohort outcomes")
    if view.cohorts.empty:
        st.info("No cohorts match the current filters.")
    else:
        co = ui.cached(_cohort_outcomes, view)
        st.markdown(f"**{len(co)}** of **{view.n_cohorts}** {plural_word(view.n_cohorts, 'cohort')} report responders, deaths or a survival "
                    "estimate.")
        if co.empty:
            st.info("None of the cohorts in view reports responders, deaths or survival.")
        else:
            def frac(k, n, e, lo, hi, unit):
                if k is None:
                    return "—"
                if n is None:
                    return f"{int(k)} (denominator not stated)"
                return f"{int(k)}/{int(n)}{unit} = {pct_ci(e, lo, hi)}"

            def opt(v):
                return None if pd.isna(v) else v

            shown = [{
                "Study": r.label,
                "Design": r.design_label,
                "Pooled review": "yes: its patients are counted elsewhere too" if r.pooled_review else "",
                "Subgroup": opt(r.subgroup) or "whole study",
                "n": int(r.n),
                "Responders (95% CI)": frac(opt(r.responders), opt(r.denominator), r.resp_pct, r.resp_ci_lower,
                                            r.resp_ci_upper, " episodes" if r.counts_refer_to == "episodes" else ""),
                "Complete responders (95% CI)": frac(opt(r.complete_responders), opt(r.denominator), r.complete_pct,
                                                     r.complete_ci_lower, r.complete_ci_upper,
                                                     " episodes" if r.counts_refer_to == "episodes" else ""),
                "Outcome class": schema.RESPONSE_CLASS_LABELS.get(opt(r.response_class), "—"),
                "Response definition (source's words)": opt(r.response_definition) or "not stated",
                "Response assessed": opt(r.response_timepoint) or "not stated",
                "Deaths (95% CI)": frac(opt(r.deaths), opt(r.denominator), r.death_pct, r.death_ci_lower,
                                        r.death_ci_upper, " episodes" if r.counts_refer_to == "episodes" else ""),
                "Deaths time frame": opt(r.deaths_timepoint) or ("—" if opt(r.deaths) is None else "not stated"),
                "Survival reported": "—" if opt(r.survival_pct) is None else (
                    f"{r.survival_pct:g}%" + ("" if opt(r.survival_time_days) is None
                                              else f" at {r.survival_time_days:g} days")),
            } for r in co.itertuples(index=False)]
            st.dataframe(shown, hide_index=True, width="stretch", placeholder="—")
            ui.dataframe_download(co, "Download cohort outcomes (CSV)", "outcomes_cohorts.csv",
                                  key="outcomes_cohorts_csv")
            n_rev = int(co["pooled_review"].sum())
            st.caption("Exact Clopper-Pearson 95% intervals (R `binom.test`). Each source defines response "
                       "and the time frame of deaths in its own way, so the rows are not directly comparable "
                       "and are not added up here; see the Pooled evidence page for a random-effects summary "
                       "within one outcome class."
                       + (f" {plural(n_rev, 'pooled review')} (marked) pool published patients, many of whom are "
                          "also in the other rows; they are never pooled with them." if n_rev else ""))


view = ui.current_view()
st.title("Outcomes")
st.write(
    f"**{view.n_patients}** {plural_word(view.n_patients, 'individually described patient')} and **{view.n_cohorts}** {plural_word(view.n_cohorts, 'cohort')} match the "
    "filters. Patients and cohorts are summarised separately and never mixed. A missing value is shown "
    "as *not stated*: it is never counted as no response, no death or zero."
)

if not ui.empty_message(view):
    cases = view.cases

    # ------------------------------------------------------------------ response and deaths
    st.header("Response and deaths by subgroup")
    if cases.empty:
        st.info("No individually described patients match the current filters.")
    else:
        by = ui.view_option("outcomes_by", "Subgroup", list(outcomes.SUBGROUPS), default="condition",
                            format_func=outcomes.SUBGROUP_LABELS.get, widget="radio")
        measure = ui.view_option("outcomes_measure", "Response shown in the chart", ["any", "complete"],
                                 default="any", widget="radio",
                                 format_func={"any": "Any response (complete, partial or improved)",
                                              "complete": "Complete response (as graded by the source)"}.get)
        ui.section(_response_and_deaths, view, by, measure)

    # ------------------------------------------------------------------ survival
    st.header("Survival (Kaplan-Meier)")
    if cases.empty:
        st.info("No individually described patients match the current filters.")
    else:
        km_by = ui.view_option("outcomes_km_by", "Survival curves by", list(outcomes.SUBGROUPS),
                               default="condition", format_func=outcomes.SUBGROUP_LABELS.get)
        ui.section(_survival, view, km_by)

    ui.section(_competing_and_cohorts, view)
