"""The UI bridge: the only module of ``lib`` that imports streamlit.

It holds the cached data loading, the shared filter widgets, the sync between
widgets, session state and the URL, and small display helpers that every page
uses (copy link, empty-state message, n/missing captions).

Why filter widgets show counts *beside* their options, not in them
-------------------------------------------------------------------
Streamlit sends a multiselect's (and a selectbox's) value between browser and
server as the option's *formatted label* (the text ``format_func`` returns),
and maps it back to the option on the server by looking the label up among the
labels of the current run. Round 1 put live counts into the labels ("MAS (10
pts, 10 cohorts)"); a filter change elsewhere changed the counts, the browser
sent back the old label, the lookup failed, Streamlit handed the label over as
if it were a value, and ``FilterState`` raised (issue 11).

The design now:

* **Values are codes, labels never change.** Every filter widget's options are
  the URL codes (``mas``, ``iv_cont``, ...) and its ``format_func`` is a fixed
  dictionary lookup (``schema.CONDITION_LABELS`` ...) that depends on nothing
  the user does. A label the browser sends back always maps to its code.
* **Counts sit beside the options**: under each filter a caption lists, for
  every option in view, how many patients and cohorts choosing it would show
  (faceted counts: every *other* active filter applied). The counts can change
  on every run without touching any widget value.
* **Defence in depth**: :func:`state_from_widgets` never raises. A value that
  is not a code (a stale label from a race between a click and a rerun, or
  anything else) is mapped back to its code when it is a label of that filter,
  and otherwise dropped with a visible note; the widget is then rewritten with
  the clean codes before it is drawn.
* **The link is computed, not read back**: the copy-link box and the URL are
  both built at the end of the run from this run's filter state and the view
  options the page registered (:func:`finish_run`), so the link can never lag
  one change behind the address bar.
"""

from __future__ import annotations

import contextvars
import dataclasses
import functools
import math
import re
from collections.abc import Sequence
from urllib.parse import urlencode, urlsplit

import pandas as pd
import streamlit as st

from lib import schema
from lib.data import Dataset, DataValidationError, approx_nbytes, load_dataset
from lib.safe_text import escape_markdown, plain, plotly_safe
from lib.wording import plural
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
    system_notes,
    view_key_warnings,
    all_option_counts,
    relaxations,
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

    ``st.cache_data`` hands each caller its own copy; a session keeps the copy it got (in its
    session state), so a run does not unpickle the dataset again. Pages never modify it.
    """
    try:
        copy = st.session_state.get("_shipped_dataset")
    except Exception:  # noqa: BLE001 - no session (a bare call outside a run)
        return _load_shipped()
    if copy is None:
        copy = _load_shipped()
        st.session_state["_shipped_dataset"] = copy
    return copy


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
    st.session_state["link_warnings"] = system_notes(params) + warnings
    st.session_state["_check_view_keys"] = True
    st.session_state["view_values"] = {}
    _write_widgets(state)
    st.session_state["_initialised"] = True


def _write_widgets(state: FilterState) -> None:
    for name in MULTI_KEYS:
        st.session_state[_WIDGET[name]] = list(getattr(state, name))
    for name in ("dose_min", "dose_max", "year_min", "year_max"):
        st.session_state[_WIDGET[name]] = getattr(state, name)


_COUNT_SUFFIX = re.compile(r"\s*\([^()]*\)\s*$")


def clean_codes(name: str, values) -> tuple[list[str], list[str]]:
    """The codes of a multi-valued filter widget's values, and notes on what was dropped.

    A value that is a code is kept. A value that is one of the filter's labels
    (optionally followed by a parenthesised count, as round 1 labels were) is
    mapped back to its code. Anything else is dropped with a note. Never raises.
    """
    _, allowed = MULTI_KEYS[name]
    _, labels = _FIELD_LABELS[name]
    by_label = {str(text).casefold(): code for code, text in labels.items() if code in allowed}
    kept: list[str] = []
    dropped: list[str] = []
    if values is None or isinstance(values, (str, bytes)):
        values = [] if values is None else [values]
    try:
        items = list(values)
    except TypeError:
        items = [values]
    for v in items:
        code = None
        if isinstance(v, str):
            if v in allowed:
                code = v
            else:
                text = v.strip().casefold()
                code = by_label.get(text) or by_label.get(_COUNT_SUFFIX.sub("", text))
        if code is None:
            dropped.append(quote_value(str(v)))
        elif code not in kept:
            kept.append(code)
    return kept, dropped


def _clean_number(name: str, v) -> tuple[float | int | None, bool]:
    """A number widget's value, or None when it is empty or unusable (then True: it was dropped)."""
    if v is None:
        return None, False
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return None, True
    lo, hi = DOSE_BOUNDS if name.startswith("dose") else YEAR_BOUNDS
    if not lo <= v <= hi:
        return None, True
    if name.startswith("year"):
        if v != int(v):
            return None, True
        return int(v), False
    return float(v), False


def state_from_widgets(repair: bool = False) -> tuple[FilterState, list[str]]:
    """Build the filter state from the widgets' values. Never raises.

    Values that are not codes are mapped back or dropped (see the module
    docstring); a minimum above its maximum leaves that range unapplied. Each
    is reported in ``problems``. With ``repair=True`` (only before the widgets
    are drawn in a run) the widgets are rewritten with the clean values.
    """
    kwargs: dict = {}
    problems: list[str] = []
    for name in MULTI_KEYS:
        raw = st.session_state.get(_WIDGET[name])
        codes, dropped = clean_codes(name, raw)
        kwargs[name] = tuple(codes)
        if dropped:
            problems.append(f"{_FIELD_LABELS[name][0]}: ignored {', '.join(dropped)} (not an option of this filter).")
        if repair and (dropped or list(raw or []) != codes):
            st.session_state[_WIDGET[name]] = codes
    for name in ("dose_min", "dose_max", "year_min", "year_max"):
        value, bad = _clean_number(name, st.session_state.get(_WIDGET[name]))
        kwargs[name] = value
        if bad:
            problems.append(f"{name.replace('_', ' ').capitalize()}: the value was not usable and is ignored.")
            if repair:
                st.session_state[_WIDGET[name]] = None
    for a, b, label in (("dose_min", "dose_max", "Dose"), ("year_min", "year_max", "Year")):
        if kwargs[a] is not None and kwargs[b] is not None and kwargs[a] > kwargs[b]:
            problems.append(f"{label}: the minimum is above the maximum, so that range is not applied.")
            kwargs[a] = kwargs[b] = None
    return FilterState(**kwargs), problems


def _remove_item(field_name: str, value: str) -> None:
    state, _ = state_from_widgets()
    _write_widgets(state.without(field_name, value))
    request_full_run()


def request_full_run() -> None:
    """From a callback inside a fragment: the next run must be a full run (the filters or the data changed).

    A fragment rerun sees the request at its start and turns into a full run of the app.
    """
    st.session_state["_full_run_requested"] = True


def _reset() -> None:
    _write_widgets(FilterState())
    st.session_state["link_warnings"] = []
    request_full_run()


def link_params(state: FilterState) -> dict[str, list[str]]:
    """The query parameters of the view on screen: the filters, then this page's view options."""
    params = to_query_params(state)
    for key, value in st.session_state.get("_run_view_params", {}).items():
        params[f"_{key}"] = [value]
    return params


def sync_url(state: FilterState) -> dict[str, list[str]]:
    """Write the filters and the current page's view options into the URL; return them."""
    params = link_params(state)
    current = {k: st.query_params.get_all(k) for k in st.query_params}
    if list(current.items()) != list(params.items()):  # the order too: the link is the address bar, char for char
        st.query_params.from_dict(params)
    return params


def page_link(page_path: str, params: dict[str, list[str]]) -> str:
    """The address of a page with ``params``, exactly as the browser's address bar shows it.

    ``page_path`` is the page's URL path ("" for the default page). The query
    string is encoded as Streamlit encodes ``st.query_params`` for the browser
    (``urllib.parse.urlencode`` with ``doseq``), in the same key order.
    """
    origin = ""
    try:
        url = st.context.url or ""
        parts = urlsplit(url)
        if parts.scheme and parts.netloc:
            origin = f"{parts.scheme}://{parts.netloc}"
    except Exception:  # noqa: BLE001 - no request context (AppTest)
        origin = ""
    base_path = (st.get_option("server.baseUrlPath") or "").strip("/")
    path = "/" + "/".join(p for p in (base_path, page_path) if p)
    query = urlencode(params, doseq=True)
    return origin + path + ("?" + query if query else "")


def begin_run() -> None:
    """Reset what lives for one run only (view parameters written to the URL, the dataset copy)."""
    st.session_state["_run_view_params"] = {}
    st.session_state["_run_cache"] = {}
    st.session_state.pop("_full_run_requested", None)  # this is a full run


def _link_warning(text: str) -> None:
    """Add a warning about the link (shown, as plain text, in the box at the top of the page)."""
    warnings = st.session_state.setdefault("link_warnings", [])
    if text not in warnings:
        warnings.append(text)


def finish_run(state: FilterState, page) -> None:
    """End of every run: write the URL and fill the copy-link box with the same link.

    Both come from this run's filter state and the view options the page
    registered, so the copied link is always the address bar of the view on
    screen (issue 11). On a session's first run the link's view options are
    also checked against the page they belong to, and the warning box is
    filled last, so that what the page found wrong in the link shows at once.
    """
    page_path = "" if getattr(page, "_default", False) else (getattr(page, "url_path", "") or "")
    st.session_state["_current_page_path"] = page_path
    if st.session_state.pop("_check_view_keys", False):
        for w in view_key_warnings(st.session_state.get("_initial_params", {}), page_path):
            _link_warning(w)
    _fill_link_warnings()
    params = sync_url(state)
    link = page_link(page_path, params)
    st.session_state["_current_link"] = link
    if st.session_state.pop("_show_link", False):
        _link_dialog(link)


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
                    shown = ", ".join(str(format_func(o)) for o in options[:12]) + (", ..." if len(options) > 12 else "")
                    _link_warning(f"Ignored _{key}={quote_value(raw[0])} in the link: not one of the choices "
                                  f"({shown}).")
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
    else:  # back to the default inside a fragment rerun: leave the link
        st.session_state["_run_view_params"].pop(key, None)
    return value


def view_text(key: str, label: str, max_chars: int = 100, help: str | None = None,
              placeholder: str | None = None) -> str:
    """A page's free-text view option (e.g. the Cases search) that lives in the URL as ``_<key>``.

    The text from a link is used on first display (cut to ``max_chars``);
    only non-empty text is written to the URL.
    """
    values = st.session_state.setdefault("view_values", {})
    wkey = f"view_{key}"
    if wkey not in st.session_state:
        initial = values.get(key)
        if initial is None:
            raw = st.session_state.get("_initial_params", {}).get(f"_{key}")
            initial = raw[0] if raw else ""
        initial = "".join(ch for ch in str(initial) if ch.isprintable())[:max_chars]
        st.session_state[wkey] = initial
    value = st.text_input(label, key=wkey, max_chars=max_chars, help=help, placeholder=placeholder)
    values[key] = value
    if value.strip():
        st.session_state["_run_view_params"][key] = value
    else:
        st.session_state["_run_view_params"].pop(key, None)
    return value


# ---------------------------------------------------------------------------
# Sidebar
# ---------------------------------------------------------------------------

@st.cache_data(max_entries=512, show_spinner=False)
def _shipped_counts(version: str, key: str, _state: FilterState) -> dict[str, dict[str, tuple[int, int]]]:
    """Faceted counts of the shipped dataset, shared by every session (bounded); ``key`` names ``_state``."""
    return all_option_counts(_load_shipped(), _state)


def faceted_counts(dataset: Dataset, state: FilterState) -> dict[str, dict[str, tuple[int, int]]]:
    """The counts beside every filter: one vectorised pass, cached across sessions for the shipped data.

    An upload's counts stay in its session (never in a cache shared between sessions).
    """
    token = dataset_token()
    if token[0] == "shipped":
        return _shipped_counts(dataset.version, state_key(state), state)
    return _session_memo("_counts_memo", (token, state), lambda: all_option_counts(dataset, state))


def _label_func(labels: dict[str, str]):
    """A fixed ``format_func``: the option's label, never anything that changes between runs."""
    def fmt(code: str) -> str:
        return labels.get(code, code)
    return fmt


def counts_text(name: str, counts: dict[str, tuple[int, int]], options: Sequence[str]) -> str:
    """One caption line: how many patients and cohorts each option would show (e.g. ``MAS 10 · 3``)."""
    _, labels = _FIELD_LABELS[name]
    parts = [f"{labels.get(v, v)} {counts.get(v, (0, 0))[0]} · {counts.get(v, (0, 0))[1]}" for v in options]
    return "; ".join(parts)


def sidebar_filters(dataset: Dataset) -> FilterState:
    """Render the shared filters in the sidebar and return the state they define.

    Option labels are fixed; the faceted counts are a caption under each
    filter (see the module docstring for why).
    """
    state, problems = state_from_widgets(repair=True)
    with st.sidebar:
        st.header("Filters")
        st.caption("Under each filter: patients · cohorts that choosing the option would show, "
                   "with the other filters applied.")
        all_counts = faceted_counts(dataset, state)
        for name, (title, labels) in _FIELD_LABELS.items():
            counts = all_counts[name]
            selected = getattr(state, name)
            present = [v for v in MULTI_KEYS[name][1] if counts[v] != (0, 0) or v in selected]
            st.multiselect(title, present, key=_WIDGET[name], format_func=_label_func(labels),
                           placeholder="All")
            if present:
                st.caption(counts_text(name, counts, present))
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
        # the link is computed when the button is pressed (a full run: filters, page and every view
        # option known, also those a fragment changed since) and shown at the end of that run
        st.button("Copy link", icon=":material/link:", key="copy_link", on_click=_ask_for_link,
                  help="Show the link that reopens this view")


def dataset_line(dataset: Dataset) -> str:
    """The sidebar's line on the data in view: version, publications, patients, cohorts.

    An upload's own source row is a file, not a publication: it is named apart.
    """
    from lib.citations import uploaded_sources

    n_files = int(uploaded_sources(dataset.sources).sum())
    files = f" and {plural(n_files, 'uploaded file')}" if n_files else ""
    return (f"Dataset version {dataset.version} ({dataset.meta.get('date', '')}); "
            f"{plural(len(dataset.sources) - n_files, 'publication')}{files}, "
            f"{plural(len(dataset.cases), 'patient')}, {plural(len(dataset.cohorts), 'cohort')}.")


def sidebar_dataset_line(dataset: Dataset) -> str:
    """:func:`dataset_line` of the active dataset, made once per dataset in a session."""
    return _session_memo("_dataset_line_memo", dataset_token(), lambda: dataset_line(dataset))


def upload_banner(view: FilteredView) -> None:
    """On every page, while an upload is in view: say so, with uploaded and published patients apart."""
    choice = dataset_token()[0]
    if choice == "shipped":
        return
    meta = st.session_state.get("uploaded_dataset").meta if st.session_state.get("uploaded_dataset") else {}
    name = plain(meta.get("file", "your file"), 80)
    origin = view.cases["_origin"] if "_origin" in view.cases.columns else None
    n_up = int((origin == "upload").sum()) if origin is not None else view.n_patients
    n_pub = view.n_patients - n_up
    if choice == "upload":
        text = (f"Your upload is in view, alone (matching the filters: {plural(n_up, 'uploaded patient')}). "
                "None of it is published evidence.")
    else:
        text = (f"Your upload is in view beside the published data (matching the filters: "
                f"{plural(n_up, 'uploaded patient')} and {plural(n_pub, 'published patient')}). "
                "Uploaded rows are not published evidence.")
    with st.container(border=True, key="upload_banner"):
        st.info(text, icon=":material/upload_file:")
        st.text(f"File: {name} (this browser session only; not part of any link)")


def show_link_warnings() -> None:
    """Reserve the place of the link-warning box (filled at the end of the run, see :func:`finish_run`)."""
    st.session_state["_run_cache"]["link_warning_slot"] = st.empty()


def _dismiss_link_warnings() -> None:
    st.session_state["link_warnings"] = []


def _fill_link_warnings() -> None:
    warnings = st.session_state.get("link_warnings") or []
    slot = st.session_state.get("_run_cache", {}).get("link_warning_slot")
    if not warnings or slot is None:
        return
    with slot.container(border=True):
        st.warning("Some parts of the link were not understood and were ignored:")
        for w in warnings[:20]:
            st.text(plain(w, 300))  # plain text: nothing from a link is ever rendered as Markdown
        if len(warnings) > 20:
            st.text(f"... and {len(warnings) - 20} more")
        st.button("Dismiss", key="dismiss_link_warnings", on_click=_dismiss_link_warnings)


def _ask_for_link() -> None:
    st.session_state["_show_link"] = True


# Closing the dialog starts a full run (on_dismiss="rerun"), which draws no dialog and so removes it.
# Streamlit keeps a dialog (in its own container, wherever it is called from) until a full run does not
# draw it; a fragment rerun (a view option changed) leaves a closed one in place, and the next "Copy
# link" would reopen it showing its old link for a moment, until the new link arrives (issue 11).
@st.dialog("Link to this view", on_dismiss="rerun")
def _link_dialog(link: str) -> None:
    """The link of the view on screen, with the code block's copy button."""
    st.caption("This link reopens the same page with the same filters and options. "
               "Copy it with the button at the right of the box.")
    st.code(link, language=None)
    if dataset_token()[0] != "shipped":
        st.caption("Your uploaded file is not part of the link: a colleague who opens it sees the "
                   "published data only.")


# ---------------------------------------------------------------------------
# The view pages receive
# ---------------------------------------------------------------------------

def set_current_view(view: FilteredView) -> None:
    st.session_state["_current_view"] = view
    st.session_state["_current_state"] = view.state


def _in_fragment_rerun() -> bool:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return bool(ctx is not None and getattr(ctx, "fragment_ids_this_run", None))


def fragment(func):
    """Run a page section as ``st.fragment``: changing a view option inside it reruns only the section.

    The filters, the sidebar counts and the filtered view are not recomputed
    (issue 16). After a fragment rerun the URL is written again from the
    filters and every view option of the page, so the address bar and the
    "Copy link" dialog (which starts a full run) stay the view on screen.
    """
    import functools
    import time

    @st.fragment
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        alone = _in_fragment_rerun()
        if alone and st.session_state.pop("_full_run_requested", False):
            st.rerun(scope="app")  # a callback in the fragment changed the filters or the data
        started = time.perf_counter()
        result = func(*args, **kwargs)
        if alone:
            state = st.session_state.get("_current_state")
            if state is not None:
                sync_url(state)
            _log_fragment_time(func, started)
        return result

    return wrapper


def run_page(page, as_fragment: bool = True) -> None:
    """Run the page chosen in ``st.navigation``; with ``as_fragment``, as one :func:`fragment`.

    Then a click on any of the page's own widgets (its view options, a table's search, a case
    picked) reruns the page alone: the sidebar, its faceted counts and the filtered view are
    neither redrawn nor recomputed (issue 16). A page whose widgets change the data or the filters
    for every page (the upload page) runs as part of the full run. Buttons inside the page that
    change the filters call :func:`request_full_run`.
    """
    if not as_fragment:
        page.run()
        return
    _page_fragment(page)


@fragment
def _page_fragment(page) -> None:
    # A fragment rerun calls this again with the page of the last full run: Streamlit lets a page
    # run once per run of the entry point, and a fragment rerun is a new run of the page alone.
    page._can_be_called = True
    if _in_fragment_rerun():
        # the page registers all its view options again: start from none, so that the link lists them
        # in the order a full run does (the address bar and "Copy link" must be the same string)
        st.session_state["_run_view_params"] = {}
    page.run()


def current_view() -> FilteredView:
    """The filtered data for the current run (computed once in app.py)."""
    view = st.session_state.get("_current_view")
    if view is None:  # a page run on its own (tests)
        ds = active_dataset()
        view = filtered(ds, FilterState())
    return view


@st.cache_data(max_entries=128, show_spinner=False)
def _shipped_view(version: str, key: str, _state: FilterState) -> FilteredView:
    """The shipped dataset filtered by ``_state`` (named by ``key``), shared by every session (bounded)."""
    return apply_filters(_load_shipped(), _state)


def filtered(ds: Dataset, state: FilterState) -> FilteredView:
    """The filtered view: computed once per (dataset version, filters).

    For the shipped data it is cached across sessions (two clinicians with the same filters pay
    once); an upload's view stays in its session (recomputed only when the upload or the filters
    change). Within a run the view is kept, so the pages share one copy.
    """
    token = dataset_token()
    if token[0] == "shipped":
        return _session_memo("_view_memo", (token, state), lambda: _shipped_view(ds.version, state_key(state), state))
    return _session_memo("_view_memo", (token, state), lambda: apply_filters(ds, state))


# ---------------------------------------------------------------------------
# Page results cached by (dataset version, filters, arguments)
# ---------------------------------------------------------------------------

SHARED_RESULTS_MAX = 256  # entries of page results shared between sessions (shipped data)
SESSION_RESULTS_MAX = 48  # entries of page results and recorded sections an upload keeps in its session
# bytes of page results an upload keeps in its session (the newest result is always kept): at 10^6
# patients a few results each holding a frame of the registry would otherwise pile up (issue 16)
SESSION_RESULTS_MAX_BYTES = 256 * 2**20


def state_key(state: FilterState) -> str:
    """A filter state as a short string for cache keys: its ``repr`` (a frozen dataclass of tuples and
    numbers, so equal states give equal strings). Hashing the string costs microseconds; hashing the
    object with Streamlit's hasher cost milliseconds per look-up (issue 16)."""
    return repr(state)


def _fn_key(fn) -> tuple[str, str]:
    """Names a function for the caches: its file and qualified name (a page's functions are re-made every run)."""
    code = getattr(fn, "__code__", None)
    return (getattr(code, "co_filename", getattr(fn, "__module__", "")), getattr(fn, "__qualname__", repr(fn)))


@st.cache_data(max_entries=SHARED_RESULTS_MAX, show_spinner=False)
def _shared_result(fn_key: tuple, version: str, state_key: str, args: tuple, kwargs: tuple, _fn, _view):
    """``_fn(_view, *args, **kwargs)`` for the shipped data; ``_fn`` and ``_view`` are not hashed.

    They are fixed by the hashed key: ``fn_key`` names the function and the view is the shipped
    dataset ``version`` filtered by the state whose :func:`state_key` is ``state_key``.
    """
    return _fn(_view, *args, **dict(kwargs))


@st.cache_data(max_entries=64, show_spinner=False)
def _shared_dataset_result(fn_key: tuple, version: str, args: tuple, kwargs: tuple, _fn):
    """``_fn(shipped dataset, *args, **kwargs)``; ``_fn`` is named by ``fn_key`` and not hashed."""
    return _fn(_load_shipped(), *args, **dict(kwargs))


def cached_dataset(fn, *args, **kwargs):
    """``fn(active dataset, *args, **kwargs)``, computed once per (dataset, function, arguments).

    For results that depend on the whole dataset, not on the filters (the Data and methods page,
    the labels that turn ids in curators' notes into words). Same rules as :func:`cached`: the
    shipped data's results are shared by every session (bounded), an upload's stay in its session.
    """
    token = dataset_token()
    key = _fn_key(fn)
    kw = tuple(sorted(kwargs.items()))
    if token[0] == "shipped":
        return _shared_dataset_result(key, token[1], args, kw, fn)
    return _memo_get(token, ("dataset", key, args, kw), lambda: fn(active_dataset(), *args, **kwargs))


def _memo_get(token: tuple, mkey: tuple, compute, replay: bool = False):
    """A bounded memo of results in this session, dropped when the upload changes.

    Bounded in entries (``SESSION_RESULTS_MAX``) and in bytes (``SESSION_RESULTS_MAX_BYTES``, as
    :func:`lib.data.approx_nbytes` estimates them): the least recently used results go first, the
    newest stays even when it alone is larger.

    With ``replay``, ``compute`` returns a section's recording (:func:`_record`): a hit draws it
    again and both return the section's value (see :func:`section`).
    """
    memo = st.session_state.get("_results_memo")
    if memo is None or memo.get("token") != token:  # a new upload: drop the old one's results
        memo = {"token": token, "items": {}}
        st.session_state["_results_memo"] = memo
    items: dict = memo["items"]
    if mkey in items:
        items[mkey] = items.pop(mkey)  # most recently used last
        if replay:
            return _replay(items[mkey])
        return items[mkey]
    value = compute()
    items[mkey] = value
    sizes: dict = memo.setdefault("sizes", {})
    sizes[mkey] = _recording_nbytes(value) if replay else approx_nbytes(value)
    if replay:
        value = value.value
    while len(items) > 1 and (len(items) > SESSION_RESULTS_MAX
                              or sum(sizes.get(k, 0) for k in items) > SESSION_RESULTS_MAX_BYTES):
        oldest = next(iter(items))
        items.pop(oldest)
        sizes.pop(oldest, None)
    return value


def cached(fn, view: FilteredView, *args, **kwargs):
    """``fn(view, *args, **kwargs)``, computed once per (dataset, filters, function, arguments).

    ``view`` must be the active dataset filtered by ``view.state`` (what :func:`current_view`
    returns): it is identified by the dataset token and the filter state, never hashed itself.
    The other arguments must be hashable by ``st.cache_data`` (strings, numbers, tuples), except
    keyword arguments written with a leading underscore (``_words=words``): they are passed on
    without it and not hashed, for objects that the dataset fixes (as ``st.cache_data`` does). ``fn``
    must depend on nothing else (no session state, no widgets): it is what the result is cached
    under.

    * Shipped data: a bounded ``st.cache_data`` shared by every session (each caller gets its own
      copy of the result).
    * An upload: a bounded memo in this session's state, keyed by the upload token; it never enters a
      cache shared between sessions. Callers must not modify the result they get (it is the memo's).
    """
    if getattr(fn, "__name__", "") == "<lambda>":
        raise ValueError("ui.cached needs a named function (a lambda has no name to cache it under)")
    token = dataset_token()
    key = _fn_key(fn)
    fixed = {k[1:]: v for k, v in kwargs.items() if k.startswith("_")}  # fixed by the dataset: not hashed
    kw = tuple(sorted((k, v) for k, v in kwargs.items() if not k.startswith("_")))
    call = functools.partial(fn, **fixed) if fixed else fn
    if token[0] == "shipped":
        return _shared_result(key, token[1], state_key(view.state), args, kw, call, view)
    return _memo_get(token, (key, view.state, args, kw), lambda: call(view, *args, **dict(kw)))


# ---------------------------------------------------------------------------
# Page sections drawn once per (dataset, filters, arguments), replayed after
# ---------------------------------------------------------------------------

SHARED_SECTIONS_MAX = 256  # recorded sections of the shipped data shared between sessions

# Widgets a section asked for while it was being recorded: Streamlit cannot record a widget, so the
# section records an empty placeholder in its place and the widget is drawn into that placeholder
# on every run, after the section's elements. ``None`` outside a section.
_DEFERRED: contextvars.ContextVar[list | None] = contextvars.ContextVar("section_widgets", default=None)


@dataclasses.dataclass(frozen=True)
class _Recording:
    """What a section drew (Streamlit's own element records), its value and its deferred widgets."""

    value: object
    messages: tuple
    main_id: str
    sidebar_id: str
    widgets: tuple  # (placeholder id, draw, args, kwargs)


class _Shared:
    """A bounded, thread-safe LRU of recordings shared by every session (the shipped data only)."""

    def __init__(self, size: int) -> None:
        import collections
        import threading

        self.size = size
        self.items: collections.OrderedDict = collections.OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        return None

    def put(self, key, value) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


@st.cache_resource(show_spinner=False)
def _shared_sections() -> _Shared:
    return _Shared(SHARED_SECTIONS_MAX)


def _record(fn, view, args, kwargs) -> _Recording:
    """Run ``fn(view, *args, **kwargs)`` live while recording the elements it draws.

    The recording uses Streamlit's own record of elements drawn inside a cached function (the one
    ``st.cache_data`` replays); a widget drawn inside would raise Streamlit's cached-widget warning,
    so :func:`chart` and :func:`dataframe_download` defer theirs (:func:`_widget`).
    """
    from streamlit.runtime.caching.cache_data_api import CACHE_DATA_MESSAGE_REPLAY_CTX as ctx

    widgets: list = []
    token = _DEFERRED.set(widgets)
    try:
        with ctx.calling_cached_function(fn):
            value = fn(view, *args, **kwargs)
        messages = tuple(ctx._most_recent_messages)
    finally:
        _DEFERRED.reset(token)
    for _, placeholder, draw, wargs, wkwargs in widgets:  # this run: into the live placeholders
        with placeholder:
            draw(*wargs, **wkwargs)
    return _Recording(value, messages, st._main._id, st.sidebar._id,
                      tuple((pid, draw, wargs, wkwargs) for pid, _, draw, wargs, wkwargs in widgets))


def _recording_nbytes(rec: _Recording) -> int:
    """About how many bytes a recording holds: its value, its elements' messages and its widgets' data."""
    return (approx_nbytes(rec.value) + sum(m.message.ByteSize() for m in rec.messages)
            + approx_nbytes(rec.widgets))


def _replay(rec: _Recording):
    """Draw a recording again (as Streamlit's ``replay_cached_messages``), then its widgets in their places."""
    from streamlit.delta_generator import DeltaGenerator
    from streamlit.runtime.caching.cached_message_replay import BlockMsgData, ElementMsgData

    dgs: dict = {rec.main_id: st._main, rec.sidebar_id: st.sidebar}
    for msg in rec.messages:
        dg = dgs[msg.id_of_dg_called_on]
        if isinstance(msg, ElementMsgData):
            made = dg._enqueue(msg.delta_type, msg.message, layout_config=msg.layout_config)
            if isinstance(made, DeltaGenerator):
                dgs[msg.returned_dgs_id] = made
        elif isinstance(msg, BlockMsgData):
            dgs[msg.returned_dgs_id] = dg._block(msg.message)
    for pid, draw, wargs, wkwargs in rec.widgets:
        with dgs[pid]:
            draw(*wargs, **wkwargs)
    return rec.value


def in_section() -> bool:
    """True while a :func:`section` is being recorded (widgets are then deferred)."""
    return _DEFERRED.get() is not None


def _widget(draw, *args, **kwargs) -> None:
    """Draw a widget now or, inside a :func:`section` being recorded, into a placeholder drawn in its place."""
    deferred = _DEFERRED.get()
    if deferred is None:
        draw(*args, **kwargs)
        return
    placeholder = st.empty()
    deferred.append((placeholder._id, placeholder, draw, args, kwargs))


def section(fn, view: FilteredView, *args, **kwargs):
    """Draw ``fn(view, *args, **kwargs)``: computed and drawn once per (dataset, filters, arguments),
    then replayed from the recording (issue 16: a rerun costs what its elements cost).

    ``fn`` draws with Streamlit's display elements (text, tables, charts, columns, tabs, expanders)
    and may return a value, which callers must not modify (it is shared). It must not draw widgets
    itself: a chart's CSV button (:func:`chart`) and :func:`dataframe_download` are recorded as
    placeholders and drawn into them on every run. The same rules as :func:`cached` apply to ``fn``
    and its arguments; the chart image format chosen in the sidebar is part of the key (a chart's
    toolbar carries it).

    * Shipped data: one bounded recording per key shared by every session.
    * An upload: the session's bounded memo keeps the recording (never shared between sessions).
    """
    return _section(fn, view, state_key(view.state), args, kwargs)


def dataset_section(fn, *args, **kwargs):
    """Draw ``fn(active dataset, *args, **kwargs)`` as a :func:`section` keyed by the dataset, not the
    filters (the Data and methods page)."""
    return _section(fn, active_dataset(), "dataset", args, kwargs)


def _section(fn, view, filters_key: str, args: tuple, kwargs: dict):
    """:func:`section` with ``view`` (a filtered view, or the dataset) named by ``filters_key`` in the key."""
    if in_section():  # inside another section: that one records everything
        return fn(view, *args, **kwargs)
    token = dataset_token()
    fmt = st.session_state.get("image_format", "png")
    key = ("section",) + _fn_key(fn) + (filters_key, args, tuple(sorted(kwargs.items())), fmt)
    if token[0] == "shipped":
        shared = _shared_sections()
        key = (token[1],) + key
        rec = shared.get(key)
        if rec is not None:
            return _replay(rec)
        rec = _record(fn, view, args, kwargs)
        shared.put(key, rec)
        return rec.value
    return _memo_get(token, key, lambda: _record(fn, view, args, kwargs), replay=True)


def empty_message(view: FilteredView, what: str = "patients or cohorts") -> bool:
    """Show a clear message and return True when the filters leave nothing.

    The message names the filters whose removal brings back the most rows and
    offers a button for each (the button edits the filters, hence the link).
    """
    if not view.is_empty:
        return False
    st.info(f"No {what} match the current filters.")
    try:
        options = relaxations(active_dataset(), view.state)
    except Exception:  # noqa: BLE001 - a suggestion must never break the page
        options = []
    useful = [o for o in options if o[2] + o[3] > 0][:3]
    if useful:
        st.caption("Removing one filter would show:")
        with st.container(horizontal=True):
            for field_name, value, p, k in useful:
                st.button(f"Remove “{describe_item(field_name, value)}”: {plural(p, 'patient')}, "
                          f"{plural(k, 'cohort')}", key=f"relax_{field_name}_{value}",
                          on_click=_remove_item, args=(field_name, value), icon=":material/filter_alt_off:")
    elif view.state.active():
        st.caption("No single filter brings rows back: reset the filters above.")
    return True


def n_caption(n: int, missing: int, what: str) -> str:
    return f"n = {n} {what}" + (f"; {missing} without this value not shown" if missing else "")


def load_error(exc: DataValidationError) -> None:
    st.error("The dataset could not be loaded; nothing is shown rather than wrong numbers.")
    st.text(str(exc))


def chart(fig, key: str, data: pd.DataFrame | None = None, filename: str = "chart",
          percent: Sequence[str] = (), percent_decimals: int = 0) -> None:
    """Show a plotly figure; its toolbar camera saves it as PNG or SVG; its data downloads as CSV.

    ``percent`` names the proportion columns (0-1) that the chart shows as percentages: the CSV
    gives them in percent rounded as shown, beside the exact proportion (:func:`lib.export.percent_as_shown`).

    The image is made in the browser by plotly (nothing is sent anywhere), in
    the format chosen under "Chart images" in the sidebar.
    """
    fmt = st.session_state.get("image_format", "png")
    config = {
        "displaylogo": False,
        "toImageButtonOptions": {"format": fmt, "filename": filename, "scale": 2 if fmt == "png" else 1},
    }
    spec = fig if isinstance(fig, dict) else fig.to_plotly_json()
    # data text (study labels, categories, hover text) is shown literally, never as plotly markup
    st.plotly_chart(plotly_safe(spec), width="stretch", key=key, config=config)
    if data is not None:
        _widget(_chart_csv_button, data, key, filename, tuple(percent), percent_decimals)


def _chart_csv_button(data: pd.DataFrame, key: str, filename: str, percent: tuple, percent_decimals: int) -> None:
    from lib.export import percent_as_shown, safe_csv

    st.download_button("Data behind this chart (CSV)",
                       lambda: safe_csv(percent_as_shown(data, percent, percent_decimals)),
                       file_name=f"{filename}.csv",
                       mime="text/csv", key=f"{key}_csv", on_click="ignore")


def image_format_picker() -> None:
    """Sidebar choice of the format the chart toolbar's camera button saves."""
    st.radio("Chart images (camera button on each chart)", ["png", "svg"], key="image_format",
             format_func=str.upper, horizontal=True)


def readable_columns(df: pd.DataFrame) -> pd.DataFrame:
    """A raw table for showing: helper columns (``_...``) dropped, names in words (``rows_rechecked`` → "Rows rechecked")."""
    public = [c for c in df.columns if not str(c).startswith("_")]
    return df[public].rename(columns={c: str(c).replace("_", " ").strip().capitalize() for c in public})


def download_button(*args, **kwargs) -> None:
    """``st.download_button`` in the current container (into a placeholder inside a :func:`section`)."""
    _widget(st.download_button, *args, **kwargs)


def dataframe_download(df: pd.DataFrame, label: str, file_name: str, key: str) -> None:
    """A CSV download of ``df`` (deferred to after the elements inside a :func:`section`)."""
    _widget(_dataframe_download, df, label, file_name, key)


def _dataframe_download(df: pd.DataFrame, label: str, file_name: str, key: str) -> None:
    from lib.export import safe_csv  # local import keeps ui light

    # the bytes are made only when the user clicks (a large table costs nothing on a rerun)
    st.download_button(label, lambda: safe_csv(df), file_name=file_name, mime="text/csv", key=key,
                       on_click="ignore")


def log_run_time(page, started: float) -> None:
    """With ``DASHBOARD_LOG_RUNS=1``, print one line per finished run (page, milliseconds) to the server log.

    The load test reads these lines to attribute a slow step to the server or
    to the browser.
    """
    import os
    import sys
    import time

    if os.environ.get("DASHBOARD_LOG_RUNS") == "1":
        ms = (time.perf_counter() - started) * 1000.0
        path = getattr(page, "url_path", "") or "/"
        print(f"DASHBOARD_RUN page={path} ms={ms:.1f}", file=sys.stderr, flush=True)


def _log_fragment_time(func, started: float) -> None:
    """With ``DASHBOARD_LOG_RUNS=1``, a fragment rerun's line (page, fragment, milliseconds) in the server log."""
    import os
    import sys
    import time

    if os.environ.get("DASHBOARD_LOG_RUNS") == "1":
        ms = (time.perf_counter() - started) * 1000.0
        page = st.session_state.get("_current_page_path", "")
        print(f"DASHBOARD_RUN page={page or '/'} fragment={func.__name__} ms={ms:.1f}", file=sys.stderr, flush=True)


# The style sheet the dashboard adds to Streamlit's own (static text, written here; nothing from data).
# * The control that opens the sidebar is an icon only ("Expand sidebar" for screen readers); on a
#   phone the sidebar starts closed, so the control carries the word "Filters" (issue 14).
# * Long option labels and metric labels wrap instead of being cut off with an ellipsis.
_STYLE = """<style>
[data-testid="stMetricLabel"] * { white-space: normal !important; overflow: visible !important; text-overflow: clip !important; }
[data-testid="stExpandSidebarButton"] { width: auto; padding-right: 0.6rem; gap: 0.25rem; }
[data-testid="stExpandSidebarButton"]::after { content: "Filters"; font-size: 1rem; font-weight: 600; }
[data-testid="stMultiSelectTagsContainer"] [data-tag] { max-width: 100%; height: auto; }
[data-testid="stMultiSelectTagsContainer"] [data-tag] > span[title] {
  white-space: normal; overflow: visible; text-overflow: clip; max-width: none; }
[role="option"], [role="option"] * { white-space: normal !important; text-overflow: clip !important; }
</style>"""


def style() -> None:
    """Add the dashboard's style sheet (see ``_STYLE``)."""
    st.html(_STYLE)


@st.cache_resource(show_spinner=False)
def page_icon():
    """The browser tab's icon: a red cross on white, drawn in memory (nothing fetched from anywhere)."""
    import numpy as np
    from PIL import Image

    a = np.zeros((32, 32, 4), dtype=np.uint8)
    a[2:30, 2:30] = (255, 255, 255, 255)
    a[13:19, 6:26] = (196, 30, 58, 255)
    a[6:26, 13:19] = (196, 30, 58, 255)
    return Image.fromarray(a, "RGBA")


def safe(value, max_chars: int | None = None) -> str:
    """Text the app did not write, ready to go into Markdown (see :mod:`lib.safe_text`)."""
    return escape_markdown(value, max_chars)


def plain_text(value, max_chars: int | None = None) -> str:
    """Text the app did not write, for a plain-text element (``st.text``)."""
    return plain(value, max_chars)
