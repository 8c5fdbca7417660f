"""Data and methods: dictionary, screening flow, verification, statistics, limits, citation."""

import streamlit as st

from lib import methods, ui


def _flow(ds):
    return methods.screening_flow(ds.screening)


def _curve(ds):
    return methods.yield_curve(ds.screening)


def _dictionary(ds):
    return methods.data_dictionary()


def _gathered(ds) -> None:
    """How the data were gathered and verified (a recorded section)."""
    st.header("How the data were gathered")
    st.write(
        "Publications were searched with clinical keywords from several angles (condition, anakinra, "
        "trigger, age, route, country) and by following the reference lists of reviews. Each patient a "
        "publication describes individually is one row in *cases*; what a study reports only in aggregate "
        "is one row in *cohorts*, never split into patients. Every row names its source and where in it "
        "the values were found; what a source does not state stays empty."
    )
    flow = ui.cached_dataset(_flow)
    st.subheader("Screening flow")
    st.graphviz_chart(methods.flow_dot(flow, len(ds.sources), len(ds.cases), len(ds.cohorts)))
    if len(flow.exclusion_reasons):
        st.caption("Reasons for exclusion (records)")
        st.dataframe(flow.exclusion_reasons[["label", "records"]], hide_index=True,
                     column_config={"label": "Reason", "records": "Records"}, placeholder="—")
    curve = ui.cached_dataset(_curve)
    if len(curve):
        st.line_chart(curve, x="lookup", y="included_in_window", x_label="Look-up", y_label="New publications",
                      height=220)
        st.caption("new publications per look-up, rolling over the last 100")
    with st.expander(f"Screening log ({flow.queries} queries)"):
        st.dataframe(ui.readable_columns(ds.screening), hide_index=True, width="stretch", placeholder="—")

    st.subheader("Verification (second reading)")
    summary = ui.cached_dataset(methods.verification_summary)
    st.dataframe(summary.assign(table=summary["table"].map(TABLE_WORDS)), hide_index=True, width="stretch",
                 placeholder="—",
                 column_config={"table": "Table", "rows": "Rows", "rows_rechecked": "Rows re-read",
                                "share_rechecked": st.column_config.NumberColumn("Share re-read", format="percent"),
                                "checks_agree": "Checks that agreed", "checks_fixed": "Checks that fixed the row"})
    with st.expander("Verification log"):
        st.dataframe(ui.readable_columns(ds.verification), hide_index=True, width="stretch", placeholder="—")


LIMITS = """
- Most rows come from case reports and small series: patients who did well are more likely to be
  published (publication bias), and there is no control group.
- Many values come from abstracts; what an abstract leaves out is missing here, and missing is not zero.
- Treatments are given together (glucocorticoids, ciclosporin, etoposide, IVIG): an effect cannot be
  attributed to anakinra alone.
- Response definitions differ between sources; each cohort row keeps the source's own definition and its
  outcome class, and response is pooled only within one class.
- Case reports often leave survival and response unstated; missing values are kept apart and shown as a range,
  never read as "no response" or "alive".
"""
TABLE_WORDS = {"cases": "Patients (cases)", "cohorts": "Cohorts", "labs": "Laboratory values", "sources": "Publications"}


def _dictionary_table(ds, table: str) -> None:
    """One table's part of the data dictionary and the whole dictionary's download (a recorded section)."""
    dictionary = ui.cached_dataset(_dictionary)
    st.dataframe(dictionary.loc[dictionary["table"] == table].drop(columns=["table"]), hide_index=True, width="stretch",
                 column_config={"column": "Column", "type": "Type", "unit": "Unit",
                                "allowed_values": "Allowed values (codes)", "plausible_range": "Plausible range",
                                "required": "Required", "description": "Description"}, placeholder="—")
    ui.dataframe_download(dictionary, "Download the data dictionary (CSV)", "data_dictionary.csv", key="dl_dict")


def _statistics_and_limits(ds) -> None:
    """Statistical methods, limits and how to cite (a recorded section)."""
    st.header("Statistical methods")
    st.markdown(methods.METHODS)

    st.header("Limits of this evidence")
    st.markdown(LIMITS)

    st.header("How to cite")
    st.text(ui.plain_text(ds.meta.get("citation", "")))  # may name an uploaded file: plain text
    st.caption(":material/medical_information: " + ui.DISCLAIMER)


st.title("Data and methods")
ui.dataset_section(_gathered)
st.header("Data dictionary")
table = st.selectbox("Table", ["cases", "cohorts", "labs", "sources", "screening", "verification"], key="dict_table")
ui.dataset_section(_dictionary_table, table)
ui.dataset_section(_statistics_and_limits)
