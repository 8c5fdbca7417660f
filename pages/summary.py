"""Evidence summary: a structured, cited plain-language summary of the filtered evidence."""

import pandas as pd
import streamlit as st

from lib import evidence_summary, labs, ui
from lib.filters import describe_item


def _summary(view, detail: str, window: str) -> None:
    """The summary, its Markdown and its sentences with their sources (a recorded section)."""
    result = evidence_summary.build_summary(view, detail, labs_window=window)
    items = [describe_item(f, v) for f, v in view.state.active()]
    dataset = ui.active_dataset()
    context = [
        "Filters: " + ("; ".join(items) if items else "none (whole dataset)"),
        f"Dataset version {dataset.version} ({dataset.meta.get('date', '')}); {detail} summary; lab pairs: "
        f"{labs.PAIRING_WINDOW_LABELS[window].lower()}.",
    ]
    markdown = evidence_summary.render_markdown(result, title="Anakinra in DIRA and HLH/MAS: evidence summary",
                                       context=context)
    with st.container(border=True):
        st.markdown(markdown)

    c1, c2 = st.columns([1, 3])
    with c1:
        ui.download_button("Download as Markdown", markdown.encode("utf-8"), file_name="anakinra_evidence_summary.md",
                           mime="text/markdown", key="summary_download")
    with c2.expander("Copy as Markdown"):
        st.caption("The copy button sits at the top right of the box.")
        st.code(markdown, language="markdown")

    with st.expander("Sentences and their sources"):
        rows = pd.DataFrame({
            "Section": [s.section for s in result.sentences],
            "Kind": [s.kind for s in result.sentences],
            "Sentence": [s.text for s in result.sentences],
            "Sources": [evidence_summary.format_citation(s.citations, result.labels) for s in result.sentences],
        })
        st.dataframe(rows, hide_index=True, width="stretch",
                     column_config={"Sentence": st.column_config.TextColumn(width="large")}, placeholder="—")
        st.caption(f"{sum(s.kind == 'finding' for s in result.sentences)} findings, each with at least one source; "
                   f"{sum(s.kind == 'caveat' for s in result.sentences)} caveats and "
                   f"{sum(s.kind == 'method' for s in result.sentences)} method notes, which cite nothing by design.")


view = ui.current_view()
st.title("Evidence summary")
st.caption("Written from the data by fixed templates (no free text is generated). Every finding names its "
           "sources; caveats and method notes cite nothing by design. It supports, and does not replace, "
           "clinical judgement.")

c1, c2 = st.columns(2)
with c1:
    detail = ui.view_option("summary_detail", "Detail", list(evidence_summary.DETAILS), "brief",
                            format_func={"brief": "Brief", "full": "Full (per cohort)"}.get, widget="radio",
                            help="Brief: one sentence per topic and condition. Full: adds each cohort's figures, "
                                 "group laboratory values, doses in words and notes on adverse events.")
with c2:
    # its own key: a widget key shared by two pages loses its value when the user moves between them
    # (Streamlit gives widgets on different pages different ids), so the Labs page's option is _labs_window
    # and this one _summary_labs_window; both use the same rule (lib.labs.pairing_rule_text) and default.
    window = ui.view_option("summary_labs_window", labs.WINDOW_OPTION_LABEL, list(labs.PAIRING_WINDOWS),
                            labs.DEFAULT_WINDOW, format_func=labs.PAIRING_WINDOW_LABELS.get,
                            help=labs.WINDOW_OPTION_HELP)

if not ui.empty_message(view):
    ui.section(_summary, view, detail, window)
