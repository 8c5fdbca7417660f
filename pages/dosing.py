"""Dosing: what dose the sources report — per dose in words, route, duration, escalation, mg/kg/day and mg/day —
by condition, trigger and age; a dose-by-route chart; dose ranges quoted from the sources."""

import html

import plotly.express as px
import streamlit as st

from lib import dosing, schema, ui
from lib.citations import dataset_words
from lib.wording import MISSING, plural

OUTCOME_COLOURS = {  # Okabe-Ito palette (colour-blind safe)
    "Complete response": "#009E73",
    "Partial response": "#E69F00",
    "Improved (not graded)": "#56B4E9",
    "No response": "#D55E00",
    "Response not stated": "#999999",
    "Cohort: all responded": "#0072B2",
    "Cohort: some responded": "#CC79A7",
    "Cohort: responders not stated": "#555555",
}
ROUTE_TICKS = ["SC", "IV bolus", "IV cont.", "Not stated"]
ROUTE_SHORT = {"sc": "SC", "iv": "IV bolus", "iv_cont": "IV continuous"}


KIND_LABELS = {"case": "Patient", "cohort": "Cohort"}
YES_NO = {True: "Yes", False: "No"}


def _relaxed_note(view) -> None:
    """When the filters leave no stated dose: say so, and what dropping each active filter would bring back."""
    relaxed = dosing.dose_without_each_filter(ui.active_dataset(), view.state)
    if relaxed.empty:
        st.info("No patient or cohort in the data states a dose.")
        return
    best = relaxed.iloc[0]
    if int(best["rows_with_dose"]) == 0:
        st.info("No patient or cohort in view states a dose, and dropping any single filter would not change that. "
                "Reset the filters to see every stated dose.")
        return
    others = "; ".join(f"without “{r.filter_label}”: {plural(int(r.rows_with_dose), 'row')}"
                       for r in relaxed.iloc[1:].itertuples(index=False))
    st.info(
        f"No patient or cohort in view states a dose. The narrowest filter is **“{best['filter_label']}”**: "
        f"without it, {plural(int(best['cases_with_dose']), 'patient')} and "
        f"{plural(int(best['cohorts_with_dose']), 'cohort')} would state one (remove it with its × above the page)."
        + (f" Dropping each other filter instead: {others}." if others else "")
    )


def _routes(codes) -> str:
    """'sc;iv' -> 'SC, IV bolus'; missing -> '—'."""
    if not isinstance(codes, str) or not codes:
        return MISSING
    return ", ".join(ROUTE_SHORT.get(c, c) for c in codes.split(";"))


def _span(lo: float, hi: float) -> str:
    """'2', '6–10' or '—' (not stated); one missing end shows the other."""
    lo, hi = (hi if lo != lo else lo), (lo if hi != hi else hi)
    if lo != lo:
        return MISSING
    return f"{lo:g}" if lo == hi else f"{lo:g}–{hi:g}"


def _dose_chart(view, unit: str, words) -> tuple[dict, int]:
    """The dose-by-route chart's spec and how many points it draws (cached by filters and unit)."""
    unit_label = dosing.UNIT_LABELS[unit]
    points = ui.cached(dosing.dose_points, view, unit)  # the page asked for the same points: a cache hit
    drawn = dosing.thin_points(points)
    hover = drawn.assign(
        row_label=drawn["row_label"].map(lambda t: html.escape(str(t))),
        citation=drawn["citation"].map(lambda t: html.escape(str(t))),
        dose_as_reported=drawn["dose_as_reported"].map(words).fillna("not stated").map(lambda t: html.escape(str(t))),
        low_high=[f"{a:g}–{b:g}" if a != b else f"{a:g}" for a, b in zip(drawn["dose_low"], drawn["dose_high"])],
        n=drawn["n"].astype("string").fillna("not stated"),
        kind=drawn["kind"].map(KIND_LABELS),
    )
    fig = px.scatter(
        hover, x="x", y="dose", color="outcome", symbol="kind", facet_col="condition_label",
        error_y="error_plus", error_y_minus="error_minus",
        color_discrete_map=OUTCOME_COLOURS, symbol_map={"Patient": "circle", "Cohort": "diamond"},
        category_orders={"outcome": list(dosing.OUTCOME_ORDER), "kind": ["Patient", "Cohort"],
                         "condition_label": [schema.CONDITION_LABELS[c] for c in schema.CONDITIONS
                                             if c in set(points["condition"])]},
        hover_name="row_label",
        hover_data={"x": False, "dose": False, "error_plus": False, "error_minus": False,
                    "condition_label": False, "kind": True, "row_label": False, "route_label": True,
                    "low_high": True, "n": True, "dose_as_reported": True, "outcome": True},
        labels={"dose": f"Daily dose ({unit_label})", "x": "Route", "outcome": "Outcome", "kind": "Row",
                "route_label": "Route", "low_high": f"Dose ({unit_label})",
                "n": "Patients", "dose_as_reported": "As reported"},
    )
    fig.update_traces(marker=dict(size=11, line=dict(width=1, color="white")))
    fig.update_xaxes(tickvals=[0, 1, 2, 3], ticktext=ROUTE_TICKS, range=[-0.5, 3.5], title_text="Route")
    # An explicit y range: with a fixed x range, plotly.js leaves some traces out of its y autorange.
    fig.update_yaxes(range=[0, max(float(points["dose_high"].max()), 1.0) * 1.12])
    fig.for_each_annotation(lambda a: a.update(text=a.text.split("=")[-1]))
    fig.update_layout(height=470, margin=dict(t=40, b=10), legend_title_text="Outcome, row",
                      legend=dict(orientation="h", yanchor="top", y=-0.25, xanchor="left", x=0))
    return fig.to_plotly_json(), len(drawn)


TABLE_LIMIT = 2000  # rows shown on screen; downloads hold every row


def _coverage(view) -> None:
    """How many rows in view state a dose (a recorded section)."""
    cov = ui.cached(dosing.dose_coverage, view)
    st.write(
        f"**{cov.cases_with_dose}** of {cov.cases} individually described patients and "
        f"**{cov.cohorts_with_dose}** of {plural(cov.cohorts, 'cohort')} in view state a dose "
        f"(in mg/kg/day: {plural(cov.cases_mg_kg_day, 'patient')} and {plural(cov.cohorts_mg_kg_day, 'cohort')}; "
        f"in mg/day: {plural(cov.cases_mg_day, 'patient')} and {plural(cov.cohorts_mg_day, 'cohort')}; "
        f"per dose and interval: {plural(cov.cases_per_dose, 'patient')}). "
        "The others do not say, and are not counted as any dose."
    )
    if cov.cases_with_dose + cov.cohorts_with_dose == 0:
        _relaxed_note(view)


def _regimens(view, by: str) -> None:
    """Regimens reported, grouped by ``by`` (a recorded section)."""
    words = ui.cached_dataset(dataset_words)  # ids in the sources' words read as labels
    reg = ui.cached(dosing.regimen_summary, view, by)
    shown = reg.assign(
        patients=[f"{d} of {n}" for d, n in zip(reg["cases_with_dose"], reg["cases"])],
        groups=[f"{d} of {n}" for d, n in zip(reg["cohorts_with_dose"], reg["cohorts"])],
        mg_kg=[_span(lo, hi) for lo, hi in zip(reg["mg_kg_day_low"], reg["mg_kg_day_high"])],
        mg=[_span(lo, hi) for lo, hi in zip(reg["mg_day_low"], reg["mg_day_high"])],
        routes=[_routes(r) for r in reg["routes"]],
        as_reported=reg["as_reported"].map(words),
    )
    st.dataframe(
        shown[["label", "patients", "groups", "schedules", "mg_kg", "mg", "routes", "as_reported"]],
        hide_index=True, width="stretch", placeholder=MISSING,
        column_config={
            "label": dosing.GROUPING_LABELS[by],
            "patients": st.column_config.TextColumn("Patients with a dose", help="Patients stating a dose, of all "
                                                    "patients in the group"),
            "groups": st.column_config.TextColumn("Cohorts with a dose", help="Cohorts stating a dose, of all "
                                                  "cohorts in the group"),
            "schedules": st.column_config.TextColumn("Per dose", width="medium",
                                                     help="Amount of one dose and the interval, as stated"),
            "mg_kg": "Daily dose (mg/kg/day)",
            "mg": "Daily dose (mg/day)",
            "routes": "Routes",
            "as_reported": st.column_config.TextColumn("Dose as reported", width="large"),
        },
    )
    st.caption("Per dose: the amount of one dose and how often, where the source states them. Daily doses: lowest "
               f"to highest stated value in the group (patients' highest daily dose and the ends of cohorts' ranges); "
               f"{MISSING} = not stated.")


def _chart_and_tables(view, unit: str) -> None:
    """The dose chart in ``unit``, the stated ranges and the dose table (a recorded section)."""
    words = ui.cached_dataset(dataset_words)  # ids in the sources' words read as labels
    cov = ui.cached(dosing.dose_coverage, view)
    unit_label = dosing.UNIT_LABELS[unit]
    points = ui.cached(dosing.dose_points, view, unit)
    n_rows = cov.cases + cov.cohorts
    n_plotted = points["row_id"].nunique()
    skipped = ui.cached(dosing.covered_subgroups, view, unit)
    if points.empty:
        st.info(f"No patient or cohort in view states a daily dose in {unit_label}, so there is nothing to plot. "
                + ("Try the other unit, or " if unit == "mg_kg_day" else "Try mg/kg/day, or ")
                + "see the table below for doses stated only in words.")
    else:
        spec, n_drawn = ui.cached(_dose_chart, view, unit, _words=words)
        if n_drawn < len(points):
            st.caption(f"Showing a random {n_drawn:,} of {len(points):,} points (every cohort is shown); "
                       "the chart's CSV download holds all of them.")
        ui.chart(spec, key="dosing_chart", data=points, filename=f"anakinra_dose_by_route_{unit}")
        missing = n_rows - n_plotted - skipped
        st.caption(
            ui.n_caption(n_plotted, missing, f"patients or cohorts with a daily dose in {unit_label}")
            + ". Each circle is a patient (colour: response); each diamond a cohort, with its reported dose "
            "range as a bar (colour: how many responded). A row with several routes appears once per route; "
            "points at the same dose are spread sideways."
            + (f" {plural(skipped, 'subgroup row')} not drawn because the whole study is." if skipped else "")
        )

    # --- Ranges stated by sources -------------------------------------------
    st.subheader("Dose ranges stated by the sources")
    ranges = ui.cached(dosing.stated_ranges, view)
    if ranges.empty:
        st.info("No source in view states a dose range in its dose or notes, so none is shown. "
                "This page does not supply ranges of its own.")
    else:
        st.caption("Quoted from the data rows (dose as reported, or the curators' note on the source). These are "
                   "the ranges those sources used or describe: cited, not advice.")
        shown_ranges = ranges.assign(
            range_text=[(f"up to {b:g}" if a != a else f"{a:g}–{b:g}") + f" {u}"
                        for a, b, u in zip(ranges["low"], ranges["high"], ranges["unit"])],
            where=ranges["field"].map({"dose_as_reported": "dose as reported", "note": "curators' note"}),
        )
        st.dataframe(shown_ranges[["row_label", "range_text", "fragment", "where"]], hide_index=True,
                     width="stretch", placeholder=MISSING, column_config={
                         "row_label": "Patient or cohort", "range_text": "Range", "fragment": "Text",
                         "where": "Found in"})

    # --- Table ---------------------------------------------------------------
    st.subheader("What dose: patients and cohorts with a stated dose")
    table = ui.cached(dosing.dose_table, view)
    if table.empty:
        st.info("No patient or cohort in view states a dose, in numbers or in words.")
    else:
        if len(table) > TABLE_LIMIT:
            st.caption(f"Showing the first {TABLE_LIMIT:,} of {len(table):,} rows; the CSV download holds all.")
        shown = table.head(TABLE_LIMIT)
        out = shown.assign(
            kind=shown["kind"].map(KIND_LABELS),
            condition=shown["condition"].map(schema.CONDITION_LABELS),
            trigger=shown["trigger"].map(schema.TRIGGER_LABELS),
            mg_kg=[_span(v, v) if v == v else _span(a, b) for v, a, b in
                   zip(shown["dose_mg_kg_day"], shown["dose_mg_kg_day_min"], shown["dose_mg_kg_day_max"])],
            mg=[_span(v, v) if v == v else _span(a, b) for v, a, b in
                zip(shown["dose_mg_day"], shown["dose_mg_day_min"], shown["dose_mg_day_max"])],
            route=[_routes(r) for r in shown["route"]],
            escalated=shown["escalated"].map(lambda v: YES_NO.get(v) if isinstance(v, bool) else None),
            dose_as_reported=shown["dose_as_reported"].map(words),
        )
        st.dataframe(
            out[["citation", "who", "kind", "condition", "trigger", "route", "per_dose", "mg_kg", "mg",
                 "duration_days", "escalated", "dose_as_reported", "n", "outcome", "pubmed_url", "doi_url"]],
            hide_index=True, width="stretch", placeholder=MISSING,
            column_config={
                "citation": "Study", "who": "Patient or group", "kind": "Row type", "condition": "Condition",
                "trigger": "Trigger", "route": "Route",
                "per_dose": st.column_config.TextColumn("Per dose", width="medium",
                                                        help="Amount of one dose and the interval, as stated"),
                "mg_kg": "mg/kg/day", "mg": "mg/day",
                "duration_days": st.column_config.NumberColumn("Days on anakinra", format="%g"),
                "escalated": "Escalated",
                "dose_as_reported": st.column_config.TextColumn("Dose as reported", width="large"),
                "n": "Patients", "outcome": "Outcome",
                "pubmed_url": st.column_config.LinkColumn("PubMed", display_text="PubMed"),
                "doi_url": st.column_config.LinkColumn("DOI", display_text="DOI"),
            },
        )
        st.caption(f"{plural(len(table), 'row')}. Patients: the highest daily dose; cohorts: the reported range. "
                   f"{MISSING} = not stated. Some cohorts and their subgroups, or cohorts and the patients they "
                   "list, describe the same people.")
        ui.dataframe_download(table, "Download this table (CSV)", "anakinra_doses.csv", key="dl_doses")


view = ui.current_view()
st.title("Dosing")
st.caption("Doses as the publications report them. This page collects what was given; it is not dosing advice.")

if ui.empty_message(view):
    _relaxed_note(view)
else:
    ui.section(_coverage, view)

    # --- Regimens by group -------------------------------------------------
    st.subheader("Regimens reported")
    by = ui.view_option("dosing_group", "Group by", list(dosing.GROUPINGS), "condition",
                        format_func=dosing.GROUPING_LABELS.get, widget="radio")
    ui.section(_regimens, view, by)

    # --- Chart ---------------------------------------------------------------
    st.subheader("Dose by route and condition")
    unit = ui.view_option("dosing_unit", "Dose unit", list(dosing.UNITS), "mg_kg_day",
                          format_func=dosing.UNIT_LABELS.get, widget="radio")
    ui.section(_chart_and_tables, view, unit)
