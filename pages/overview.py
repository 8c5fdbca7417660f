"""Overview: what the filtered evidence holds, and the headline outcomes."""

import plotly.graph_objects as go
import streamlit as st

from lib import summaries, ui

view = ui.current_view()
st.title("Overview")
st.write(
    f"**{view.n_patients}** individually described patients and **{view.n_cohorts}** cohorts "
    f"(**{view.n_cohort_patients}** patients in aggregate) from **{len(view.sources)}** publications "
    "match the filters."
)
if not ui.empty_message(view):
    counts = summaries.distinct_patients(view)
    st.caption(
        f"Counting each patient once: at most {counts['total']} patients "
        f"({counts['cases'] - counts['cases_in_cohorts']} described individually only, {counts['cohort_patients']} in "
        "primary cohorts; pooled reviews and subgroup rows are not added again, and "
        f"{counts['cases_in_cohorts']} individually described patients already counted in their cohort)."
    )
    st.subheader("Headline outcomes (individually described patients)")
    head = summaries.headline_counts(view)
    labels = {"complete_response": "Complete response", "any_response": "Complete or partial response", "death": "Died"}
    cols = st.columns(len(head))
    for col, row in zip(cols, head.itertuples(index=False)):
        if row.n == 0:
            col.metric(labels[row.measure], "—", help="No patient in view has this outcome stated.")
            col.caption(f"n = 0; {row.missing} not stated")
            continue
        col.metric(labels[row.measure], f"{row.estimate:.0%}")
        col.caption(f"{row.k} of {row.n} (95% CI {row.ci_lower:.0%}–{row.ci_upper:.0%}, Clopper-Pearson); "
                    f"{row.missing} not stated")

    st.subheader("Counts")
    tabs = st.tabs(["By condition", "By trigger", "By route", "By age group"])
    for tab, column, title in zip(tabs, ["condition", "trigger", "route", "_age_band"],
                                  ["Condition", "Trigger or background", "Route", "Age group"]):
        with tab:
            table = summaries.counts_by(view, column)
            if table.empty:
                st.info("Nothing to count.")
                continue
            fig = go.Figure([
                go.Bar(x=table["label"].tolist(), y=table["patients"].tolist(), name="Patients (individually described)"),
                go.Bar(x=table["label"].tolist(), y=table["cohorts"].tolist(), name="Cohorts"),
            ])
            fig.update_layout(barmode="group", height=320, margin=dict(t=30, b=10), legend_title_text="")
            fig.update_yaxes(title_text="Count (patients or cohorts)")
            fig.update_xaxes(title_text=title)
            ui.chart(fig, key=f"counts_{column}", data=table.drop(columns=["value"]), filename=f"anakinra_counts_by_{column.strip('_')}")
            st.dataframe(table.drop(columns=["value"]).rename(columns={
                "label": title, "patients": "Patients", "cohorts": "Cohorts",
                "cohort_patients": "Patients in cohorts"}), hide_index=True, width="stretch")
            st.caption("A patient or cohort with several routes is counted under each.")

    st.subheader("Evidence map")
    st.caption("Each cell: patients described individually / cohorts / publications.")
    emap = summaries.evidence_map(view)
    st.dataframe(emap, hide_index=True, width="stretch", column_config={
        "condition": "Condition", "trigger": "Trigger", "route": "Route",
        "patients": "Patients", "cohorts": "Cohorts", "publications": "Publications"})
