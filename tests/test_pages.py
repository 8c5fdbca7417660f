"""Every page through AppTest, started from app.py with query parameters set.

Expected numbers are computed with the csv module straight from data/ (an
independent reader), so the tests follow the dataset as it grows and still
fail when a page shows the wrong count.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from apptest_util import run_app as _app
from conftest import ROOT, read_rows

PAGES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))


def _text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [str(getattr(m, "value", "")) for m in at.metric]
    return "\n".join(parts)


def _cases(condition=None):
    rows = read_rows(ROOT / "data" / "cases.csv")
    return [r for r in rows if condition is None or r["condition"] in condition]


def _cohorts(condition=None):
    rows = read_rows(ROOT / "data" / "cohorts.csv")
    return [r for r in rows if condition is None or r["condition"] in condition]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_without_exception(page):
    at = _app({"condition": ["dira", "mas"]}, page)
    assert not at.exception, at.exception


@pytest.mark.parametrize("page", PAGES)
def test_every_page_survives_an_empty_filter_result(page):
    # year 1990 only: nothing in the dataset, so every page must say so rather than fail
    at = _app({"year_max": "1990"}, page)
    assert not at.exception, at.exception


def _overview_line(conditions=None) -> str:
    """The Overview's first line and count, re-stated on the CSV rows (publications; patients in primary reports)."""
    cases, cohorts = _cases(conditions), _cohorts(conditions)
    pubs = {s for r in cases for s in r["source_ids"].split(";") if s} | {r["source_id"] for r in cohorts}
    prim = [k for k in cohorts if k["design"] != "pooled_review"]
    whole = {k["source_id"] for k in prim if not k["subgroup"]}
    prim = [k for k in prim if not (k["subgroup"] and k["source_id"] in whole)]
    ids = {k["cohort_id"] for k in prim}
    primary = len(cases) - sum(r["included_in_cohort"] in ids for r in cases) + sum(int(k["n"]) for k in prim)
    return f"**{len(pubs)} publications** match the filters.\n{primary:,} patients in primary reports"


def test_overview_shows_the_counts_for_a_known_filter():
    at = _app({"condition": "dira"})
    assert _overview_line({"dira"}) in _text(at)


def test_overview_without_filters_counts_everything():
    at = _app()
    assert _overview_line() in _text(at)


def test_link_filters_reach_the_sidebar_widgets():
    at = _app({"condition": ["mas", "dira"], "route": "iv", "dose_max": "10"})
    ms = {w.key: w.value for w in at.multiselect}
    assert ms["f_conditions"] == ["dira", "mas"]
    assert ms["f_routes"] == ["iv"]
    assert at.number_input(key="f_dose_max").value == 10.0
    assert not at.warning  # a clean link gives no warning


def test_bad_link_values_give_a_visible_warning_and_a_sane_view():
    at = _app({"condition": ["dira", "<script>"], "dose_max": "NaN", "zzz": "1"})
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning) + " ".join(t.value for t in at.text)
    assert "not understood" in warnings
    assert "condition='<script>'" in warnings
    assert "dose_max='NaN'" in warnings
    assert at.multiselect(key="f_conditions").value == ["dira"]


def test_filters_are_written_back_to_the_url_without_defaults():
    at = _app({"condition": "dira"})
    assert at.query_params.get("condition") in ("dira", ["dira"])
    assert "dose_min" not in at.query_params


def test_changing_a_filter_changes_the_numbers():
    at = _app()
    before = _text(at)
    at.multiselect(key="f_conditions").set_value(["mas"]).run()
    assert _overview_line({"mas"}) in _text(at) and _overview_line({"mas"}) not in before


def test_removing_an_active_filter_and_reset():
    at = _app({"condition": ["dira", "mas"]})
    remove = [b for b in at.button if b.key == "rm_conditions_mas"]
    assert remove, [b.key for b in at.button]
    remove[0].click().run()
    assert at.multiselect(key="f_conditions").value == ["dira"]
    at.button(key="reset_filters").click().run()
    assert at.multiselect(key="f_conditions").value == []


def test_switching_page_keeps_filters():
    at = _app({"condition": "dira"})
    at.switch_page("pages/cases.py")
    at.run()
    assert at.multiselect(key="f_conditions").value == ["dira"]
    assert f"{len(_cases({'dira'}))} patients described individually" in _text(at)


def test_cases_page_search():
    rows = _cases()
    if not rows:
        pytest.skip("no cases")
    at = _app(page="pages/cases.py")
    at.text_input(key="view_cases_q").set_value("zzzz-no-such-text").run()
    assert f"Showing 0 of {len(rows)}." in _text(at)


def test_methods_page_shows_dictionary_and_disclaimer():
    at = _app(page="pages/methods.py")
    assert any("does not" in c.value and "replace" in c.value for c in at.caption)
    assert at.dataframe  # dictionary and logs


def test_disclaimer_and_version_on_every_page():
    import json
    version = json.loads((ROOT / "data" / "dataset.json").read_text())["version"]
    for page in PAGES:
        at = _app(page=page)
        main = " ".join(c.value for c in at.main.caption)
        side = " ".join(c.value for c in at.sidebar.caption)
        assert "supports, and does not replace, clinical judgement" in main, page
        assert f"Dataset version {version}" in side, page


def test_an_empty_result_offers_to_drop_the_filter_that_removes_the_most():
    # no DIRA row is from before 2009 (checked from the CSV): DIRA + year_max=2008 leaves nothing
    cases = read_rows(ROOT / "data" / "cases.csv")
    dira_years = {int(r["year"]) for r in read_rows(ROOT / "data" / "sources.csv") if r["year"]
                  and any(r["source_id"] in c["source_ids"].split(";") for c in cases if c["condition"] == "dira")}
    assert dira_years and min(dira_years) > 2008
    at = _app({"condition": "dira", "year_max": "2008"})
    assert not at.exception, at.exception
    assert any("No patients or cohorts match" in i.value for i in at.main.info)
    buttons = [b for b in at.main.button if b.key and b.key.startswith("relax_")]
    assert buttons, "no suggestion offered"
    # removing the year limit brings back the DIRA rows; removing DIRA brings back everything before 2009
    first = buttons[0]
    first.click().run()
    assert not at.exception
    assert not any("No patients or cohorts match" in i.value for i in at.main.info)
    assert dict(at.query_params) in ({"condition": "dira"}, {"condition": ["dira"]}, {"year_max": "2008"}, {"year_max": ["2008"]})
