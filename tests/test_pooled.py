"""lib.pooled: which cohort rows are pooled, and the pooled analysis built on lib.stats.

The frames are synthetic, built here at run time (never shown as evidence).
Statistical numbers name their reference: metafor values come from
``tests/reference/meta.json`` (written by ``tests/reference/meta.R``, metafor
3.8.1); exact intervals are checked against the Clopper-Pearson definition
with beta quantiles (Clopper & Pearson 1934; R ``binom.test``).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from conftest import ROOT
from lib import pooled
from lib.stats import pool_proportions

META = json.loads((ROOT / "tests" / "reference" / "meta.json").read_text(encoding="utf-8"))["cases"]


def _ref(name: str, method: str = "REML") -> dict:
    return next(c for c in META if c["name"] == name and c["method"] == method and c["conf"] == 0.95)


def _cohorts(rows: list[dict]) -> pd.DataFrame:
    """A cohorts-like frame with the typed columns lib.pooled reads."""
    base = {"cohort_id": None, "source_id": None, "subgroup": None, "condition": "mas", "trigger": "mixed",
            "design": "retrospective", "population": "synthetic", "n": None, "route": None,
            "responders": None, "deaths": None, "response_definition": None, "response_timepoint": None,
            "deaths_timepoint": None}
    recs = [{**base, **r} for r in rows]
    df = pd.DataFrame(recs, columns=list(base))
    for c in ("n", "responders", "deaths"):
        df[c] = pd.array(df[c].tolist(), dtype="Int64")
    return df


def _sources(ids) -> pd.DataFrame:
    ids = sorted(set(ids))
    return pd.DataFrame({"source_id": ids, "first_author": [f"Author{i}" for i in range(len(ids))],
                         "year": pd.array([2000 + i for i in range(len(ids))], dtype="Int64"),
                         "pmid": [None] * len(ids), "doi": [None] * len(ids)})


# ---------------------------------------------------------------------------
# The pooling rule
# ---------------------------------------------------------------------------

def test_pooled_reviews_are_never_pooled():
    df = _cohorts([
        dict(cohort_id="a", source_id="a", n=10, responders=8),
        dict(cohort_id="rev", source_id="rev", n=50, responders=40, design="pooled_review"),
    ])
    e = pooled.eligibility(df, "response")
    assert e["reason"].tolist() == ["included", "pooled_review"]
    assert e["included"].tolist() == [True, False]


def test_missing_outcome_is_left_out_and_never_zero():
    df = _cohorts([
        dict(cohort_id="a", source_id="a", n=10, responders=8, deaths=None),
        dict(cohort_id="b", source_id="b", n=5, responders=None, deaths=0),
    ])
    r = pooled.eligibility(df, "response")
    m = pooled.eligibility(df, "mortality")
    assert r["reason"].tolist() == ["included", "outcome_not_reported"]
    assert r["events"].isna().tolist() == [False, True]
    assert m["reason"].tolist() == ["outcome_not_reported", "included"]
    assert int(m["events"].iloc[1]) == 0  # a stated 0 stays 0


def test_subgroup_is_left_out_when_its_whole_study_row_is_pooled():
    df = _cohorts([
        dict(cohort_id="s-all", source_id="s", n=20, deaths=5),
        dict(cohort_id="s-sub1", source_id="s", subgroup="infection", n=12, deaths=2),
        dict(cohort_id="s-sub2", source_id="s", subgroup="malignancy", n=8, deaths=3),
        dict(cohort_id="t", source_id="t", n=9, deaths=1),
    ])
    e = pooled.eligibility(df, "mortality")
    assert e["reason"].tolist() == ["included", "subgroup_of_whole_study", "subgroup_of_whole_study", "included"]
    a = pooled.analyse(df, _sources(df["source_id"]), "mortality")
    assert a.k == 2 and a.n_patients == 29  # 20 + 9: the subgroup patients are not counted twice


def test_subgroups_are_pooled_when_the_whole_study_row_is_absent():
    # e.g. the whole-study row was filtered out (another condition), or never reported
    df = _cohorts([
        dict(cohort_id="s-sub1", source_id="s", subgroup="infection", n=12, deaths=2),
        dict(cohort_id="s-sub2", source_id="s", subgroup="malignancy", n=8, deaths=3),
    ])
    assert pooled.eligibility(df, "mortality")["included"].tolist() == [True, True]


def test_subgroups_are_pooled_when_the_whole_study_row_lacks_the_outcome():
    df = _cohorts([
        dict(cohort_id="s-all", source_id="s", n=20, responders=None, deaths=4),
        dict(cohort_id="s-sub", source_id="s", subgroup="sJIA", n=12, responders=10, deaths=1),
    ])
    assert pooled.eligibility(df, "response")["reason"].tolist() == ["outcome_not_reported", "included"]
    assert pooled.eligibility(df, "mortality")["reason"].tolist() == ["included", "subgroup_of_whole_study"]


def test_subgroup_of_a_pooled_review_does_not_hide_a_primary_subgroup():
    df = _cohorts([
        dict(cohort_id="s-review", source_id="s", n=40, responders=30, design="pooled_review"),
        dict(cohort_id="s-centre", source_id="s", subgroup="single centre", n=10, responders=9),
    ])
    assert pooled.eligibility(df, "response")["reason"].tolist() == ["pooled_review", "included"]


def test_count_above_n_is_left_out():
    df = _cohorts([dict(cohort_id="a", source_id="a", n=5, responders=6)])
    assert pooled.eligibility(df, "response")["reason"].tolist() == ["inconsistent_counts"]


def test_unknown_outcome_or_method_raise():
    df = _cohorts([dict(cohort_id="a", source_id="a", n=5, responders=2)])
    with pytest.raises(ValueError):
        pooled.eligibility(df, "relapse")
    with pytest.raises(ValueError):
        pooled.analyse(df, _sources(["a"]), "response", method="PM")
    with pytest.raises(ValueError):
        pooled.analyse(df, _sources(["a"]), "response", by="age")


def test_rule_on_the_shipped_data_keeps_reviews_and_duplicate_subgroups_out(shipped):
    a = pooled.analyse(shipped.cohorts, shipped.sources, "mortality")
    rows = a.rows.set_index("cohort_id")
    for cid, design, sub, sid in zip(shipped.cohorts["cohort_id"], shipped.cohorts["design"],
                                     shipped.cohorts["subgroup"], shipped.cohorts["source_id"]):
        if design == "pooled_review":
            assert not rows.loc[cid, "included"]
    included = rows.loc[rows["included"]]
    # no source contributes both a whole-study row and a subgroup row
    for sid, part in included.groupby("source_id"):
        if part["subgroup"].isna().any():
            assert len(part) == 1, sid


# ---------------------------------------------------------------------------
# The analysis
# ---------------------------------------------------------------------------

def _three_small() -> pd.DataFrame:
    ref = _ref("three_small")
    return _cohorts([dict(cohort_id=l, source_id=l, n=n, responders=x)
                     for l, x, n in zip(ref["labels"], ref["xi"], ref["ni"])])


@pytest.mark.parametrize("method", ["REML", "DL"])
def test_overall_pool_matches_metafor(method):
    """R (meta.R): res <- rma(measure = "PLO", xi = c(2, 6, 1), ni = c(3, 15, 8), method = M);
    predict(res, transf = transf.ilogit). REML against the tightly converged fit, rtol 1e-8."""
    ref = _ref("three_small", method)["tight"]
    df = _three_small()
    a = pooled.analyse(df, _sources(df["source_id"]), "response", method=method)
    o = a.overall
    assert a.k == 3
    for f in ("estimate", "ci_lower", "ci_upper", "pred_lower", "pred_upper", "tau2", "i2", "q", "q_p_value"):
        assert getattr(o, f) == pytest.approx(ref[f], rel=1e-8, abs=1e-8), f
    overall = a.forest.loc[a.forest["kind"] == "overall"].iloc[0]
    pred = a.forest.loc[a.forest["kind"] == "prediction"].iloc[0]
    assert overall["estimate"] == pytest.approx(ref["estimate"], rel=1e-8)
    assert (pred["ci_lower"], pred["ci_upper"]) == pytest.approx((ref["pred_lower"], ref["pred_upper"]), rel=1e-8)
    assert np.isnan(pred["estimate"])


def test_study_rows_carry_exact_clopper_pearson_intervals():
    """Clopper-Pearson limits by definition: lower = Beta(0.025; x, n-x+1), upper = Beta(0.975; x+1, n-x)
    (R binom.test(x, n)$conf.int)."""
    df = _three_small()
    a = pooled.analyse(df, _sources(df["source_id"]), "response")
    st = a.forest.loc[a.forest["kind"] == "study"].set_index("label")
    for label, x, n in zip(["Author0 2000", "Author1 2001", "Author2 2002"], [2, 6, 1], [3, 15, 8]):
        row = st.loc[label]
        assert row["ci_lower"] == pytest.approx(sps.beta.ppf(0.025, x, n - x + 1), rel=1e-9)
        assert row["ci_upper"] == pytest.approx(sps.beta.ppf(0.975, x + 1, n - x), rel=1e-9)
        assert row["estimate"] == pytest.approx(x / n)
    # weights of the overall pool: metafor weights(res), REML default fit (atol 2e-3 percent)
    ref_w = _ref("three_small")["default"]["weight"]
    assert st["weight_percent"].tolist() == pytest.approx(ref_w, abs=2e-3)


def test_fewer_than_two_studies_give_no_pooled_estimate():
    df = _cohorts([dict(cohort_id="a", source_id="a", n=10, responders=7),
                   dict(cohort_id="b", source_id="b", n=10, responders=None)])
    a = pooled.analyse(df, _sources(df["source_id"]), "response")
    assert a.k == 1 and a.overall is None
    assert a.forest["kind"].tolist() == ["study"]
    assert a.n_not_reported == 1
    none = pooled.analyse(df.iloc[1:], _sources(["b"]), "response")
    assert none.k == 0 and none.overall is None and none.forest.empty
    assert list(none.forest.columns) == list(a.forest.columns)


def test_empty_input_gives_empty_frames():
    df = _cohorts([])
    a = pooled.analyse(df, _sources([]), "mortality", by="route")
    assert a.k == 0 and a.forest.empty and a.subgroups.empty and a.rows.empty
    assert pooled.cohort_table(df, _sources([])).empty


def test_subgroup_pools_are_separate_fits_and_small_subgroups_are_not_pooled():
    ref = _ref("two_studies")  # xi = c(1, 9), ni = c(12, 10)
    df = _cohorts([
        dict(cohort_id="m1", source_id="m1", condition="mas", n=12, responders=1),
        dict(cohort_id="m2", source_id="m2", condition="mas", n=10, responders=9),
        dict(cohort_id="h1", source_id="h1", condition="shlh", n=6, responders=3),
    ])
    a = pooled.analyse(df, _sources(df["source_id"]), "response", by="condition")
    subs = a.subgroups.set_index("group")
    assert subs.loc["mas", "k"] == 2 and subs.loc["mas", "pooled"]
    # R: rma(measure = "PLO", xi = c(1, 9), ni = c(12, 10)) (meta.R case two_studies), tight fit
    assert subs.loc["mas", "estimate"] == pytest.approx(ref["tight"]["estimate"], rel=1e-8)
    assert subs.loc["mas", "i2"] == pytest.approx(ref["tight"]["i2"], rel=1e-6)
    assert not subs.loc["shlh", "pooled"] and np.isnan(subs.loc["shlh", "estimate"])
    assert a.forest["kind"].tolist() == ["header", "study", "study", "subgroup", "header", "study", "overall",
                                       "prediction"]
    assert a.conditions == ("mas", "shlh")


def test_route_subgroups_keep_combinations_and_not_stated_apart():
    df = _cohorts([
        dict(cohort_id="a", source_id="a", route="sc", n=4, responders=3),
        dict(cohort_id="b", source_id="b", route="iv;sc", n=4, responders=3),
        dict(cohort_id="c", source_id="c", route=None, n=4, responders=3),
        dict(cohort_id="d", source_id="d", route="iv", n=4, responders=3),
    ])
    g = pooled.subgroup_values(df, "route")
    assert g["group"].tolist() == ["sc", "iv;sc", "not_stated", "iv"]
    assert g["group_label"].tolist() == ["Subcutaneous", "IV bolus + Subcutaneous", "Not stated", "IV bolus"]
    a = pooled.analyse(df, _sources(df["source_id"]), "response", by="route")
    # single routes in vocabulary order, then combinations, then not stated
    assert a.subgroups["group"].tolist() == ["sc", "iv", "iv;sc", "not_stated"]


def test_columns_do_not_depend_on_arguments_and_inputs_are_not_mutated():
    df = _three_small()
    before = df.copy()
    a1 = pooled.analyse(df, _sources(df["source_id"]), "response", "REML", "none")
    a2 = pooled.analyse(df, _sources(df["source_id"]), "mortality", "DL", "trigger")
    pd.testing.assert_frame_equal(df, before)
    assert list(a1.rows.columns) == list(a2.rows.columns)
    assert list(a1.forest.columns) == list(a2.forest.columns)
    assert list(a1.subgroups.columns) == list(a2.subgroups.columns)


def test_reason_counts_and_cohort_table():
    df = _cohorts([
        dict(cohort_id="s-all", source_id="s", n=20, responders=15, deaths=None),
        dict(cohort_id="s-sub", source_id="s", subgroup="x", n=5, responders=4, deaths=1),
        dict(cohort_id="r", source_id="r", n=30, design="pooled_review", responders=25),
    ])
    a = pooled.analyse(df, _sources(df["source_id"]), "response")
    counts = pooled.reason_counts(a.rows)
    assert counts.to_dict("records") == [
        {"reason": "included", "cohorts": 1, "patients": 20},
        {"reason": "pooled_review", "cohorts": 1, "patients": 30},
        {"reason": "subgroup_of_whole_study", "cohorts": 1, "patients": 5},
    ]
    t = pooled.cohort_table(df, _sources(df["source_id"]))
    assert t["response_pool"].tolist() == ["included", "subgroup_of_whole_study", "pooled_review"]
    assert t["mortality_pool"].tolist() == ["outcome_not_reported", "included", "pooled_review"]
    assert t["deaths"].isna().tolist() == [True, False, True]
    assert t["label"].tolist() == ["Author1 2001", "Author1 2001: x", "Author0 2000"]
    assert set(pooled.REASON_LABELS) == set(pooled.REASONS)


def test_regression_pool_of_a_single_study_equals_lib_stats():
    """Regression test: with one study the forest row is that study's own exact interval."""
    df = _cohorts([dict(cohort_id="a", source_id="a", n=10, responders=3)])
    a = pooled.analyse(df, _sources(["a"]), "response")
    r = pool_proportions([3], [10])
    row = a.forest.iloc[0]
    assert (row["ci_lower"], row["ci_upper"]) == pytest.approx(
        (r.studies["ci_lower"].iloc[0], r.studies["ci_upper"].iloc[0]))
