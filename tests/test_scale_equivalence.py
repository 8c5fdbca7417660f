"""Issue 16 (scale): the column-wise page functions give exactly what the per-row ones gave.

The references are the replaced implementations (``tests/scale_reference.py``). Inputs: the
shipped data under several filter states, and synthetic registries (``benchmarks.synthetic``,
generated at run time, never written to data/) with hostile edits mixed in.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import scale_reference as ref
from benchmarks.synthetic import synthetic_dataset
from lib import cases as C
from lib.citations import dataset_words
from lib.filters import FilterState, apply_filters

STATES = [FilterState(), FilterState(conditions=("mas",)), FilterState(conditions=("shlh", "phlh")),
          FilterState(conditions=("dira",)), FilterState(routes=("iv",)), FilterState(sexes=("female",))]
QUERIES = ["", "patient", "mas", "zzz-no-match", "(.*", "İ", "p1", "synthetic", "2 mg"]


@pytest.fixture(scope="module")
def synthetic():
    return synthetic_dataset(3000, seed=3)


def _views(dataset, states=STATES):
    return [apply_filters(dataset, s) for s in states]


@pytest.mark.parametrize("which", ["shipped", "synthetic"])
def test_case_table_and_search_as_before(which, shipped, synthetic):
    dataset = shipped if which == "shipped" else synthetic
    words = dataset_words(dataset)
    for view in _views(dataset, STATES if which == "shipped" else STATES[:3]):
        for query in (QUERIES if which == "shipped" else QUERIES[:4]):
            assert_frame_equal(C.search_cases(view, query), ref.search_cases(view, query))
            assert_frame_equal(C.case_table(view, query, words), ref.case_table(view, query, words))
        ids = list(view.cases["case_id"])
        for chosen in (ids, ids[:5], ids[::7], [], ["no-such-case"]):
            assert_frame_equal(C.case_sources(view, chosen), ref.case_sources(view, chosen))
    # with the view's own words (the default)
    view = _views(dataset)[0]
    assert_frame_equal(C.case_table(view), ref.case_table(view))


def test_case_table_hostile_cells(shipped):
    """Odd labels, ids and blanks: the same words as the per-row rules."""
    view = apply_filters(shipped, FilterState())
    cases = view.cases.copy()
    n = len(cases)
    rng = np.random.default_rng(0)
    labels = np.array(["", "  ", None, "not labelled (1 of 2)", "Unlabelled", "ärzte kind", "İstanbul boy",
                       "patient 7", "x\n"], dtype=object)
    cases["patient_label"] = pd.array(labels[rng.integers(0, len(labels), n)], dtype="str")
    ids = cases["case_id"].astype(object).to_numpy().copy()
    ids[: min(5, n)] = ["a-p007", "b-p1\n", "c-p", "d-P3", "e-p0"][: min(5, n)]
    cases["case_id"] = pd.array(ids, dtype="str")
    cases["age_as_reported"] = cases["age_as_reported"].where(rng.random(n) < 0.5, " ")
    hostile = dataclasses.replace(view, cases=cases)
    for query in ("", "ärzte", "i̇stanbul", "patient 7"):
        assert_frame_equal(C.case_table(hostile, query), ref.case_table(hostile, query))


@pytest.mark.parametrize("which", ["shipped", "synthetic"])
def test_patient_safety_as_before(which, shipped, synthetic):
    from lib import safety

    dataset = shipped if which == "shipped" else synthetic
    for view in _views(dataset):
        assert_frame_equal(safety.patient_safety(view), ref.patient_safety(view))
    view = _views(dataset)[0]
    empty = dataclasses.replace(view, cases=view.cases.iloc[:0])
    assert_frame_equal(safety.patient_safety(empty), ref.patient_safety(empty))


@pytest.mark.parametrize("which", ["shipped", "synthetic"])
def test_dose_points_as_before(which, shipped, synthetic):
    from lib import dosing

    dataset = shipped if which == "shipped" else synthetic
    for view in _views(dataset):
        for unit in dosing.UNITS:
            assert_frame_equal(dosing.dose_points(view, unit), ref.dose_points(view, unit))
    view = _views(dataset)[0]
    for empty in (dataclasses.replace(view, cases=view.cases.iloc[:0]),
                  dataclasses.replace(view, cohorts=view.cohorts.iloc[:0]),
                  dataclasses.replace(view, cases=view.cases.iloc[:0], cohorts=view.cohorts.iloc[:0])):
        for unit in dosing.UNITS:
            assert_frame_equal(dosing.dose_points(empty, unit), ref.dose_points(empty, unit))


def _with_odd_labs(view, seed=0):
    """The view's labs with undated, duplicated and out-of-window values mixed in (the pairing rule's edge cases)."""
    labs = view.labs
    if labs.empty:
        return view
    rng = np.random.default_rng(seed)
    extra = labs.sample(n=min(len(labs), 400), replace=True, random_state=seed).copy()
    day = extra["day"].to_numpy(dtype=float).copy()
    pick = rng.integers(0, 4, len(extra))
    day[pick == 0] = np.nan
    day[pick == 1] = rng.integers(-30, 200, int((pick == 1).sum()))
    extra["day"] = day
    extra["value_std"] = extra["value_std"] * rng.uniform(0.5, 1.5, len(extra))
    return dataclasses.replace(view, labs=pd.concat([labs, extra], ignore_index=True))


@pytest.mark.parametrize("which", ["shipped", "synthetic"])
def test_lab_pairs_and_coverage_as_before(which, shipped, synthetic):
    from lib import labs, schema

    dataset = shipped if which == "shipped" else synthetic
    for i, view in enumerate(_views(dataset, STATES[:2])):
        for v in (view, _with_odd_labs(view, i)):
            assert labs.default_analyte(v.labs) == ref.default_analyte(v.labs)
            for analyte in labs.available_analytes(v.labs) or schema.ANALYTES[:1]:
                assert labs.lab_coverage(v.labs, v.cases, analyte) == ref.lab_coverage(v.labs, v.cases, analyte)
                for window in labs.PAIRING_WINDOWS:
                    assert_frame_equal(labs.lab_pairs(v.labs, analyte, window), ref.lab_pairs(v.labs, analyte, window))


@pytest.mark.parametrize("which", ["shipped", "synthetic"])
def test_summary_as_before(which, shipped, synthetic, monkeypatch):
    """The whole evidence summary (both details, every pairing window) with the per-row lab pairing swapped back in."""
    from lib import evidence_summary, labs

    dataset = shipped if which == "shipped" else synthetic
    for i, view in enumerate(_views(dataset, STATES[:2])):
        view = _with_odd_labs(view, i)
        for detail in evidence_summary.DETAILS:
            for window in ("d3", "d28"):
                new = evidence_summary.build_summary(view, detail, labs_window=window)
                with monkeypatch.context() as m:
                    m.setattr(labs, "lab_pairs", ref.lab_pairs)
                    old = evidence_summary.build_summary(view, detail, labs_window=window)
                assert new == old


def test_outcomes_dose_band_as_before():
    from lib import outcomes

    rng = np.random.default_rng(1)
    doses = np.concatenate([rng.uniform(-1, 30, 500), [np.nan, 0, 2, 5, 10, 1.999999, 1e9, -np.inf, np.inf]])
    for values in (pd.Series(doses), pd.Series(doses, index=np.arange(len(doses)) * 3), pd.Series([], dtype=float),
                   pd.Series(pd.array([1.0, None, 7.0], dtype="Float64"))):
        pd.testing.assert_series_equal(outcomes.dose_band(values), ref.outcomes_dose_band(values))


@pytest.mark.parametrize("which", ["shipped", "synthetic"])
def test_outcomes_by_subgroup_as_before(which, shipped, synthetic, monkeypatch):
    """response_by, deaths_by and km_by with the per-row group order and masks swapped back in."""
    from lib import outcomes

    dataset = shipped if which == "shipped" else synthetic
    for view in _views(dataset, STATES[:3]):
        for by in outcomes.SUBGROUPS:
            new = (outcomes.response_by(view.cases, by), outcomes.deaths_by(view.cases, by))
            new_km = outcomes.km_by(view.cases, by)
            with monkeypatch.context() as m:
                m.setattr(outcomes, "_group_order", ref.outcomes_group_order)
                m.setattr(outcomes, "_group_masks", ref.outcomes_group_masks)
                m.setattr(outcomes, "dose_band", ref.outcomes_dose_band)
                old = (outcomes.response_by(view.cases, by), outcomes.deaths_by(view.cases, by))
                old_km = outcomes.km_by(view.cases, by)
            for a, b in zip(new, old):
                assert_frame_equal(a, b)
            assert repr(new_km) == repr(old_km)


def test_lab_pairs_edge_tables_as_before(shipped):
    """No rows, one side only, one patient: the same frame (columns and dtypes) as the per-row rule."""
    from lib import labs

    all_labs = apply_filters(shipped, FilterState()).labs
    analyte = labs.default_analyte(all_labs)
    mine = all_labs.loc[(all_labs["analyte"] == analyte).to_numpy(dtype=bool)]
    for table in (all_labs.iloc[:0], mine.loc[(mine["timepoint"] == "before").to_numpy(dtype=bool)],
                  mine.loc[(mine["timepoint"] == "after").to_numpy(dtype=bool)], mine.iloc[:1]):
        for window in labs.PAIRING_WINDOWS:
            assert_frame_equal(labs.lab_pairs(table, analyte, window), ref.lab_pairs(table, analyte, window))


@pytest.mark.parametrize("which", ["shipped", "synthetic"])
def test_dose_table_as_before(which, shipped, synthetic):
    from lib import dosing

    dataset = shipped if which == "shipped" else synthetic
    for view in _views(dataset):
        assert_frame_equal(dosing.dose_table(view), ref.dose_table_ref(view))
