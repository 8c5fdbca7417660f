"""Caching and fragments in lib.ui (issue 16): behaviour, not timing (speed is measured in benchmarks/run.py).

* two sessions with the same filters pay once for a page's results (shared, bounded ``st.cache_data``);
* an upload's results never enter a cache shared between sessions (they stay in its session);
* a view option changed in a fragment reruns the page alone: the filtered view and the sidebar's
  counts are not recomputed, and the link still follows.
"""

from __future__ import annotations

import pytest
import streamlit as st

import lib.counts
import lib.ui as ui
from apptest_util import fragment_id_of, run_app, run_fragment
from benchmarks.synthetic import synthetic_dataset


@pytest.fixture()
def spy(monkeypatch):
    """Count the calls of module attributes (looked up at call time by the code under test)."""
    calls: dict[str, int] = {}

    def watch(module, name):
        original = getattr(module, name)

        def counted(*args, **kwargs):
            calls[name] = calls.get(name, 0) + 1
            return original(*args, **kwargs)

        counted.__name__ = getattr(original, "__name__", name)
        counted.__qualname__ = getattr(original, "__qualname__", name)
        counted.__wrapped__ = original
        monkeypatch.setattr(module, name, counted)

    watch.calls = calls
    return watch


@pytest.fixture()
def fresh_caches():
    st.cache_data.clear()
    ui._shared_sections().items.clear()
    yield
    st.cache_data.clear()
    ui._shared_sections().items.clear()


def test_two_sessions_with_the_same_filters_compute_once(spy, fresh_caches):
    spy(lib.counts, "condition_headlines")
    first = run_app({"condition": "mas"})
    assert not first.exception
    assert spy.calls["condition_headlines"] == 1
    second = run_app({"condition": "mas"})  # another session, same filters: served from the shared cache
    assert not second.exception
    assert spy.calls["condition_headlines"] == 1
    assert [m.value for m in second.main.metric] == [m.value for m in first.main.metric]
    third = run_app({"condition": "shlh"})  # other filters: computed
    assert not third.exception
    assert spy.calls["condition_headlines"] == 2


def test_the_shipped_filtered_view_is_shared_between_sessions(spy, fresh_caches):
    spy(ui, "apply_filters")
    run_app({"route": "iv"})
    run_app({"route": "iv"})
    assert spy.calls["apply_filters"] == 1
    run_app({"route": "sc"})
    assert spy.calls["apply_filters"] == 2


def _upload(at, n: int = 40):
    at.session_state["uploaded_dataset"] = synthetic_dataset(n, seed=3)
    at.session_state["data_choice"] = "upload"
    at.session_state["upload_token"] = "test-upload-token"


def test_an_upload_never_enters_the_shared_cache(spy, fresh_caches):
    for name in ("_shared_result", "_shared_dataset_result", "_shipped_view", "_shipped_counts", "_shared_sections"):
        spy(ui, name)
    spy(lib.counts, "condition_headlines")
    from streamlit.testing.v1 import AppTest

    from apptest_util import APP

    at = AppTest.from_file(APP, default_timeout=120)
    _upload(at)
    at.run()
    assert not at.exception
    for page in ("pages/overview.py", "pages/dosing.py", "pages/safety.py"):
        at.switch_page(page)
        at.run()
        assert not at.exception, page
    assert spy.calls.get("condition_headlines") == 1  # computed for the upload ...
    for name in ("_shared_result", "_shared_dataset_result", "_shipped_view", "_shipped_counts", "_shared_sections"):
        assert spy.calls.get(name, 0) == 0, f"{name} was called with an upload in view"
    memo = at.session_state["_results_memo"]  # ... and kept in this session, under the upload's token
    assert memo["token"] == ("upload", "test-upload-token")
    assert memo["items"]
    at.switch_page("pages/overview.py")
    at.run()
    assert spy.calls["condition_headlines"] == 1  # the session's memo served it again

    shipped = run_app()  # control: the shipped data goes through the shared cache
    assert not shipped.exception
    assert spy.calls.get("_shared_sections", 0) > 0
    assert spy.calls.get("_shipped_view", 0) > 0


def test_a_new_upload_drops_the_old_uploads_results(fresh_caches):
    from streamlit.testing.v1 import AppTest

    from apptest_util import APP

    at = AppTest.from_file(APP, default_timeout=120)
    _upload(at)
    at.run()
    assert at.session_state["_results_memo"]["token"] == ("upload", "test-upload-token")
    at.session_state["uploaded_dataset"] = synthetic_dataset(30, seed=4)
    at.session_state["upload_token"] = "another-token"
    at.run()
    memo = at.session_state["_results_memo"]
    assert memo["token"] == ("upload", "another-token")
    assert all(key[1] is not None for key in memo["items"])


def test_a_view_option_in_a_fragment_leaves_the_filtered_view_untouched(spy, fresh_caches):
    at = run_app({"condition": "mas"}, page="pages/dosing.py")
    assert not at.exception
    view = at.session_state["_current_view"]
    fragment = fragment_id_of("view_dosing_unit")
    assert fragment is not None, "the Dosing page's unit option does not live in a fragment"
    spy(ui, "apply_filters")
    spy(ui, "all_option_counts")
    spy(ui, "sidebar_filters")
    spy(lib.ui, "_shipped_view")
    at.radio(key="view_dosing_unit").set_value("mg_day")
    run_fragment(at, fragment)
    assert not at.exception
    assert at.session_state["view_values"]["dosing_unit"] == "mg_day"  # the page saw the change
    assert at.session_state["_current_view"] is view  # the filtered view is the same object
    assert spy.calls == {}  # nothing of the frame ran: no filtering, no counts, no sidebar
    assert at.query_params.get("_dosing_unit") == "mg_day"  # the link follows the fragment
    assert at.query_params.get("condition") == "mas"

    # control: a filter change is a full run, which does filter and count again
    at.run()  # a full run (AppTest's tree after a fragment rerun holds the fragment only)
    assert at.session_state["_current_view"] is view and "apply_filters" not in spy.calls
    spy.calls.clear()
    at.multiselect(key="f_conditions").set_value(["shlh"]).run()
    assert not at.exception
    assert spy.calls.get("sidebar_filters") == 1
    assert spy.calls.get("all_option_counts") == 1
    assert spy.calls.get("_shipped_view") == 1 and spy.calls.get("apply_filters") == 1
    assert at.session_state["_current_view"] is not view


def test_cached_refuses_a_lambda():
    with pytest.raises(ValueError, match="named function"):
        ui.cached(lambda view: view, None)


def test_cache_keys_name_the_function_by_file_and_qualified_name():
    def local():
        return None

    assert ui._fn_key(lib.counts.condition_headlines) == (lib.counts.condition_headlines.__code__.co_filename,
                                                         "condition_headlines")
    assert ui._fn_key(local)[1].endswith("local")


def test_a_fragment_rerun_lists_the_view_options_in_the_order_of_a_full_run():
    # issue 11 under fragments: the address bar written by a fragment rerun and the link of the next
    # full run ("Copy link") are the same string, also when an option became non-default earlier
    at = run_app(page="pages/cases.py")
    assert not at.exception
    first = at.selectbox(key="view_case").value
    assert first != "vincent2020-p3"
    at.selectbox(key="view_case").set_value("vincent2020-p3").run()  # not the first case: in the link
    assert list(at.session_state["_run_view_params"]) == ["case"]
    fragment = fragment_id_of("view_cases_q")
    assert fragment is not None, "the Cases search does not live in the page's fragment"
    at.text_input(key="view_cases_q").set_value("anakinra")
    run_fragment(at, fragment)
    assert not at.exception
    after_fragment = list(at.session_state["_run_view_params"].items())
    assert [k for k, _ in after_fragment] == ["cases_q", "case"]  # the page's order, not the order of changes
    assert list(at.query_params)[-2:] == ["_cases_q", "_case"]
    at.run()  # a full run, as "Copy link" starts
    assert not at.exception
    assert list(at.session_state["_run_view_params"].items()) == after_fragment
    assert at.session_state["_current_link"].endswith(
        "?" + "&".join(f"{k}={v}" for k, v in [("_cases_q", "anakinra"), ("_case", "vincent2020-p3")]))


# ---------------------------------------------------------------------------
# Recorded sections (ui.section): drawn once per key, replayed identically after
# ---------------------------------------------------------------------------

def _drawn(at) -> list[tuple]:
    """The main area's charts, tables, downloads and texts in order, as (kind, what identifies it)."""
    out = []

    def walk(node):
        kind = getattr(node, "type", None)
        if kind == "plotly_chart":
            out.append((kind, node.proto.spec, node.proto.config))
        elif kind == "download_button":
            out.append((kind, node.proto.label, node.proto.id))
        elif kind == "dataframe":
            out.append((kind, node.value.to_csv()))
        elif kind in ("markdown", "caption", "metric", "info", "warning", "subheader"):
            out.append((kind, str(getattr(node, "value", ""))))
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for key in sorted(children):
                walk(children[key])

    walk(at.main)
    return out


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/pooled.py"])
def test_a_replayed_section_draws_what_the_live_one_drew(spy, fresh_caches, page):
    spy(lib.counts, "condition_headlines")
    first = run_app({"condition": "mas"}, page=page)
    assert not first.exception
    live = _drawn(first)
    assert any(k == "plotly_chart" for k, *_ in live)
    second = run_app({"condition": "mas"}, page=page)  # another session: replayed from the recording
    assert not second.exception
    assert _drawn(second) == live
    if page == "pages/overview.py":
        assert spy.calls["condition_headlines"] == 1
    # every chart's CSV button stands right after its chart, live and replayed
    for drawn in (live, _drawn(second)):
        for i, item in enumerate(drawn):
            if item[0] == "plotly_chart":
                assert drawn[i + 1][0] == "download_button", drawn[i + 1]


def test_an_uploads_sections_replay_from_its_session(fresh_caches):
    from streamlit.testing.v1 import AppTest

    from apptest_util import APP

    at = AppTest.from_file(APP, default_timeout=120)
    _upload(at)
    at.switch_page("pages/overview.py")
    at.run()
    assert not at.exception
    live = _drawn(at)
    keys = [k for k in at.session_state["_results_memo"]["items"] if k[0] == "section"]
    assert keys, "the Overview's sections were not kept in the session's memo"
    at.run()
    assert not at.exception
    assert _drawn(at) == live


def test_the_chart_image_format_is_part_of_a_sections_key(fresh_caches):
    at = run_app(page="pages/overview.py")
    assert not at.exception
    assert all('"format": "png"' in c for k, _, c in (d for d in _drawn(at) if d[0] == "plotly_chart"))
    at.radio(key="image_format").set_value("svg").run()
    assert not at.exception
    charts = [d for d in _drawn(at) if d[0] == "plotly_chart"]
    assert charts and all('"format": "svg"' in c for _, _, c in charts)


def test_a_section_value_is_returned_live_and_replayed(fresh_caches):
    from streamlit.testing.v1 import AppTest

    def script():
        import streamlit as st

        import lib.ui as ui
        from lib.filters import FilterState

        calls = st.session_state.setdefault("calls", [])

        def part(view, n):
            calls.append(n)
            st.markdown(f"part {n}")
            ui.dataframe_download(__import__("pandas").DataFrame({"a": [n]}), "CSV", "a.csv", key=f"dl{n}")
            st.caption("after")
            return n * 2

        view = ui.current_view()
        st.session_state["values"] = [ui.section(part, view, 1), ui.section(part, view, 2)]
        assert view.state == FilterState()

    at = AppTest.from_function(script, default_timeout=120)
    at.run()
    assert not at.exception
    at.run()
    assert not at.exception
    assert at.session_state["values"] == [2, 4]
    assert at.session_state["calls"] == [1, 2]  # the second run replayed both
    assert [m.value for m in at.markdown] == ["part 1", "part 2"]
    kinds = [d[0] for d in _drawn(at)]
    assert kinds == ["markdown", "download_button", "caption", "markdown", "download_button", "caption"]
