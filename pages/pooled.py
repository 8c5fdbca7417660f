"""Pooled evidence: cohort table and random-effects forest plots of response and mortality, under stated rules."""

import math

import plotly.graph_objects as go
import streamlit as st

from lib import pooled, schema, ui
from lib.links import doi_url, pubmed_url
from lib.wording import plural

SUBGROUP_BLOCK_WORDS = {
    "too_few_studies": f"fewer than {pooled.MIN_STUDIES} studies: not pooled",
    "sibling_subgroups": "two rows of one study: not pooled",
    "mixed_classes": "several outcome classes: not pooled",
    "model_failed": "model cannot be fitted: not pooled",
    "no_studies": "no study",
}

view = ui.current_view()


def _analysis(view, outcome, method, by, test, response_class):
    return pooled.analyse(view.cohorts, view.sources, outcome, method, by, test=test, response_class=response_class)


def _cohort_table(view, response_class):
    return pooled.cohort_table(view.cohorts, view.sources, response_class)
st.title("Pooled evidence")
st.caption(
    "Cohorts report their results in aggregate. Here each cohort's proportion (responders or deaths "
    "out of n) is shown with its exact 95% confidence interval. The cohorts are pooled in a random-effects "
    "meta-analysis only when the rules below allow it: at least 3 studies, one row per study, and one outcome "
    "class for response."
)


def _plain(text) -> str:
    """Data text for a plotly label: plotly reads a few HTML tags, so angle brackets are replaced."""
    return str(text).replace("<", "‹").replace(">", "›")


def _short(label: str, limit: int = 34) -> str:
    """A study name for a tick label: at most ``limit`` characters (the whole name is in the table)."""
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _pct(x: float) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.0f}%"


def _ci(lo: float, hi: float) -> str:
    return f"{_pct(lo)}–{_pct(hi)}"


def _forest_figure(forest, outcome_label: str, conf: float):
    """A forest plot: squares (size by weight) with exact CIs, diamonds for pooled estimates,
    and the prediction interval as a separate thick bar."""
    fig = go.Figure()
    n = len(forest)
    y = [-int(o) for o in forest["order"]]
    # Plain tick texts (plotly's <b>/<i> would be escaped with the data text, see lib.safe_text.plotly_safe);
    # long study names are shortened so that a phone keeps room for the plot: the table below and the
    # hover text give them whole.
    ticktext = []
    for row in forest.itertuples(index=False):
        if row.kind == "header":
            ticktext.append(_short(_plain(row.label)).upper())
        elif row.kind == "study":
            unit = " episodes" if row.unit == "episodes" else ""
            ticktext.append(f"{_short(_plain(row.label))}  ({row.events}/{row.total}{unit})")
        elif row.kind == "prediction":
            ticktext.append(f"{int(round(100 * conf))}% prediction interval")
        else:
            ticktext.append(f"◆ {_short(_plain(row.label))}  ({row.events}/{row.total})")
    studies = forest.loc[forest["kind"] == "study"]
    if len(studies):
        w = studies["weight_percent"].fillna(0).to_numpy()
        sizes = [8 + 14 * math.sqrt(v / 100) if v > 0 else 10 for v in w]
        fig.add_trace(go.Scatter(
            x=100 * studies["estimate"], y=[-int(o) for o in studies["order"]], mode="markers",
            marker=dict(symbol="square", size=sizes, color="#1f4e79"),
            error_x=dict(type="data", symmetric=False, array=100 * (studies["ci_upper"] - studies["estimate"]),
                         arrayminus=100 * (studies["estimate"] - studies["ci_lower"]), color="#1f4e79",
                         thickness=1.5, width=4),
            name="Study (exact CI)",
            hovertext=[f"{_plain(r.label)}: {r.events}/{r.total} = {_pct(r.estimate)} (CI {_ci(r.ci_lower, r.ci_upper)})"
                       + (f"; weight {r.weight_percent:.1f}%" if not math.isnan(r.weight_percent) else "")
                       for r in studies.itertuples(index=False)],
            hoverinfo="text",
        ))
    first = {"subgroup": True, "overall": True}
    for row in forest.itertuples(index=False):
        if row.kind not in ("subgroup", "overall"):
            continue
        yy = -int(row.order)
        color = "#b8860b" if row.kind == "subgroup" else "#8b0000"
        name = "Subgroup pooled estimate" if row.kind == "subgroup" else "Pooled estimate (all studies)"
        fig.add_trace(go.Scatter(
            x=[100 * row.ci_lower, 100 * row.estimate, 100 * row.ci_upper, 100 * row.estimate, 100 * row.ci_lower],
            y=[yy, yy + 0.3, yy, yy - 0.3, yy], fill="toself", mode="lines", line=dict(color=color),
            fillcolor=color, name=name, showlegend=first[row.kind], legendgroup=row.kind,
            hovertext=f"{_plain(row.label)}: {_pct(row.estimate)} (CI {_ci(row.ci_lower, row.ci_upper)})",
            hoverinfo="text", hoveron="fills",
        ))
        first[row.kind] = False
    for row in forest.loc[forest["kind"] == "prediction"].itertuples(index=False):
        yy = -int(row.order)
        fig.add_trace(go.Scatter(
            x=[100 * row.ci_lower, 100 * row.ci_upper], y=[yy, yy], mode="lines",
            line=dict(color="#d2691e", width=9), name=f"{int(round(100 * conf))}% prediction interval",
            hovertext=f"Prediction interval {_ci(row.ci_lower, row.ci_upper)}", hoverinfo="text",
        ))
    fig.update_layout(
        # no legend: the caption under the chart says what the marks are, and the toolbar cannot cover it
        height=max(260, 34 * n + 110), margin=dict(l=10, r=20, t=30, b=50), showlegend=False,
        xaxis=dict(title=f"{outcome_label} (% of patients)", range=[-2, 102], tickvals=[0, 20, 40, 60, 80, 100],
                   ticksuffix="%", zeroline=False),
        yaxis=dict(tickvals=y, ticktext=ticktext, range=[-n + 0.4, 0.6], title=None, automargin=True),
    )
    return fig


def _results(view, outcome, method, by, test, response_class) -> None:
    """The pooled figures, the rules and the forest plot (one recorded section)."""
    label = pooled.OUTCOME_LABELS[outcome]
    what = pooled.OUTCOME_EVENTS[outcome]
    if outcome == "response":
        per_class = pooled.class_counts(view.cohorts)
        st.caption("Studies per outcome class with these filters: "
                   + "; ".join(f"{r.label}: {r.studies}" for r in per_class.itertuples(index=False)) + ".")
    a = ui.cached(_analysis, view, outcome, method, by, test, response_class)

    title = f"{label}: {what} out of n"
    if outcome == "response":
        title += f" — {pooled.RESPONSE_CLASS_LABELS[a.response_class]}"
    st.subheader(title)
    with st.expander("Which cohorts are pooled (rules)", expanded=bool(a.blocks)):
        st.markdown(
            "- Only **cohort rows** are pooled. Individually described patients (case reports) are not "
            "pooled as studies.\n"
            "- **Pooled reviews** are left out: their patients are the published cases and cohorts themselves.\n"
            "- A cohort that does not report the outcome is left out (never counted as 0).\n"
            "- **Response is pooled within one outcome class** (early response within 2 weeks, remission, "
            "sustained remission, surrogate score); the class is named above and kept in the link.\n"
            "- **One row per study**: a subgroup row is left out when its study's whole-study row is pooled; when "
            "only subgroups of a study are in view and two of them would enter one pool, there is no pooled "
            "figure.\n"
            f"- At least **{pooled.MIN_STUDIES} studies** are needed for a pooled estimate.\n"
            "- Counts that refer to treated **episodes** are pooled as episodes (denominator = episodes)."
        )
        counts = pooled.reason_counts(a.rows)
        st.dataframe(counts.assign(reason=counts["reason"].map(pooled.REASON_LABELS)), hide_index=True,
                     width="stretch", column_config={"reason": "Rule", "cohorts": "Cohorts",
                                                     "patients": "Patients (n)"}, placeholder="—")

    n_not, n_patients = a.n_not_reported, a.n_patients
    if a.k == 0:
        st.info(" ".join(pooled.block_messages(a))
                + f" ({plural(n_not, 'cohort')} {'does' if n_not == 1 else 'do'} not report it.) "
                "Change the filters, the outcome or the outcome class.")
    else:
        if a.overall is None:
            st.warning("No pooled figure. " + " ".join(pooled.block_messages(a))
                       + " Each study's own proportion and exact interval are shown.")
        else:
            o = a.overall
            model = pooled.METHOD_LABELS[method] + ("" if method == "GLMM" else f", {pooled.TEST_LABELS[a.test]}")
            m1, m2, m3, m4 = st.columns(4)
            m1.metric(f"Pooled {label.lower()}", _pct(o.estimate),
                      help="Random-effects estimate, back-transformed from the logit scale.")
            m1.caption(f"95% CI {_ci(o.ci_lower, o.ci_upper)}")
            m2.metric("New study (95% prediction interval)", f"{100 * o.pi_lower:.0f}–{100 * o.pi_upper:.0f}%",
                      help="The range in which the true proportion of a new study like these is expected to lie.")
            m2.caption("where a new study's true proportion is expected"
                       + ("; equals the CI because τ² is estimated as 0" if o.tau2 == 0 else ""))
            if pooled.heterogeneity_assessable(o):
                m3.metric("I²", f"{o.i2:.0f}%", help="Share of the variability due to between-study differences.")
                m3.caption(f"τ² = {o.tau2:.3f} (logit scale); Q = {o.q:.2f} on {o.q_df} df, "
                           + (f"p = {o.q_p_value:.3f}" if o.q_p_value >= 0.001 else "p < 0.001"))
            else:
                m3.metric("Heterogeneity", "Cannot be assessed",
                          help=f"With fewer than {pooled.MIN_STUDIES_HETEROGENEITY} studies, or τ² estimated as 0, "
                               "the heterogeneity statistics have no power: I² = 0 does not mean agreement.")
                m3.caption(f"{plural(o.k, 'study', 'studies')}; τ² = {o.tau2:.3f}, I² = {o.i2:.0f}% (not interpretable)")
            m4.metric("Studies pooled", f"{a.k}")
            m4.caption(plural(n_patients, "patient"))
            sens = ""
            if a.sensitivity is not None:
                s_ = a.sensitivity
                alt = pooled.METHOD_LABELS[a.sensitivity_method] + (
                    "" if a.sensitivity_method == "GLMM" else f", {pooled.TEST_LABELS[a.sensitivity_test]}")
                sens = (f"Sensitivity analysis ({alt}): {_pct(s_.estimate)} (95% CI {_ci(s_.ci_lower, s_.ci_upper)}). ")
            elif a.sensitivity_message:
                sens = f"Sensitivity analysis ({pooled.METHOD_LABELS[a.sensitivity_method]}) not available: " \
                       f"{a.sensitivity_message}. "
            st.caption(
                f"{plural(a.k, 'cohort')}, {plural(n_patients, 'patient')}. Model: {model}"
                + ("; no continuity correction (as R metafor::rma.glmm(measure = \"PLO\")). " if method == "GLMM" else
                   f" (as R metafor::rma(measure = \"PLO\", method = \"{method}\", test = \"{a.test}\")). ")
                + (f"{plural(o.n_corrected, 'cohort')} with 0 or all events got a 0.5 continuity correction, which pulls "
                   "their proportion towards 50%. " if o.n_corrected else "")
                + sens
                + "Study intervals are exact (Clopper-Pearson). "
                + (o.heterogeneity_note + " " if o.heterogeneity_note else "")
            )
        if len(a.conditions) > 1:
            mixed = " and ".join(schema.CONDITION_LABELS[c] for c in a.conditions)
            if by == "condition":
                st.caption(f"The overall estimate mixes {mixed}; read the estimate of each condition.")
            else:
                st.warning(f"This pool mixes {mixed}. Choose Subgroups → Condition, or filter one condition, "
                           "before reading the pooled estimate.")
        ep = a.episode_rows
        if len(ep):
            st.caption("Counted as episodes, not patients (pooled as episodes): "
                       + "; ".join(f"{r.label} ({int(r.total)} episodes in {int(r.n)} patients)"
                                   for r in ep.itertuples(index=False)) + ".")
        if outcome == "response":
            st.caption("Response definitions and assessment times still differ within a class (see the table "
                       "below).")
        else:
            st.caption("Deaths are counted over different time frames (see the table below).")

        fig = _forest_figure(a.forest, label, a.conf)
        ui.chart(fig, key=f"pooled_forest_{outcome}", data=a.forest, filename=f"forest_{outcome}",
                 percent=("estimate", "ci_lower", "ci_upper"))
        st.caption(ui.n_caption(a.k, n_not, f"cohorts ({plural(n_patients, 'patient')}) with {what} reported")
                   + ". Blue squares: each study's proportion with its exact 95% CI"
                   + ("; square size: weight in the overall random-effects pool" if a.overall is not None
                      and method != "GLMM" else "")
                   + ". Diamonds: pooled estimates (red: all studies, gold: a subgroup) with their CI. "
                     "Orange bar: the prediction interval.")



def _tables(view, outcome, method, by, test, response_class) -> None:
    """The forest table, leave-one-out and subgroups (one recorded section)."""
    what = pooled.OUTCOME_EVENTS[outcome]
    a = ui.cached(_analysis, view, outcome, method, by, test, response_class)
    if a.k == 0:
        return
    forest_table = a.forest.loc[(a.forest["kind"] != "header").to_numpy()].assign(
        proportion=lambda f: [_pct(v) for v in f["estimate"]],
        interval=lambda f: [_ci(lo, hi) for lo, hi in zip(f["ci_lower"], f["ci_upper"])],
        weight=lambda f: [("" if math.isnan(v) or k != "study" else f"{v:.1f}%")
                          for v, k in zip(f["weight_percent"], f["kind"])],
        unit=lambda f: f["unit"].map({"patients": "Patients", "episodes": "Episodes"}).fillna(""),
    )[["label", "events", "total", "unit", "proportion", "interval", "weight"]].rename(columns={
        "label": "Study or estimate", "events": what.capitalize(), "total": "n", "unit": "Counts",
        "proportion": "Proportion", "interval": "95% interval", "weight": "Weight"})
    st.dataframe(forest_table, hide_index=True, width="stretch", placeholder="—")

    if a.overall is not None and len(a.leave_one_out):
        st.markdown("**Leave-one-out**: the pooled estimate with each study left out in turn")
        loo = a.leave_one_out
        st.dataframe(loo.assign(
            pooled_pct=[_pct(v) for v in loo["estimate"]],
            ci=[_ci(lo, hi) for lo, hi in zip(loo["ci_lower"], loo["ci_upper"])],
            tau2_text=[f"{v:.3f}" if not math.isnan(v) else "—" for v in loo["tau2"]],
        )[["label", "pooled_pct", "ci", "tau2_text"]].rename(columns={
            "label": "Study left out", "pooled_pct": "Pooled without it", "ci": "95% CI",
            "tau2_text": "τ²"}), hide_index=True, width="stretch", placeholder="—")
        st.caption("R metafor::leave1out (for the GLMM: rma.glmm refitted without each study). A study whose "
                   "removal moves the estimate a lot carries the result.")

    if by != "none":
        st.subheader(f"By {pooled.SUBGROUP_LABELS[by].lower()}")
        subs = a.subgroups
        table = subs.assign(
            pooled_pct=[_pct(v) for v in subs["estimate"]],
            ci=[_ci(lo, hi) if p else SUBGROUP_BLOCK_WORDS.get(b, "not pooled")
                for lo, hi, p, b in zip(subs["ci_lower"], subs["ci_upper"], subs["pooled"], subs["block"])],
            pi=[_ci(lo, hi) if p else "" for lo, hi, p in zip(subs["pi_lower"], subs["pi_upper"], subs["pooled"])],
        )[["group_label", "k", "events", "total", "pooled_pct", "ci", "pi"]].rename(columns={
            "group_label": pooled.SUBGROUP_LABELS[by], "k": "Cohorts", "events": what.capitalize(),
            "total": "n", "pooled_pct": "Pooled", "ci": "95% CI", "pi": "95% prediction interval"})
        st.dataframe(table, hide_index=True, width="stretch", placeholder="—")
        t = a.subgroup_test
        if t is not None:
            stat = "Q between" if t.distribution == "chi2" else "F"
            dfs = f"{t.df} df" if t.df2 is None else f"{t.df} and {t.df2} df"
            p_text = f"p = {t.p_value:.3f}" if t.p_value >= 0.001 else "p < 0.001"
            st.markdown(f"**Test of subgroup differences:** {stat} = {t.q_between:.2f} on {dfs}, {p_text}.")
            st.caption("Meta-regression on the subgroup with one shared τ² (R metafor::rma(..., mods = "
                       "~ factor(group))). With few small studies the test has little power: no difference "
                       "found is not evidence of no difference."
                       + (f" {a.subgroup_test_note[0].upper() + a.subgroup_test_note[1:]}."
                          if a.subgroup_test_note else ""))
        else:
            st.caption(a.subgroup_test_note[0].upper() + a.subgroup_test_note[1:] + "."
                       if a.subgroup_test_note else "")
        st.caption("Each subgroup is pooled under the same rules (at least "
                   f"{pooled.MIN_STUDIES} studies, one row per study). "
                   + ("A cohort with several routes forms its own group (e.g. IV bolus + Subcutaneous). "
                      if by == "route" else ""))



def _cohorts(view, response_class) -> None:
    """The table of cohorts in view (one recorded section)."""
    st.subheader("Cohorts in view")
    ct = ui.cached(_cohort_table, view, response_class or pooled.DEFAULT_RESPONSE_CLASS)
    show = ct.assign(
        condition=ct["condition"].map(schema.CONDITION_LABELS),
        trigger=ct["trigger"].map(schema.TRIGGER_LABELS),
        response_class=ct["response_class"].map(schema.RESPONSE_CLASS_LABELS),
        response_pool=ct["response_pool"].map(pooled.REASON_LABELS),
        mortality_pool=ct["mortality_pool"].map(pooled.REASON_LABELS),
        route=[None if not isinstance(r, str) else " + ".join(schema.ROUTE_LABELS.get(x, x) for x in r.split(";"))
               for r in ct["route"]],
        pubmed=[pubmed_url(p) for p in ct["pmid"]],
        doi_link=[doi_url(d) for d in ct["doi"]],
        counts_refer_to=ct["counts_refer_to"].map({"patients": "Patients", "episodes": "Episodes"}),
    )[["label", "design_label", "subgroup", "condition", "trigger", "n", "n_episodes", "counts_refer_to",
       "responders", "response_class", "response_definition", "response_timepoint", "deaths", "deaths_timepoint",
       "route", "population", "response_pool", "mortality_pool", "pubmed", "doi_link"]].rename(columns={
        "label": "Study", "design_label": "Design", "subgroup": "Subgroup", "condition": "Condition",
        "trigger": "Trigger", "n_episodes": "Episodes", "counts_refer_to": "Counts refer to",
        "responders": "Responders", "response_class": "Outcome class", "response_definition": "Response definition (source's words)",
        "response_timepoint": "Response assessed", "deaths": "Deaths", "deaths_timepoint": "Deaths time frame",
        "route": "Route", "population": "Population", "response_pool": "Response pool",
        "mortality_pool": "Mortality pool", "pubmed": "PubMed", "doi_link": "DOI"})
    st.caption(f"{plural(view.n_cohorts, 'cohort')} in view, pooled reviews included (their patients are counted "
               "elsewhere too; see the Design column). An empty cell means the source does not state it.")
    st.dataframe(show, hide_index=True, width="stretch", column_config={
        "PubMed": st.column_config.LinkColumn("PubMed", display_text="PubMed"),
        "DOI": st.column_config.LinkColumn("DOI", display_text="DOI"),
    }, placeholder="—")
    ui.dataframe_download(ct, "Download the cohort table (CSV)", "anakinra_cohorts.csv", key="dl_pooled_cohorts")


if view.cohorts.empty:
    if not ui.empty_message(view):
        st.info("No cohorts match the current filters, so there is nothing to pool. Individually described "
                "patients are not pooled as studies (see the Outcomes and Cases pages).")
else:
    c1, c2, c3 = st.columns([1, 1, 1])
    with c1:
        outcome = ui.view_option("pooled_outcome", "Outcome", list(pooled.OUTCOMES), "response",
                                 format_func=pooled.OUTCOME_LABELS.get, widget="radio")
        response_class = None
        if outcome == "response":
            response_class = ui.view_option(
                "pooled_class", "Outcome class of the response definition", list(pooled.RESPONSE_CLASSES),
                pooled.DEFAULT_RESPONSE_CLASS, format_func=pooled.RESPONSE_CLASS_LABELS.get,
                help="Response is pooled only within one class: early response (within 2 weeks), remission, "
                     "sustained remission at follow-up, or a surrogate score. 'All classes' lists every study "
                     "without a pooled figure.")
    with c2:
        by = ui.view_option("pooled_by", "Subgroups", list(pooled.SUBGROUPS), "none",
                            format_func=pooled.SUBGROUP_LABELS.get)
    with c3:
        method = ui.view_option("pooled_method", "Model", list(pooled.METHODS), pooled.DEFAULT_METHOD,
                                format_func=pooled.METHOD_LABELS.get,
                                help="Default: the binomial-normal GLMM, fitted on the exact binomial likelihood "
                                     "(no continuity correction; see Data and methods for why).")
        test = pooled.DEFAULT_TEST
        if method != "GLMM":
            test = ui.view_option("pooled_test", "Confidence interval", list(pooled.TESTS), pooled.DEFAULT_TEST,
                                  format_func=pooled.TEST_LABELS.get, widget="radio",
                                  help="Knapp-Hartung: t-based intervals that keep their coverage with few "
                                       "studies (default). Normal: the classic z interval, too narrow with few "
                                       "studies.")
    ui.section(_results, view, outcome, method, by, test, response_class)
    ui.section(_tables, view, outcome, method, by, test, response_class)
    ui.section(_cohorts, view, response_class)
