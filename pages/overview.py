"""Overview: what the filtered evidence holds, and the headline outcomes per condition."""

import plotly.graph_objects as go
import streamlit as st

from lib import counts, outcomes, schema, ui
from lib.wording import plural

RESPONSE_WORDS = {"complete": "complete", "partial": "partial", "improved": "improved (not graded)",
                  "none": "no response"}


def _headlines(view) -> None:
    st.write(counts.patient_count_text(counts.view_patient_count(view)))
    st.caption("Primary reports: individually described patients and cohorts, with a patient who is both described "
               "individually and counted in a cohort counted once. Pooled reviews re-count published patients; "
               "how many of theirs are also here cannot be told, so they give an upper bound, not a total.")

    st.subheader("Headline outcomes by condition (individually described patients)")
    st.caption("Each condition apart: DIRA, MAS and HLH are never added into one rate. A rate shows its "
               f"denominator; below {outcomes.MIN_STATED_FOR_RATE} patients with the outcome stated only the counts "
               "are shown. Where some patients' outcome is not stated, the range runs from 'none of them' to "
               "'all of them'. Response categories keep the source's words; one nobody is coded in is not named.")
    head = counts.condition_headlines(view)
    for row in head.itertuples(index=False):
        with st.container(border=True):
            st.markdown(f"**{row.label}**")
            c1, c2, c3 = st.columns(3)
            c1.metric("Patients in primary reports", f"{row.primary_patients:,}")
            c1.caption(f"{row.n} described individually"
                       + (f"; pooled reviews add up to {row.review_patients:,} more who may overlap "
                          f"(at most {row.upper_patients:,})" if row.review_patients else ""))
            if row.n == 0:
                c2.metric("Response", "—", help="No individually described patient in view for this condition.")
                c2.caption("no individually described patients")
                c3.metric("Deaths reported", "—")
                c3.caption("no individually described patients")
                continue
            # response
            present = [c for c in outcomes.RESPONDED if getattr(row, c)]
            words = [RESPONSE_WORDS[c] for c in present]
            label = "Responded" + (": " + (", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else words[0])
                                   if words else "")
            if row.n_stated == 0:
                c2.metric(label, "—", help="No patient of this condition has a response stated.")
                c2.caption(f"response not stated for any of {row.n}")
            else:
                c2.metric(label, f"{row.responders} of {row.n_stated}",
                          help="Patients with a response stated. 'Improved (not graded)': the source describes "
                               "improvement without saying complete or partial.")
                cats = ", ".join(f"{getattr(row, c)} {RESPONSE_WORDS[c]}" for c in schema.RESPONSES
                                 if getattr(row, c))
                shown = row.n_stated >= outcomes.MIN_STATED_FOR_RATE
                text = (f"{row.response_pct:.0%} of those stated (95% CI {row.response_ci_lower:.0%}–"
                        f"{row.response_ci_upper:.0%}, Clopper-Pearson)" if shown
                        else f"Fewer than {outcomes.MIN_STATED_FOR_RATE} stated: no percentage")
                if row.not_stated:
                    lo, hi = ((f"{row.response_if_none:.0%}", f"{row.response_if_all:.0%}") if shown else
                              (f"{row.responders}", f"{row.responders + row.not_stated}"))
                    text += (f"; {row.not_stated} not stated: {lo} of all {row.n} if none of them responded, "
                             f"{hi} if all did")
                c2.caption(f"{cats}. {text}")
            # deaths
            if row.death_n_stated == 0:
                c3.metric("Deaths reported", f"{row.died} among {row.n}")
                c3.caption(f"survival not stated for any of {row.n}")
            else:
                shown = row.death_n_stated >= outcomes.MIN_STATED_FOR_RATE
                c3.metric("Deaths reported", f"{row.died} among {row.n}",
                          help="Case reports state deaths and often leave survival implicit: deaths are counted "
                               "among all patients, with the number whose survival status is stated.")
                text = f"survival status stated for {row.death_n_stated}"
                if row.death_not_stated:
                    lo, hi = ((f"{row.death_if_none:.0%}", f"{row.death_if_all:.0%}") if shown else
                              (f"{row.died}", f"{row.died + row.death_not_stated}"))
                    text += (f"; {row.death_not_stated} not stated: {lo} of all {row.n} if all of them survived, "
                             f"{hi} if all died")
                c3.caption(text)
    if len(head) > 1:
        st.caption("A study that reports a subgroup of another condition is counted under both conditions.")


def _counts_tab(view, column: str, title: str) -> None:
    table = counts.counts_by(view, column)
    if table.empty:
        st.info("Nothing to count.")
        return
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
        "cohort_patients": "Patients in cohorts"}), hide_index=True, width="stretch", placeholder="—")
    st.caption("A patient or cohort with several routes is counted under each. 'Patients in cohorts' adds "
               "every cohort row, pooled reviews and subgroups included, so it counts some patients twice.")


def _evidence_map(view) -> None:
    st.caption("Each cell: patients described individually / cohorts / publications.")
    emap = counts.evidence_map(view)
    emap = emap.assign(condition=emap["condition"].map(schema.CONDITION_LABELS).fillna(emap["condition"]),
                       trigger=emap["trigger"].map(schema.TRIGGER_LABELS).fillna(emap["trigger"]),
                       route=emap["route"].map({**schema.ROUTE_LABELS, "not_stated": "Not stated"}).fillna(emap["route"]))
    st.dataframe(emap, hide_index=True, width="stretch", column_config={
        "condition": "Condition", "trigger": "Trigger", "route": "Route",
        "patients": "Patients", "cohorts": "Cohorts", "publications": "Publications"}, placeholder="—")


view = ui.current_view()
st.title("Overview")
st.write(f"**{plural(len(view.sources), 'publication')}** {'matches' if len(view.sources) == 1 else 'match'} "
         "the filters.")
if not ui.empty_message(view):
    ui.section(_headlines, view)
    st.subheader("Counts")
    tabs = st.tabs(["By condition", "By trigger", "By route", "By age group"])
    for tab, column, title in zip(tabs, ["condition", "trigger", "route", "_age_band"],
                                  ["Condition", "Trigger or background", "Route", "Age group"]):
        with tab:
            ui.section(_counts_tab, view, column, title)
    st.subheader("Evidence map")
    ui.section(_evidence_map, view)
