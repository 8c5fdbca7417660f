"""lib.dosing on small synthetic tables built at run time (never shown as evidence).

No statistics here: the tests check selection, grouping and text matching
rules against values worked out by hand.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from lib import dosing
from test_evidence_summary import _case, _cohort, _src, make_view


@pytest.fixture()
def view():
    return make_view(
        [_src("a2010", 2010, author="Alpha", pmid="123", doi="10.1000/a"),
         _src("b2015", 2015, author="Beta"),
         _src("c2020", 2020, journal="Pediatr Blood Cancer 2020;67(11):e1")],
        cases=[
            _case("a-p1", "a2010", age_years="5", route="sc", dose_mg_kg_day="2", dose_as_reported="2 mg/kg once daily",
                  response="complete"),
            _case("a-p2", "a2010", age_years="5", route="iv;sc", dose_mg_kg_day="2", response="partial"),
            _case("b-p1", "b2015", condition="shlh", trigger="ebv", age_years="40", dose_mg_day="100",
                  dose_as_reported="100 mg sc daily for 2 weeks"),
            _case("b-p2", "b2015", condition="shlh", trigger="ebv", note="median stay 10 days (1-41)"),
            _case("b-p3", "b2015", condition="dira", trigger="genetic", age_years="0.1"),
        ],
        cohorts=[
            _cohort("c-all", "c2020", 6, route="sc", dose_as_reported="6-10 mg/kg/day SC in four doses",
                    dose_mg_kg_day_min="6", dose_mg_kg_day_max="10", responders="6"),
            _cohort("c-sub", "c2020", 2, subgroup="malignancy", trigger="malignancy", route="sc",
                    dose_as_reported="6-10 mg/kg/day SC in four doses", dose_mg_kg_day_min="6",
                    dose_mg_kg_day_max="10", responders="2"),
            _cohort("c-iv", "c2020", 5, subgroup="iv group", route="iv_cont",
                    dose_as_reported="continuous infusion up to 2400 mg/d", responders="4",
                    note="anakinra given up to 2400 mg/day; ferritin fell 50-60 %"),
            _cohort("b-max", "b2015", 3, subgroup="max only", dose_mg_kg_day_max="4"),  # no whole row: drawn
        ],
    )


def test_coverage_counts(view):
    cov = dosing.dose_coverage(view)
    assert cov == dosing.DoseCoverage(cases=5, cohorts=4, cases_with_dose=3, cohorts_with_dose=4, cases_mg_kg_day=2,
                                      cases_mg_day=1, cohorts_mg_kg_day=3)


def test_dose_table_lists_rows_with_any_dose_and_their_citation(view):
    t = dosing.dose_table(view)
    assert list(t.columns) == dosing.TABLE_COLUMNS
    assert t["row_id"].tolist() == ["a-p1", "a-p2", "b-p1", "c-all", "c-sub", "c-iv", "b-max"]
    a = t.loc[t["row_id"] == "a-p1"].iloc[0]
    assert (a["citation"], a["pubmed_url"], a["doi_url"]) == ("Alpha 2010", "https://pubmed.ncbi.nlm.nih.gov/123/",
                                                             "https://doi.org/10.1000/a")
    assert a["age_band"] == "child" and a["outcome"] == "Complete response"
    c = t.loc[t["row_id"] == "c-all"].iloc[0]
    assert c["citation"] == "Pediatr Blood Cancer 2020" and c["n"] == 6 and c["outcome"] == "Cohort: all responded"
    assert t.loc[t["row_id"] == "c-iv", "outcome"].item() == "Cohort: some responded"
    assert t.loc[t["row_id"] == "b-max", "outcome"].item() == "Cohort: responders not stated"
    assert math.isnan(t.loc[t["row_id"] == "b-p1", "dose_mg_kg_day"].item())  # missing stays missing, never 0


def test_dose_points_mg_kg_day(view):
    p = dosing.dose_points(view, "mg_kg_day")
    assert list(p.columns) == dosing.POINT_COLUMNS
    # a-p2 has two routes -> two points; c-sub is covered by c-all; c-iv has no mg/kg/day; b-max only a maximum
    assert sorted(zip(p["row_id"], p["route"])) == [
        ("a-p1", "sc"), ("a-p2", "iv"), ("a-p2", "sc"), ("b-max", "not_stated"), ("c-all", "sc")]
    c = p.loc[p["row_id"] == "c-all"].iloc[0]
    assert (c["dose"], c["dose_low"], c["dose_high"], c["error_plus"], c["error_minus"]) == (8, 6, 10, 2, 2)
    m = p.loc[p["row_id"] == "b-max"].iloc[0]
    assert (m["dose"], m["error_plus"], m["error_minus"], m["route_label"]) == (4, 0, 0, "Not stated")
    # a-p1 and a-p2 share condition, route sc and dose 2: spread symmetrically around the route's position 0
    same = p.loc[(p["route"] == "sc") & (p["dose"] == 2)].sort_values("row_id")
    assert same["x"].tolist() == pytest.approx([-0.06, 0.06])
    assert p.loc[p["route"] == "iv", "x"].tolist() == [1.0]
    assert dosing.covered_subgroups(view) == 1  # c-sub (c-iv is covered too but has no mg/kg/day dose)
    assert dosing.covered_subgroups(view, "mg_day") == 0


def test_dose_points_mg_day_has_cases_only(view):
    p = dosing.dose_points(view, "mg_day")
    assert p["row_id"].tolist() == ["b-p1"] and p["kind"].tolist() == ["case"]
    assert p["route"].tolist() == ["not_stated"] and p["dose"].tolist() == [100.0]
    with pytest.raises(ValueError, match="unit"):
        dosing.dose_points(view, "mg")


def test_regimen_summary_by_condition_and_age(view):
    r = dosing.regimen_summary(view, "condition")
    assert list(r.columns) == dosing.REGIMEN_COLUMNS
    assert r["group"].tolist() == ["dira", "mas", "shlh"]
    mas = r.loc[r["group"] == "mas"].iloc[0]
    assert (mas["cases"], mas["cases_with_dose"], mas["mg_kg_day_low"], mas["mg_kg_day_high"]) == (2, 2, 2.0, 2.0)
    assert mas["routes"] == "sc;iv" and mas["as_reported"] == "2 mg/kg once daily"
    shlh = r.loc[r["group"] == "shlh"].iloc[0]
    assert (shlh["cohorts"], shlh["cohorts_with_dose"], shlh["mg_kg_day_low"], shlh["mg_kg_day_high"]) == (4, 4, 4.0, 10.0)
    assert (shlh["mg_day_low"], shlh["mg_day_high"]) == (100.0, 100.0)
    assert shlh["as_reported"] == ("100 mg sc daily for 2 weeks | 6-10 mg/kg/day SC in four doses | "
                                   "continuous infusion up to 2400 mg/d")
    dira = r.loc[r["group"] == "dira"].iloc[0]
    assert dira["cases_with_dose"] == 0 and math.isnan(dira["mg_kg_day_low"]) and pd.isna(dira["routes"])
    age = dosing.regimen_summary(view, "age_band")
    assert age["label"].tolist() == ["Infant (<1 y)", "Child (1-11 y)", "Adult (18-64 y)", "Not stated"]
    assert age.loc[age["label"] == "Not stated", "cases"].item() == 1  # b-p2 has no age
    with pytest.raises(ValueError, match="by"):
        dosing.regimen_summary(view, "sex")


def test_stated_ranges_quote_only_dose_ranges_from_the_rows(view):
    r = dosing.stated_ranges(view)
    assert list(r.columns) == dosing.RANGE_COLUMNS
    got = sorted(zip(r["source_id"], r["fragment"], r["low"].fillna(-1), r["high"], r["unit"], r["field"]))
    # "6-10 mg/kg/day" appears in two rows of one source: listed once; "up to 2400 mg/d" in the dose and
    # "up to 2400 mg/day" in the note are the same range: listed once, from the dose field.
    # "(1-41)" days and "50-60 %" are not doses; the 'up to' note of a row with no drug word would be skipped.
    assert got == [
        ("c2020", "6-10 mg/kg/day", 6.0, 10.0, "mg/kg/day", "dose_as_reported"),
        ("c2020", "up to 2400 mg/d", -1.0, 2400.0, "mg/day", "dose_as_reported"),
    ]
    assert r["citation"].tolist() == ["Pediatr Blood Cancer 2020"] * 2


def test_stated_ranges_none_when_no_source_states_one():
    v = make_view([_src("a", 2010, author="A")],
                  cases=[_case("p", "a", dose_as_reported="2 mg/kg/day", note="fever for 3-5 days")])
    assert dosing.stated_ranges(v).empty


def test_note_ranges_need_a_drug_or_dose_word():
    v = make_view([_src("a", 2010, author="A")],
                  cases=[_case("p", "a", note="given 1-2 mg/kg per day of anakinra"),
                         _case("q", "a", note="prednisolone 1-2 mg/kg")])
    r = dosing.stated_ranges(v)
    assert r["row_id"].tolist() == ["p"] and r["unit"].tolist() == ["mg/kg/day"] and r["field"].tolist() == ["note"]


def test_functions_do_not_mutate_the_view(view):
    before = {n: getattr(view, n).copy() for n in ("cases", "cohorts", "sources")}
    dosing.dose_table(view)
    dosing.dose_points(view)
    dosing.regimen_summary(view, "trigger")
    dosing.stated_ranges(view)
    for n, df in before.items():
        pd.testing.assert_frame_equal(getattr(view, n), df)


def test_outcome_categories():
    assert dosing.case_outcome(None) == "Response not stated"
    assert dosing.case_outcome("none") == "No response"
    assert dosing.cohort_outcome(3, 3) == "Cohort: all responded"
    assert dosing.cohort_outcome(1, 3) == "Cohort: some responded"
    assert dosing.cohort_outcome(float("nan"), 3) == "Cohort: responders not stated"


# ---------------------------------------------------------------------------
# "What dose": per dose in words, both daily units, and the note when filters leave no dose
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("amount, unit, interval, route, words", [
    (2, "mg/kg", 6, "iv", "2 mg/kg every 6 h"),
    (100, "mg", 24, "sc", "100 mg daily"),
    (100, "mg", 168, None, "100 mg weekly"),
    (1.5, "mg/kg", 12, None, "1.5 mg/kg every 12 h"),
    (None, None, None, "iv_cont", "continuous infusion"),
    (None, None, None, "sc;iv_cont", "continuous infusion"),
    (2, "mg/kg", 6, "sc;iv_cont", "2 mg/kg every 6 h; continuous infusion"),
    (2, "mg/kg", None, None, "2 mg/kg per dose, interval not stated"),
    (None, None, 6, "iv", "every 6 h, amount per dose not stated"),
    (100, None, 24, None, "100 (unit not stated) daily"),
    (None, None, None, "sc", None),
    (float("nan"), None, float("nan"), None, None),
])
def test_dose_words(amount, unit, interval, route, words):
    assert dosing.dose_words(amount, unit, interval, route) == words


def test_dose_table_says_what_dose_in_words_with_both_daily_units():
    v = make_view(
        [_src("m2021", 2021, author="Meneghel", journal="Front Pediatr"), _src("i2023", 2023, author="Imp")],
        cases=[_case("m2021-p1", "m2021", route="sc;iv", dose_amount="2", dose_amount_unit="mg/kg", dose_interval_h="6",
                     dose_mg_kg_day="8", duration_days="14", escalated="true"),
               _case("m2021-p2", "m2021", dose_amount="100", dose_amount_unit="mg", dose_interval_h="24",
                     dose_mg_day="100")],
        cohorts=[_cohort("i2023-all", "i2023", 11, route="sc;iv", dose_mg_day_min="100", dose_mg_day_max="460",
                         dose_interval_h="12", duration_days="10")],
    )
    table = dosing.dose_table(v)
    assert list(table.columns) == dosing.TABLE_COLUMNS
    t = table.set_index("row_id")
    p1 = t.loc["m2021-p1"]
    assert (p1["per_dose"], p1["dose_mg_kg_day"], p1["duration_days"], p1["escalated"]) == (
        "2 mg/kg every 6 h", 8.0, 14.0, True)
    assert (p1["row_label"], p1["who"], p1["citation"]) == (
        "Meneghel 2021 (Front Pediatr): Patient 1", "Patient 1", "Meneghel 2021 (Front Pediatr)")
    p2 = t.loc["m2021-p2"]
    assert p2["per_dose"] == "100 mg daily" and p2["dose_mg_day"] == 100 and math.isnan(p2["dose_mg_kg_day"])
    k = t.loc["i2023-all"]
    assert (k["per_dose"], k["dose_mg_day_min"], k["dose_mg_day_max"], k["who"]) == ("every 12 h, amount per dose "
                                                                                      "not stated", 100, 460,
                                                                                      "all patients")
    cov = dosing.dose_coverage(v)
    assert (cov.cases_per_dose, cov.cohorts_mg_day, cov.cases_mg_day) == (2, 1, 1)
    # cohorts with a dose in mg/day are drawn in that unit too
    pts = dosing.dose_points(v, "mg_day")
    assert sorted(zip(pts["row_id"], pts["route"])) == [("i2023-all", "iv"), ("i2023-all", "sc"),
                                                        ("m2021-p2", "not_stated")]
    assert pts.loc[pts["row_id"] == "i2023-all", "dose"].tolist() == [280.0, 280.0]  # middle of 100-460
    reg = dosing.regimen_summary(v, "condition").set_index("group")
    assert reg.loc["mas", "schedules"] == "2 mg/kg every 6 h; 100 mg daily"
    assert reg.loc["shlh", "schedules"] == "every 12 h, amount per dose not stated"
    assert (reg.loc["shlh", "mg_day_low"], reg.loc["shlh", "mg_day_high"]) == (100.0, 460.0)  # cohorts' mg/day too


def test_dose_without_each_filter_finds_the_narrowest_filter():
    from lib.data import Dataset
    from lib.filters import FilterState, apply_filters

    v = make_view(
        [_src("a", 2010, author="A"), _src("b", 2020, author="B")],
        cases=[_case("a-p1", "a", condition="mas", route="sc", dose_mg_kg_day="2"),
               _case("a-p2", "a", condition="mas", route="iv", dose_as_reported="2 mg/kg"),
               _case("b-p1", "b", condition="dira", route="sc")],
        cohorts=[_cohort("b-all", "b", 5, condition="dira", dose_mg_kg_day_max="3")],
    )
    ds = Dataset(sources=v.sources, cases=v.cases, cohorts=v.cohorts, labs=v.labs, screening=pd.DataFrame(),
                 verification=pd.DataFrame())
    state = FilterState(conditions=("dira",), routes=("sc",))
    assert dosing.dose_coverage(apply_filters(ds, state)).cases_with_dose == 0  # b-p1 states no dose
    r = dosing.dose_without_each_filter(ds, state)
    assert list(r.columns) == dosing.RELAXED_COLUMNS
    # without "DIRA": a-p1 (sc, dose) -> 1 patient; without "Subcutaneous": the DIRA cohort b-all -> 1 cohort;
    # both bring back 1 row: ties keep the order of the active filters
    assert r[["filter_label", "cases_with_dose", "cohorts_with_dose", "rows_with_dose"]].values.tolist() == [
        ["DIRA", 1, 0, 1], ["Subcutaneous", 0, 1, 1]]
    assert dosing.dose_without_each_filter(ds, FilterState()).empty
    # MAS with a dose of at least 5 mg/kg/day leaves nothing; without MAS the only other dose (b-all, up to 3)
    # is still below 5; without the dose minimum both MAS patients state a dose: that filter is the narrowest
    r = dosing.dose_without_each_filter(ds, FilterState(conditions=("mas",), dose_min=5.0))
    assert r[["filter_label", "cases_with_dose", "rows_with_dose"]].values.tolist() == [
        ["Dose ≥ 5.0 mg/kg/day", 2, 2], ["MAS", 0, 0]]
