"""The UI bridge: the only module of ``lib`` that imports streamlit.

It holds the cached data loading, the shared filter widgets, the sync between
widgets, session state and the URL, and small display helpers that every page
uses (copy link, empty-state message, n/missing captions).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from lib import schema
from lib.data import Dataset, DataValidationError, load_dataset
from lib.filters import (
    MULTI_KEYS,
    DOSE_BOUNDS,
    YEAR_BOUNDS,
    FilterState,
    FilteredView,
    apply_filters,
    describe_item,
    from_query_params,
    quote_value,
    option_counts,
    to_query_params,
)

_WIDGET = {name: f"f_{name}" for name in MULTI_KEYS}
_WIDGET.update({"dose_min": "f_dose_min", "dose_max": "f_dose_max", "year_min": "f_year_min", "year_max": "f_year_max"})

_FIELD_LABELS = {
    "conditions": ("Condition", schema.CONDITION_LABELS),
    "triggers": ("Trigger or background", schema.TRIGGER_LABELS),
    "age_bands": ("Age group", schema.AGE_BAND_LABELS),
    "sexes": ("Sex", {"female": "Female", "male": "Male"}),
    "routes": ("Route", schema.ROUTE_LABELS),
    "cotherapies": ("Co-therapy", schema.COTHERAPY_LABELS),
    "pub_types": ("Publication type", schema.PUB_TYPE_LABELS),
}

DISCLAIMER = (
    "This dashboard summarises published case reports and cohorts. It supports, and does not "
    "replace, clinical judgement: case-report evidence is selective and uncontrolled."
)


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------

@st.cache_data(show_spinner=False)
def _load_shipped() -> Dataset:
    return load_dataset()


def shipped_dataset() -> Dataset:
    """The shipped dataset, loaded and validated once per server process.

    ``st.cache_data`` hands each caller its own copy; within one run the copy
    is reused (kept for the run in session state), so a run unpickles it once.
    """
    run_cache = st.session_state.get("_run_cache")
    if run_cache is None:
        return _load_shipped()
    if "shipped" not in run_cache:
        run_cache["shipped"] = _load_shipped()
    return run_cache["shipped"]


def active_dataset() -> Dataset:
    """The dataset the session looks at (the shipped one unless an upload is chosen).

    An upload lives in this session's ``st.session_state`` only; it is never
    put in a cache shared between sessions.
    """
    uploaded = st.session_state.get("uploaded_dataset")
    choice = st.session_state.get("data_choice", "shipped")
    if uploaded is not None and choice in ("upload", "both"):
        if choice == "upload":
            return uploaded
        memo = st.session_state.get("_combined_memo")
        token = dataset_token()
        if memo is not None and memo[0] == token:
            return memo[1]
        from lib.upload import combine  # local import: only needed with an upload

        combined = combine(shipped_dataset(), uploaded)
        st.session_state["_combined_memo"] = (token, combined)
        return combined
    return shipped_dataset()


def dataset_token() -> tuple:
    """Identifies the active dataset for this session's memos (shipped version or upload token)."""
    choice = st.session_state.get("data_choice", "shipped")
    if st.session_state.get("uploaded_dataset") is None or choice == "shipped":
        return ("shipped", shipped_dataset().version)
    return (choice, st.session_state.get("upload_token"))


def _session_memo(name: str, key, compute):
    """Keep the last result of ``compute`` for ``key`` in this session (recompute only on change)."""
    memo = st.session_state.get(name)
    if memo is not None and memo[0] == key:
        return memo[1]
    value = compute()
    st.session_state[name] = (key, value)
    return value


# ---------------------------------------------------------------------------
# State and URL
# ---------------------------------------------------------------------------

def init_session() -> None:
    """On a session's first run, read the link into the filter widgets."""
    if "_initialised" in st.session_state:
        return
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    state, warnings = from_query_params(params)
    st.session_state["_initial_params"] = params
    st.session_state["link_warnings"] = warnings
    st.session_state["view_values"] = {}
    _write_widgets(state)
    st.session_state["_initialised"] = True


def _write_widgets(state: FilterState) -> None:
    for name in MULTI_KEYS:
        st.session_state[_WIDGET[name]] = list(getattr(state, name))
    for name in ("dose_min", "dose_max", "year_min", "year_max"):
        st.session_state[_WIDGET[name]] = getattr(state, name)


def state_from_widgets() -> tuple[FilterState, list[str]]:
    """Build the filter state from the widgets' values (a wrong range is reported, not raised)."""
    kwargs: dict = {}
    problems: list[str] = []
    for name in MULTI_KEYS:
        kwargs[name] = tuple(st.session_state.get(_WIDGET[name]) or ())
    for name in ("dose_min", "dose_max", "year_min", "year_max"):
        v = st.session_state.get(_WIDGET[name])
        kwargs[name] = None if v is None or (isinstance(v, float) and math.isnan(v)) else v
    for a, b, label in (("dose_min", "dose_max", "Dose"), ("year_min", "year_max", "Year")):
        if kwargs[a] is not None and kwargs[b] is not None and kwargs[a] > kwargs[b]:
            problems.append(f"{label}: the minimum is above the maximum, so that range is not applied.")
            kwargs[a] = kwargs[b] = None
    return FilterState(**kwargs), problems


def _remove_item(field_name: str, value: str) -> None:
    state, _ = state_from_widgets()
    _write_widgets(state.without(field_name, value))


def _reset() -> None:
    _write_widgets(FilterState())
    st.session_state["link_warnings"] = []


def sync_url(state: FilterState) -> None:
    """Write the filters and the current page's view options into the URL."""
    params = to_query_params(state)
    for key, value in st.session_state.get("_run_view_params", {}).items():
        params[f"_{key}"] = [value]
    current = {k: st.query_params.get_all(k) for k in st.query_params}
    if current != params:
        st.query_params.from_dict(params)


def begin_run() -> None:
    """Reset what lives for one run only (view parameters written to the URL, the dataset copy)."""
    st.session_state["_run_view_params"] = {}
    st.session_state["_run_cache"] = {}


def view_option(key: str, label: str, options: Sequence[str], default: str,
                format_func=str, widget: str = "selectbox", help: str | None = None) -> str:
    """A page view option that lives in the URL as ``_<key>``.

    The value from a link is used on first display; a wrong value gives a
    visible warning and falls back to ``default``. Only non-default values
    are written to the URL.
    """
    options = list(options)
    values = st.session_state.setdefault("view_values", {})
    wkey = f"view_{key}"
    if wkey not in st.session_state:
        initial = values.get(key)
        if initial is None:
            raw = st.session_state.get("_initial_params", {}).get(f"_{key}")
            if raw:
                if raw[0] in options:
                    initial = raw[0]
                else:
                    st.warning(f"Ignored _{key}={quote_value(raw[0])} in the link: not one of {', '.join(map(str, options))}.")
        st.session_state[wkey] = initial if initial in options else default
    if st.session_state[wkey] not in options:
        st.session_state[wkey] = default
    if widget == "radio":
        value = st.radio(label, options, format_func=format_func, key=wkey, horizontal=True, help=help)
    else:
        value = st.selectbox(label, options, format_func=format_func, key=wkey, help=help)
    values[key] = value
    if value != default:
        st.session_state["_run_view_params"][key] = value
    return value


# ---------------------------------------------------------------------------
# Sidebar
# ---------------------------------------------------------------------------

def sidebar_filters(dataset: Dataset) -> FilterState:
    """Render the shared filters in the sidebar and return the state they define."""
    state, problems = state_from_widgets()
    with st.sidebar:
        st.header("Filters")
        all_counts = _session_memo(
            "_counts_memo", (dataset_token(), state),
            lambda: {name: option_counts(dataset, state, name) for name in _FIELD_LABELS})
        for name, (title, labels) in _FIELD_LABELS.items():
            counts = all_counts[name]
            present = [v for v in MULTI_KEYS[name][1] if counts[v] != (0, 0) or v in getattr(state, name)]

            def fmt(v, labels=labels, counts=counts):
                p, k = counts.get(v, (0, 0))
                return f"{labels.get(v, v)} ({p} pts, {k} cohorts)"

            st.multiselect(title, present, key=_WIDGET[name], format_func=fmt,
                           placeholder="All")
        c1, c2 = st.columns(2)
        c1.number_input("Dose min (mg/kg/day)", min_value=DOSE_BOUNDS[0], max_value=DOSE_BOUNDS[1],
                        value=None, step=0.5, key=_WIDGET["dose_min"], placeholder="any")
        c2.number_input("Dose max (mg/kg/day)", min_value=DOSE_BOUNDS[0], max_value=DOSE_BOUNDS[1],
                        value=None, step=0.5, key=_WIDGET["dose_max"], placeholder="any")
        c3, c4 = st.columns(2)
        c3.number_input("Published from", min_value=YEAR_BOUNDS[0], max_value=YEAR_BOUNDS[1],
                        value=None, step=1, key=_WIDGET["year_min"], placeholder="any")
        c4.number_input("Published to", min_value=YEAR_BOUNDS[0], max_value=YEAR_BOUNDS[1],
                        value=None, step=1, key=_WIDGET["year_max"], placeholder="any")
        st.caption("A dose or age filter leaves out rows where the source does not state it.")
        for p in problems:
            st.warning(p)
    return state


def active_filter_list(state: FilterState) -> None:
    """The active filters as removable items, a reset button and the copy-link button, in one row."""
    items = state.active()
    with st.container(horizontal=True, vertical_alignment="center"):
        if not items:
            st.caption("No filters: showing the whole dataset.")
        for field_name, value in items:
            st.button(describe_item(field_name, value), icon=":material/close:", key=f"rm_{field_name}_{value}",
                      on_click=_remove_item, args=(field_name, value), help="Remove this filter")
        if items:
            st.button("Reset all filters", key="reset_filters", on_click=_reset, type="tertiary")
        copy_link()


def show_link_warnings() -> None:
    warnings = st.session_state.get("link_warnings") or []
    if warnings:
        with st.container(border=True):
            st.warning("Some parts of the link were not understood and were ignored:")
            for w in warnings[:20]:
                st.text(w)
            if len(warnings) > 20:
                st.text(f"... and {len(warnings) - 20} more")
            if st.button("Dismiss", key="dismiss_link_warnings"):
                st.session_state["link_warnings"] = []
                st.rerun()


def copy_link() -> None:
    """Show the link of the current view, with a copy button."""
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    query = urlencode([(k, v) for k, vs in params.items() for v in vs])
    base = ""
    try:
        base = (st.context.url or "").split("?")[0]
    except Exception:  # noqa: BLE001 - no request context (tests)
        base = ""
    link = base + ("?" + query if query else "")
    with st.popover("Copy link", icon=":material/link:"):
        st.caption("This link reopens the same page with the same filters and options.")
        st.code(link or "(this page with no filters)", language=None)


# ---------------------------------------------------------------------------
# The view pages receive
# ---------------------------------------------------------------------------

def set_current_view(view: FilteredView) -> None:
    st.session_state["_current_view"] = view


def current_view() -> FilteredView:
    """The filtered data for the current run (computed once in app.py)."""
    view = st.session_state.get("_current_view")
    if view is None:  # a page run on its own (tests)
        ds = active_dataset()
        view = filtered(ds, FilterState())
    return view


def filtered(ds: Dataset, state: FilterState) -> FilteredView:
    """The filtered view, recomputed only when the dataset or the filters change."""
    return _session_memo("_view_memo", (dataset_token(), state), lambda: apply_filters(ds, state))


def empty_message(view: FilteredView, what: str = "patients or cohorts") -> bool:
    """Show a clear message and return True when the filters leave nothing."""
    if view.is_empty:
        st.info(f"No {what} match the current filters. Remove a filter above or reset them.")
        return True
    return False


def n_caption(n: int, missing: int, what: str) -> str:
    return f"n = {n} {what}" + (f"; {missing} without this value not shown" if missing else "")


def load_error(exc: DataValidationError) -> None:
    st.error("The dataset could not be loaded; nothing is shown rather than wrong numbers.")
    st.text(str(exc))


def chart(fig, key: str, data: pd.DataFrame | None = None, filename: str = "chart") -> None:
    """Show a plotly figure; its toolbar camera saves it as PNG or SVG; its data downloads as CSV.

    The image is made in the browser by plotly (nothing is sent anywhere), in
    the format chosen under "Chart images" in the sidebar.
    """
    fmt = st.session_state.get("image_format", "png")
    config = {
        "displaylogo": False,
        "toImageButtonOptions": {"format": fmt, "filename": filename, "scale": 2 if fmt == "png" else 1},
    }
    st.plotly_chart(fig, width="stretch", key=key, config=config)
    if data is not None:
        from lib.export import safe_csv

        st.download_button("Data behind this chart (CSV)", lambda: safe_csv(data), file_name=f"{filename}.csv",
                           mime="text/csv", key=f"{key}_csv", on_click="ignore")


def image_format_picker() -> None:
    """Sidebar choice of the format the chart toolbar's camera button saves."""
    st.radio("Chart images (camera button on each chart)", ["png", "svg"], key="image_format",
             format_func=str.upper, horizontal=True)


def dataframe_download(df: pd.DataFrame, label: str, file_name: str, key: str) -> None:
    from lib.export import safe_csv  # local import keeps ui light

    # the bytes are made only when the user clicks (a large table costs nothing on a rerun)
    st.download_button(label, lambda: safe_csv(df), file_name=file_name, mime="text/csv", key=key,
                       on_click="ignore")
