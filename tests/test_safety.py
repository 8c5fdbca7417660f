"""lib.safety: adverse events and infections by condition, route and dose band (synthetic rows built here).

No statistics: the tests check the categories (what a source states, and
never "none" for silence), the dose bands, the counts by group and that a
patient is counted once.
"""

from __future__ import annotations

import math

import pytest

from lib import outcomes, safety
from test_evidence_summary import _case, _cohort, _src, make_view


@pytest.fixture()
def view():
    return make_view(
        [_src("a2010", 2010, author="Alpha", journal="J A"), _src("b2020", 2020, journal="Blood"),
         _src("r2022", 2022, author="Review", pub_type="review")],
        cases=[
            _case("a-p1", "a2010", route="sc", dose_mg_kg_day="2", adverse_event_types="infection;injection_site",
                  adverse_events="cellulitis; injection-site pain"),
            _case("a-p2", "a2010", route="sc;iv", dose_mg_kg_day="10", adverse_event_types="hepatotoxicity"),
            _case("a-p3", "a2010", condition="shlh", trigger="ebv", dose_mg_day="100", adverse_event_types="none"),
            _case("a-p4", "a2010", condition="shlh", trigger="ebv", adverse_events="well tolerated"),
            _case("a-p5", "a2010", condition="dira", trigger="genetic"),
        ],
        cohorts=[
            _cohort("b-all", "b2020", 20, route="iv", dose_mg_kg_day_min="4", dose_mg_kg_day_max="12",
                    infections_n="3", stopped_for_ae_n="1", adverse_event_types="infection"),
            _cohort("b-sub", "b2020", 5, subgroup="children", route="iv", infections_n="1"),   # in b-all
            _cohort("b-zero", "b2020", 4, subgroup="zero", route="iv", infections_n="0"),     # in b-all
            _cohort("r-all", "r2022", 50, design="pooled_review", stopped_for_ae_n="2"),
            _cohort("x-none", "a2010", 7, condition="mas", dose_mg_day_max="400"),
        ],
    )


@pytest.mark.parametrize("types, words, category", [
    ("infection;injection_site", None, "infection"),      # an infection wins
    ("hepatotoxicity", None, "other_event"),
    ("none", None, "none_stated"),                         # only the coded "none" is "none"
    (None, "well tolerated", "mentioned"),
    (None, None, "not_stated"),                            # silence is never "none"
    ("none;other", None, "other_event"),
])
def test_patient_category(types, words, category):
    assert safety.patient_category(types, words) == category


@pytest.mark.parametrize("types, words, inf, stop, category", [
    (None, None, 2, None, "infection"),
    (None, None, 0, 1, "other_event"),
    (None, None, 0, None, "mentioned"),   # no infections is not "no adverse events"
    (None, None, None, 0, "mentioned"),
    ("none", None, None, None, "none_stated"),
    (None, "generally safe", None, None, "mentioned"),
    (None, None, None, None, "not_stated"),
])
def test_cohort_category(types, words, inf, stop, category):
    assert safety.cohort_category(types, words, inf, stop) == category


@pytest.mark.parametrize("kg, mg, band", [
    (1.9, None, "lt2"), (2, None, "2to5"), (4.99, 400, "2to5"), (5, None, "5to10"), (10, None, "ge10"),
    (None, 100, "mg_le100"), (None, 100.5, "mg_100_200"), (None, 400, "mg_200_400"), (None, 2400, "mg_gt400"),
    (None, None, "not_stated"), (float("nan"), float("nan"), "not_stated"),
])
def test_dose_band(kg, mg, band):
    assert safety.dose_band(kg, mg) == band


def test_dose_bands_in_mg_kg_day_are_the_outcomes_pages():
    assert safety.DOSE_BANDS[:4] == outcomes.DOSE_BANDS
    assert all(safety.DOSE_BAND_LABELS[b] == outcomes.DOSE_BAND_LABELS[b] for b in outcomes.DOSE_BANDS)
    assert set(safety.DOSE_BAND_LABELS) == set(safety.DOSE_BANDS)


def test_patient_rows_and_counts(view):
    p = safety.patient_safety(view)
    assert list(p.columns) == safety.PATIENT_COLUMNS
    assert p["category"].tolist() == ["infection", "other_event", "none_stated", "mentioned", "not_stated"]
    assert p["dose_band"].tolist() == ["2to5", "ge10", "mg_le100", "not_stated", "not_stated"]
    assert p.loc[0, "ae_types_words"] == "Infection, Injection-site reaction"
    assert p.loc[0, "label"] == "Alpha 2010 (J A): Patient 1"
    by_route = safety.patient_counts(p, "route")
    assert list(by_route.columns) == safety.PATIENT_COUNT_COLUMNS
    n = by_route.drop_duplicates("group").set_index("group")["group_patients"].to_dict()
    assert n == {"sc": 2, "iv": 1, "not_stated": 3}  # a-p2 (sc and iv) counted under both routes
    cond = safety.patient_counts(p, "condition")
    mas = cond.loc[cond["group"] == "mas"].set_index("category")["patients"].to_dict()
    assert mas == {"infection": 1, "other_event": 1, "mentioned": 0, "none_stated": 0, "not_stated": 0}
    assert cond.groupby("group")["patients"].sum().to_dict() == {"dira": 1, "mas": 2, "shlh": 2}
    with pytest.raises(ValueError, match="by"):
        safety.patient_counts(p, "sex")


def test_cohort_rows_counts_and_coverage(view):
    k = safety.cohort_safety(view)
    assert list(k.columns) == safety.COHORT_COLUMNS
    assert k.set_index("cohort_id")["counted"].to_dict() == {
        "b-all": True, "b-sub": False, "b-zero": False, "r-all": False, "x-none": True}
    assert k.set_index("cohort_id")["dose_band"].to_dict() == {
        "b-all": "ge10", "b-sub": "not_stated", "b-zero": "not_stated", "r-all": "not_stated", "x-none": "mg_200_400"}
    by = safety.cohort_counts(k, "condition").set_index("group")
    # only counted rows: b-all (shlh) and x-none (mas); subgroups and the pooled review are not summed
    assert by.loc["shlh"][["cohorts", "patients", "cohorts_infections_stated", "infections", "cohorts_stopped_stated",
                           "stopped_for_ae", "cohorts_ae_stated", "cohorts_not_stated"]].tolist() == [1, 20, 1, 3, 1, 1, 1, 0]
    assert by.loc["mas"][["cohorts", "patients", "cohorts_not_stated"]].tolist() == [1, 7, 1]
    cov = safety.coverage(safety.patient_safety(view), k)
    assert (cov.patients, cov.patients_stated, cov.cohorts, cov.cohorts_stated, cov.cohort_patients) == (5, 4, 2, 1, 27)
    bars = safety.cohort_event_bars(k)
    assert bars[["label", "measure", "patients"]].values.tolist() == [
        ["Blood 2020", "infections", 3], ["Blood 2020", "stopped_for_ae", 1],
        ["Blood 2020: children", "infections", 1], ["Blood 2020: zero", "infections", 0],
        ["Review 2022", "stopped_for_ae", 2]]
    assert bars.loc[0, "percent"] == pytest.approx(15.0)  # 3 of 20


def test_empty_view():
    v = make_view([_src("a", 2010, author="A")])
    p, k = safety.patient_safety(v), safety.cohort_safety(v)
    assert p.empty and k.empty and list(k.columns) == safety.COHORT_COLUMNS
    assert safety.patient_counts(p).empty and safety.cohort_counts(k).empty
    cov = safety.coverage(p, k)
    assert cov.patients == cov.cohorts == 0 and not math.isnan(cov.cohort_patients)
