"""Helpers for page tests: run app.py in AppTest with a link's query parameters, then switch page."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from lib.safe_text import WORD_JOINER

from conftest import ROOT

APP = str(ROOT / "app.py")


def run_app(params: dict | None = None, page: str | None = None, timeout: float = 60) -> AppTest:
    """Start app.py with ``params`` as the link's query parameters; optionally switch to ``page``.

    ``page`` is a path such as ``"pages/labs.py"``.
    """
    at = AppTest.from_file(APP, default_timeout=timeout)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    return at


def run_with_upload(page: str, dataset=None, choice: str = "both", params: dict | None = None) -> AppTest:
    """Run app.py on ``pages/<page>.py`` (``overview``: the default page) with ``dataset`` as the session's upload."""
    at = AppTest.from_file(APP, default_timeout=120)
    if dataset is not None:
        at.session_state["uploaded_dataset"] = dataset
        at.session_state["data_choice"] = choice
        at.session_state["upload_token"] = dataset.version
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    if page != "overview":
        at.switch_page(f"pages/{page}.py")
        at.run()
    return at


def page_text(at: AppTest) -> str:
    """All markdown, captions, metric values and plain text of the main area, joined."""
    parts = [m.value for m in at.main.markdown] + [c.value for c in at.main.caption]
    parts += [str(getattr(m, "value", "")) for m in at.main.metric]
    parts += [t.value for t in at.main.text]
    parts += [getattr(x, "value", "") for x in at.main.info] + [getattr(x, "value", "") for x in at.main.warning]
    return rendered("\n".join(str(p) for p in parts))


def rendered(markdown_source: str) -> str:
    """The text a reader sees for Markdown written with lib.safe_text (backslash escapes and word joiners gone)."""
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown_source)
    return text.replace(WORD_JOINER, "")


def link_warnings(at: AppTest) -> list[str]:
    """What the page says about the link: the warning box's heading and its plain-text lines."""
    return [w.value for w in at.warning] + [t.value for t in at.text]


# ---------------------------------------------------------------------------
# Fragment reruns in AppTest
# ---------------------------------------------------------------------------
# AppTest (Streamlit 1.67) always reruns the whole script; a browser reruns only the fragment a
# widget lives in. These helpers let a test (and benchmarks/run.py) do what the browser does: find
# the fragment that holds a widget (from the messages of the last run) and rerun that fragment alone.

from streamlit.runtime.scriptrunner_utils.script_requests import RerunData as _RerunData  # noqa: E402
from streamlit.testing.v1 import local_script_runner as _lsr  # noqa: E402

_PENDING: dict = {}
_LAST: dict = {}


def _rerun_data(**kwargs):
    # both the runner's initial placeholder and its request carry the fragment (a pending full-run
    # placeholder would otherwise absorb the fragment request into a full run)
    fragment_id = _PENDING.get("fragment_id")
    if fragment_id is not None:
        kwargs["fragment_id_queue"] = [fragment_id]
    return _RerunData(**kwargs)


_original_parse = _lsr.parse_tree_from_messages


def _parse_tree(messages):
    _LAST["messages"] = list(messages)
    return _original_parse(messages)


_lsr.RerunData = _rerun_data
_lsr.parse_tree_from_messages = _parse_tree


def fragment_id_of(widget_key: str) -> str | None:
    """The fragment that drew the widget with ``widget_key`` in the last AppTest run (None: not in a fragment)."""
    for msg in _LAST.get("messages", []):
        if not msg.HasField("delta") or not msg.delta.HasField("new_element"):
            continue
        element = msg.delta.new_element
        kind = element.WhichOneof("type")
        widget_id = getattr(getattr(element, kind, None), "id", "") if kind else ""
        if isinstance(widget_id, str) and widget_id.endswith("-" + widget_key):
            return msg.delta.fragment_id or None
    return None


def run_fragment(at: AppTest, fragment_id: str) -> AppTest:
    """Rerun only ``fragment_id`` with the widgets' current values, as the browser does after a click in it.

    The returned tree holds only what the fragment drew.
    """
    _PENDING["fragment_id"] = fragment_id
    try:
        return at.run()
    finally:
        _PENDING.pop("fragment_id", None)
