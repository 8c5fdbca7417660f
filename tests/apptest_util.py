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
