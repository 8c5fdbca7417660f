"""Upload your data: a research group's own patient-level file, checked and analysed in this session only."""

import re

import streamlit as st

from lib import ui
from lib.upload import (
    EXAMPLE_ID,
    EXTENSIONS,
    MAX_ROWS,
    dictionary_csv,
    issues_frame,
    parse_upload,
    refused,
    release_memory,
    tables_frame,
    template_csv,
    template_xlsx,
)

SHOWN_ISSUES = 200
CHOICES = {
    "shipped": "Shipped data (published cases and cohorts)",
    "upload": "My upload",
    "both": "Both (each patient labelled by origin)",
}


def _md(text: str) -> str:
    """Text from a file name or message, escaped so markdown shows it literally."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", str(text))


def _uploader_key(kind: str) -> str:
    return f"upload_{kind}_file_{st.session_state.get('upload_nonce', 0)}"


def _chosen(kind: str):
    """The file in an uploader: ``(name, bytes)``, None, or the text of why it cannot be had (never raises)."""
    try:
        file = st.session_state.get(_uploader_key(kind))
        return None if file is None else (str(file.name), file.getvalue())
    except Exception as exc:  # noqa: BLE001 - a crafted upload must become a message, not an error page
        return f"the upload could not be taken ({exc.__class__.__name__})"


def _on_files() -> None:
    """Parse the chosen file(s) in memory; keep the previous good upload when this one fails."""
    main, labs = _chosen("cases"), _chosen("labs")
    if main is None:
        st.session_state["upload_result"] = None
        return
    if isinstance(main, str) or isinstance(labs, str):
        result = refused("upload", main if isinstance(main, str) else labs)
    else:
        result = parse_upload(main[0], main[1], labs[0] if labs else None, labs[1] if labs else None)
    st.session_state["upload_result"] = result
    if result.ok:
        replaced = st.session_state.get("uploaded_dataset") is not None
        st.session_state["uploaded_dataset"] = result.dataset
        st.session_state["upload_token"] = result.dataset.version
        if st.session_state.get("data_choice", "shipped") == "shipped":
            st.session_state["data_choice"] = "upload"
        if replaced:
            release_memory()  # the replaced upload's memory goes back to the system


def _on_choice() -> None:
    st.session_state["data_choice"] = st.session_state["upload_choice_radio"]


def _forget() -> None:
    for key in ("uploaded_dataset", "upload_token", "upload_result"):
        st.session_state.pop(key, None)
    st.session_state["data_choice"] = "shipped"
    st.session_state["upload_nonce"] = st.session_state.get("upload_nonce", 0) + 1  # empties the uploaders
    release_memory()


st.title("Upload your data")
st.write(
    "Analyse your group's own patient-level data with every page of this dashboard: the same filters, "
    "charts and statistics, on your patients, on the published ones, or on both side by side."
)
st.info(
    "🔒 Your file stays in this browser session's memory only. It is never written to disk, never cached "
    "for or shown to other users, and it is gone when you close this tab or press **Remove my upload**."
)

st.subheader("1. Start from the template")
# the files are made only when a button is clicked, not on every rerun
c1, c2 = st.columns(2)
c3, c4 = st.columns(2)
c1.download_button("Cases template (CSV)", lambda: template_csv("cases"), on_click="ignore", file_name="anakinra_cases_template.csv",
                   mime="text/csv", key="dl_template_cases")
c2.download_button("Labs template (CSV)", lambda: template_csv("labs"), on_click="ignore", file_name="anakinra_labs_template.csv",
                   mime="text/csv", key="dl_template_labs")
c3.download_button("Workbook template (XLSX)", template_xlsx, on_click="ignore", file_name="anakinra_upload_template.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="dl_template_xlsx")
c4.download_button("Data dictionary (CSV)", dictionary_csv, on_click="ignore", file_name="anakinra_data_dictionary.csv",
                   mime="text/csv", key="dl_dictionary")
with st.expander("What the file must hold, and what happens to it"):
    st.markdown(
        f"""
- **One row per patient** in the `cases` table (a CSV, or the sheet `cases` of an .xlsx workbook). Required:
  `case_id`, `condition`, `trigger`; every other column of the dictionary is optional. An empty cell means
  *not stated* and is never counted as 0. The templates carry the columns a research group fills and **one
  fictional example row** (`{EXAMPLE_ID}`): replace it or delete it (left unchanged, it is not loaded). The
  data dictionary lists every column, including the curation columns the templates leave out.
- **Lab values** (optional) in the `labs` table: a second file, or the sheet `labs`. Each row is one value of one
  of your patients (`entity_id` = its `case_id`); each value is checked in its analyte's standard unit
  against a plausible range.
- CSV in UTF-8 (with or without BOM) separated by commas, semicolons or tabs; other encodings are read as
  Latin-1 with a warning. Accepted files: {", ".join("." + e for e in EXTENSIONS)}. At most {MAX_ROWS:,} rows
  per table and 20 MB per file.
- **Numbers** are written with the digits 0-9, an optional sign, at most one decimal separator and an optional
  exponent (`2.5`, `-3`, `1e3`). The separator is the point; in a file separated by semicolons it may be the
  comma (`2,5`), and then a point is refused as a possible thousands separator. No spaces, underscores or
  thousands separators. The report says how each file was read.
- **Workbooks are read cell by cell as Excel shows them**: hidden sheets are never read, and formulas without a
  saved value, error values, merged cells over the table, values right of the named columns and rows stored
  twice are reported, never dropped. Every report says how many rows were read and how many were loaded.
- **Any invalid value rejects the whole file**, with each problem listed by row and column, so nothing is
  silently changed. Your previous good upload stays in use until a corrected file loads.
- Your patients are attributed to one source, *Uploaded file &lt;name&gt;*, of type *case series* (one patient:
  *case report*): an uploaded series is not claimed to be a cohort study. `source_ids`, `locator` and
  `extraction_date` may be left out. Every id gets the prefix `upload:` so it never collides with published rows.
- Line breaks and invisible control characters in text are replaced; text that looks like a spreadsheet
  formula (`=...`) is kept as text and neutralised in every CSV export.
"""
    )

st.subheader("2. Upload")
u1, u2 = st.columns(2)
# No type= filter: Streamlit's own extension check raises on a crafted name; lib.upload checks it and says why.
u1.file_uploader("Cases (CSV or XLSX)", key=_uploader_key("cases"), on_change=_on_files,
                 help="The patient-level table (.csv, .tsv, .txt or .xlsx); a workbook may also hold a 'labs' sheet.")
u2.file_uploader("Labs (optional, CSV or XLSX)", key=_uploader_key("labs"), on_change=_on_files,
                 help="Lab values of the patients in the cases file (.csv, .tsv, .txt or .xlsx).")
if st.session_state.get(_uploader_key("labs")) is not None and st.session_state.get(_uploader_key("cases")) is None:
    st.info("Choose the cases file too: lab values are read together with their patients.")

result = st.session_state.get("upload_result")
current = st.session_state.get("uploaded_dataset")
if result is not None:
    st.subheader("Check of your file")
    if result.ok:
        st.success(_md(result.summary))
    else:
        st.error(_md(result.summary))
        if current is not None:
            st.warning(f"Your previous upload, {_md(current.meta.get('file', 'file'))}, is still in use.")
        else:
            st.caption("The dashboard keeps showing the shipped data.")
    if result.tables:
        st.caption("How each table was read: format and dialect, rows read and rows loaded.")
        st.dataframe(tables_frame(result), hide_index=True, width="stretch", column_config={
            "file": "File", "table": "Table", "read_as": "Read as",
            "rows_read": st.column_config.NumberColumn("Rows read", format="%d"),
            "rows_loaded": st.column_config.NumberColumn("Rows loaded", format="%d")}, placeholder="—")
    issues = issues_frame(result)
    if len(issues):
        total = len(issues) + result.issues_dropped
        st.caption(f"{total:,} message(s)" + (f"; the first {SHOWN_ISSUES} are shown" if total > SHOWN_ISSUES else "")
                   + ". Rows count as in a spreadsheet: the header is row 1.")
        st.dataframe(issues.head(SHOWN_ISSUES), hide_index=True, width="stretch", column_config={
            "level": "Level", "file": "File", "row": st.column_config.NumberColumn("Row", format="%d"),
            "column": "Column", "message": st.column_config.TextColumn("Message", width="large")}, placeholder="—")
        ui.dataframe_download(issues, "Download the full report (CSV)", "upload_report.csv", key="dl_upload_report")
        if result.issues_dropped:
            st.caption(f"The report keeps the first {len(issues):,} messages; {result.issues_dropped:,} more "
                       "were not listed. Fix these and upload again.")

st.subheader("3. Choose what to analyse")
choice = st.session_state.get("data_choice", "shipped")
if current is None and choice != "shipped":
    choice = "shipped"
st.session_state["upload_choice_radio"] = choice
st.radio("Analyse", list(CHOICES), format_func=CHOICES.get, key="upload_choice_radio", on_change=_on_choice,
         disabled=current is None, horizontal=True,
         help="Every page and the sidebar filters follow this choice.")
if current is None:
    st.caption("Upload a file to analyse your own data. Until then the dashboard shows the shipped data.")
else:
    n_labs = len(current.labs)
    st.write(f"Your upload **{_md(current.meta.get('file', 'file'))}**: {len(current.cases):,} patient(s)"
             + (f", {n_labs:,} lab value(s)" if n_labs else "") + f", loaded {current.meta.get('date', '')}.")
    if choice == "both":
        st.caption("With both, published and uploaded patients are counted together; each patient's origin "
                   "(shipped or upload) is kept so pages can tell them apart.")
    st.button("Remove my upload", key="forget_upload", on_click=_forget,
              help="Forget the file and go back to the shipped data.")
