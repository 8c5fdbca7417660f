"""lib.methods: the screening flow, the yield curve and the DOT text; the screening rule of lib.data.

Expected numbers on the shipped log are computed with the csv module straight
from ``data/screening.csv`` (an independent reader). The yield-curve example is
worked out by hand in the comments. The script that normalised round 1 is
checked too: its notes keep the log as first written, and rebuilding from them
gives the shipped rows back (a regression test of ``scripts/normalise_screening.py``).
"""

from __future__ import annotations

import importlib.util
import re
import sys

import pandas as pd
import pytest

from conftest import ROOT, read_rows, write_rows
from lib import methods, schema
from lib.data import DataValidationError, load_dataset, parse_exclusion_reasons, validate_table

SCREENING = ROOT / "data" / "screening.csv"


def _reasons(cell: str) -> dict[str, int]:
    """Independent reading of a ``code: n; code: n`` cell."""
    out: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in cell.split(";"))):
        code, n = part.split(":")
        out[code.strip()] = out.get(code.strip(), 0) + int(n)
    return out


def _load_script():
    spec = importlib.util.spec_from_file_location("normalise_screening", ROOT / "scripts" / "normalise_screening.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------------------
# The shipped log
# ---------------------------------------------------------------------------

def test_every_shipped_look_up_adds_up():
    rows = read_rows(SCREENING)
    assert rows
    for r in rows:
        found, new, screened = int(r["records_found"]), int(r["records_new"]), int(r["screened"])
        included, excluded = int(r["included"]), int(r["excluded"])
        reasons = _reasons(r["exclusion_reasons"])
        where = r["query_id"]
        assert found >= new, where
        assert screened == new, where
        assert included + excluded == screened, where
        assert sum(reasons.values()) == excluded, where
        assert set(reasons) <= set(schema.EXCLUSION_REASONS), where


def test_round_one_is_ordered_and_labelled():
    rows = [r for r in read_rows(SCREENING) if r["round"] == "1"]
    assert len(rows) == 334
    assert [int(r["seq"]) for r in rows] == list(range(1, len(rows) + 1))
    for r in rows:
        assert r["pass_name"] == r["query_id"].split("-q")[0]
    # the four topic passes first, then round2, which follows them up
    passes = list(dict.fromkeys(r["pass_name"] for r in rows))
    assert passes == ["dira", "hcoh", "mas", "shlh", "round2"]


def test_flow_reconciles_on_the_shipped_log(shipped):
    rows = read_rows(SCREENING)
    flow = methods.screening_flow(shipped.screening)
    assert flow.queries == len(rows)
    assert flow.records_found == sum(int(r["records_found"]) for r in rows)
    assert flow.records_found >= flow.records_new == flow.screened == flow.included + flow.excluded
    assert flow.repeats == flow.records_found - flow.records_new
    assert flow.excluded == int(flow.exclusion_reasons["records"].sum())
    assert set(flow.exclusion_reasons["reason"]) <= set(schema.EXCLUSION_REASONS)
    assert list(flow.exclusion_reasons["label"]) == [schema.EXCLUSION_REASON_LABELS[c]
                                                    for c in flow.exclusion_reasons["reason"]]
    assert flow.included == sum(int(r["included"]) for r in rows)
    # every publication in the dataset was included by exactly one look-up
    assert flow.included == len(read_rows(SCREENING.parent / "sources.csv"))

    round1 = methods.screening_flow(shipped.screening, curation_round=1)
    assert round1.included == sum(int(r["included"]) for r in rows if r["round"] == "1")
    assert round1.records_new == sum(int(r["records_new"]) for r in rows if r["round"] == "1")
    # one row per round, adding up to the totals
    by_round = flow.by_round
    for col in ("queries", "records_found", "records_new", "repeats", "screened", "excluded", "included"):
        assert int(by_round[col].sum()) == getattr(flow, col), col


def test_reason_labels_cover_the_vocabulary():
    assert set(schema.EXCLUSION_REASON_LABELS) == set(schema.EXCLUSION_REASONS)
    assert all(label and label[0].isupper() and "_" not in label for label in schema.EXCLUSION_REASON_LABELS.values())


# ---------------------------------------------------------------------------
# The screening rule of the loader: a table of bad rows and the message each gives
# ---------------------------------------------------------------------------

GOOD = {
    "query_id": "x-q001", "date": "2027-01-10", "time": "09:30", "seq": "1", "round": "2", "pass_name": "x",
    "database": "PubMed", "query": "anakinra DIRA", "records_found": "8", "records_new": "5", "screened": "5",
    "included": "1", "excluded": "4", "exclusion_reasons": "no_anakinra: 3; review_no_new_patients: 1", "note": "",
}


def _raw(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows), dtype=object).replace({"": None})


def test_a_good_log_passes():
    _, issues = validate_table(_raw(GOOD, {**GOOD, "query_id": "x-q002", "excluded": "0", "included": "5",
                                           "exclusion_reasons": ""}), schema.SCREENING)
    assert issues == []


@pytest.mark.parametrize("change, column, message", [
    ({"records_new": "9", "screened": "9", "included": "5"}, "records_new", "9 new records is more than the 8 found"),
    ({"screened": "8"}, "screened", "8 screened, but 5 new records"),
    ({"included": "2"}, "excluded", "included 2 + excluded 4 = 6, but 5 were screened"),
    ({"exclusion_reasons": "no_anakinra: 2; review_no_new_patients: 1"}, "exclusion_reasons",
     "reasons add up to 3, but excluded is 4"),
    ({"exclusion_reasons": "no anakinra: 4"}, "exclusion_reasons", "'no anakinra' is not a reason code"),
    ({"exclusion_reasons": "already_seen: 4"}, "exclusion_reasons", "'already_seen' is not a reason code"),
    ({"exclusion_reasons": "no_anakinra: 9(4)"}, "exclusion_reasons", "is not of the form `reason: n`"),
    ({"exclusion_reasons": "no_anakinra: 2; no_anakinra: 2"}, "exclusion_reasons", "listed twice"),
    ({"records_new": ""}, "records_new", "value is needed for the screening flow"),
    ({"excluded": ""}, "excluded", "value is needed for the screening flow"),
])
def test_a_bad_row_names_file_row_and_column(change, column, message):
    _, issues = validate_table(_raw(GOOD, {**GOOD, "query_id": "x-q002", **change}), schema.SCREENING)
    assert issues, change
    assert all(i.row == 3 for i in issues), issues
    assert any(i.column == column and message in i.message for i in issues), [str(i) for i in issues]


def test_loader_refuses_a_log_that_does_not_add_up(data_copy):
    path = data_copy / "screening.csv"
    rows = read_rows(path)
    rows[1]["screened"] = str(int(rows[1]["screened"]) + 1)
    write_rows(path, schema.SCREENING, rows)
    with pytest.raises(DataValidationError) as err:
        load_dataset(data_copy)
    assert "screening.csv, row 3, column 'screened'" in str(err.value)


def test_parse_exclusion_reasons():
    assert parse_exclusion_reasons("no_anakinra: 3; other: 1") == ({"no_anakinra": 3, "other": 1}, None)
    assert parse_exclusion_reasons(None) == ({}, None)
    assert parse_exclusion_reasons("review: 2")[1].startswith("'review' is not a reason code")


def test_flow_refuses_an_unparsed_reason_cell():
    log = _raw(GOOD, {**GOOD, "query_id": "x-q002", "exclusion_reasons": "reviews: 4"})
    with pytest.raises(ValueError, match="x-q002"):
        methods.screening_flow(log)


# ---------------------------------------------------------------------------
# Flow of a small synthetic log, per round
# ---------------------------------------------------------------------------

def test_flow_sums_per_round():
    log = _raw(
        {**GOOD, "query_id": "a", "round": "1"},
        {**GOOD, "query_id": "b", "round": "2", "records_found": "3", "records_new": "2", "screened": "2",
         "included": "0", "excluded": "2", "exclusion_reasons": "no_anakinra: 1; other: 1"},
    )
    typed, issues = validate_table(log, schema.SCREENING)
    assert issues == []
    flow = methods.screening_flow(typed)
    assert (flow.records_found, flow.records_new, flow.repeats, flow.screened, flow.excluded, flow.included) == \
        (11, 7, 4, 7, 6, 1)
    assert dict(zip(flow.exclusion_reasons["reason"], flow.exclusion_reasons["records"])) == \
        {"no_anakinra": 4, "review_no_new_patients": 1, "other": 1}
    assert flow.by_round[["round", "records_new", "included"]].values.tolist() == [[1, 5, 1], [2, 2, 0]]
    assert methods.screening_flow(typed, curation_round=2).records_found == 3


# ---------------------------------------------------------------------------
# Yield curve: a hand-made example with a window of 3
# ---------------------------------------------------------------------------

def test_yield_curve_orders_look_ups_and_rolls_the_window():
    # given out of order; run order is by (round, date, time, seq)
    log = pd.DataFrame({
        "query_id": ["r2-b", "r1-c", "r1-a", "r2-a", "r1-b", "r1-d", "r2-c"],
        "round":    [2,      1,      1,      2,      1,      1,      2],
        "date":     ["2027-02-01", "2026-11-23", "2026-11-23", "2027-02-01", "2026-11-23", "2026-11-24",
                     "2027-02-02"],
        "time":     ["10:00", None, None, "09:00", None, None, "08:00"],
        "seq":      [2, 3, 1, 1, 2, 4, 3],
        "pass_name": ["p"] * 7,
        "included": [0, 2, 1, 0, 0, 1, 1],
    })
    curve = methods.yield_curve(log, window=3)
    assert curve["query_id"].tolist() == ["r1-a", "r1-b", "r1-c", "r1-d", "r2-a", "r2-b", "r2-c"]
    assert curve["lookup"].tolist() == [1, 2, 3, 4, 5, 6, 7]
    # included in run order:   1, 0, 2, 1, 0, 0, 1
    assert curve["included"].tolist() == [1, 0, 2, 1, 0, 0, 1]
    assert curve["included_cumulative"].tolist() == [1, 1, 3, 4, 4, 4, 5]
    # sums of the last 3:      1, 1+0, 1+0+2, 0+2+1, 2+1+0, 1+0+0, 0+0+1
    assert curve["included_in_window"].tolist() == [1, 1, 3, 3, 3, 1, 1]
    assert curve["lookups_in_window"].tolist() == [1, 2, 3, 3, 3, 3, 3]


def test_yield_curve_columns_do_not_depend_on_the_window(shipped):
    a, b = methods.yield_curve(shipped.screening), methods.yield_curve(shipped.screening, window=10)
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(shipped.screening)
    assert int(a["included_cumulative"].iloc[-1]) == methods.screening_flow(shipped.screening).included


# ---------------------------------------------------------------------------
# DOT text: numbers and fixed labels only
# ---------------------------------------------------------------------------

def test_flow_dot_carries_no_data_text():
    hostile = '"]; evil [label="x'
    log = _raw({**GOOD, "query": hostile, "note": hostile, "pass_name": hostile})
    typed, _ = validate_table(log, schema.SCREENING)
    dot = methods.flow_dot(methods.screening_flow(typed), n_sources=1, n_cases=2, n_cohorts=3)
    assert "evil" not in dot
    assert schema.EXCLUSION_REASON_LABELS["no_anakinra"] in dot
    assert "n = 8" in dot and "n = 5" in dot and "n = 3" in dot  # found, after repeats, repeats
    # every quoted label is a fixed text with numbers
    for label in re.findall(r'label="((?:[^"\\]|\\.)*)"', dot):
        assert re.fullmatch(r"[A-Za-z0-9 =:,.()\-\\]*", label), label


# ---------------------------------------------------------------------------
# The normalisation script (regression tests)
# ---------------------------------------------------------------------------

def test_script_splits_cells_outside_brackets_only():
    script = _load_script()
    cell = ("Milan series (Children 2022;9(4):564; 12 children) - followed up next: 1; reviews: 3; "
            "AOSD-HLH cases without anakinra: 4 (2 duplicate pages)")
    assert script.parse_logged(cell) == [
        ("Milan series (Children 2022;9(4):564; 12 children) - followed up next", 1),
        ("reviews", 3),
        ("AOSD-HLH cases without anakinra (2 duplicate pages)", 4),
    ]
    with pytest.raises(ValueError):
        script.parse_logged("verification re-read of Chaudhuri 2024 (2 records); reviews: 3")


def test_script_maps_only_to_the_vocabulary():
    script = _load_script()
    allowed = set(schema.EXCLUSION_REASONS) | {script.REPEAT}
    assert set(script.REASON_CODES.values()) <= allowed
    for qid, hand in script.HAND_READINGS.items():
        assert {code for _, _, code in hand.items} <= allowed, qid
        assert hand.why, qid


def test_round_one_rebuilds_from_its_notes():
    script = _load_script()
    rows = read_rows(SCREENING)
    round1 = [r for r in rows if r["round"] == "1"]
    rebuilt = script.normalise_round1([script.logged_row(r) for r in round1])
    assert rebuilt == round1
