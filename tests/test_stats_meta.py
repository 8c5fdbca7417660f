"""Tests for ``lib.stats.meta``.

* ``test_reference_*``  compare with values R wrote to ``tests/reference/meta.json``
  (script ``meta.R``, package metafor 3.8-1); each names the R call and the tolerance.
  R is not needed.
* ``test_crosscheck_*`` compare with an independent Python implementation.
* ``test_regression_*`` only freeze our own wording; they prove nothing about correctness.
* ``test_property_*``   hypothesis property tests; the rest check edge cases,
  input validation and purity.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.stats import PooledProportionResult, pool_proportions
from reference_util import PROPERTY_SETTINGS, TOL_EXACT, arr, close, load

META_CASES = load("meta.json")

TOL_META_TIGHT = dict(rtol=1e-8, atol=1e-8)  # REML vs metafor with threshold = 1e-12
TOL_META_DEFAULT_TAU2 = 2e-5  # REML vs metafor's default Fisher-scoring stop (threshold 1e-5)
TOL_META_DEFAULT_PCT = 2e-3  # I2 and weights (percent) vs metafor default REML

_META_FIELDS = ["estimate", "ci_lower", "ci_upper", "pred_lower", "pred_upper", "estimate_logit",
                "se_logit", "tau2", "i2", "h2", "q", "q_p_value"]


def _meta_id(c):
    return f"{c['name']}_{c['method']}_conf{c['conf']}"


@pytest.mark.parametrize("case", META_CASES, ids=_meta_id)
def test_reference_pool_proportions_matches_rma_tight(case):
    """R ``res <- rma(measure = "PLO", xi, ni, method = M, level = 100 * conf,
    control = list(threshold = 1e-12, maxiter = 10000))``,
    ``predict(res, transf = transf.ilogit)``, ``weights(res)``:
    every number rtol 1e-8 / atol 1e-8 (DL: same arithmetic; REML: converged metafor).
    """
    ref = case["tight"]
    r = pool_proportions(case["xi"], case["ni"], method=case["method"], conf=case["conf"],
                         study_labels=case["labels"])
    for f in _META_FIELDS:
        close(getattr(r, f), ref[f], f"{case['call']} {f}", **TOL_META_TIGHT)
    assert r.q_df == ref["q_df"] and r.k == ref["k"] and r.method == ref["method"]
    close(r.studies["weight_percent"], arr(ref["weight"]), "weights(res)", **TOL_META_TIGHT)
    close(r.studies["logit"], arr(ref["yi"]), "res$yi", **TOL_EXACT)
    close(r.studies["var_logit"], arr(ref["vi"]), "res$vi", **TOL_EXACT)
    assert r.studies["label"].tolist() == list(np.atleast_1d(case["labels"]))


@pytest.mark.parametrize("case", META_CASES, ids=_meta_id)
def test_reference_pool_proportions_matches_rma_default(case):
    """R ``rma(measure = "PLO", xi, ni, method = M, level = 100 * conf)`` with metafor's
    default control (Fisher scoring stops when tau2 changes < 1e-5).

    DL: every number rtol 1e-10 / atol 1e-12. REML: tau2 and proportion/logit-scale
    numbers atol 2e-5, I2/H2 and weights (percent) atol 2e-3, Q and its p-value
    rtol 1e-10 (Q does not depend on tau2).
    """
    ref = case["default"]
    r = pool_proportions(case["xi"], case["ni"], method=case["method"], conf=case["conf"])
    if case["method"] == "DL":
        for f in _META_FIELDS:
            close(getattr(r, f), ref[f], f"{case['call']} {f}")
        close(r.studies["weight_percent"], arr(ref["weight"]), "weights(res)")
        return
    for f in ["estimate", "ci_lower", "ci_upper", "pred_lower", "pred_upper", "estimate_logit",
              "se_logit", "tau2"]:
        close(getattr(r, f), ref[f], f"{case['call']} {f}", rtol=0, atol=TOL_META_DEFAULT_TAU2)
    for f in ["i2", "h2"]:
        close(getattr(r, f), ref[f], f"{case['call']} {f}", rtol=0, atol=TOL_META_DEFAULT_PCT)
    close(r.studies["weight_percent"], arr(ref["weight"]), "weights(res)", rtol=0, atol=TOL_META_DEFAULT_PCT)
    close([r.q, r.q_p_value], [ref["q"], ref["q_p_value"]], "QE, QEp")


def test_reference_pool_single_study_is_the_study_itself():
    """R ``rma(measure = "PLO", xi = 3, ni = 10)`` (k = 1): tau2 0, I2 0, H2 1, Q 0 on 0 df,
    p 1, PI = CI; estimate = 3/10 (tolerance 1e-12)."""
    ref = next(c for c in META_CASES if c["name"] == "single_study" and c["method"] == "REML")["tight"]
    r = pool_proportions([3], [10])
    assert (r.tau2, r.i2, r.h2, r.q, r.q_df, r.q_p_value) == (0.0, 0.0, 1.0, 0.0, 0, 1.0)
    assert (ref["tau2"], ref["i2"], ref["h2"], ref["q_df"], ref["q_p_value"]) == (0, 0, 1, 0, 1)
    close([r.estimate, r.pred_lower, r.pred_upper], [0.3, r.ci_lower, r.ci_upper], "k = 1", rtol=0, atol=1e-12)
    assert "single study" in r.note


def test_crosscheck_pool_dl_against_statsmodels_combine_effects():
    """statsmodels ``combine_effects(y, v, method_re="dl")`` RE mean and SE on the logit
    scale, for data where its (untruncated) DL tau2 is positive; rtol 1e-10."""
    from statsmodels.stats.meta_analysis import combine_effects

    case = next(c for c in META_CASES if c["name"] == "pritz1997" and c["method"] == "DL")
    r = pool_proportions(case["xi"], case["ni"], method="DL")
    ce = combine_effects(r.studies["logit"].to_numpy(), r.studies["var_logit"].to_numpy(), method_re="dl")
    assert ce.tau2 > 0
    close([r.tau2, r.estimate_logit, r.se_logit, r.q], [ce.tau2, ce.mean_effect_re, ce.sd_eff_w_re, ce.q],
          "combine_effects", rtol=1e-10, atol=0)


def test_pool_proportions_zero_and_all_events_get_correction():
    r = pool_proportions([0, 3, 5], [4, 7, 5], study_labels=["a", "b", "c"])
    assert r.n_corrected == 2
    assert r.studies["proportion"].tolist() == [0.0, 3 / 7, 1.0]
    assert r.studies.loc[0, "ci_lower"] == 0.0 and r.studies.loc[2, "ci_upper"] == 1.0
    assert abs(r.studies["weight_percent"].sum() - 100) < 1e-12
    assert list(r.studies.columns) == ["label", "events", "total", "proportion", "ci_lower", "ci_upper",
                                       "weight_percent", "logit", "var_logit"]


@pytest.mark.parametrize(
    "call",
    [
        lambda: pool_proportions([], []),
        lambda: pool_proportions([1, 2], [5]),
        lambda: pool_proportions([6], [5]),
        lambda: pool_proportions([1], [0]),
        lambda: pool_proportions([np.nan], [5]),
        lambda: pool_proportions([1], [5], method="PM"),
        lambda: pool_proportions([1, 2], [5, 6], study_labels=["a"]),
    ],
)
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_inputs_are_not_mutated_and_results_are_frozen():
    s = pd.Series([2.0, 1.0, 3.0, 1.0])
    s0 = s.copy()
    r = pool_proportions(s.astype(int), s.astype(int) + 3)
    pd.testing.assert_series_equal(s, s0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.tau2 = 1.0  # type: ignore[misc]
    assert PooledProportionResult.__dataclass_params__.frozen


def test_regression_note():
    """Freezes our own wording (no R counterpart)."""
    assert pool_proportions([0, 4], [5, 9]).note == (
        "continuity correction 0.5 added to 1 study(ies) with 0 or all events (metafor to='only0')"
    )


@PROPERTY_SETTINGS
@given(data=st.data(), k=st.integers(1, 8), method=st.sampled_from(["REML", "DL"]))
def test_property_pool_proportions_bounds(data, k, method):
    totals = data.draw(st.lists(st.integers(1, 30), min_size=k, max_size=k))
    events = [data.draw(st.integers(0, n)) for n in totals]
    r = pool_proportions(events, totals, method=method)
    assert 0.0 <= r.i2 < 100.0 and r.tau2 >= 0.0 and r.h2 >= 1.0
    assert r.pred_lower <= r.ci_lower <= r.estimate <= r.ci_upper <= r.pred_upper
    assert abs(r.studies["weight_percent"].sum() - 100.0) < 1e-9
    assert 0.0 <= r.q_p_value <= 1.0
