"""Shared fixtures: the shipped dataset, and small synthetic datasets built at run time (tests only)."""

from __future__ import annotations

import csv
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from lib import schema  # noqa: E402
from lib.data import load_dataset  # noqa: E402


@pytest.fixture(scope="session")
def shipped():
    return load_dataset(ROOT / "data")


@pytest.fixture()
def data_copy(tmp_path):
    """A writable copy of data/ for tests that corrupt files."""
    dest = tmp_path / "data"
    shutil.copytree(ROOT / "data", dest, ignore=shutil.ignore_patterns("staging"))
    return dest


def read_rows(path: Path) -> list[dict]:
    """Independent reader used to compute expected numbers (the csv module, not lib)."""
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def write_rows(path: Path, table: schema.Table, rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(table.column_names))
        w.writeheader()
        for r in rows:
            w.writerow(r)


def _patch_apptest_pages_flag() -> None:
    """Work around AppTest in Streamlit 1.67 with ``st.navigation`` and a ``pages/`` folder.

    ``AppTest.run`` resets ``PagesManager.uses_pages_directory`` before every
    run and the PagesManager sets it again from the existence of ``pages/``; on
    every run after the first, the script runner then takes the legacy
    multipage path and runs only the page, not ``app.py``. A real server sets
    the flag to False once ``st.navigation`` is called and keeps it. This makes
    AppTest behave like the server.
    """
    from streamlit.runtime import pages_manager
    from streamlit.testing.v1 import app_test

    base = pages_manager.PagesManager

    class _NavigationPagesManager(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            base.uses_pages_directory = False

    app_test.PagesManager = _NavigationPagesManager


_patch_apptest_pages_flag()


# ---------------------------------------------------------------------------
# Browser tests: one real server (started as README starts it) and one chromium
# ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def live_server():
    """The dashboard started with README's command (``bash scripts/run.sh``) on a free port."""
    from browser_util import streamlit_server

    with streamlit_server(readme_command=True) as server:
        yield server


@pytest.fixture(scope="session")
def chromium():
    """Debian's chromium driven by Playwright (one browser for the session)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from browser_util import launch_browser

    with sync_api.sync_playwright() as p:
        browser = launch_browser(p)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _server_log_is_clean(request):
    """Every test that uses a live server fails when the server logged a traceback during it."""
    server = None
    for name in ("live_server", "server"):
        if name in request.fixturenames:
            value = request.getfixturevalue(name)
            if hasattr(value, "log"):
                server = value
    if server is None:
        yield
        return
    mark = server.log.mark()
    yield
    import time

    time.sleep(0.3)  # let the log reader catch up
    server.log.assert_clean(mark, f"during {request.node.nodeid}")
