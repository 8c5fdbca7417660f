"""Drive the dashboard in a real browser as a person does (Playwright, sync API).

Used by the model-based random walks (``tests/test_walk.py``) and the other
browser tests. Every action waits until Streamlit has finished its run.
Locators rely on what a person sees (labels, button names) and on the
``st-key-<key>`` classes Streamlit gives keyed elements.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from browser_util import wait_idle

SIDEBAR = "[data-testid='stSidebar']"
MAIN = "[data-testid='stMain']"
FILTER_TITLES = ["Condition", "Trigger or background", "Age group", "Sex", "Route", "Co-therapy",
                 "Publication type"]
NUMBER_INPUTS = {
    "dose_min": "Dose min (mg/kg/day)",
    "dose_max": "Dose max (mg/kg/day)",
    "year_min": "Published from",
    "year_max": "Published to",
}
PAGE_PATHS = {"Overview": "/", "Evidence summary": "/summary", "Dosing": "/dosing", "Labs before and after": "/labs",
              "Outcomes": "/outcomes", "Pooled evidence": "/pooled", "Genetics (DIRA)": "/genetics", "Safety": "/safety", "Cases": "/cases",
              "Upload your data": "/upload", "Data and methods": "/methods", "Background": "/background"}
PAGE_TITLES = list(PAGE_PATHS)
NOT_OPTIONS = {"No results", "No options to select"}  # texts the drop-down shows when nothing matches
ERROR_TEXT = re.compile(r"encountered an error|Traceback|StreamlitAPIException", re.I)


class UI:
    """One browser page on the dashboard."""

    def __init__(self, page):
        self.page = page

    # ------------------------------------------------------------------ reading
    def idle(self) -> None:
        wait_idle(self.page)

    def main_text(self) -> str:
        """The visible text of the main area (the view a colleague should see again)."""
        text = self.page.locator(MAIN).first.inner_text()
        return "\n".join(line.rstrip() for line in text.splitlines() if line.strip())

    def errors_on_screen(self) -> list[str]:
        found = []
        n = self.page.locator("[data-testid='stException']").count()
        if n:
            found.append(f"{n} exception element(s): "
                         + self.page.locator("[data-testid='stException']").first.inner_text()[:500])
        body = self.page.locator("body").inner_text()
        m = ERROR_TEXT.search(body)
        if m:
            found.append(f"error text on screen: ...{body[max(0, m.start() - 80):m.end() + 200]}...")
        return found

    def copied_link(self) -> str:
        """Press "Copy link", read the link the dialog offers, close the dialog."""
        self.page.locator(f"{MAIN} .st-key-copy_link button").first.click()
        dialog = self.page.locator("[role='dialog']").filter(has_text="Link to this view").first
        code = dialog.locator("[data-testid='stCode'] code").first
        code.wait_for(timeout=60000)
        link = code.inner_text().strip()
        self.page.keyboard.press("Escape")
        dialog.wait_for(state="hidden", timeout=15000)
        self.idle()
        return link

    def active_filter_labels(self) -> list[str]:
        """Texts of the removable active-filter buttons."""
        labels = self.page.locator(f"{MAIN} [class*='st-key-rm_'] [data-testid^='stBaseButton']:visible "
                                   "[data-testid='stMarkdownContainer']")
        return sorted(b.inner_text().strip() for b in labels.all())

    def current_page_title(self) -> str:
        h1 = self.page.locator(f"{MAIN} h1")
        return h1.first.inner_text().strip() if h1.count() else ""

    # ------------------------------------------------------------------ sidebar filters
    def multiselect(self, title: str):
        return self.page.locator(f"{SIDEBAR} [data-testid='stMultiSelect']").filter(
            has=self.page.locator("label", has_text=re.compile(rf"^{re.escape(title)}$"))).first

    def open_options(self, title: str) -> list[str]:
        """Open a sidebar multiselect's list and return the options offered."""
        box = self.multiselect(title)
        options = self.page.locator("[role='listbox'] [role='option']")
        for _ in range(2):
            box.locator("input").first.click()
            try:
                options.first.wait_for(timeout=4000)
                texts = [o.inner_text().strip() for o in options.all()]
                return [t for t in texts if t not in NOT_OPTIONS]
            except Exception:  # noqa: BLE001 - nothing offered (yet)
                self.page.keyboard.press("Escape")
        return []

    def pick_option(self, title: str, option: str) -> None:
        self.page.locator("[role='listbox'] [role='option']").filter(
            has_text=re.compile(rf"^{re.escape(option)}$")).first.click()
        self.page.keyboard.press("Escape")
        self.idle()

    def chips(self, title: str) -> list[str]:
        box = self.multiselect(title)
        return [c.get_attribute("aria-label") or "" for c in box.locator("[data-tag]").all()]

    def remove_chip(self, title: str, chip: str) -> None:
        self.multiselect(title).get_by_role("button", name=f"Remove {chip}").first.click()
        self.idle()

    def number_input(self, label: str):
        return self.page.locator(f"{SIDEBAR} [data-testid='stNumberInput']").filter(
            has=self.page.locator("label", has_text=label)).first.locator("input").first

    def set_number(self, label: str, value: float | None) -> None:
        box = self.number_input(label)
        box.click()
        box.fill("" if value is None else f"{value:g}")
        box.press("Enter")
        box.press("Tab")  # leaving the box commits too
        self.idle()

    # ------------------------------------------------------------------ active filter row
    def remove_active(self, label: str) -> None:
        self.page.locator(f"{MAIN} [class*='st-key-rm_'] [data-testid^='stBaseButton']:visible").filter(
            has=self.page.locator("[data-testid='stMarkdownContainer']",
                                  has_text=re.compile(rf"^{re.escape(label)}$"))).first.click()
        self.idle()

    def reset(self) -> None:
        self.page.locator(f"{MAIN} .st-key-reset_filters button").first.click()
        self.idle()

    # ------------------------------------------------------------------ pages
    def go_to(self, title: str) -> None:
        self.page.locator("[data-testid='stSidebarNav'] a").filter(
            has=self.page.locator("span", has_text=re.compile(rf"^{re.escape(title)}$"))).first.click()
        self.page.wait_for_function("(p) => window.location.pathname === p", arg=PAGE_PATHS[title], timeout=30000)
        self.idle()

    def current_page(self) -> str:
        """The navigation title of the page in the address bar."""
        path = urlsplit(self.page.url).path or "/"
        return next((t for t, p in PAGE_PATHS.items() if p == path), path)

    # ------------------------------------------------------------------ page view options
    def view_options(self) -> list[tuple[str, str]]:
        """The view options on the page: (key, kind) with kind selectbox, radio or text."""
        out = []
        for el in self.page.locator(f"{MAIN} [class*='st-key-view_']").all():
            cls = el.get_attribute("class") or ""
            m = re.search(r"st-key-(view_[A-Za-z0-9_]+)", cls)
            if not m:
                continue
            if el.locator("[data-testid='stSelectbox']").count():
                kind = "selectbox"
            elif el.locator("[data-testid='stRadio']").count():
                kind = "radio"
            elif el.locator("[data-testid='stTextInput']").count():
                kind = "text"
            else:
                continue
            out.append((m.group(1), kind))
        return out

    def _view(self, key: str):
        return self.page.locator(f"{MAIN} .st-key-{key}").first

    def radio_choices(self, key: str) -> list[str]:
        return [label.inner_text().strip() for label in self._view(key).locator("label").all()
                if label.inner_text().strip()][1:]  # the first label is the widget's own

    def choose_radio(self, key: str, choice: str) -> None:
        self._view(key).locator("label").filter(has_text=re.compile(rf"^{re.escape(choice)}$")).first.click()
        self.idle()

    def selectbox_choices(self, key: str) -> list[str]:
        options = self.page.locator("[role='listbox'] [role='option']")
        for _ in range(2):
            self._view(key).locator("input").first.click()
            try:
                options.first.wait_for(timeout=4000)
                texts = [o.inner_text().strip() for o in options.all()]
                return [t for t in texts if t not in NOT_OPTIONS]
            except Exception:  # noqa: BLE001 - nothing offered (yet)
                self.page.keyboard.press("Escape")
        return []

    def choose_selectbox(self, key: str, choice: str) -> None:
        self.page.locator("[role='listbox'] [role='option']").filter(
            has_text=re.compile(rf"^{re.escape(choice)}$")).first.click()
        self.idle()

    def type_text(self, key: str, text: str) -> None:
        box = self._view(key).locator("input").first
        box.click()
        box.fill(text)
        box.press("Enter")
        self.idle()


def link_parts(url: str) -> tuple[str, list[tuple[str, str]]]:
    """(path, ordered query pairs) of a link, for comparing a copied link with the address bar."""
    parts = urlsplit(url)
    return parts.path or "/", parse_qsl(parts.query, keep_blank_values=True)
