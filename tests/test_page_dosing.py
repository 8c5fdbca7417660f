"""AppTest of the Dosing page.

Expected numbers are computed independently from data/*.csv with the csv
module, so the tests follow the data and still fail when the page is wrong.
"""

from __future__ import annotations

import re

import pytest

from apptest_util import page_text, run_app, link_warnings
from conftest import ROOT, read_rows

PAGE = "pages/dosing.py"


def _rows(name):
    return read_rows(ROOT / "data" / f"{name}.csv")


def _case_has_dose(r):
    return bool(r["dose_as_reported"] or r["dose_mg_kg_day"] or r["dose_mg_day"])


def _cohort_has_dose(r):
    return bool(r["dose_as_reported"] or r["dose_mg_kg_day_min"] or r["dose_mg_kg_day_max"])


def _frame(at, column):
    frames = [d.value for d in at.main.dataframe if column in d.value.columns]
    return frames[0] if frames else None


@pytest.fixture(scope="module")
def mas():
    return run_app({"condition": "mas"}, PAGE)


@pytest.fixture(scope="module")
def everything():
    return run_app({}, PAGE)


def test_coverage_line_for_a_known_filter(mas):
    assert not mas.exception, mas.exception
    cases = [r for r in _rows("cases") if r["condition"] == "mas"]
    cohorts = [r for r in _rows("cohorts") if r["condition"] == "mas"]
    c = sum(_case_has_dose(r) for r in cases)
    k = sum(_cohort_has_dose(r) for r in cohorts)
    assert (f"**{c}** of {len(cases)} individually described patients and **{k}** of {len(cohorts)} cohorts in view "
            "state a dose") in page_text(mas)


def test_table_lists_every_row_with_a_dose_and_its_citation(mas):
    cases = [r for r in _rows("cases") if r["condition"] == "mas" and _case_has_dose(r)]
    cohorts = [r for r in _rows("cohorts") if r["condition"] == "mas" and _cohort_has_dose(r)]
    table = _frame(mas, "dose_as_reported")
    assert table is not None
    assert sorted(table["row_id"]) == sorted([r["case_id"] for r in cases] + [r["cohort_id"] for r in cohorts])
    assert f"{len(cases) + len(cohorts)} rows." in page_text(mas)
    authors = {r["source_id"]: (r["first_author"], r["year"]) for r in _rows("sources")}
    for r in cases:
        sid = r["source_ids"].split(";")[0]
        author, year = authors[sid]
        if author:
            got = table.loc[table["row_id"] == r["case_id"], "citation"].item()
            assert got == f"{author} {year}"
            assert table.loc[table["row_id"] == r["case_id"], "dose_as_reported"].item() == (r["dose_as_reported"] or None)


def test_chart_counts_rows_with_a_dose_in_mg_kg_day(everything):
    cases = _rows("cases")
    cohorts = _rows("cohorts")
    with_kg = [r for r in cohorts if r["dose_mg_kg_day_min"] or r["dose_mg_kg_day_max"]]
    whole = {r["source_id"] for r in cohorts if not r["subgroup"]}
    drawn = [r for r in with_kg if not (r["subgroup"] and r["source_id"] in whole)]
    n = sum(bool(r["dose_mg_kg_day"]) for r in cases) + len(drawn)
    missing = len(cases) + len(cohorts) - n - (len(with_kg) - len(drawn))
    caption = f"n = {n} patients or cohorts with a daily dose in mg/kg/day" + (
        f"; {missing} without this value not shown" if missing else "")
    if n:
        assert caption in page_text(everything)
        assert everything.main.get("plotly_chart")


def test_mg_per_day_from_the_link():
    at = run_app({"_dosing_unit": "mg_day"}, PAGE)
    assert not at.exception
    assert at.radio(key="view_dosing_unit").value == "mg_day"
    cases = _rows("cases")
    n = sum(bool(r["dose_mg_day"]) for r in cases)
    text = page_text(at)
    if n:
        assert f"n = {n} patients or cohorts with a daily dose in mg/day; {len(cases) - n} without this value" in text
    else:
        assert "states a daily dose in mg/day" in text


def test_stated_ranges_are_quoted_from_the_data_never_invented(everything):
    ranges = _frame(everything, "fragment")
    cases, cohorts = _rows("cases"), _rows("cohorts")
    if ranges is None:
        assert "No source in view states a dose range" in page_text(everything)
        return
    for fragment, row in zip(ranges["fragment"], ranges["row_id"]):
        # the quoted text is in that row's own dose or note
        row_text = " ".join(r["dose_as_reported"] + " " + r["note"] for r in cases + cohorts
                            if row in (r.get("case_id"), r.get("cohort_id")))
        assert fragment in row_text, (row, fragment)
    # every "a-b mg/kg/day" written in a cohort's dose is listed
    for r in cohorts:
        for m in re.finditer(r"\d+(?:\.\d+)?-\d+(?:\.\d+)? mg/kg/day", r["dose_as_reported"]):
            assert m.group(0) in set(ranges["fragment"]), m.group(0)
    assert any("not advice" in c.value for c in everything.main.caption)


def test_regimen_table_groups_by_trigger_from_the_link():
    at = run_app({"condition": "shlh", "_dosing_group": "trigger"}, PAGE)
    assert not at.exception
    reg = _frame(at, "as_reported")
    cases = [r for r in _rows("cases") if r["condition"] == "shlh"]
    cohorts = [r for r in _rows("cohorts") if r["condition"] == "shlh"]
    triggers = {r["trigger"] for r in cases + cohorts}
    assert len(reg) == len(triggers)
    # cells read "<with a dose> of <all>"
    assert sum(int(x.split(" of ")[1]) for x in reg["patients"]) == len(cases)
    assert sum(int(x.split(" of ")[1]) for x in reg["groups"]) == len(cohorts)
    assert sum(int(x.split(" of ")[0]) for x in reg["patients"]) == sum(_case_has_dose(r) for r in cases)
    assert sum(int(x.split(" of ")[0]) for x in reg["groups"]) == sum(_cohort_has_dose(r) for r in cohorts)
    assert at.query_params.get("_dosing_group") in ("trigger", ["trigger"])


def test_empty_filter_result_gives_a_message():
    at = run_app({"year_max": "1990"}, PAGE)
    assert not at.exception
    assert any("No patients or cohorts match" in i.value for i in at.main.info)
    assert not at.main.get("plotly_chart")


def test_bad_view_options_in_the_link_warn_and_fall_back():
    at = run_app({"condition": "mas", "_dosing_unit": "grains", "_dosing_group": "<b>"}, PAGE)
    assert not at.exception
    warned = " ".join(link_warnings(at))
    assert "_dosing_unit" in warned and "_dosing_group" in warned
    assert at.radio(key="view_dosing_unit").value == "mg_kg_day"
    assert at.radio(key="view_dosing_group").value == "condition"
