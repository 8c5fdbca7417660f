"""Every page at a desktop size (1440x900) and a phone size (390x844), with and without an upload (issue 14).

A real browser (Debian's chromium) on the server started as README starts it. On every page:

* no internal id or schema code in the visible text: the schema's vocabularies, raw column names
  and the source ids of data/sources.csv (the same checker as the AppTest sweep,
  ``tests/visible_codes.py``; the curators' logs on Data and methods are records shown as they are,
  and tables are drawn on a canvas, so this reads the page's text, headings, captions, labels and
  notes; the cells are checked by ``tests/test_words_everywhere.py``);
* no "None" shown as a value (a table in the page's text, a metric or a caption);
* with an upload in view, the banner that says so (on every page, in the same session);
* on Labs, the analyte the page opens on has values (a chart of patients, not an empty-state note);
* on a phone: the control that opens the sidebar is labelled "Filters" and opens the filters, and
  nothing is wider than the screen (wide tables scroll inside their own frame);
* no error on screen and no traceback in the server's log (the ``live_server`` fixture).

With ``SCREENSHOTS=<folder>`` every page is saved there at both sizes (``<width>_<page>[_upload].png``)
so that a person can look at them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from browser_util import CHROMIUM, wait_idle
from ui_driver import MAIN, PAGE_PATHS, SIDEBAR, UI
from visible_codes import Checker

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
    pytest.skip(f"{CHROMIUM} is missing", allow_module_level=True)

SIZES = {"desktop": (1440, 900), "phone": (390, 844)}
BANNER = "Your upload is in view"
# the Data and methods page shows the curators' logs and the data dictionary's codes on purpose
CODES_SHOWN_ON_PURPOSE = {"/methods"}
# "None" as a value: a table cell, or a word standing alone on its line or after a colon
NONE_VALUE = re.compile(r"(^|\t|:\s*|\|\s*)(None|nan|NaN|<NA>)(\s*\||\t|$)", re.M)


# the app's own chart labels never show tags or entities as text (plotly_safe escapes data text only)
MARKUP_SHOWN = re.compile(r"</?[a-z]+>|&(lt|gt|amp|#\d+);")


def _upload_file(tmp_path: Path) -> Path:
    rows = ["case_id,condition,trigger,age_years,sex,route,response,dose_mg_kg_day"]
    for i in range(6):
        rows.append(f"size{i},mas,sjia,{4 + i},female,sc,complete,{2 + i}")
    path = tmp_path / "registry.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _open_sidebar(page) -> None:
    """On a phone the sidebar starts closed: open it with its labelled control."""
    nav = page.locator("[data-testid='stSidebarNav'] a").first
    if nav.is_visible() and nav.bounding_box() and nav.bounding_box()["x"] >= 0:
        return
    page.locator("[data-testid='stExpandSidebarButton']").first.click()
    page.wait_for_timeout(600)  # the sidebar slides in
    box = nav.bounding_box()
    assert box and box["x"] >= 0, "the Filters control did not open the sidebar"


def _go_to(page, title: str) -> None:
    """Open a page by its link in the sidebar, in the same session (an upload lives in the session)."""
    _open_sidebar(page)
    UI(page).go_to(title)
    if page.viewport_size["width"] < 640:  # a person closes the sidebar to read the page
        collapse = page.get_by_role("button", name="Collapse sidebar").first
        if collapse.is_visible():
            collapse.click()
            page.wait_for_timeout(600)


def _visible_problems(page, path: str, checker: Checker) -> list[str]:
    text = UI(page).main_text()
    # a column name shown as code on purpose (`followup_days` in "upload ... with a follow-up time
    # (`followup_days`)") documents the upload format, as in the AppTest sweep
    for code in sorted(set(page.locator(f"{MAIN} p code, {MAIN} li code").all_inner_texts()), key=len, reverse=True):
        text = text.replace(code, "")
    out = []
    if path not in CODES_SHOWN_ON_PURPOSE:
        for line in text.splitlines():
            out += checker.text(path, line)
    for m in NONE_VALUE.finditer(text):
        out.append(f"{path}: {m.group(2)!r} shown as a value near {text[max(0, m.start() - 60):m.end() + 20]!r}")
    return out


def _layout_problems(page, path: str) -> list[str]:
    """On a phone: nothing wider than the screen (tables scroll inside their own frame)."""
    width = page.evaluate("() => document.documentElement.clientWidth")
    wide = page.evaluate("""(w) => {
      const out = [];
      for (const el of document.querySelectorAll('[data-testid="stMain"] *')) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        if (el.closest('[data-testid="stDataFrame"], [data-testid="stDataFrameResizable"], .js-plotly-plot, '
                       + '[data-testid="stCode"], [data-testid="stTable"], [data-testid="stHorizontalBlock"]')
            && !el.matches('[data-testid="stDataFrame"], [data-testid="stTable"], .js-plotly-plot')) continue;
        if (r.right > w + 2) out.push((el.getAttribute('data-testid') || el.tagName) + ' right=' + Math.round(r.right));
      }
      return out.slice(0, 5);
    }""", width)
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    out = [f"{path}: wider than the screen: {w}" for w in wide]
    if scroll > width + 2:
        out.append(f"{path}: the page scrolls sideways ({scroll} px in a {width} px screen)")
    return out


def _screenshot(page, path: Path, size: tuple[int, int]) -> None:
    """The whole page: Streamlit scrolls inside its main area, so the window grows to its height for a moment."""
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMainBlockContainer\"]').scrollHeight")
    page.set_viewport_size({"width": size[0], "height": min(max(size[1], int(height) + 200), 12000)})
    page.wait_for_timeout(500)
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.wait_for_timeout(300)


def _check_page(page, title: str, size: str, upload: bool, checker: Checker, shots: Path | None) -> list[str]:
    path = PAGE_PATHS[title]
    ui = UI(page)
    out = [f"{path}: {e}" for e in ui.errors_on_screen()]
    out += _visible_problems(page, path, checker)
    banner = page.locator(MAIN).get_by_text(BANNER).count()
    if upload and not banner:
        out.append(f"{path}: an upload is in view and the page does not say so")
    if not upload and banner:
        out.append(f"{path}: the upload banner without an upload")
    if path == "/labs" and not upload:
        if page.locator(f"{MAIN} .st-key-labs_patients_chart .js-plotly-plot").count() == 0:
            out.append("/labs: the analyte the page opens on has no chart of patients")
    for t in page.locator(f"{MAIN} .js-plotly-plot text").all_text_contents():
        if MARKUP_SHOWN.search(t):
            out.append(f"{path}: chart text shows markup as text: {t!r}")
    if size == "phone":
        out += _layout_problems(page, path)
    if shots is not None:
        name = (path.strip("/") or "overview") + ("_upload" if upload else "")
        _screenshot(page, shots / f"{SIZES[size][0]}_{name}.png", SIZES[size])
    return out


CLIPPED_JS = """(sel) => [...document.querySelectorAll(sel)]
  .filter(e => e.getClientRects().length && (e.scrollWidth > e.clientWidth + 1))
  .map(e => e.innerText)"""


def _chips_and_options(page, base: str) -> list[str]:
    """The longest option labels are shown whole: as chosen chips in the sidebar and in the drop-down list."""
    page.goto(base + "/?trigger=genetic&trigger=other_infection&age=older_adult&pubtype=conference_abstract")
    wait_idle(page)
    _open_sidebar(page)
    out = [f"chip cut off: {t!r}" for t in page.evaluate(
        CLIPPED_JS, "[data-testid='stMultiSelectTagsContainer'] [data-tag] > span[title]")]
    UI(page).open_options("Trigger or background")
    out += [f"option cut off: {t!r}" for t in page.evaluate(CLIPPED_JS, "[role='option'], [role='option'] *")]
    page.keyboard.press("Escape")
    return out


@pytest.mark.parametrize("size", list(SIZES))
def test_every_page_reads_in_words_at_both_sizes(size, live_server, chromium, tmp_path):
    width, height = SIZES[size]
    shots = Path(os.environ["SCREENSHOTS"]) if os.environ.get("SCREENSHOTS") else None
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    checker = Checker()
    ctx = chromium.new_context(viewport={"width": width, "height": height})
    page = ctx.new_page()
    problems: list[str] = []
    try:
        page.goto(live_server.base + "/")
        wait_idle(page)
        if size == "phone":
            control = page.locator("[data-testid='stExpandSidebarButton']").first
            assert control.is_visible(), "on a phone the filters need a visible control"
            label = page.evaluate("(el) => getComputedStyle(el, '::after').content", control.element_handle())
            assert "Filters" in label, f"the control that opens the filters is not labelled: {label!r}"
            _open_sidebar(page)
            assert page.locator(SIDEBAR).get_by_text("Filters", exact=True).first.is_visible()
        for upload in (False, True):
            if upload:
                _go_to(page, "Upload your data")
                page.locator("input[type='file']").first.set_input_files(str(_upload_file(tmp_path)))
                page.get_by_text(re.compile(r"6 patients")).first.wait_for(timeout=60000)
                wait_idle(page)
            for title in PAGE_PATHS:
                _go_to(page, title)
                problems += _check_page(page, title, size, upload, checker, shots)
        problems += _chips_and_options(page, live_server.base)
    finally:
        ctx.close()
    assert not problems, f"{size} ({width}x{height}):\n" + "\n".join(problems)
