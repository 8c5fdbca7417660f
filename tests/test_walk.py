"""Model-based browser test: seeded random walks through the dashboard as a person clicks.

The server is started exactly as README starts it (``bash scripts/run.sh``).
Each walk takes ``STEPS`` random actions: pick or remove an option in any
sidebar filter, type or clear a number filter, remove an active-filter item,
reset, switch page, change a page's view option (selectbox, radio, the Cases
search, the case chosen). After every step:

* no error element and no "encountered an error" text on screen;
* the server logged no traceback;
* the link offered by "Copy link" is exactly the address bar;
* the filters shown as active are exactly the link's filters.

After each walk the last link is opened in a fresh browser context and must
show the same main-area text. A failing walk prints its seed and steps, so it
can be replayed: ``WALK_SEEDS=17 pytest tests/test_walk.py``.

CI runs the fixed seeds 0-5 (6 walks x 25 steps); ``WALKS=N`` runs N walks
from seed 0 (``WALK_STEPS`` changes the length) for longer exploration.
"""

from __future__ import annotations

import os
import random

import pytest

from browser_util import CHROMIUM
from lib.filters import describe_item, from_query_params
from ui_driver import FILTER_TITLES, NUMBER_INPUTS, PAGE_TITLES, UI, link_parts

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
    pytest.skip(f"{CHROMIUM} is missing (scripts/test.sh installs it)", allow_module_level=True)


def _seeds() -> list[int]:
    if os.environ.get("WALK_SEEDS"):
        return [int(s) for s in os.environ["WALK_SEEDS"].split(",")]
    return list(range(int(os.environ.get("WALKS", "6"))))


STEPS = int(os.environ.get("WALK_STEPS", "25"))
NUMBER_VALUES = {
    "dose_min": [None, 0.5, 1, 2, 4, 6],
    "dose_max": [None, 2, 4, 8, 10, 20],
    "year_min": [None, 2008, 2015, 2020, 2023],
    "year_max": [None, 2011, 2019, 2022, 2025],
}
SEARCH_WORDS = ["brazil", "female", "sJIA", "anakinra", "Shafferman", "zzzz", "2 mg", "kawasaki", ""]
ACTIONS = ["pick", "pick", "pick", "remove_chip", "number", "remove_active", "reset", "page", "page", "view",
           "view", "search"]


class WalkFailure(AssertionError):
    pass


class Walk:
    def __init__(self, seed: int, ui: UI, server):
        self.seed, self.ui, self.server = seed, ui, server
        self.rng = random.Random(seed)
        self.steps: list[str] = []

    def fail(self, message: str) -> None:
        replay = "\n".join(f"  {i + 1:2d}. {s}" for i, s in enumerate(self.steps))
        raise WalkFailure(f"walk seed={self.seed} failed after {len(self.steps)} step(s): {message}\n"
                          f"steps:\n{replay}\nreplay with: WALK_SEEDS={self.seed} pytest tests/test_walk.py")

    # ------------------------------------------------------------------ actions
    def act(self) -> None:
        action = self.rng.choice(ACTIONS)
        getattr(self, f"do_{action}")()

    def do_pick(self) -> None:
        title = self.rng.choice(FILTER_TITLES)
        options = self.ui.open_options(title)
        if not options:
            self.steps.append(f"pick in {title}: nothing left to pick")
            return
        option = self.rng.choice(options)
        self.steps.append(f"pick {option!r} in {title}")
        self.ui.pick_option(title, option)

    def do_remove_chip(self) -> None:
        with_chips = [(t, c) for t in FILTER_TITLES for c in self.ui.chips(t)]
        if not with_chips:
            return self.do_pick()
        title, chip = self.rng.choice(with_chips)
        self.steps.append(f"remove chip {chip!r} from {title}")
        self.ui.remove_chip(title, chip)

    def do_number(self) -> None:
        name = self.rng.choice(list(NUMBER_INPUTS))
        value = self.rng.choice(NUMBER_VALUES[name])
        self.steps.append(f"set {NUMBER_INPUTS[name]!r} to {value}")
        self.ui.set_number(NUMBER_INPUTS[name], value)

    def do_remove_active(self) -> None:
        labels = self.ui.active_filter_labels()
        if not labels:
            return self.do_pick()
        label = self.rng.choice(labels)
        self.steps.append(f"remove active filter {label!r}")
        self.ui.remove_active(label)

    def do_reset(self) -> None:
        if not self.ui.active_filter_labels():
            return self.do_pick()
        self.steps.append("reset all filters")
        self.ui.reset()

    def do_page(self) -> None:
        title = self.rng.choice(PAGE_TITLES)
        self.steps.append(f"go to page {title!r}")
        self.ui.go_to(title)

    def do_view(self) -> None:
        options = self.ui.view_options()
        if not options:
            return self.do_page()
        key, kind = self.rng.choice(options)
        if kind == "radio":
            choices = self.ui.radio_choices(key)
            if not choices:
                return
            choice = self.rng.choice(choices)
            self.steps.append(f"view option {key}: radio {choice!r}")
            self.ui.choose_radio(key, choice)
        elif kind == "selectbox":
            choices = self.ui.selectbox_choices(key)
            if not choices:
                self.steps.append(f"view option {key}: nothing to select")
                self.ui.page.keyboard.press("Escape")
                return
            choice = self.rng.choice(choices)
            self.steps.append(f"view option {key}: select {choice!r}")
            self.ui.choose_selectbox(key, choice)
        else:
            word = self.rng.choice(SEARCH_WORDS)
            self.steps.append(f"view option {key}: type {word!r}")
            self.ui.type_text(key, word)

    def do_search(self) -> None:
        if self.ui.current_page() != "Cases":
            self.steps.append("go to page 'Cases'")
            self.ui.go_to("Cases")
        if not any(k == "view_cases_q" for k, _ in self.ui.view_options()):
            return
        word = self.rng.choice(SEARCH_WORDS)
        self.steps.append(f"search cases for {word!r}")
        self.ui.type_text("view_cases_q", word)

    # ------------------------------------------------------------------ invariants
    def check(self, mark: int) -> str:
        errors = self.ui.errors_on_screen()
        if errors:
            self.fail("; ".join(errors))
        tb = self.server.log.tracebacks(mark)
        if tb:
            self.fail("server logged a traceback:\n" + "\n".join(tb))
        link = self.ui.copied_link()
        address = self.ui.page.url
        if link != address:
            self.fail(f"copied link {link!r} is not the address bar {address!r}")
        _, pairs = link_parts(link)
        params: dict[str, list[str]] = {}
        for k, v in pairs:
            params.setdefault(k, []).append(v)
        state, warnings = from_query_params(params)
        if warnings:
            self.fail(f"the link does not parse cleanly: {warnings}")
        expected = sorted(describe_item(f, v) for f, v in state.active())
        shown = self.ui.active_filter_labels()
        if shown != expected:
            self.fail(f"active filters shown {shown} are not the link's {expected}")
        return link


@pytest.mark.timeout(3000)
def test_random_walks(live_server, chromium):
    failures = []
    for seed in _seeds():
        ctx = chromium.new_context(viewport={"width": 1440, "height": 900})
        page = ctx.new_page()
        page.set_default_timeout(30000)
        ui = UI(page)
        walk = Walk(seed, ui, live_server)
        mark = live_server.log.mark()
        try:
            start = random.Random(seed).choice(["/", "/labs", "/cases", "/outcomes", "/pooled"])
            walk.steps.append(f"open {start}")
            page.goto(live_server.base + start)
            ui.idle()
            link = walk.check(mark)
            for _ in range(STEPS):
                walk.act()
                link = walk.check(mark)
            text = ui.main_text()
            ctx.close()

            fresh = chromium.new_context(viewport={"width": 1440, "height": 900})
            page2 = fresh.new_page()
            page2.set_default_timeout(30000)
            ui2 = UI(page2)
            page2.goto(link)
            ui2.idle()
            walk.ui = ui2
            walk.steps.append(f"reopen {link} in a fresh browser context")
            reopened = walk.check(mark)
            if reopened != link:
                walk.fail(f"the reopened page's link {reopened!r} differs from {link!r}")
            text2 = ui2.main_text()
            if text2 != text:
                import difflib
                diff = "\n".join(difflib.unified_diff(text.splitlines(), text2.splitlines(), "walk", "reopened",
                                                      lineterm="", n=1))
                walk.fail(f"the reopened link shows different text:\n{diff[:3000]}")
            fresh.close()
        except WalkFailure as exc:
            failures.append(str(exc))
            print(exc)
        except Exception as exc:  # noqa: BLE001 - a driver error is a failure of the walk too
            failures.append(f"walk seed={seed}: {type(exc).__name__}: {exc}\nsteps: {walk.steps}")
            print(failures[-1])
        finally:
            for c in chromium.contexts:
                c.close()
    assert not failures, "\n\n".join(failures)
