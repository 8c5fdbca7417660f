"""Safety: adverse events and infections on anakinra as the sources report them, by condition, route and dose."""

import plotly.express as px
import streamlit as st

from lib import safety, schema, ui
from lib.citations import dataset_words
from lib.wording import MISSING, plural, plural_word

CATEGORY_COLOURS = {  # Okabe-Ito palette (colour-blind safe); "not stated" in grey
    safety.CATEGORY_LABELS["infection"]: "#D55E00",
    safety.CATEGORY_LABELS["other_event"]: "#E69F00",
    safety.CATEGORY_LABELS["mentioned"]: "#56B4E9",
    safety.CATEGORY_LABELS["none_stated"]: "#009E73",
    safety.CATEGORY_LABELS["not_stated"]: "#BBBBBB",
}
MEASURE_COLOURS = {"Infections on anakinra": "#D55E00", "Stopped anakinra for an adverse event": "#0072B2"}
NOT_EVIDENCE = (
    "**Absence of a reported adverse event is not evidence of safety.** Most case reports and many cohorts do "
    "not say whether adverse events occurred, and published reports are selected. Only "
    f"“{safety.CATEGORY_LABELS['none_stated']}” means that a source says there were none; everything else "
    "without a report is counted as not stated, never as none."
)


def _routes(codes: str) -> str:
    return ", ".join(safety.ROUTE_LABELS.get(c, c) for c in str(codes).split(";"))


def _coverage(view) -> None:
    """What the sources in view say about adverse events, in one sentence (a recorded section)."""
    patients = ui.cached(safety.patient_safety, view)
    cohorts = ui.cached(safety.cohort_safety, view)
    cov = safety.coverage(patients, cohorts)
    pc = cov.patients_by_category
    breakdown = (f" Of these: infection {pc['infection']}, another adverse event {pc['other_event']}, mentioned "
                 f"without a type {pc['mentioned']}, none as the source states {pc['none_stated']}."
                 if cov.patients_stated else "")
    st.write(
        f"**{cov.patients_stated}** of {plural(cov.patients, 'individually described patient')} in view "
        f"{plural_word(cov.patients_stated, 'has', 'have')} anything about adverse events in their source; "
        f"**{pc['not_stated']}** {plural_word(pc['not_stated'], 'says', 'say')} nothing.{breakdown} "
        f"**{cov.cohorts_stated}** of {plural(cov.cohorts, 'cohort')} ({plural(cov.cohort_patients, 'patient')}) "
        f"{plural_word(cov.cohorts_stated, 'states', 'state')} adverse events, infections or stops for an adverse "
        "event in some form."
    )


def _by_group(view, by: str) -> None:
    """Patients and cohorts grouped by ``by`` (a recorded section)."""
    words = ui.cached_dataset(dataset_words)  # ids in the sources' words read as labels
    patients = ui.cached(safety.patient_safety, view)
    cohorts = ui.cached(safety.cohort_safety, view)
    cov = safety.coverage(patients, cohorts)
    pc, kc = cov.patients_by_category, cov.cohorts_by_category
    by_label = safety.GROUPING_LABELS[by].lower()

    # --- Patients -------------------------------------------------------------
    st.subheader("Individually described patients")
    if patients.empty:
        st.info("No individually described patients match the current filters; cohorts are below.")
    else:
        counts = safety.patient_counts(patients, by)
        shown = counts.assign(group_label=[f"{g} (n = {n})" for g, n in zip(counts["group_label"],
                                                                           counts["group_patients"])])
        order = list(dict.fromkeys(shown["group_label"]))
        fig = px.bar(shown, x="patients", y="group_label", color="category_label", orientation="h",
                     color_discrete_map=CATEGORY_COLOURS,
                     category_orders={"category_label": [safety.CATEGORY_LABELS[c] for c in safety.CATEGORIES],
                                      "group_label": order},
                     labels={"patients": "Patients (n)", "group_label": safety.GROUPING_LABELS[by],
                             "category_label": "What the source says"},
                     hover_data={"group_patients": False})
        # the legend sits in the bottom margin (container coordinates), so it never meets the axis title,
        # whether its items stand in one row (desktop) or one per line (phone)
        legend_px = 30 + 22 * len(safety.CATEGORIES)
        fig.update_layout(height=max(260, 70 + 46 * len(order)) + legend_px,
                          margin=dict(l=10, r=10, t=30, b=60 + legend_px),
                          legend=dict(orientation="h", yref="container", yanchor="bottom", y=0, xanchor="left", x=0,
                                      title_text="What the source says"), bargap=0.3)
        fig.update_xaxes(title_text="Patients (n)", dtick=1 if int(counts["group_patients"].max()) <= 10 else None)
        fig.update_yaxes(title_text=None, automargin=True)
        ui.chart(fig, key="safety_patients", data=counts, filename=f"anakinra_adverse_events_patients_by_{by}")
        st.caption(
            f"n = {plural(cov.patients, 'patient')}; {pc['not_stated']} with nothing stated about adverse events "
            "(grey). Each patient is in one category: an infection first, then another adverse event."
            + (" A patient given anakinra by two routes is counted under both." if by == "route" else "")
            + (" Highest daily dose: mg/kg/day when stated, else mg/day; band edges are for reading, not "
               "guideline thresholds." if by == "dose_band" else "")
        )
        stated = patients.loc[patients["category"] != "not_stated"]
        if stated.empty:
            st.info(f"None of the {plural(cov.patients, 'individually described patient')} in view has adverse "
                    "events stated by its source, either way, so there is no patient row to list.")
        else:
            st.dataframe(
                stated.assign(
                    condition=stated["condition"].map(schema.CONDITION_LABELS),
                    routes=stated["routes"].map(_routes),
                    dose_band=stated["dose_band"].map(safety.DOSE_BAND_LABELS),
                    category=stated["category"].map(safety.CATEGORY_LABELS),
                    adverse_events=stated["adverse_events"].map(words),
                )[["label", "condition", "routes", "dose_band", "category", "ae_types_words", "adverse_events"]],
                hide_index=True, width="stretch", placeholder=MISSING,
                column_config={
                    "label": "Patient", "condition": "Condition", "routes": "Route",
                    "dose_band": "Highest daily dose", "category": "What the source says",
                    "ae_types_words": "Adverse events (coded)",
                    "adverse_events": st.column_config.TextColumn("As reported", width="large"),
                })
            st.caption(f"{plural(len(stated), 'patient')} whose source states something about adverse events.")

    # --- Cohorts --------------------------------------------------------------
    st.subheader("Cohorts")
    if cohorts.empty:
        st.info("No cohorts match the current filters.")
    else:
        groups = safety.cohort_counts(cohorts, by)
        st.dataframe(
            groups[["group_label", "cohorts", "patients", "cohorts_infections_stated", "infections",
                    "cohorts_stopped_stated", "stopped_for_ae", "cohorts_not_stated"]],
            hide_index=True, width="stretch", placeholder=MISSING,
            column_config={
                "group_label": safety.GROUPING_LABELS[by], "cohorts": "Cohorts", "patients": "Patients (n)",
                "cohorts_infections_stated": st.column_config.NumberColumn(
                    "Cohorts counting infections", help="Cohorts that state how many patients had an infection"),
                "infections": "Infections (patients)",
                "cohorts_stopped_stated": st.column_config.NumberColumn(
                    "Cohorts counting stops", help="Cohorts that state how many stopped anakinra for an adverse event"),
                "stopped_for_ae": "Stopped for an adverse event (patients)",
                "cohorts_not_stated": st.column_config.NumberColumn(
                    "Cohorts saying nothing", help="Cohorts whose source says nothing about adverse events"),
            })
        uncounted = int((~cohorts["counted"].astype(bool)).sum())
        st.caption(
            f"n = {plural(cov.cohorts, 'cohort')} ({plural(cov.cohort_patients, 'patient')}); "
            f"{kc['not_stated']} say nothing about adverse events. Infections and stops are summed over the cohorts "
            "that count them."
            + (f" {plural(uncounted, 'row')} not counted here: subgroups whose whole study is in view and pooled "
               "reviews (their patients are in other rows)." if uncounted else "")
            + (" A cohort given anakinra by several routes is counted under each." if by == "route" else "")
        )

        bars = safety.cohort_event_bars(cohorts)
        if not bars.empty:
            shown = bars.assign(
                cohort=[f"{lab} (n = {n})" if n is not None and n == n else f"{lab} (n not stated)"
                        for lab, n in zip(bars["label"], bars["n"].astype(object))],
                text=[f"{k} of {n} ({p:.0f}%)" if p == p else str(k)
                      for k, n, p in zip(bars["patients"], bars["n"].astype(object), bars["percent"])],
            )
            fig = px.bar(shown, x="patients", y="cohort", color="measure_label", orientation="h", barmode="group",
                         text="text", color_discrete_map=MEASURE_COLOURS,
                         labels={"patients": "Patients (n)", "cohort": "Study", "measure_label": "Reported"})
            fig.update_traces(textposition="outside", cliponaxis=False)
            fig.update_layout(height=max(240, 90 + 60 * shown["cohort"].nunique()) + 80,
                              margin=dict(l=10, r=40, t=30, b=140),
                              legend=dict(orientation="h", yref="container", yanchor="bottom", y=0, xanchor="left",
                                          x=0, title_text="Reported"))
            fig.update_xaxes(title_text="Patients (n)", range=[0, max(1.0, float(bars["patients"].max())) * 1.35])
            fig.update_yaxes(title_text=None, automargin=True)
            ui.chart(fig, key="safety_cohorts", data=bars, filename="anakinra_cohort_infections_and_stops")
            st.caption(f"Cohorts that count infections or stops for an adverse event: "
                       f"{plural(bars['label'].nunique(), 'cohort row')}; the other "
                       f"{plural(len(cohorts) - bars['label'].nunique(), 'cohort row')} do not count them.")

        stated_k = cohorts.loc[cohorts["category"] != "not_stated"]
        if stated_k.empty:
            st.info("No cohort in view states anything about adverse events.")
        else:
            st.dataframe(
                stated_k.assign(
                    condition=stated_k["condition"].map(schema.CONDITION_LABELS),
                    routes=stated_k["routes"].map(_routes),
                    dose_band=stated_k["dose_band"].map(safety.DOSE_BAND_LABELS),
                    category=stated_k["category"].map(safety.CATEGORY_LABELS),
                    adverse_events=stated_k["adverse_events"].map(words),
                )[["label", "condition", "routes", "dose_band", "n", "infections_n", "stopped_for_ae_n", "category",
                   "ae_types_words", "adverse_events"]],
                hide_index=True, width="stretch", placeholder=MISSING,
                column_config={
                    "label": "Study", "condition": "Condition", "routes": "Route",
                    "dose_band": "Highest daily dose", "n": "Patients (n)", "infections_n": "Infections",
                    "stopped_for_ae_n": "Stopped for an adverse event", "category": "What the source says",
                    "ae_types_words": "Adverse events (coded)",
                    "adverse_events": st.column_config.TextColumn("As reported", width="large"),
                })
            st.caption(f"{plural(len(stated_k), 'cohort row')} stating something about adverse events "
                       f"(subgroup rows included); {MISSING} = not stated.")


view = ui.current_view()
st.title("Safety")
st.caption("Adverse events and infections on anakinra as the publications report them, cited by study. "
           "Counts, not rates: this page collects what was reported.")
st.warning(NOT_EVIDENCE, icon=":material/report:")

if not ui.empty_message(view):
    ui.section(_coverage, view)
    by = ui.view_option("safety_by", "Group by", list(safety.GROUPINGS), "condition",
                        format_func=safety.GROUPING_LABELS.get, widget="radio")
    ui.section(_by_group, view, by)
