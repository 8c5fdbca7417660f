"""Cases: the individually described patients, searchable, with their sources, in words."""

import streamlit as st

from lib import ui
from lib.cases import case_detail, case_options, case_sources, case_table, case_title
from lib.citations import dataset_words
from lib.export import cases_csv, to_bibtex, to_ris
from lib.wording import MISSING, plural

TABLE_LIMIT = 2000  # rows shown on screen and offered for detail; downloads hold every row
LINKS = {
    "PubMed": st.column_config.LinkColumn("PubMed", display_text="PubMed"),
    "DOI": st.column_config.LinkColumn("DOI", display_text="DOI"),
}


def _table(view, query: str) -> dict:
    """The cases found by ``query``, their downloads; returns the cases offered for detail (a recorded section)."""
    words = ui.cached_dataset(dataset_words)  # notes may name studies outside the view
    table = ui.cached(case_table, view, query, _words=words)
    shown_ids = list(table.index)
    st.caption(f"Showing {len(table)} of {view.n_patients}."
               + (f" The table lists the first {TABLE_LIMIT:,}; the CSV download holds all." if len(table) > TABLE_LIMIT else "")
               + f" An empty cell ({MISSING}) means the source does not state it.")
    st.dataframe(table.head(TABLE_LIMIT), hide_index=True, width="stretch", placeholder=MISSING, column_config={
        **LINKS,
        "Age (years)": st.column_config.NumberColumn(format="%g"),
        "Dose (mg/kg/day)": st.column_config.NumberColumn(format="%g"),
        "Dose (mg/day)": st.column_config.NumberColumn(format="%g"),
    })

    # exports follow the search as well as the filters: the cases listed, and their publications
    listed = view.cases.loc[view.cases["case_id"].astype(object).isin(shown_ids).to_numpy(dtype=bool)]
    listed_sources = case_sources(view, shown_ids)
    what = "these cases" if query.strip() else "the filtered cases"
    ui.dataframe_download(table, f"Download {what} (CSV)", "anakinra_cases.csv", key="dl_cases")
    e1, e2, e3 = st.columns(3)
    with e1:
        ui.download_button(f"All columns of {what} (CSV)", lambda: cases_csv(listed), on_click="ignore",
                           file_name="anakinra_cases_all_columns.csv", mime="text/csv", key="dl_cases_full")
    with e2:
        ui.download_button(f"Citations of {what} (BibTeX)", to_bibtex(listed_sources),
                           file_name="anakinra_sources.bib", mime="application/x-bibtex", key="dl_bibtex")
    with e3:
        ui.download_button(f"Citations of {what} (RIS)", to_ris(listed_sources),
                           file_name="anakinra_sources.ris", mime="application/x-research-info-systems", key="dl_ris")
    st.caption(f"The downloads hold the {plural(len(table), 'case')} listed above and their "
               f"{plural(len(listed_sources), 'publication')}: every author the source lists, journal, volume, "
               "issue, pages, PMID, DOI and a PubMed or publisher link.")
    return case_options(table.head(TABLE_LIMIT)) if len(table) else {}


def _detail(view, chosen: str) -> None:
    """One case in words, with its sources (a recorded section)."""
    words = ui.cached_dataset(dataset_words)  # notes may name studies outside the view
    detail, sources = case_detail(view, chosen, words)
    st.subheader(ui.safe(case_title(view, chosen)), anchor=False)  # names from uploads: never markup
    st.dataframe(detail, hide_index=True, width="stretch", placeholder=MISSING,
                 column_config={"Value": st.column_config.TextColumn(width="large")})
    st.caption("Only what the source states is listed; the curators' note and where in the source the values "
               "were found are at the end.")
    st.markdown("**Sources**")
    st.dataframe(sources, hide_index=True, width="stretch", placeholder=MISSING, column_config=LINKS)


view = ui.current_view()
st.title("Cases")
st.caption(f"{plural(view.n_patients, 'patient')} described individually "
           f"{'matches' if view.n_patients == 1 else 'match'} the filters.")

if view.cases.empty:
    st.info("No individually described patients match the current filters.")
else:
    query = ui.view_text("cases_q", "Search (any text: author, country, variant, trigger, ...)", max_chars=100)
    options = ui.section(_table, view, query)
    if options:
        choices = list(options)
        chosen = ui.view_option("case", "Case detail", choices, default=choices[0],
                                format_func=lambda cid: options.get(cid, "Case not in view"))
        ui.section(_detail, view, chosen)
