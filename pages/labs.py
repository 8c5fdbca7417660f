"""Labs: laboratory values before and after anakinra, per patient and as cohorts report them."""

import html
import math

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from lib import labs, schema, ui
from lib.wording import plural

TIMEPOINT_LABELS = {"before": "Before anakinra", "after": "After anakinra"}
STAT_SYMBOLS = {"mean": "circle", "median": "diamond"}


def num(v) -> str:
    """A value as a readable number: thousands separators, at most 2 decimals, no trailing zeros."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    text = f"{v:,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def signed(v, short: bool = False) -> str:
    """A change with its sign; ``short`` drops the decimals of values of 100 or more (for metrics)."""
    text = f"{v:,.0f}" if short and abs(v) >= 100 else num(v)
    return ("+" if v > 0 else "") + text


def pval(p) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "not computable"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def hover(text) -> str:
    """Data text made safe for a plotly hover label (no markup)."""
    return "" if text is None or (isinstance(text, float) and math.isnan(text)) else html.escape(str(text))


def day_text(d) -> str:
    return "not stated" if d is None or (isinstance(d, float) and math.isnan(d)) else f"day {num(d)}"


def _pairs(view, analyte, window):
    return labs.lab_pairs(view.labs, analyte, window)


def _coverage(view, analyte):
    return labs.lab_coverage(view.labs, view.cases, analyte)


def _cohort_summary(view, analyte):
    return labs.cohort_lab_summary(view.labs, view.cohorts, view.sources, analyte)


def _reported_changes(view):
    return labs.reported_changes(view.labs, view.cohorts, view.sources)


def _analyte(view, analyte: str, window: str, scale: str) -> None:
    """One analyte: patients' values before and after, and cohort summaries (a recorded section)."""
    name = schema.ANALYTE_LABELS[analyte]
    unit = schema.ANALYTE_UNITS[analyte]
    yaxis = dict(title=f"{name} ({unit})", type=scale)
    log_note = " On the logarithmic axis, values of 0 or below cannot be drawn." if scale == "log" else ""

    # -------------------------------------------------------------- patients
    st.subheader("Patients: each patient's value before and after")
    pairs = ui.cached(_pairs, view, analyte, window)
    coverage = ui.cached(_coverage, view, analyte)
    summary = labs.lab_test_summary(pairs)
    if summary.n_patients == 0:
        shipped_only = ui.active_dataset().label == "shipped"
        st.info(
            f"No patient in view has a {name} value before or after anakinra "
            f"({plural(coverage.n_cases, 'patient')} in view), so there is no per-patient plot or paired test. "
            + ("The curated case reports give lab values only as cohort summaries so far; those are shown "
               "below. Upload a patient-level lab file on the 'Upload your data' page to see each "
               "patient's values and the paired test here." if shipped_only else
               "Cohort summaries, where reported, are shown below.")
        )
    else:
        long_all = labs.pairs_long(pairs)
        drawn = labs.thin_pairs(pairs)
        long = labs.pairs_long(drawn)
        fig = go.Figure()
        for tp in schema.TIMEPOINTS:
            side = long_all.loc[long_all["timepoint"] == tp]
            fig.add_trace(go.Box(
                y=side["value"].to_numpy(dtype=float), name=TIMEPOINT_LABELS[tp],
                boxpoints=False, fillcolor="rgba(99,110,250,0.15)", line=dict(color="rgb(99,110,250)"),
                hoverinfo="skip", showlegend=False))
        both = drawn.loc[drawn["before"].notna() & drawn["after"].notna()]
        xs, ys = [], []
        for row in both.itertuples(index=False):
            xs += [TIMEPOINT_LABELS["before"], TIMEPOINT_LABELS["after"], None]
            ys += [row.before, row.after, None]
        if xs:
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color="rgba(80,80,80,0.45)", width=1),
                                     name="Same patient", hoverinfo="skip"))
        for paired, label, symbol in ((True, "Patient with both values", "circle"),
                                      (False, "Patient with one side only", "circle-open")):
            pts = long.loc[long["paired"] == paired]
            if pts.empty:
                continue
            fig.add_trace(go.Scatter(
                x=[TIMEPOINT_LABELS[t] for t in pts["timepoint"]], y=pts["value"], mode="markers",
                name=label, marker=dict(symbol=symbol, size=8, color="rgb(239,85,59)"),
                customdata=list(zip([hover(e) for e in pts["entity_id"]], [day_text(d) for d in pts["day"]])),
                hovertemplate="%{customdata[0]}<br>%{y:,.2f} " + unit + " (%{customdata[1]})<extra></extra>"))
        fig.update_layout(height=460, margin=dict(t=30, b=10), boxmode="overlay", yaxis=yaxis,
                          xaxis=dict(title="Timepoint"), legend=dict(orientation="h", y=-0.15))
        ui.chart(fig, key="labs_patients_chart", data=pairs, filename=f"labs_{analyte}_patients")
        st.caption("Pairing rule: " + labs.pairing_rule_text(window))
        st.caption(
            ui.n_caption(coverage.n_with_values, coverage.n_without_values, f"patients with a {name} value")
            + f". {summary.n_pairs} with both sides (joined by a line), {summary.n_before_only} before only, "
            f"{summary.n_after_only} after only. Boxes: median and quartiles of every value on that side."
            + (f" {plural(int(pairs['n_after_not_used'].sum()), 'after value')} not used (outside the window, "
               "or not the nearest)." if int(pairs["n_after_not_used"].sum()) else "")
            + (f" {plural(n_undated, 'after value')} without a stated day (used: the patient has no dated one)."
               if (n_undated := int((pairs["after"].notna() & pairs["after_day"].isna()).sum())) else "")
            + (f" {coverage.n_rows_unstandardised} value(s) left out: unit could not be converted to {unit}."
               if coverage.n_rows_unstandardised else "")
            + log_note
            + (f" Points and lines: a random {len(drawn):,} of {len(pairs):,} patients (boxes and tests use all)."
               if len(drawn) < len(pairs) else "")
        )

        st.markdown("**Change after anakinra**")
        paired_ids = pairs.loc[pairs["before"].notna() & pairs["after"].notna(), "entity_id"]
        if paired_ids.map(dict(zip(view.cases["case_id"], view.cases["condition"]))).nunique() > 1:
            st.warning("These pairs mix conditions (DIRA, MAS and HLH). Filter one condition before reading the "
                       "change.")
        if summary.paired is None:
            st.info(f"No paired test: {summary.paired_note}. With values on one side only, nothing can be "
                    "said about the change within a patient.")
        else:
            pc = summary.paired
            m = st.columns(3)
            m[0].metric("Pairs", pc.n_pairs)
            m[1].metric(f"Median change ({unit})", signed(pc.median_change, short=True),
                        help=f"Exact value {signed(pc.median_change)} {unit}; after minus before.")
            m[2].metric("p (signed-rank)", pval(pc.p_value), help="Two-sided Wilcoxon signed-rank test.")
            st.caption(f"Median change {signed(pc.median_change)} {unit}, mean change "
                       f"{signed(pc.mean_change)} {unit} (after minus before, over {plural(pc.n_pairs, 'pair')}).")
        tests = []
        if summary.paired is not None:
            pc = summary.paired
            tests.append({
                "Test": "Wilcoxon signed-rank (paired) — shown above",
                "Values used": plural(pc.n_pairs, "pair") + (f" ({pc.n_zero} with no change, left out of the ranks)"
                                                       if pc.n_zero else ""),
                "Statistic": f"V = {num(pc.statistic)}",
                "p (two-sided)": pval(pc.p_value),
                "Why": "Compares each patient with themself: the right test for before/after values.",
                "Method detail": pc.method,
            })
        if summary.rank_sum is not None:
            rs = summary.rank_sum
            tests.append({
                "Test": "Wilcoxon rank-sum (unpaired)",
                "Values used": f"{rs.n_b} before, {rs.n_a} after",
                "Statistic": f"W = {num(rs.statistic)}",
                "p (two-sided)": pval(rs.p_value),
                "Why": "No patient has both values, so the sides can only be compared as independent groups.",
                "Method detail": rs.method,
            })
        elif summary.rank_sum_note:
            st.caption(f"No rank-sum test: {summary.rank_sum_note}.")
        if tests:
            st.dataframe(pd.DataFrame(tests), hide_index=True, width="stretch", placeholder="—")
            st.caption("As R's wilcox.test computes it (exact where R is exact, otherwise the normal "
                       "approximation with continuity correction). Small case-report samples are "
                       "selective: a p-value here describes these published patients, not a trial.")

    # --------------------------------------------------------------- cohorts
    st.subheader("Cohorts: reported means and medians")
    cohort = ui.cached(_cohort_summary, view, analyte)
    n_with, n_without = labs.cohort_counts(cohort, view.cohorts)
    if cohort.empty:
        st.info(f"No cohort in view reports a mean or median {name} before or after anakinra.")
    else:
        fig = go.Figure()
        for cid in cohort["cohort_id"].unique():
            rows = cohort.loc[cohort["cohort_id"] == cid]
            label = rows["label"].iloc[0]
            for stat in rows["statistic"].unique():
                r = rows.loc[rows["statistic"] == stat]
                fig.add_trace(go.Scatter(
                    x=[TIMEPOINT_LABELS[t] for t in r["timepoint"]], y=r["value"], mode="lines+markers",
                    name=f"{hover(label)} ({stat}, n = {num(r['n'].iloc[0])})", legendgroup=cid,
                    line=dict(dash="dot"), marker=dict(symbol=STAT_SYMBOLS.get(stat, "square"), size=12),
                    customdata=list(zip([hover(label)] * len(r), r["statistic"], [num(n) for n in r["n"]],
                                        [day_text(d) for d in r["day"]], [hover(t) for t in r["note"]])),
                    hovertemplate=("%{customdata[0]}: cohort %{customdata[1]} %{y:,.2f} " + unit
                                   + "<br>n = %{customdata[2]}, %{customdata[3]}<br>%{customdata[4]}"
                                   "<extra></extra>")))
        fig.update_layout(height=460, margin=dict(t=30, b=10), yaxis=yaxis, xaxis=dict(title="Timepoint"),
                          legend=dict(title="Study (statistic, patients):", orientation="h", yanchor="top",
                                      y=-0.2))
        ui.chart(fig, key="labs_cohort_chart", data=cohort, filename=f"labs_{analyte}_cohorts")
        st.caption(
            ui.n_caption(n_with, n_without, f"cohorts reporting a mean or median {name}")
            + ". Each marker is one study's summary (circle = mean, diamond = median); a dotted line joins "
            "the same study's before and after values, which may be on different days (see hover)."
            + log_note
        )
        st.dataframe(pd.DataFrame({
            "Study": cohort["label"],
            "Design": cohort["design_label"],
            "Condition": cohort["condition"].map(schema.CONDITION_LABELS),
            "Patients": [num(n) for n in cohort["n"]],
            "Timepoint": cohort["timepoint"].map(TIMEPOINT_LABELS),
            "Day": [day_text(d) for d in cohort["day"]],
            "Statistic": cohort["statistic"],
            f"Value ({unit})": [num(v) for v in cohort["value"]],
            "Source note": cohort["note"],
        }), hide_index=True, width="stretch", placeholder="—")

    # --------------------------------------------------------------- changes
    st.subheader("Reported mean changes (all analytes)")
    changes = ui.cached(_reported_changes, view)
    if changes.empty:
        st.caption("No cohort in view reports a mean change of any analyte.")
    else:
        st.caption("Mean change after anakinra (after minus before) as the source states it, not recomputed "
                   "here; listed for every analyte so that one study's figures read together.")
        st.dataframe(pd.DataFrame({
            "Study": changes["label"],
            "Design": changes["design_label"],
            "Condition": changes["condition"].map(schema.CONDITION_LABELS),
            "Patients": [num(n) for n in changes["n"]],
            "Analyte": changes["analyte"].map(schema.ANALYTE_LABELS),
            "Mean change": [f"{signed(v)} {u}" for v, u in zip(changes["value"], changes["unit"])],
            "Day": [day_text(d) for d in changes["day"]],
            "Source note": changes["note"],
        }), hide_index=True, width="stretch", placeholder="—")

    with st.expander("How values are chosen and tested"):
        st.markdown(
            "- **Units.** Every value is in the analyte's standard unit; a value whose reported unit cannot "
            "be converted is left out and counted, never guessed.\n"
            "- **One value per side.** " + labs.pairing_rule_text(window) + " The window is a view option "
            "(in the link as `_labs_window`); taking the latest value instead would favour late, already "
            "normalised values.\n"
            "- **Paired test.** Wilcoxon signed-rank on each patient's change, as R "
            "`wilcox.test(after, before, paired = TRUE)`; pairs with no change are left out of the ranks.\n"
            "- **Rank-sum test only for unpaired data.** Where no patient has both values, the sides are "
            "compared as independent groups (R `wilcox.test(after, before)`). On paired data it is not run: "
            "it would ignore the pairing and count the same patients in both groups.\n"
            "- **Cohorts** are never split into patients and never enter the tests."
        )


view = ui.current_view()
st.title("Labs before and after anakinra")
st.caption(
    "Values are compared in one standard unit per analyte (converted from the unit the source reports). "
    "Patient-level values and cohort summaries are shown separately: a cohort's mean is not a patient."
)

def _analytes(view) -> tuple[list[str], str | None]:
    """The analytes with values in view and the one the page opens on."""
    analytes = labs.available_analytes(view.labs)
    return analytes, (labs.default_analyte(view.labs) if analytes else None)


if not ui.empty_message(view):
    analytes, default = ui.cached(_analytes, view)
    if not analytes:
        if view.state.is_default:
            st.info("The data in view hold no laboratory values (patient-level or cohort summaries). An upload "
                    "can add a patient-level lab file on the 'Upload your data' page.")
        else:
            st.info(
                "No laboratory values (patient-level or cohort summaries) belong to the patients and cohorts that "
                "match the current filters. Remove a filter, or upload a patient-level lab file on the "
                "'Upload your data' page."
            )
    else:
        c1, c2, c3 = st.columns([2, 2, 1])
        with c1:
            analyte = ui.view_option(
                "labs_analyte", "Analyte (only those with values in view)", analytes, default,
                format_func=lambda a: f"{schema.ANALYTE_LABELS[a]} ({schema.ANALYTE_UNITS[a]})")
        with c2:
            window = ui.view_option("labs_window", labs.WINDOW_OPTION_LABEL, list(labs.PAIRING_WINDOWS),
                                    labs.DEFAULT_WINDOW, format_func=labs.PAIRING_WINDOW_LABELS.get,
                                    help=labs.WINDOW_OPTION_HELP)
        with c3:
            scale = ui.view_option("labs_scale", "Y axis", ["linear", "log"], "linear",
                                   format_func=lambda s: "Linear" if s == "linear" else "Logarithmic",
                                   widget="radio")
        ui.section(_analyte, view, analyte, window, scale)
