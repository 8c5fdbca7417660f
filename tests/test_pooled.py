"""lib.pooled: which cohort rows are pooled, when a pooled figure may be shown, and the analysis.

The frames are synthetic, built here at run time (never shown as evidence).
Statistical numbers name their reference: metafor values come from
``tests/reference/meta.json``, ``meta_glmm.json`` and ``meta_subgroup.json``
(written by ``meta.R`` and ``meta_glmm.R``, metafor 3.8-1, lme4 1.1-31); exact
intervals are checked against the Clopper-Pearson definition with beta quantiles
(Clopper & Pearson 1934; R ``binom.test``). Tests of the rules (which rows, which
reason) check our own behaviour and say so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from lib import pooled
from lib.citations import cohort_labels
from lib.stats import pool_proportions
from reference_util import load

META = load("meta.json")
GLMM = load("meta_glmm.json")
GLMM_SUB = load("meta_glmm_subgroup.json")
META_SUB = load("meta_subgroup.json")


def _ref(name: str, method: str = "REML", test: str = "z") -> dict:
    return next(c for c in META if c["name"] == name and c["method"] == method and c.get("test", "z") == test
                and c["conf"] == 0.95)


def _glmm(name: str) -> dict:
    return next(c for c in GLMM if c["name"] == name and c["conf"] == 0.95)


def _cohorts(rows: list[dict]) -> pd.DataFrame:
    """A cohorts-like frame with the typed columns lib.pooled reads."""
    base = {"cohort_id": None, "source_id": None, "subgroup": None, "condition": "mas", "trigger": "mixed",
            "design": "retrospective", "population": "synthetic", "n": None, "n_episodes": None,
            "counts_refer_to": None, "route": None, "age_group": None, "responders": None,
            "response_class": "early_response", "deaths": None, "response_definition": None,
            "response_timepoint": None, "deaths_timepoint": None}
    recs = [{**base, **r} for r in rows]
    df = pd.DataFrame(recs, columns=list(base))
    for c in ("n", "n_episodes", "responders", "deaths"):
        df[c] = pd.array(df[c].tolist(), dtype="Int64")
    return df


def _sources(ids) -> pd.DataFrame:
    ids = sorted(set(ids))
    return pd.DataFrame({"source_id": ids, "first_author": [f"Author{i}" for i in range(len(ids))],
                         "year": pd.array([2000 + i for i in range(len(ids))], dtype="Int64"),
                         "journal": ["J Test"] * len(ids), "pub_type": ["cohort"] * len(ids),
                         "title": ["T"] * len(ids), "pmid": [None] * len(ids), "doi": [None] * len(ids)})


def _studies(xi, ni, column="responders", **kw) -> pd.DataFrame:
    return _cohorts([dict(cohort_id=f"s{i}", source_id=f"s{i}", n=n, **{column: x}, **kw)
                     for i, (x, n) in enumerate(zip(xi, ni))])


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
    assert a.blocks == ("too_few_studies",)


def test_subgroups_are_pooled_when_the_whole_study_row_is_absent():
    # e.g. the whole-study row was filtered out (another condition), or never reported
    df = _cohorts([
        dict(cohort_id="s-sub1", source_id="s", subgroup="infection", n=12, deaths=2),
        dict(cohort_id="s-sub2", source_id="s", subgroup="malignancy", n=8, deaths=3),
    ])
    assert pooled.eligibility(df, "mortality")["included"].tolist() == [True, True]
    # ... but two siblings never make one pool
    assert "sibling_subgroups" in pooled.select(df, "mortality").blocks


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


def test_unknown_outcome_method_test_class_or_subgroup_raise():
    df = _cohorts([dict(cohort_id="a", source_id="a", n=5, responders=2)])
    with pytest.raises(ValueError):
        pooled.eligibility(df, "relapse")
    with pytest.raises(ValueError):
        pooled.eligibility(df, "response", "cure")
    with pytest.raises(ValueError):
        pooled.analyse(df, _sources(["a"]), "response", method="PM")
    with pytest.raises(ValueError):
        pooled.analyse(df, _sources(["a"]), "response", test="t")
    with pytest.raises(ValueError):
        pooled.analyse(df, _sources(["a"]), "response", by="age")


def test_response_is_pooled_within_one_outcome_class():
    """Rule test (our behaviour): other classes and rows without a class are left out and named."""
    df = _cohorts([
        dict(cohort_id="a", source_id="a", n=10, responders=8, response_class="early_response"),
        dict(cohort_id="b", source_id="b", n=10, responders=6, response_class="remission"),
        dict(cohort_id="c", source_id="c", n=10, responders=5, response_class=None),
    ])
    assert pooled.eligibility(df, "response", "early_response")["reason"].tolist() == [
        "included", "other_class", "class_not_stated"]
    # mortality ignores the class
    assert pooled.eligibility(df.assign(deaths=pd.array([1, 1, 1], dtype="Int64")), "mortality",
                              "remission")["reason"].tolist() == ["included"] * 3
    sel = pooled.select(df, "response", "all")
    assert sel.k == 3 and "mixed_classes" in sel.blocks


def test_counts_of_episodes_are_pooled_as_episodes():
    """Rule test: the denominator is n_episodes where the counts refer to episodes; missing -> left out."""
    df = _cohorts([
        dict(cohort_id="a", source_id="a", n=23, n_episodes=25, counts_refer_to="episodes", deaths=5),
        dict(cohort_id="b", source_id="b", n=15, n_episodes=19, counts_refer_to="patients", deaths=2),
        dict(cohort_id="c", source_id="c", n=8, n_episodes=None, counts_refer_to="episodes", deaths=1),
        dict(cohort_id="d", source_id="d", n=9, deaths=1),
    ])
    e = pooled.eligibility(df, "mortality")
    assert e["total"].tolist()[:2] == [25, 15] and e["total"].isna().tolist() == [False, False, True, False]
    assert e["unit"].tolist() == ["episodes", "patients", "episodes", "patients"]
    assert e["reason"].tolist() == ["included", "included", "denominator_not_stated", "included"]
    a = pooled.analyse(df, _sources(df["source_id"]), "mortality")
    assert a.episode_rows["cohort_id"].tolist() == ["a"]
    assert a.n_units == 25 + 15 + 9 and a.n_patients == 23 + 15 + 9
    study = a.forest.loc[a.forest["kind"] == "study"]
    assert set(zip(study["events"].astype(int), study["total"].astype(int), study["unit"])) == {
        (5, 25, "episodes"), (2, 15, "patients"), (1, 9, "patients")}
    # the GLMM on 5/25, 2/15, 1/9 (the counts as episodes and patients), as lib.stats computes it
    r = pool_proportions([5, 2, 1], [25, 15, 9], method="GLMM")
    assert a.overall.estimate == pytest.approx(r.estimate, rel=1e-12)


def test_two_sibling_subgroups_block_the_pool_even_with_enough_studies():
    """Rule test: subgroups of one study enter only when its whole-study row is not in view, and never two
    of them in one pool."""
    df = _cohorts([
        dict(cohort_id="s-sjia", source_id="s", subgroup="sJIA", n=13, deaths=0),
        dict(cohort_id="s-malig", source_id="s", subgroup="malignancy", n=3, deaths=3),
        dict(cohort_id="t", source_id="t", n=9, deaths=2),
        dict(cohort_id="u", source_id="u", n=11, deaths=6),
    ])
    a = pooled.analyse(df, _sources(df["source_id"]), "mortality")
    assert a.k == 4 and a.overall is None and a.blocks == ("sibling_subgroups",)
    text = " ".join(pooled.block_messages(a))
    assert "Two or more rows come from one study" in text
    labels = cohort_labels(df, _sources(df["source_id"]))
    assert labels.iloc[0] in text and labels.iloc[1] in text
    assert a.leave_one_out.empty and a.sensitivity is None
    # the studies are still shown, each with its own exact interval
    assert (a.forest["kind"] == "study").sum() == 4
    # one subgroup alone (the other filtered out) is one row of its study: pooled
    one = df.iloc[[0, 2, 3]]
    b = pooled.analyse(one, _sources(one["source_id"]), "mortality")
    assert b.blocks == () and b.overall is not None


def test_at_least_three_studies():
    assert pooled.MIN_STUDIES == 3
    df = _studies([1, 9], [12, 10])
    a = pooled.analyse(df, _sources(df["source_id"]), "response")
    assert a.k == 2 and a.overall is None and a.blocks == ("too_few_studies",)
    assert "needs at least 3" in pooled.block_messages(a)[0]
    assert a.forest["kind"].tolist() == ["study", "study"]


def test_rule_on_the_shipped_data_keeps_reviews_and_duplicate_subgroups_out(shipped):
    """Rule test on the shipped data (re-stated here): reviews never pooled; no study contributes a whole-study
    row and a subgroup row to one pool."""
    for outcome, cls in (("mortality", None), ("response", "all"), ("response", "remission")):
        a = pooled.analyse(shipped.cohorts, shipped.sources, outcome, response_class=cls)
        rows = a.rows.set_index("cohort_id")
        for cid, design in zip(shipped.cohorts["cohort_id"], shipped.cohorts["design"]):
            if design == "pooled_review":
                assert not rows.loc[cid, "included"]
        included = rows.loc[rows["included"]]
        for sid, part in included.groupby("source_id"):
            if part["subgroup"].isna().any():
                assert len(part) == 1, sid
        if a.overall is not None:
            assert not included["source_id"].duplicated().any()
            assert a.k >= pooled.MIN_STUDIES


# ---------------------------------------------------------------------------
# The analysis
# ---------------------------------------------------------------------------

def _three_small() -> pd.DataFrame:
    ref = _ref("three_small")
    return _cohorts([dict(cohort_id=l, source_id=l, n=n, responders=x)
                     for l, x, n in zip(ref["labels"], ref["xi"], ref["ni"])])


def test_default_model_is_the_glmm_and_matches_rma_glmm():
    """R (meta_glmm.R): res <- rma.glmm(measure = "PLO", xi = c(2, 6, 1), ni = c(3, 15, 8));
    predict(res, transf = transf.ilogit). Against the tightly converged glmer fit, atol 2e-3 (issue 13's bar)."""
    ref = _glmm("three_small")["tight"]
    df = _three_small()
    a = pooled.analyse(df, _sources(df["source_id"]), "response")
    assert a.method == "GLMM" and a.test == "z"
    o = a.overall
    for f in ("estimate", "ci_lower", "ci_upper", "tau2", "i2"):
        assert getattr(o, f) == pytest.approx(ref[f], abs=2e-3), f
    assert (o.pi_lower, o.pi_upper) == pytest.approx((ref["pred_lower"], ref["pred_upper"]), abs=2e-3)
    assert o.n_corrected == 0  # no continuity correction
    pred = a.forest.loc[a.forest["kind"] == "prediction"].iloc[0]
    assert (pred["ci_lower"], pred["ci_upper"]) == pytest.approx((o.pi_lower, o.pi_upper))
    assert np.isnan(pred["estimate"])


@pytest.mark.parametrize("method", ["REML", "DL"])
@pytest.mark.parametrize("test", ["z", "knha"])
def test_normal_normal_pool_matches_metafor(method, test):
    """R (meta.R): res <- rma(measure = "PLO", xi = c(2, 6, 1), ni = c(3, 15, 8), method = M, test = T);
    predict(res, transf = transf.ilogit). Tight fit, rel 1e-8."""
    ref = _ref("three_small", method, test)["tight"]
    df = _three_small()
    a = pooled.analyse(df, _sources(df["source_id"]), "response", method=method, test=test)
    o = a.overall
    assert a.k == 3 and o.test == test
    for f in ("estimate", "ci_lower", "ci_upper", "pred_lower", "pred_upper", "tau2", "i2", "q", "q_p_value"):
        assert getattr(o, f) == pytest.approx(ref[f], rel=1e-8, abs=1e-8), f
    overall = a.forest.loc[a.forest["kind"] == "overall"].iloc[0]
    assert overall["estimate"] == pytest.approx(ref["estimate"], rel=1e-8)


def test_glmm_ignores_knha_and_the_sensitivity_analysis_is_the_other_family():
    df = _three_small()
    a = pooled.analyse(df, _sources(df["source_id"]), "response", method="GLMM", test="knha")
    assert a.test == "z"
    assert (a.sensitivity_method, a.sensitivity_test) == ("REML", "knha")
    ref = _ref("three_small", "REML", "knha")["tight"]  # R: rma(..., method = "REML", test = "knha")
    assert a.sensitivity.estimate == pytest.approx(ref["estimate"], rel=1e-8)
    assert (a.sensitivity.ci_lower, a.sensitivity.ci_upper) == pytest.approx((ref["ci_lower"], ref["ci_upper"]),
                                                                               rel=1e-8)
    b = pooled.analyse(df, _sources(df["source_id"]), "response", method="REML")
    assert (b.sensitivity_method, b.sensitivity_test) == ("GLMM", "z")
    assert b.sensitivity.estimate == pytest.approx(_glmm("three_small")["tight"]["estimate"], abs=2e-3)


def test_leave_one_out_matches_metafor():
    """R (meta.R): leave1out(rma(measure = "PLO", xi, ni, method = "REML", test = "knha"), transf =
    transf.ilogit) on the held-out set heldout_k5_small; tight fit, rel 1e-6."""
    ref = _ref("heldout_k5_small", "REML", "knha")
    df = _studies(ref["xi"], ref["ni"])
    a = pooled.analyse(df, _sources(df["source_id"]), "response", method="REML", test="knha")
    loo = ref["tight"]["leave1out"]
    # lib sorts studies by year (source order here), which is the input order
    assert a.leave_one_out["estimate"].tolist() == pytest.approx(loo["estimate"], rel=1e-6)
    assert a.leave_one_out["ci_lower"].tolist() == pytest.approx(loo["ci_lower"], rel=1e-6)
    assert a.leave_one_out["label"].tolist() == cohort_labels(df, _sources(df["source_id"])).tolist()


def test_glmm_leave_one_out_matches_rma_glmm_refits():
    """R (meta_glmm.R): rma.glmm(measure = "PLO", xi[-i], ni[-i]) for each i, tight fits; atol 2e-3."""
    ref = _glmm("heldout_k6_small")
    df = _studies(ref["xi"], ref["ni"])
    a = pooled.analyse(df, _sources(df["source_id"]), "response")
    assert a.leave_one_out["estimate"].tolist() == pytest.approx(ref["leave1out_tight"]["estimate"], abs=2e-3)


def test_subgroup_difference_matches_metafor():
    """R (meta_glmm.R): rma.glmm(measure = "PLO", xi, ni, mods = ~ factor(group))$QM on heldout_k8_small
    (tight fit, atol 2e-3 on QM); R (meta.R): the same with rma(method = "REML", test = "knha")."""
    ref = next(c for c in GLMM_SUB if c["name"] == "heldout_k8_small")
    df = _studies(ref["xi"], ref["ni"]).assign(trigger=[{"A": "sjia", "B": "aosd", "C": "sle"}[g]
                                                        for g in ref["group"]])
    a = pooled.analyse(df, _sources(df["source_id"]), "response", by="trigger")
    t = a.subgroup_test
    assert t is not None and t.df == len(set(ref["group"])) - 1
    assert t.q_between == pytest.approx(ref["tight"]["q_between"], abs=2e-3)
    ref2 = next(c for c in META_SUB if c["name"] == "heldout_k8_small" and c["method"] == "REML"
                and c["test"] == "knha")
    b = pooled.analyse(df, _sources(df["source_id"]), "response", method="REML", test="knha", by="trigger")
    assert b.subgroup_test.q_between == pytest.approx(ref2["tight"]["q_between"], rel=1e-6)
    assert b.subgroup_test.p_value == pytest.approx(ref2["tight"]["p_value"], rel=1e-6)


def test_no_subgroup_test_without_a_pool_or_with_one_group():
    df = _studies([1, 9, 3], [12, 10, 6])
    a = pooled.analyse(df, _sources(df["source_id"]), "response", by="condition")
    assert a.subgroup_test is None and "fewer than 2 subgroups" in a.subgroup_test_note
    b = pooled.analyse(df.iloc[:2], _sources(df["source_id"].iloc[:2]), "response", by="condition")
    assert b.subgroup_test is None and "no pooled estimate" in b.subgroup_test_note


def test_study_rows_carry_exact_clopper_pearson_intervals():
    """Clopper-Pearson limits by definition: lower = Beta(0.025; x, n-x+1), upper = Beta(0.975; x+1, n-x)
    (R binom.test(x, n)$conf.int)."""
    df = _three_small()
    src = _sources(df["source_id"])
    a = pooled.analyse(df, src, "response", method="REML", test="z")
    st = a.forest.loc[a.forest["kind"] == "study"].set_index("label")
    for label, x, n in zip(cohort_labels(df, src), [2, 6, 1], [3, 15, 8]):
        row = st.loc[label]
        assert row["ci_lower"] == pytest.approx(sps.beta.ppf(0.025, x, n - x + 1), rel=1e-9)
        assert row["ci_upper"] == pytest.approx(sps.beta.ppf(0.975, x + 1, n - x), rel=1e-9)
        assert row["estimate"] == pytest.approx(x / n)
    # weights of the overall pool: metafor weights(res), REML default fit (atol 2e-3 percent)
    ref_w = _ref("three_small")["default"]["weight"]
    assert st["weight_percent"].tolist() == pytest.approx(ref_w, abs=2e-3)
    # the GLMM has no inverse-variance weights (metafor has no weights() for rma.glmm)
    g = pooled.analyse(df, src, "response")
    assert g.forest.loc[g.forest["kind"] == "study", "weight_percent"].isna().all()


def test_glmm_without_a_finite_estimate_gives_no_pooled_figure_and_says_why():
    """rma.glmm stops when every study has all events (meta_glmm.json case all_events); so does the page."""
    df = _studies([4, 6, 10], [4, 6, 10])
    a = pooled.analyse(df, _sources(df["source_id"]), "response")
    assert a.overall is None and a.blocks == ("model_failed",)
    assert "cannot be fitted" in pooled.block_messages(a)[0]
    b = pooled.analyse(df, _sources(df["source_id"]), "response", method="REML")
    assert b.overall is not None and b.overall.n_corrected == 3


def test_heterogeneity_is_assessable_only_with_five_studies_and_tau2_above_zero():
    three = pool_proportions([2, 6, 1], [3, 15, 8], method="REML")
    assert not pooled.heterogeneity_assessable(three)
    ref = _ref("heldout_k6_small")
    six = pool_proportions(ref["xi"], ref["ni"], method="REML")
    assert pooled.heterogeneity_assessable(six) == (six.tau2 > 0)
    same = pool_proportions([5, 5, 5, 5, 5], [10, 10, 10, 10, 10], method="REML")
    assert same.tau2 == 0 and not pooled.heterogeneity_assessable(same)


def test_fewer_than_three_studies_give_no_pooled_estimate():
    df = _cohorts([dict(cohort_id="a", source_id="a", n=10, responders=7),
                   dict(cohort_id="b", source_id="b", n=10, responders=None)])
    a = pooled.analyse(df, _sources(df["source_id"]), "response")
    assert a.k == 1 and a.overall is None
    assert a.forest["kind"].tolist() == ["study"]
    assert a.n_not_reported == 1
    none = pooled.analyse(df.iloc[1:], _sources(["b"]), "response")
    assert none.k == 0 and none.overall is None and none.forest.empty and none.blocks == ("no_studies",)
    assert list(none.forest.columns) == list(a.forest.columns)


def test_empty_input_gives_empty_frames():
    df = _cohorts([])
    a = pooled.analyse(df, _sources([]), "mortality", by="route")
    assert a.k == 0 and a.forest.empty and a.subgroups.empty and a.rows.empty
    assert pooled.cohort_table(df, _sources([])).empty


def test_subgroup_pools_follow_the_same_rules():
    ref = _glmm("three_small")
    df = _cohorts([
        dict(cohort_id=f"m{i}", source_id=f"m{i}", condition="mas", n=n, responders=x)
        for i, (x, n) in enumerate(zip(ref["xi"], ref["ni"]))
    ] + [dict(cohort_id="h1", source_id="h1", condition="shlh", n=6, responders=3),
         dict(cohort_id="h2", source_id="h2", condition="shlh", n=8, responders=5)])
    a = pooled.analyse(df, _sources(df["source_id"]), "response", by="condition")
    subs = a.subgroups.set_index("group")
    assert subs.loc["mas", "k"] == 3 and subs.loc["mas", "pooled"]
    # R: rma.glmm(measure = "PLO", xi = c(2, 6, 1), ni = c(3, 15, 8)) (meta_glmm.R three_small), tight fit
    assert subs.loc["mas", "estimate"] == pytest.approx(ref["tight"]["estimate"], abs=2e-3)
    assert not subs.loc["shlh", "pooled"] and subs.loc["shlh", "block"] == "too_few_studies"
    assert np.isnan(subs.loc["shlh", "estimate"])
    assert a.forest["kind"].tolist() == ["header", "study", "study", "study", "subgroup", "header", "study",
                                       "study", "overall", "prediction"]
    assert a.conditions == ("mas", "shlh")


def test_route_subgroups_keep_combinations_and_not_stated_apart():
    df = _cohorts([
        dict(cohort_id="a", source_id="a", route="sc", n=4, responders=3),
        dict(cohort_id="b", source_id="b", route="iv;sc", n=4, responders=2),
        dict(cohort_id="c", source_id="c", route=None, n=4, responders=3),
        dict(cohort_id="d", source_id="d", route="iv", n=4, responders=1),
    ])
    g = pooled.subgroup_values(df, "route")
    assert g["group"].tolist() == ["sc", "iv;sc", "not_stated", "iv"]
    assert g["group_label"].tolist() == ["Subcutaneous", "IV bolus + Subcutaneous", "Not stated", "IV bolus"]
    a = pooled.analyse(df, _sources(df["source_id"]), "response", by="route")
    # single routes in vocabulary order, then combinations, then not stated
    assert a.subgroups["group"].tolist() == ["sc", "iv", "iv;sc", "not_stated"]
    # the study whose route is not stated is left out of the test of subgroup differences
    if a.subgroup_test is not None:
        assert a.subgroup_test.k == 3


def test_columns_do_not_depend_on_arguments_and_inputs_are_not_mutated():
    df = _three_small()
    before = df.copy()
    a1 = pooled.analyse(df, _sources(df["source_id"]), "response", "REML", "none")
    a2 = pooled.analyse(df, _sources(df["source_id"]), "mortality", "DL", "trigger")
    a3 = pooled.analyse(df, _sources(df["source_id"]), "response", "GLMM", "age_group", response_class="all")
    pd.testing.assert_frame_equal(df, before)
    for a in (a2, a3):
        assert list(a1.rows.columns) == list(a.rows.columns)
        assert list(a1.forest.columns) == list(a.forest.columns)
        assert list(a1.subgroups.columns) == list(a.subgroups.columns)


def test_reason_counts_class_counts_and_cohort_table():
    df = _cohorts([
        dict(cohort_id="s-all", source_id="s", n=20, responders=15, deaths=None),
        dict(cohort_id="s-sub", source_id="s", subgroup="x", n=5, responders=4, deaths=1),
        dict(cohort_id="r", source_id="r", n=30, design="pooled_review", responders=25),
        dict(cohort_id="q", source_id="q", n=7, responders=5, response_class="remission"),
    ])
    src = _sources(df["source_id"])
    a = pooled.analyse(df, src, "response")
    counts = pooled.reason_counts(a.rows)
    assert counts.to_dict("records") == [
        {"reason": "included", "cohorts": 1, "patients": 20},
        {"reason": "pooled_review", "cohorts": 1, "patients": 30},
        {"reason": "other_class", "cohorts": 1, "patients": 7},
        {"reason": "subgroup_of_whole_study", "cohorts": 1, "patients": 5},
    ]
    t = pooled.cohort_table(df, src)
    assert t["response_pool"].tolist() == ["included", "subgroup_of_whole_study", "pooled_review", "other_class"]
    assert t["mortality_pool"].tolist() == ["outcome_not_reported", "included", "pooled_review",
                                            "outcome_not_reported"]
    assert t["deaths"].isna().tolist() == [True, False, True, True]
    assert t["label"].tolist() == cohort_labels(df, src).tolist()
    assert t["design_label"].tolist()[2] == "Pooled review"
    assert set(pooled.REASON_LABELS) == set(pooled.REASONS)
    cc = pooled.class_counts(df).set_index("response_class")
    assert cc.loc["early_response", "studies"] == 1 and cc.loc["remission", "studies"] == 1
    assert not cc["poolable"].any()


def test_regression_single_study_forest_row_is_its_exact_interval():
    """Regression test: with one study the forest row is that study's own exact interval."""
    df = _cohorts([dict(cohort_id="a", source_id="a", n=10, responders=3)])
    a = pooled.analyse(df, _sources(["a"]), "response")
    r = pool_proportions([3], [10])
    row = a.forest.iloc[0]
    assert (row["ci_lower"], row["ci_upper"]) == pytest.approx(
        (r.studies["ci_lower"].iloc[0], r.studies["ci_upper"].iloc[0]))
