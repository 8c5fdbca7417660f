"""AppTest of the Safety page (adverse events and infections on anakinra), started from the app with a link.

Expected numbers come from data/*.csv read with the csv module.
"""

from __future__ import annotations

import json

import pytest

from apptest_util import page_text, run_app, link_warnings
from conftest import ROOT, read_rows
from visible_codes import problems

PAGE = "pages/safety.py"


def _rows(name):
    return read_rows(ROOT / "data" / f"{name}.csv")


def _stated(r) -> bool:
    return bool(r["adverse_event_types"] or r["adverse_events"])


@pytest.fixture(scope="module")
def everything():
    return run_app({}, PAGE)


def test_page_opens_with_the_absence_is_not_evidence_note(everything):
    assert not everything.exception, everything.exception
    assert [t.value for t in everything.main.title] == ["Safety"]
    warning = " ".join(w.value for w in everything.main.warning)
    assert "Absence of a reported adverse event is not evidence of safety" in warning
    assert "never as none" in warning


def test_headline_counts_patients_and_cohorts_from_the_data(everything):
    cases, cohorts = _rows("cases"), _rows("cohorts")
    stated = sum(_stated(r) for r in cases)
    text = page_text(everything)
    assert f"**{stated}** of {len(cases)} individually described patients in view" in text
    assert f"**{len(cases) - stated}** say" in text
    # n and "not stated" under the patient chart
    assert f"n = {len(cases)} patients; {len(cases) - stated} with nothing stated about adverse events" in text
    # counted cohorts: no subgroup whose whole study is in view, no pooled review
    whole = {r["source_id"] for r in cohorts if not r["subgroup"]}
    counted = [r for r in cohorts if r["design"] != "pooled_review" and not (r["subgroup"] and r["source_id"] in whole)]
    k_stated = sum(bool(r["adverse_event_types"] or r["adverse_events"] or r["infections_n"] or r["stopped_for_ae_n"])
                   for r in counted)
    n = sum(int(r["n"]) for r in counted)
    assert f"**{k_stated}** of {len(counted)} cohorts ({n} patients)" in text
    assert f"n = {len(counted)} cohorts ({n} patients); {len(counted) - k_stated} say nothing" in text


def test_cohort_rows_that_state_something_are_listed_with_their_words(everything):
    cohorts = [r for r in _rows("cohorts")
               if r["adverse_event_types"] or r["adverse_events"] or r["infections_n"] or r["stopped_for_ae_n"]]
    tables = [d.value for d in everything.main.dataframe if "adverse_events" in d.value.columns]
    listed = tables[-1] if tables else None
    if not cohorts:
        assert "No cohort in view states anything about adverse events." in page_text(everything)
        return
    assert listed is not None and len(listed) == len(cohorts)
    for r in cohorts:
        if r["adverse_events"]:
            assert r["adverse_events"] in set(listed["adverse_events"])  # the words as reported
    infections = {int(r["infections_n"]) for r in cohorts if r["infections_n"]}
    assert infections <= {int(v) for v in listed["infections_n"].dropna()}


def test_charts_have_units_on_their_axes(everything):
    charts = everything.main.get("plotly_chart")
    assert charts
    for c in charts:
        layout = json.loads(c.proto.spec)["layout"]
        assert layout["xaxis"]["title"]["text"] == "Patients (n)"


@pytest.mark.parametrize("params", [{}, {"condition": "dira"}, {"_safety_by": "route"},
                                    {"_safety_by": "dose_band", "condition": "shlh"}, {"condition": "mas"}])
def test_no_code_source_id_or_none_on_screen(params):
    at = run_app(params, PAGE)
    assert not at.exception, at.exception
    assert problems(at) == []


def test_grouping_from_the_link_and_bad_values():
    at = run_app({"_safety_by": "dose_band"}, PAGE)
    assert at.radio(key="view_safety_by").value == "dose_band"
    assert at.query_params.get("_safety_by") in ("dose_band", ["dose_band"])
    text = page_text(at)
    assert "Highest daily dose: mg/kg/day when stated, else mg/day" in text
    bad = run_app({"_safety_by": "<b>x</b>"}, PAGE)
    assert not bad.exception
    assert any("_safety_by" in w for w in link_warnings(bad))
    assert bad.radio(key="view_safety_by").value == "condition"


def test_route_grouping_says_patients_with_two_routes_count_twice():
    at = run_app({"_safety_by": "route"}, PAGE)
    assert "counted under both" in page_text(at)


def test_empty_filter_result():
    at = run_app({"year_max": "1990"}, PAGE)
    assert not at.exception
    assert "No patients or cohorts match the current filters" in page_text(at)
    assert not at.main.get("plotly_chart")
