"""Cases: the individually described patients, searchable, with their sources."""

import streamlit as st

from lib import ui
from lib.cases import case_detail, case_table
from lib.export import cases_csv, to_bibtex, to_ris

TABLE_LIMIT = 2000  # rows shown on screen and offered for detail; downloads hold every row

view = ui.current_view()
st.title("Cases")
st.caption(f"{view.n_patients} patients described individually match the filters.")

if view.cases.empty:
    st.info("No individually described patients match the current filters.")
else:
    query = ui.view_text("cases_q", "Search (any text: author, country, variant, trigger, ...)", max_chars=100)
    table = case_table(view, query)
    st.caption(f"Showing {len(table)} of {view.n_patients}."
               + (f" The table lists the first {TABLE_LIMIT:,}; the CSV download holds all." if len(table) > TABLE_LIMIT else ""))
    st.dataframe(table.head(TABLE_LIMIT), hide_index=True, width="stretch", column_config={
        "PubMed": st.column_config.LinkColumn("PubMed", display_text="PubMed"),
        "DOI": st.column_config.LinkColumn("DOI", display_text="DOI"),
        "Age (years)": st.column_config.NumberColumn(format="%.2f"),
        "Dose (mg/kg/day)": st.column_config.NumberColumn(format="%.1f"),
    })
    ui.dataframe_download(table, "Download these cases (CSV)", "anakinra_cases.csv", key="dl_cases")
    e1, e2, e3 = st.columns(3)
    e1.download_button("All columns of the filtered cases (CSV)", lambda: cases_csv(view.cases), on_click="ignore",
                       file_name="anakinra_cases_all_columns.csv", mime="text/csv", key="dl_cases_full")
    e2.download_button("Citations of the publications in view (BibTeX)", to_bibtex(view.sources),
                       file_name="anakinra_sources.bib", mime="application/x-bibtex", key="dl_bibtex")
    e3.download_button("Citations of the publications in view (RIS)", to_ris(view.sources),
                       file_name="anakinra_sources.ris", mime="application/x-research-info-systems", key="dl_ris")
    if len(table):
        choices = list(table["Case"].head(TABLE_LIMIT))
        chosen = ui.view_option("case", "Case detail", choices, default=choices[0])
        detail, sources = case_detail(view, chosen)
        st.subheader(f"Case {chosen}")
        st.dataframe(detail, hide_index=True, width="stretch")
        st.markdown("**Sources**")
        st.dataframe(sources, hide_index=True, width="stretch", column_config={
            "PubMed": st.column_config.LinkColumn("PubMed", display_text="PubMed"),
            "DOI": st.column_config.LinkColumn("DOI", display_text="DOI")})
