"""Run pages that app.py does not list yet (e.g. ``pages/safety.py``) through AppTest, inside the real app.

The lead engineer adds each page's ``st.Page(...)`` line (:data:`PENDING_PAGES`)
to app.py. Until then, :func:`app_file` writes a copy of app.py with those
lines added into a temporary folder beside a link to ``pages/`` (so
``st.Page("pages/...")`` and ``at.switch_page("pages/...")`` resolve as they
do for app.py), and the AppTest helpers start that copy. Once app.py lists
every page here, :func:`app_file` is app.py itself.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from conftest import ROOT

_ANCHOR = '    st.Page("pages/cases.py"'

# Pages written but not yet listed in app.py: page path -> the exact line the lead adds to PAGES.
PENDING_PAGES = {
    "pages/safety.py": 'st.Page("pages/safety.py", title="Safety", icon=":material/health_and_safety:", url_path="safety"),',
}

_COPY: dict[str, Path] = {}


def missing_lines(app_text: str | None = None) -> list[str]:
    """The lines of :data:`PENDING_PAGES` whose page app.py does not list yet."""
    text = (ROOT / "app.py").read_text(encoding="utf-8") if app_text is None else app_text
    return [line for page, line in PENDING_PAGES.items() if f'"{page}"' not in text]


def app_source() -> str:
    """app.py's text with the missing page lines added to ``PAGES`` before the Cases page."""
    text = (ROOT / "app.py").read_text(encoding="utf-8")
    lines = missing_lines(text)
    if not lines:
        return text
    if _ANCHOR not in text:
        raise AssertionError("app.py has no Cases page line to add the new pages before")
    added = "".join(f"    {line.strip()}\n" for line in lines)
    return text.replace(_ANCHOR, added + _ANCHOR, 1)


def app_file() -> Path:
    """app.py, or (while a page of :data:`PENDING_PAGES` is not in it) a copy that lists it."""
    source = app_source()
    if not missing_lines():
        return ROOT / "app.py"
    if source not in _COPY:
        folder = Path(tempfile.mkdtemp(prefix="pending_pages_app_"))
        (folder / "app.py").write_text(source, encoding="utf-8")
        os.symlink(ROOT / "pages", folder / "pages", target_is_directory=True)
        _COPY[source] = folder / "app.py"
    return _COPY[source]
