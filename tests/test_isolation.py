"""Isolation: two browser sessions side by side; one uploads a file; the other never sees it;
nothing from the upload is written to disk (real server, Debian chromium)."""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path

import pytest

from browser_util import CHROMIUM, streamlit_server, wait_idle
from conftest import ROOT, read_rows

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
    pytest.skip(f"{CHROMIUM} is missing", allow_module_level=True)

MARKER = "ISOLATIONMARKER7f3a"


def _upload_file(tmp_path: Path) -> Path:
    rows = ["case_id,condition,trigger,age_years,sex,route,response,trigger_detail"]
    for i in range(7):
        rows.append(f"iso{i},mas,sjia,{5 + i},female,sc,complete,{MARKER}")
    path = tmp_path / "my_registry.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _snapshot(*folders: Path) -> dict[str, float]:
    """Every file under the folders (except the virtual environment and caches) with its mtime."""
    out = {}
    skip = {".venv", "__pycache__", ".pytest_cache", ".hypothesis", ".git"}
    for folder in folders:
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = [d for d in dirnames if d not in skip and not d.startswith("playwright")]
            for f in filenames:
                p = os.path.join(dirpath, f)
                try:
                    out[p] = os.stat(p).st_mtime
                except OSError:
                    pass
    return out


def _grep_marker(folders, since: float) -> list[str]:
    """Files changed since ``since`` that contain the marker text of the upload."""
    hits = []
    for folder in folders:
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = [d for d in dirnames if d not in {".venv", ".git", "node_modules"}]
            for f in filenames:
                p = os.path.join(dirpath, f)
                try:
                    if os.stat(p).st_mtime < since:
                        continue
                    if os.path.getsize(p) < 5_000_000 and MARKER.encode() in Path(p).read_bytes():
                        hits.append(p)
                except OSError:
                    pass
    return hits


def _patients_in_view(page) -> int:
    """The number of patients of the dataset the session looks at (the sidebar's dataset line)."""
    loc = page.locator("[data-testid='stSidebar']").get_by_text(re.compile(r"publications?(?: and \d+ uploaded files?)?, [\d,]+ patients?"))
    loc.first.wait_for(timeout=60000)
    return int(re.search(r"publications?(?: and \d+ uploaded files?)?, ([\d,]+) patients?", loc.first.inner_text()).group(1).replace(",", ""))


def test_upload_stays_in_its_session_and_off_the_disk(tmp_path, chromium):
    upload = _upload_file(tmp_path)
    n_shipped = len(read_rows(ROOT / "data" / "cases.csv"))
    system_tmp = Path(tempfile.gettempdir())
    # the server gets a temporary folder of its own, so that other programs writing to /tmp
    # (a shell, a CI runner) cannot make this test fail; the marker is searched in /tmp as well
    tmpdir = tmp_path / "server_tmp"
    tmpdir.mkdir()
    with streamlit_server(extra_env={"TMPDIR": str(tmpdir)}) as server:
        base = server.base
        if True:
            browser = chromium
            a = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
            b = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
            for page in (a, b):
                page.goto(base + "/")
                wait_idle(page)
                assert _patients_in_view(page) == n_shipped

            before = _snapshot(ROOT, tmpdir)
            t0 = time.time()
            a.get_by_role("link", name=re.compile("Upload your data")).first.click()
            wait_idle(a)
            a.locator("input[type='file']").first.set_input_files(str(upload))
            a.get_by_text(re.compile(r"7 patient")).first.wait_for(timeout=30000)
            wait_idle(a)
            a.get_by_role("link", name=re.compile("Overview")).first.click()
            wait_idle(a)
            assert _patients_in_view(a) == 7
            a.get_by_text("Your upload is in view").first.wait_for(timeout=30000)  # the banner says so

            # the other session still sees only the shipped data, even after a rerun
            b.reload()
            wait_idle(b)
            assert _patients_in_view(b) == n_shipped
            assert b.get_by_text("Your upload is in view").count() == 0
            b.get_by_role("link", name=re.compile("Cases")).first.click()
            wait_idle(b)
            assert b.get_by_text(MARKER).count() == 0
            a.context.close()
            b.context.close()
        after = _snapshot(ROOT, tmpdir)
        server.log.assert_clean(0, "during the isolation test")
    written = [p for p, m in after.items() if (p not in before or m > before[p]) and m >= t0
               and "/playwright" not in p]
    assert written == [], f"files written during the upload: {written[:10]}"
    leaked = [p for p in _grep_marker([ROOT, tmpdir, system_tmp], t0)
              if not p.startswith(str(upload.parent)) or p.startswith(str(tmpdir))]
    leaked = [p for p in leaked if p != str(upload)]
    assert leaked == [], f"the upload's content reached the disk: {leaked[:10]}"
