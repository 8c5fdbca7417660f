"""Hostile text in a real browser: no request leaves for a host other than the app's (issue 15).

A local HTTP listener on another port stands in for an attacker's server. An
upload whose every free-text cell and whose file name point images and links
at it is loaded; every page is opened with the upload alone and beside the
shipped data; crafted links are opened. The listener must receive nothing,
and every request the page makes must go to the app's own origin (or be a
``data:``/``blob:`` URL).
"""

from __future__ import annotations

import http.server
import os
import threading

import pytest

from browser_util import CHROMIUM, free_port, wait_idle
from ui_driver import PAGE_PATHS, UI

pytestmark = pytest.mark.browser
pytest.importorskip("playwright.sync_api")
if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
    pytest.skip(f"{CHROMIUM} is missing", allow_module_level=True)


class _Listener(http.server.ThreadingHTTPServer):
    hits: list[str]


@pytest.fixture(scope="module")
def listener():
    port = free_port()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            server.hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        do_HEAD = do_GET

        def log_message(self, *args):
            pass

    server = _Listener(("127.0.0.1", port), Handler)
    server.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, f"127.0.0.1:{port}"
    server.shutdown()


def _payloads(host: str) -> list[str]:
    return [f"![x](http://{host}/img.png)", f"![e](http:&#47;&#47;{host}&#47;ent.png)", f"[l](http://{host}/link)",
            f"http://{host}/auto", f"<img src='http://{host}/tag.png'>", f":red[x] $y$ :material/home: //{host}/p"]


def _hostile_csv(path, host: str) -> None:
    from lib import schema

    free = [c.name for c in schema.CASES.columns if c.type == "str" and not c.allowed and c.name != "case_id"]
    cols = ["case_id", "condition", "trigger", "age_years", "sex", "route", "response", "death", *free]
    lines = [",".join(cols)]
    pay = _payloads(host)
    for i in range(6):
        row = [f"c{i}", ["mas", "shlh", "dira"][i % 3], ["sjia", "ebv", "genetic"][i % 3], str(5 + i),
               "female", "sc", "improved", "false"] + ['"' + pay[(i + j) % len(pay)].replace('"', "'") + '"'
                                                       for j in range(len(free))]
        lines.append(",".join(row))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_no_request_leaves_for_another_host(live_server, chromium, listener, tmp_path):
    server, host = listener
    name = tmp_path / f"![n](http:&#47;&#47;{host}&#47;name.png).csv"
    _hostile_csv(name, host)
    ctx = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    outside: list[str] = []
    origin = live_server.base

    def watch(request):
        url = request.url
        if not (url.startswith(origin) or url.startswith("data:") or url.startswith("blob:")
                or url.startswith("about:")):
            outside.append(url)

    page.on("request", watch)
    ui = UI(page)
    page.goto(origin + "/upload")
    ui.idle()
    page.locator("input[type='file']").first.set_input_files(str(name))
    page.wait_for_timeout(1500)
    ui.idle()
    for choice in ("My upload", "Both (each patient labelled by origin)"):
        radio = page.get_by_text(choice, exact=False)
        if radio.count():
            radio.first.click()
            ui.idle()
        for title in PAGE_PATHS:
            ui.go_to(title)
            assert not ui.errors_on_screen(), (title, ui.errors_on_screen())
    for query in (f"/summary?_summary_detail=![](http://{host}/i)", f"/pooled?_pooled_by=![](//{host}/p)",
                  f"/cases?_case=![c](http://{host}/c)&_cases_q=:red[x]", f"/?condition=<img src=//{host}/q>"):
        page.goto(origin + query)
        wait_idle(page)
    page.wait_for_timeout(1000)
    ctx.close()
    assert server.hits == [], f"the listener was called: {server.hits}"
    assert outside == [], f"requests to other hosts: {outside[:10]}"
