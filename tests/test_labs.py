"""Tests of lib.labs on small synthetic lab tables built here (never shown as evidence).

Every table goes through ``lib.data.validate_table`` with ``lib.schema.LABS``
so the tests see exactly the dtypes the app sees. Statistical numbers are
checked two ways: equal to the ``lib.stats`` call on the same values (whose R
references are tested in ``test_stats_rank_tests.py``), and, where the values are one of
R's reference samples in ``tests/reference/wilcoxon.json``, equal to R's own
output.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT
from lib import labs as L
from lib import schema
from lib.data import validate_table
from lib.stats import paired_change, two_sample

R_WILCOX = {(c["kind"], c["name"]): c for c in json.loads(
    (ROOT / "tests" / "reference" / "wilcoxon.json").read_text(encoding="utf-8"))["cases"]}


def make_labs(rows: list[dict]) -> pd.DataFrame:
    """Validate rows of strings/numbers as the labs table; fail loudly on any issue."""
    full = []
    for i, r in enumerate(rows):
        analyte = r.get("analyte", "crp")
        row = {
            "lab_id": r.get("lab_id", f"row{i}"),
            "entity_type": r.get("entity_type", "case"),
            "entity_id": r["entity_id"],
            "analyte": analyte,
            "timepoint": r["timepoint"],
            "day": "" if r.get("day") is None else str(r["day"]),
            "statistic": r.get("statistic", "value"),
            "value_reported": str(r["value"]),
            "unit_reported": r.get("unit", schema.ANALYTE_UNITS[analyte]),
            "value_std": str(r["value"]) if "value_std" not in r else ("" if r["value_std"] is None
                                                                          else str(r["value_std"])),
            "unit_std": schema.ANALYTE_UNITS[analyte],
            "locator": "table 1",
            "note": r.get("note", ""),
            "extraction_date": "2026-01-01",
            "derived_fields": "",
        }
        full.append(row)
    raw = pd.DataFrame(full, columns=list(schema.LABS.column_names), dtype=object)
    typed, issues = validate_table(raw, schema.LABS)
    assert not issues, [str(i) for i in issues]
    return typed


def paired_rows(before, after, analyte="crp", prefix="p"):
    rows = []
    for i, (b, a) in enumerate(zip(before, after)):
        if b is not None:
            rows.append({"entity_id": f"{prefix}{i}", "analyte": analyte, "timepoint": "before", "value": b})
        if a is not None:
            rows.append({"entity_id": f"{prefix}{i}", "analyte": analyte, "timepoint": "after", "value": a})
    return rows


def make_cohorts(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame({
        "cohort_id": [r["cohort_id"] for r in rows],
        "source_id": [r["source_id"] for r in rows],
        "subgroup": [r.get("subgroup") for r in rows],
        "condition": [r.get("condition", "dira") for r in rows],
        "design": [r.get("design", "retrospective") for r in rows],
        "n": pd.array([r.get("n") for r in rows], dtype="Int64"),
    })


def make_sources(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame({
        "source_id": [r["source_id"] for r in rows],
        "first_author": [r.get("first_author") for r in rows],
        "year": pd.array([r.get("year") for r in rows], dtype="Int64"),
        "journal": [r.get("journal") for r in rows],
        "pub_type": [r.get("pub_type", "cohort") for r in rows],
    })


# ------------------------------------------------------------------ values and analytes


def test_available_analytes_in_schema_order_and_only_with_values():
    labs = make_labs([
        {"entity_id": "a", "analyte": "ferritin", "timepoint": "before", "value": 900},
        {"entity_id": "a", "analyte": "hb", "timepoint": "before", "value": 8.1},
        {"entity_id": "c1", "entity_type": "cohort", "analyte": "esr", "timepoint": "after",
         "statistic": "mean_change", "value": -20},
        # no standardised value and an unknown unit: not usable, so platelets is not offered
        {"entity_id": "a", "analyte": "platelets", "timepoint": "before", "value": 5, "unit": "lakh/mm3",
         "value_std": None},
    ])
    assert L.available_analytes(labs) == ["hb", "esr", "ferritin"]
    assert L.available_analytes(labs.iloc[0:0]) == []


def test_missing_value_std_is_converted_from_a_known_unit_and_never_guessed():
    labs = make_labs([
        {"entity_id": "a", "analyte": "hb", "timepoint": "before", "value": 80, "unit": "g/L", "value_std": None},
        {"entity_id": "a", "analyte": "hb", "timepoint": "after", "value": 3, "unit": "weird", "value_std": None},
    ])
    std = L.standardised_values(labs)
    assert std.iloc[0] == pytest.approx(8.0)  # g/L / 10 = g/dL (lib.units)
    assert math.isnan(std.iloc[1])
    pairs = L.lab_pairs(labs, "hb")
    assert pairs["before"].tolist() == [pytest.approx(8.0)]
    assert math.isnan(pairs["after"].iloc[0])
    assert L.unstandardised_count(labs, "hb") == 1
    assert labs["value_std"].isna().all()  # input not mutated


# ------------------------------------------------------------------ pairing rule


def test_lab_pairs_columns_units_and_change():
    labs = make_labs(paired_rows([200, 50, None], [20, None, 9]))
    pairs = L.lab_pairs(labs, "crp")
    assert tuple(pairs.columns) == L.PAIR_COLUMNS
    assert pairs["entity_id"].tolist() == ["p0", "p1", "p2"]
    assert pairs["unit"].unique().tolist() == ["mg/L"]
    assert pairs.loc[0, "change"] == -180
    assert math.isnan(pairs.loc[1, "change"]) and math.isnan(pairs.loc[2, "change"])
    assert pairs["n_before_values"].tolist() == [1, 1, 0]
    assert pairs["n_after_values"].tolist() == [1, 0, 1]


def test_pairing_rule_before_latest_stated_day_after_nearest_day_7_within_the_window():
    """Rule test (our definition, lib.labs.pairing_rule_text): before = latest stated day; after = nearest the
    window's target day within the window, ties to the earlier day; dated values outside are not used."""
    labs = make_labs([
        # before: unlabelled, day -10 and day -1 -> day -1 (closest to the first dose) wins
        {"entity_id": "x", "timepoint": "before", "value": 100},
        {"entity_id": "x", "timepoint": "before", "value": 150, "day": -1},
        {"entity_id": "x", "timepoint": "before", "value": 300, "day": -10},
        # after: day 3, day 14, day 40, unlabelled -> day 3 (nearest day 7 within 1-28) by default
        {"entity_id": "x", "timepoint": "after", "value": 40, "day": 3},
        {"entity_id": "x", "timepoint": "after", "value": 5, "day": 14},
        {"entity_id": "x", "timepoint": "after", "value": 2, "day": 40},
        {"entity_id": "x", "timepoint": "after", "value": 60},
    ])
    p = L.lab_pairs(labs, "crp").iloc[0]
    assert L.DEFAULT_WINDOW == "d7"
    assert (p["before"], p["before_day"]) == (150, -1)
    assert (p["after"], p["after_day"]) == (40, 3)
    assert (p["n_before_values"], p["n_after_values"], p["n_after_not_used"]) == (3, 4, 3)
    assert (L.lab_pairs(labs, "crp", "d14").iloc[0][["after", "after_day"]] == [5, 14]).all()
    assert (L.lab_pairs(labs, "crp", "d28").iloc[0][["after", "after_day"]] == [2, 40]).all()
    # day 3 window (1-7): day 3
    assert L.lab_pairs(labs, "crp", "d3").iloc[0]["after"] == 40
    with pytest.raises(ValueError):
        L.lab_pairs(labs, "crp", "latest")


def test_pairing_rule_ties_go_to_the_earlier_day_and_outside_the_window_means_no_pair():
    labs = make_labs([
        {"entity_id": "t", "timepoint": "before", "value": 90, "day": 0},
        {"entity_id": "t", "timepoint": "after", "value": 30, "day": 10},
        {"entity_id": "t", "timepoint": "after", "value": 20, "day": 4},
        {"entity_id": "o", "timepoint": "before", "value": 90, "day": 0},
        {"entity_id": "o", "timepoint": "after", "value": 20, "day": 60},
        {"entity_id": "o", "timepoint": "after", "value": 25},  # undated, but o has a dated value: not used
    ])
    p = L.lab_pairs(labs, "crp").set_index("entity_id")
    assert (p.loc["t", "after"], p.loc["t", "after_day"]) == (20, 4)  # days 4 and 10 are both 3 from day 7
    assert math.isnan(p.loc["o", "after"]) and p.loc["o", "n_after_not_used"] == 2
    assert L.lab_test_summary(L.lab_pairs(labs, "crp")).n_pairs == 1


def test_pairing_rule_text_names_the_window():
    assert "nearest day 7 within days 1 to 28" in L.pairing_rule_text()
    assert "nearest day 14 within days 8 to 28" in L.pairing_rule_text("d14")
    assert set(L.PAIRING_WINDOW_LABELS) == set(L.PAIRING_WINDOWS)


def test_pairing_rule_without_days_uses_the_unlabelled_value_last_listed_on_ties():
    labs = make_labs([
        {"entity_id": "y", "timepoint": "before", "value": 70},
        {"entity_id": "y", "timepoint": "before", "value": 80},
        {"entity_id": "y", "timepoint": "after", "value": 10, "day": 7},
        {"entity_id": "y", "timepoint": "after", "value": 12, "day": 7},
        {"entity_id": "w", "timepoint": "after", "value": 3},
        {"entity_id": "w", "timepoint": "after", "value": 4},
    ])
    p = L.lab_pairs(labs, "crp").set_index("entity_id")
    assert p.loc["y", "before"] == 80 and math.isnan(p.loc["y", "before_day"])
    assert p.loc["y", "after"] == 12
    # no dated after value: the undated one listed last
    assert p.loc["w", "after"] == 4 and math.isnan(p.loc["w", "after_day"])


def test_pairing_rule_does_not_depend_on_row_order_when_days_differ():
    rows = [
        {"entity_id": "z", "timepoint": "before", "value": 300, "day": -10},
        {"entity_id": "z", "timepoint": "before", "value": 150, "day": -1},
        {"entity_id": "z", "timepoint": "after", "value": 5, "day": 14},
        {"entity_id": "z", "timepoint": "after", "value": 40, "day": 3},
    ]
    a = L.lab_pairs(make_labs(rows), "crp")
    b = L.lab_pairs(make_labs(rows[::-1]), "crp")
    pd.testing.assert_frame_equal(a, b)


def test_lab_pairs_ignores_cohort_rows_other_analytes_and_summary_statistics():
    labs = make_labs(paired_rows([10], [4]) + [
        {"entity_id": "c1", "entity_type": "cohort", "timepoint": "before", "statistic": "mean", "value": 100},
        {"entity_id": "p0", "analyte": "esr", "timepoint": "before", "value": 90},
        {"entity_id": "p9", "timepoint": "before", "statistic": "median", "value": 55},
    ])
    pairs = L.lab_pairs(labs, "crp")
    assert pairs["entity_id"].tolist() == ["p0"]
    assert (pairs.loc[0, "before"], pairs.loc[0, "after"]) == (10, 4)


def test_lab_pairs_empty_and_unknown_analyte():
    labs = make_labs(paired_rows([10], [4]))
    empty = L.lab_pairs(labs, "ferritin")
    assert empty.empty and tuple(empty.columns) == L.PAIR_COLUMNS
    assert L.pairs_long(empty).empty
    with pytest.raises(ValueError):
        L.lab_pairs(labs, "sodium")


def test_pairs_long_has_one_row_per_side_with_a_value():
    pairs = L.lab_pairs(make_labs(paired_rows([200, 50], [20, None])), "crp")
    long = L.pairs_long(pairs)
    assert list(long.columns) == ["entity_id", "timepoint", "value", "day", "paired"]
    assert sorted(zip(long["entity_id"], long["timepoint"], long["value"], long["paired"])) == [
        ("p0", "after", 20.0, True), ("p0", "before", 200.0, True), ("p1", "before", 50.0, False)]


# ------------------------------------------------------------------ tests and counts


def test_lab_test_summary_equals_lib_stats_and_r_paired_reference():
    ref = R_WILCOX[("paired", "small_exact")]  # R: wilcox.test(after, before, paired = TRUE)
    labs = make_labs(paired_rows(ref["before"], ref["after"]))
    s = L.lab_test_summary(L.lab_pairs(labs, "crp"))
    assert s.paired == paired_change(ref["before"], ref["after"])
    assert s.paired.n_pairs == ref["n_pairs"] == 5
    assert s.paired.statistic == ref["statistic"]
    assert s.paired.p_value == pytest.approx(ref["p_value"], abs=1e-12)
    assert s.paired.median_change == pytest.approx(ref["median_change"], rel=1e-12)
    # paired data: no rank-sum test (it would ignore the pairing)
    assert s.rank_sum is None and "the values are paired" in s.rank_sum_note
    assert (s.n_patients, s.n_pairs, s.n_before_only, s.n_after_only) == (5, 5, 0, 0)


def test_rank_sum_uses_patients_with_one_side_and_matches_r_reference():
    ref = R_WILCOX[("two_sample", "small_exact")]  # R: wilcox.test(a, b), a = after, b = before
    before = ref["b"] + [None] * len(ref["a"])
    after = [None] * len(ref["b"]) + ref["a"]
    labs = make_labs(paired_rows(before, after, analyte="esr"))
    s = L.lab_test_summary(L.lab_pairs(labs, "esr"))
    assert s.paired is None and "no patient has both" in s.paired_note
    assert (s.n_pairs, s.n_before_only, s.n_after_only) == (0, 4, 3)
    assert (s.rank_sum.n_a, s.rank_sum.n_b) == (ref["n_a"], ref["n_b"])
    assert s.rank_sum.statistic == ref["statistic"]
    assert s.rank_sum.p_value == pytest.approx(ref["p_value"], abs=1e-12)
    assert s.rank_sum == two_sample(ref["a"], ref["b"])  # unpaired data: the rank-sum test is run


def test_lab_test_summary_mixed_pairs_and_single_sides():
    before = [1200, None, 800, 2500, 400, 900]
    after = [300, 150, None, 600, 380, 950]
    labs = make_labs(paired_rows(before, after, analyte="ferritin"))
    s = L.lab_test_summary(L.lab_pairs(labs, "ferritin"))
    assert (s.n_patients, s.n_pairs, s.n_before_only, s.n_after_only, s.n_before, s.n_after) == (6, 4, 1, 1, 5, 5)
    ref = R_WILCOX[("paired", "with_missing")]  # R drops the incomplete pairs the same way
    assert s.paired.statistic == ref["statistic"]
    assert s.paired.p_value == pytest.approx(ref["p_value"], abs=1e-12)
    assert s.rank_sum is None  # four pairs: the data are paired


def test_lab_test_summary_with_no_values():
    s = L.lab_test_summary(L.lab_pairs(make_labs(paired_rows([10], [4])), "hb"))
    assert s.paired is None and s.rank_sum is None
    assert s.rank_sum_note == "no patient values"
    only_after = L.lab_pairs(make_labs(paired_rows([None], [4])), "crp")
    assert L.lab_test_summary(only_after).rank_sum_note == "no value before anakinra"


def test_lab_coverage_counts_patients_without_values():
    labs = make_labs(paired_rows([10, None], [4, 3]) + [
        {"entity_id": "p5", "timepoint": "before", "value": 9, "unit": "furlongs", "value_std": None}])
    cases = pd.DataFrame({"case_id": ["p0", "p1", "p5", "p7"]})
    c = L.lab_coverage(labs, cases, "crp")
    assert (c.n_cases, c.n_with_values, c.n_without_values, c.n_rows_unstandardised) == (4, 2, 2, 1)


# ------------------------------------------------------------------ cohorts


COHORT_LABS = [
    {"lab_id": "k1-b", "entity_id": "k1", "entity_type": "cohort", "analyte": "ferritin", "timepoint": "before",
     "statistic": "mean", "value": 33316, "note": "mean before"},
    {"lab_id": "k1-a", "entity_id": "k1", "entity_type": "cohort", "analyte": "ferritin", "timepoint": "after",
     "day": 15, "statistic": "mean", "value": 14435},
    {"lab_id": "k1-a-sd", "entity_id": "k1", "entity_type": "cohort", "analyte": "ferritin", "timepoint": "after",
     "day": 15, "statistic": "sd", "value": 2000},
    {"lab_id": "k2-b", "entity_id": "k2", "entity_type": "cohort", "analyte": "ferritin", "timepoint": "before",
     "statistic": "median", "value": 21392},
    {"lab_id": "k2-b-lo", "entity_id": "k2", "entity_type": "cohort", "analyte": "ferritin", "timepoint": "before",
     "statistic": "range_low", "value": 1591},
    {"lab_id": "k3-hb", "entity_id": "k3", "entity_type": "cohort", "analyte": "hb", "timepoint": "after",
     "statistic": "mean_change", "value": 3.18, "note": "pooled mean change"},
    {"lab_id": "k3-esr", "entity_id": "k3", "entity_type": "cohort", "analyte": "esr", "timepoint": "after",
     "statistic": "mean_change", "value": -53.4},
    {"lab_id": "p-f", "entity_id": "p1", "analyte": "ferritin", "timepoint": "before", "value": 999},
]
COHORTS = [
    {"cohort_id": "k1", "source_id": "s1", "n": 44},
    {"cohort_id": "k2", "source_id": "s2", "n": 25, "subgroup": "adults"},
    {"cohort_id": "k3", "source_id": "s3", "n": 25},
]
SOURCES = [
    {"source_id": "s1", "first_author": "Eloseily", "year": 2020},
    {"source_id": "s2"},
    {"source_id": "s3", "first_author": "Pillai", "year": 2024},
]


def test_cohort_lab_summary_markers_with_spread_and_labels():
    labs = make_labs(COHORT_LABS)
    out = L.cohort_lab_summary(labs, make_cohorts(COHORTS), make_sources(SOURCES), "ferritin")
    assert tuple(out.columns) == L.COHORT_COLUMNS
    assert out["lab_id"].tolist() == ["k1-b", "k1-a", "k2-b"]  # "Eloseily 2020" < "Unidentified ..."
    assert out["label"].tolist() == ["Eloseily 2020", "Eloseily 2020",
                                     "Unidentified cohort, year not stated: adults"]  # pub_type cohort
    assert out["statistic"].tolist() == ["mean", "mean", "median"]
    assert out["value"].tolist() == [33316, 14435, 21392]
    assert out["n"].tolist() == [44, 44, 25]
    assert out.loc[1, "sd"] == 2000 and math.isnan(out.loc[0, "sd"])
    assert out.loc[2, "range_low"] == 1591 and math.isnan(out.loc[2, "range_high"])
    assert out["unit"].unique().tolist() == ["ng/mL"]
    assert L.cohort_counts(out, make_cohorts(COHORTS)) == (2, 1)


def test_cohort_lab_summary_leaves_out_cohorts_not_in_view_and_mean_changes():
    labs = make_labs(COHORT_LABS)
    out = L.cohort_lab_summary(labs, make_cohorts(COHORTS[1:]), make_sources(SOURCES), "ferritin")
    assert out["cohort_id"].tolist() == ["k2"]
    assert L.cohort_lab_summary(labs, make_cohorts(COHORTS), make_sources(SOURCES), "hb").empty


def test_reported_changes_lists_mean_change_rows():
    labs = make_labs(COHORT_LABS)
    cohorts, sources = make_cohorts(COHORTS), make_sources(SOURCES)
    hb = L.reported_changes(labs, cohorts, sources, "hb")
    assert tuple(hb.columns) == L.CHANGE_COLUMNS
    assert hb[["label", "value", "unit", "note"]].values.tolist() == [["Pillai 2024", 3.18, "g/dL",
                                                                       "pooled mean change"]]
    assert L.reported_changes(labs, cohorts, sources, "esr")["value"].tolist() == [-53.4]
    assert L.reported_changes(labs, cohorts, sources, "ferritin").empty
    every = L.reported_changes(labs, cohorts, sources)  # all analytes, schema order within a study
    assert every[["analyte", "value", "unit"]].values.tolist() == [["hb", 3.18, "g/dL"], ["esr", -53.4, "mm/h"]]
    assert L.reported_changes(labs, cohorts.iloc[0:2], sources).empty  # the study is not in view


def test_functions_do_not_mutate_their_inputs():
    labs = make_labs(COHORT_LABS + paired_rows([10, 20], [5, 25], analyte="ferritin"))
    cohorts, sources = make_cohorts(COHORTS), make_sources(SOURCES)
    copies = [labs.copy(), cohorts.copy(), sources.copy()]
    L.available_analytes(labs)
    L.lab_test_summary(L.lab_pairs(labs, "ferritin"))
    L.cohort_lab_summary(labs, cohorts, sources, "ferritin")
    L.reported_changes(labs, cohorts, sources, "hb")
    for before, after in zip(copies, [labs, cohorts, sources]):
        pd.testing.assert_frame_equal(before, after)


def test_results_are_frozen():
    s = L.lab_test_summary(L.lab_pairs(make_labs(paired_rows([10], [4])), "crp"))
    with pytest.raises(AttributeError):
        s.n_pairs = 3  # type: ignore[misc]
    assert isinstance(s.n_pairs, int) and not isinstance(s.n_pairs, np.integer)
