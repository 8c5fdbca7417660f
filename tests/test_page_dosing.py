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
    return bool(r["dose_as_reported"] or r["dose_mg_kg_day"] or r["dose_mg_day"] or r["dose_amount"])


def _cohort_has_dose(r):
    return bool(r["dose_as_reported"] or r["dose_mg_kg_day_min"] or r["dose_mg_kg_day_max"]
                or r["dose_mg_day_min"] or r["dose_mg_day_max"])


def _labels():
    """Row labels as lib.citations makes them (their rules are tested in test_citations.py)."""
    from lib.citations import cohort_labels, patient_labels, source_labels
    from lib.data import load_dataset

    ds = load_dataset(ROOT / "data")
    rows = dict(zip(ds.cases["case_id"], patient_labels(ds.cases, ds.sources)))
    rows.update(zip(ds.cohorts["cohort_id"], cohort_labels(ds.cohorts, ds.sources)))
    return source_labels(ds.sources), rows


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
    table = _frame(mas, "per_dose")
    assert table is not None
    studies, rows = _labels()
    expected = sorted([rows[r["case_id"]] for r in cases] + [rows[r["cohort_id"]] for r in cohorts])
    shown = sorted(f"{c}: {w}" if k == "Patient" else (c if w == "all patients" else f"{c}: {w}")
                   for c, w, k in zip(table["citation"], table["who"], table["kind"]))
    assert shown == expected
    assert f"{len(cases) + len(cohorts)} rows." in page_text(mas)
    for r in cases:
        got = table.loc[[f"{c}: {w}" == rows[r["case_id"]] for c, w in zip(table["citation"], table["who"])]]
        assert got["citation"].item() == studies[r["source_ids"].split(";")[0]]
        assert got["dose_as_reported"].item() == (r["dose_as_reported"] or None)


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
    cases, cohorts = _rows("cases"), _rows("cohorts")
    with_mg = [r for r in cohorts if r["dose_mg_day_min"] or r["dose_mg_day_max"]]
    whole = {r["source_id"] for r in cohorts if not r["subgroup"]}
    drawn = [r for r in with_mg if not (r["subgroup"] and r["source_id"] in whole)]
    n = sum(bool(r["dose_mg_day"]) for r in cases) + len(drawn)
    missing = len(cases) + len(cohorts) - n - (len(with_mg) - len(drawn))
    text = page_text(at)
    if n:
        assert f"n = {n} patients or cohorts with a daily dose in mg/day; {missing} without this value" in text
    else:
        assert "states a daily dose in mg/day" in text


def test_stated_ranges_are_quoted_from_the_data_never_invented(everything):
    ranges = _frame(everything, "fragment")
    cases, cohorts = _rows("cases"), _rows("cohorts")
    if ranges is None:
        assert "No source in view states a dose range" in page_text(everything)
        return
    _, labels = _labels()
    for fragment, row in zip(ranges["fragment"], ranges["row_label"]):
        # the quoted text is in that row's own dose or note
        row_text = " ".join(r["dose_as_reported"] + " " + r["note"] for r in cases + cohorts
                            if labels[r.get("case_id") or r.get("cohort_id")] == row)
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


# ---------------------------------------------------------------------------
# Issue 14: what dose in words, and the note when the filters leave no dose
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("params", [{}, {"condition": "mas"}, {"condition": "shlh", "_dosing_group": "trigger"},
                                    {"_dosing_unit": "mg_day", "_dosing_group": "age_band"}, {"condition": "dira"}])
def test_no_code_source_id_or_none_on_screen(params):
    from visible_codes import problems

    at = run_app(params, PAGE)
    assert not at.exception, at.exception
    assert problems(at) == []


def test_dose_table_gives_per_dose_words_and_both_daily_units(everything):
    table = _frame(everything, "per_dose")
    assert {"per_dose", "mg_kg", "mg", "duration_days", "escalated", "route"} <= set(table.columns)
    cases = [r for r in _rows("cases") if _case_has_dose(r)]
    # a case stating amount, unit and interval reads "<amount> <unit> every <h> h" (24 h: "daily")
    for r in cases:
        if r["dose_amount"] and r["dose_amount_unit"] and r["dose_interval_h"]:
            h = float(r["dose_interval_h"])
            words = f"{float(r['dose_amount']):g} {r['dose_amount_unit']} " + ("daily" if h == 24 else f"every {h:g} h")
            assert any(str(v).startswith(words) for v in table["per_dose"].dropna()), words
    assert set(table["escalated"].dropna()) <= {"Yes", "No"}
    assert set(table["kind"]) <= {"Patient", "Cohort"}


def test_no_stated_dose_says_which_filter_to_drop():
    cases, cohorts = _rows("cases"), _rows("cohorts")
    at = run_app({"year_max": "1990"}, PAGE)  # nothing published by 1990
    assert not at.exception
    c = sum(_case_has_dose(r) for r in cases)
    k = sum(_cohort_has_dose(r) for r in cohorts)
    info = " ".join(i.value for i in at.main.info)
    assert "No patient or cohort in view states a dose." in info
    assert (f"The narrowest filter is **“Published ≤ 1990”**: without it, {c} patient{'s' if c != 1 else ''} and "
            f"{k} cohort{'s' if k != 1 else ''} would state one") in info


def test_no_stated_dose_with_two_filters_names_the_one_that_brings_back_most():
    cases, cohorts = _rows("cases"), _rows("cohorts")
    at = run_app({"condition": "dira", "route": "iv_cont"}, PAGE)
    assert not at.exception
    # without DIRA: rows given anakinra by continuous infusion that state a dose; without the route: DIRA rows
    without_dira = (sum(_case_has_dose(r) for r in cases if "iv_cont" in r["route"].split(";"))
                    + sum(_cohort_has_dose(r) for r in cohorts if "iv_cont" in r["route"].split(";")))
    without_route = (sum(_case_has_dose(r) for r in cases if r["condition"] == "dira")
                     + sum(_cohort_has_dose(r) for r in cohorts if r["condition"] == "dira"))
    info = " ".join(i.value for i in at.main.info)
    if without_dira == without_route == 0:
        assert "dropping any single filter would not change that" in info
        return
    best, other, n_other = (("DIRA", "IV continuous", without_route) if without_dira >= without_route
                            else ("IV continuous", "DIRA", without_dira))
    assert f"The narrowest filter is **“{best}”**" in info
    assert f"without “{other}”: {n_other} row" in info
