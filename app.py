"""Anakinra evidence dashboard: entry point.

Run with ``streamlit run app.py``. This file sets up the page, the shared
filters in the sidebar, the navigation over ``pages/`` and the URL sync.
"""

import streamlit as st

from lib import ui
from lib.data import DataValidationError
from lib.filters import FilteredView

st.set_page_config(page_title="Anakinra evidence: DIRA and HLH/MAS", page_icon="💊", layout="wide")

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon="📊", url_path="overview", default=True),
    st.Page("pages/cases.py", title="Cases", icon="📋", url_path="cases"),
    st.Page("pages/methods.py", title="Data and methods", icon="📚", url_path="methods"),
]

nav = st.navigation(PAGES)
ui.begin_run()
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
    st.caption(f"Dataset version {dataset.version} ({dataset.meta.get('date', '')}); "
               f"{len(dataset.sources)} publications, {len(dataset.cases)} patients, "
               f"{len(dataset.cohorts)} cohorts.")
    with st.expander("How to cite"):
        st.write(dataset.meta.get("citation", ""))
    st.caption("⚕️ " + ui.DISCLAIMER)

st.caption("⚕️ " + ui.DISCLAIMER)
ui.show_link_warnings()
top = st.columns([5, 1])
with top[0]:
    ui.active_filter_list(state)
with top[1]:
    ui.copy_link()

nav.run()
ui.sync_url(state)
