"""Anakinra evidence dashboard: entry point.

Run with ``streamlit run app.py``. This file sets up the page, the shared
filters in the sidebar, the navigation over ``pages/`` and the URL sync.
"""

import time

import streamlit as st

from lib import ui
from lib.data import DataValidationError
from lib.filters import FilteredView

_RUN_STARTED = time.perf_counter()
# The icon is drawn here: a Material icon as page icon makes the browser fetch it from Google's font
# server, and the dashboard sends nothing anywhere (tests/test_hostile_browser.py checks every request).
st.set_page_config(page_title="Anakinra evidence: DIRA and HLH/MAS", page_icon=ui.page_icon(), layout="wide")

PAGES = [
    # the default page lives at "/" (it reserves the unused name "start"); "/overview" is an alias (below)
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", url_path="start", default=True),
    st.Page("pages/summary.py", title="Evidence summary", icon=":material/summarize:", url_path="summary"),
    st.Page("pages/dosing.py", title="Dosing", icon=":material/vaccines:", url_path="dosing"),
    st.Page("pages/labs.py", title="Labs before and after", icon=":material/science:", url_path="labs"),
    st.Page("pages/outcomes.py", title="Outcomes", icon=":material/monitoring:", url_path="outcomes"),
    st.Page("pages/pooled.py", title="Pooled evidence", icon=":material/forest:", url_path="pooled"),
    st.Page("pages/genetics.py", title="Genetics (DIRA)", icon=":material/genetics:", url_path="genetics"),
    st.Page("pages/safety.py", title="Safety", icon=":material/health_and_safety:", url_path="safety"),
    st.Page("pages/cases.py", title="Cases", icon=":material/table_rows:", url_path="cases"),
    st.Page("pages/upload.py", title="Upload your data", icon=":material/upload_file:", url_path="upload"),
    st.Page("pages/methods.py", title="Data and methods", icon=":material/menu_book:", url_path="methods"),
    st.Page("pages/background.py", title="Background", icon=":material/info:", url_path="background"),
]


def _overview_alias() -> None:
    """``/overview`` (the Overview's own name) opens the Overview, which lives at ``/``, with the link's options."""
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    st.switch_page(PAGES[0], query_params=params)


# Hidden: reachable by its path, not listed in the menu.
ALIASES = [st.Page(_overview_alias, title="Overview", url_path="overview", visibility="hidden")]

nav = st.navigation(PAGES + ALIASES)
if nav in ALIASES:
    nav.run()  # switches page at once
ui.begin_run()
ui.style()
ui.init_session()

try:
    dataset = ui.active_dataset()
except DataValidationError as exc:  # the shipped data is broken: say so, show nothing else
    ui.load_error(exc)
    st.stop()

state = ui.sidebar_filters(dataset)
view: FilteredView = ui.filtered(dataset, state)
ui.set_current_view(view)

with st.sidebar:
    st.divider()
    st.caption(ui.sidebar_dataset_line(dataset))
    ui.image_format_picker()
    with st.expander("How to cite"):
        st.text(ui.plain_text(dataset.meta.get("citation", "")))  # may hold an upload's file name: plain text
    st.caption(":material/medical_information: " + ui.DISCLAIMER)

st.caption(":material/medical_information: " + ui.DISCLAIMER)
ui.upload_banner(view)
ui.show_link_warnings()
ui.active_filter_list(state)

# the page runs as a fragment: a click on its own view options reruns the page alone, not the sidebar,
# its counts or the filtered view; the upload page changes the data of every page, so it runs in full
ui.run_page(nav, as_fragment=nav.url_path != "upload")
ui.finish_run(state, nav)
ui.log_run_time(nav, _RUN_STARTED)
