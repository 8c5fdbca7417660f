"""Text the app did not write never becomes markup (issue 15).

Hostile text goes into every free-text field of an upload (cases and labs),
its file name, and every key and value of a link. Every page is then run in
AppTest with the upload alone and beside the shipped data, and every element
that Streamlit renders as Markdown (markdown, captions, headers, alerts,
metric labels, widget labels and help, expander and tab labels, button
labels) is read: between the markers that frame each payload, no image,
link, icon, colour, maths, entity, autolink, emoji or HTML tag may survive
unescaped (``lib.safe_text.unsafe_markup``). Chart specs are read too: plotly
renders ``<a href>``, tags and entities in its text.

``tests/test_hostile_browser.py`` repeats the essentials in a real browser
with a local listener that must receive no request.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from streamlit.testing.v1 import AppTest

from apptest_util import APP, run_with_upload
from lib import schema
from lib.safe_text import unsafe_markup
from lib.upload import parse_upload

START, END = "QQSTARTQQ", "QQENDQQ"
HOST = "127.0.0.1:9"
PAYLOADS = [
    f"![x](http://{HOST}/i.png)",
    f"![e](http:&#47;&#47;{HOST}&#47;i.png)",
    f"[link](http://{HOST}/l)",
    "$$\\LaTeX$$ $x^2$",
    ":red[red] :blue-background[b] :material/home: :streamlit:",
    f"**bold** <b>tag</b> &#47; &amp; http://{HOST}/auto www.example.com me@example.com",
    "<a href='http://127.0.0.1:9/a'>a</a>",
]
PAGES = ["overview", "summary", "dosing", "labs", "outcomes", "pooled", "genetics", "cases", "upload", "methods",
         "background", "safety"]

# free-text columns of an uploaded case (categorical columns must hold codes to load at all)
_FREE = [c.name for c in schema.CASES.columns if c.type == "str" and not c.allowed and c.name != "case_id"]


def _payload(i: int) -> str:
    return f"{START}{PAYLOADS[i % len(PAYLOADS)]}{END}"


def _upload_bytes(n: int = 6) -> bytes:
    out = io.StringIO()
    cols = ["case_id", "condition", "trigger", "age_years", "sex", "route", "response", "death", "dose_mg_kg_day",
            "followup_days", *_FREE]
    w = csv.writer(out)
    w.writerow(cols)
    conditions = ["mas", "shlh", "dira", "mas", "shlh", "phlh"]
    triggers = ["sjia", "ebv", "genetic", "aosd", "malignancy", "genetic"]
    for i in range(n):
        row = {"case_id": f"{START}{PAYLOADS[i % len(PAYLOADS)]}{END}"[:120], "condition": conditions[i % 6],
               "trigger": triggers[i % 6], "age_years": str(3 + 7 * i), "sex": "female" if i % 2 else "male",
               "route": ["sc", "iv", "iv_cont"][i % 3], "response": ["complete", "improved", "none"][i % 3],
               "death": ["false", "true"][i % 2], "dose_mg_kg_day": str(2 + i), "followup_days": str(10 + 5 * i)}
        for j, c in enumerate(_FREE):
            row[c] = _payload(i + j)
        w.writerow([row.get(c, "") for c in cols])
    return out.getvalue().encode("utf-8")


@pytest.fixture(scope="module")
def hostile_upload():
    name = f"{START}![n](http:&#47;&#47;{HOST}&#47;x.png){END}.csv"
    result = parse_upload(name, _upload_bytes())
    assert result.dataset is not None and len(result.dataset.cases) >= 1, [str(i) for i in result.issues][:5]
    return result.dataset


def _markdown_sources(at: AppTest) -> list[tuple[str, str]]:
    """(element kind, text) for everything Streamlit renders as Markdown, plus plotly specs."""
    out = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "warning", "info", "error", "success",
                 "exception", "latex"):
        for el in at.get(kind):
            out.append((kind, str(getattr(el, "value", ""))))
    for el in at.get("metric"):
        out += [("metric label", str(el.label)), ("metric help", str(getattr(el, "help", "") or ""))]
    for kind in ("selectbox", "multiselect", "radio", "text_input", "number_input", "checkbox", "button",
                 "download_button", "toggle", "slider", "select_slider", "text_area", "date_input"):
        for el in at.get(kind):
            out.append((f"{kind} label", str(getattr(el, "label", "") or "")))
            out.append((f"{kind} help", str(getattr(el, "help", "") or "")))
    for kind in ("expander", "tab", "popover"):
        for el in at.get(kind):
            out.append((f"{kind} label", str(getattr(el, "label", "") or "")))
    for el in at.get("plotly_chart"):
        out += [("plotly spec", text) for text in _spec_strings(el)]
    return out


def _spec_strings(el) -> list[str]:
    """Every string of a chart's plotly spec (decoded from its JSON)."""
    import json

    proto = getattr(el, "proto", None)
    raw = getattr(proto, "spec", "") if proto is not None else ""
    try:
        spec = json.loads(raw) if raw else {}
    except ValueError:
        return [str(raw)]
    found: list[str] = []

    def walk(v):
        if isinstance(v, str):
            found.append(v)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(spec)
    return found


def _violations(at: AppTest) -> list[str]:
    found = []
    for kind, text in _markdown_sources(at):
        for m in re.finditer(re.escape(START) + "(.*?)" + re.escape(END), text, flags=re.S):
            inner = m.group(1)
            if kind == "plotly spec":  # plotly shows &lt; &gt; &amp; literally; a raw tag or entity is markup
                bad = ["html tag"] if re.search(r"<[a-z/!]", inner, re.I) else []
                bad += ["entity"] if re.search(r"&(?!amp;|lt;|gt;)(?:#\d+|#x[0-9a-f]+|[a-z]+);", inner, re.I) else []
            else:
                bad = unsafe_markup(inner)
            if bad:
                found.append(f"{kind}: {bad} in {inner[:120]!r}")
    return found


def _run(page: str, dataset, choice: str, params: dict | None = None) -> AppTest:
    return run_with_upload(page, dataset, choice, params)


@pytest.mark.parametrize("choice", ["upload", "both"])
@pytest.mark.parametrize("page", PAGES)
def test_hostile_upload_text_is_never_markup(page, choice, hostile_upload):
    from pathlib import Path

    if not Path(f"pages/{page}.py").exists() and not (Path(APP).parent / "pages" / f"{page}.py").exists():
        pytest.skip(f"no page {page}")
    at = _run(page, hostile_upload, choice)
    assert not at.exception, at.exception
    sources = _markdown_sources(at)
    assert sources, "nothing read from the page"
    assert _violations(at) == []


def test_the_payload_would_be_caught_unescaped():
    """The detector finds every payload when it is not escaped (so the sweep above can fail)."""
    for p in PAYLOADS:
        assert unsafe_markup(p), p


HOSTILE_LINKS = [
    {f"_summary_detail": f"{START}![](http://{HOST}/i){END}"},
    {"_pooled_by": f"{START}![](//{HOST}/p){END}"},
    {"_case": f"{START}:red[x] $y$ http://{HOST}/c{END}"},
    {f"{START}![k](http://{HOST}/k){END}": "1"},
    {"condition": f"{START}<b>x</b>&#47;{END}"},
    {"_cases_q": f"{START}**b** :material/home:{END}"},
]


@pytest.mark.parametrize("params", HOSTILE_LINKS)
@pytest.mark.parametrize("page", ["overview", "summary", "pooled", "cases"])
def test_hostile_link_text_is_never_markup(page, params, shipped):
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    if page != "overview":
        at.switch_page(f"pages/{page}.py")
        at.run()
    assert not at.exception, at.exception
    assert _violations(at) == []
