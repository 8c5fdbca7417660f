"""Tests for ``lib.stats``.

Four kinds of test, named by what they prove:

* ``test_reference_*``  compare with values R wrote to ``tests/reference/*.json``
  (see ``tests/reference/README.md``). Each names the R call and the tolerance.
  R is not needed to run them.
* ``test_crosscheck_*`` compare with an independent Python implementation
  (scipy / statsmodels) on the same inputs.
* ``test_regression_*`` only freeze our own output (texts, values without an R
  counterpart); they prove nothing about correctness.
* ``test_property_*``   hypothesis property tests; everything else checks
  input validation, edge cases and purity.

Tolerances are absolute unless marked ``rtol``; R writes 15 significant digits,
so large values (times in days, Q) are compared with ``rtol=1e-10``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # lets the suite run from any directory without tests/__init__.py
    sys.path.insert(0, str(ROOT))

from lib.stats import (  # noqa: E402
    KaplanMeierResult,
    LogrankResult,
    PairedChangeResult,
    PooledProportionResult,
    ProportionCI,
    TwoSampleResult,
    cumulative_incidence,
    kaplan_meier,
    logrank,
    paired_change,
    pool_proportions,
    proportion_ci,
    two_sample,
)

REF = Path(__file__).resolve().parent / "reference"

# Tolerances (absolute unless rtol is given). Achieved differences when this
# file was written are in tests/reference/README.md.
TOL_EXACT = dict(rtol=1e-10, atol=1e-12)  # closed-form results: R and we do the same arithmetic
TOL_META_TIGHT = dict(rtol=1e-8, atol=1e-8)  # REML vs metafor with threshold = 1e-12
TOL_META_DEFAULT_TAU2 = 2e-5  # REML vs metafor's default Fisher-scoring stop (threshold 1e-5)
TOL_META_DEFAULT_PCT = 2e-3  # I2 and weights (percent) vs metafor default REML


def _num(v):
    """JSON value written by R -> float / float array ("NA", "NaN" -> nan)."""
    if isinstance(v, list):
        return np.array([_num(x) for x in v], dtype=float)
    if isinstance(v, str):
        return {"NA": np.nan, "NaN": np.nan, "Inf": np.inf, "-Inf": -np.inf}[v]
    if v is None:
        return np.nan
    return float(v)


def _arr(v):
    return np.atleast_1d(_num(v))


def _load(name):
    with open(REF / name, encoding="utf-8") as fh:
        return json.load(fh)["cases"]


def _close(actual, expected, msg, **tol):
    tol = tol or TOL_EXACT
    np.testing.assert_allclose(
        np.atleast_1d(np.asarray(actual, dtype=float)),
        np.atleast_1d(np.asarray(expected, dtype=float)),
        equal_nan=True,
        err_msg=msg,
        **tol,
    )


PROP_CASES = _load("proportion.json")
WILCOX_CASES = _load("wilcoxon.json")
KM_CASES = _load("km.json")
LR_CASES = _load("logrank.json")
CIF_CASES = _load("cif.json")
META_CASES = _load("meta.json")


# ===================================================================== R reference


@pytest.mark.parametrize("case", PROP_CASES, ids=lambda c: f"k{c['k']}_n{c['n']}_conf{c['conf']}")
def test_reference_proportion_exact_matches_binom_test(case):
    """R ``binom.test(k, n, conf.level = conf)$conf.int``; tolerance 1e-12."""
    r = proportion_ci(case["k"], case["n"], conf=case["conf"], method="exact")
    _close([r.estimate, r.ci_lower, r.ci_upper],
           [case["estimate"], case["exact_lower"], case["exact_upper"]], "binom.test", rtol=0, atol=1e-12)


@pytest.mark.parametrize("case", PROP_CASES, ids=lambda c: f"k{c['k']}_n{c['n']}_conf{c['conf']}")
def test_reference_proportion_wilson_matches_prop_test(case):
    """R ``prop.test(k, n, conf.level = conf, correct = FALSE)$conf.int``; tolerance 1e-12."""
    r = proportion_ci(case["k"], case["n"], conf=case["conf"], method="wilson")
    _close([r.ci_lower, r.ci_upper], [case["wilson_lower"], case["wilson_upper"]], "prop.test",
           rtol=0, atol=1e-12)


PAIRED = [c for c in WILCOX_CASES if c["kind"] == "paired"]
TWO = [c for c in WILCOX_CASES if c["kind"] == "two_sample"]


@pytest.mark.parametrize("case", PAIRED, ids=lambda c: c["name"])
def test_reference_paired_change_matches_wilcox_test_paired(case):
    """R ``wilcox.test(after, before, paired = TRUE)`` (exact = NULL, correct = TRUE).

    V equal exactly; p-value tolerance 1e-12; mean/median of the change
    rtol 1e-10; the exact-vs-normal choice equals R's (read from R's method name).
    """
    r = paired_change(_arr(case["before"]), _arr(case["after"]))
    assert r.n_pairs == case["n_pairs"]
    assert r.n_dropped == len(_arr(case["before"])) - case["n_pairs"]
    assert r.statistic == case["statistic"]
    _close(r.p_value, _num(case["p_value"]), case["call"], rtol=0, atol=1e-12)
    _close([r.mean_change, r.median_change], [case["mean_change"], case["median_change"]], case["call"])
    assert r.exact == ("exact" in case["method"])
    assert r.method.startswith(case["method"])


@pytest.mark.parametrize("case", TWO, ids=lambda c: c["name"])
def test_reference_two_sample_matches_wilcox_test(case):
    """R ``wilcox.test(a, b)`` (exact = NULL, correct = TRUE).

    W equal exactly; p-value tolerance 1e-12; medians rtol 1e-10; the
    exact-vs-normal choice equals R's.
    """
    r = two_sample(_arr(case["a"]), _arr(case["b"]))
    assert (r.n_a, r.n_b) == (case["n_a"], case["n_b"])
    assert r.statistic == case["statistic"]
    _close(r.p_value, _num(case["p_value"]), case["call"], rtol=0, atol=1e-12)
    _close([r.median_a, r.median_b], [case["median_a"], case["median_b"]], case["call"])
    assert r.exact == ("exact" in case["method"])
    assert r.method.startswith(case["method"])


@pytest.mark.parametrize("case", KM_CASES, ids=lambda c: f"{c['name']}_conf{c['conf']}")
def test_reference_kaplan_meier_matches_survfit_loglog(case):
    """R ``survfit(Surv(time, event) ~ 1, conf.type = "log-log", conf.int = conf)``.

    Table (time, n.risk, n.event, n.censor, surv, lower, upper): counts equal,
    the rest rtol 1e-10 / atol 1e-12, NA positions equal. Median, 0.95LCL,
    0.95UCL as ``print(fit)`` shows them: rtol 1e-10, NA positions equal.
    """
    r = kaplan_meier(_arr(case["time_in"]), _arr(case["event_in"]), conf=case["conf"])
    assert isinstance(r, KaplanMeierResult)
    assert list(r.table.columns) == ["time", "n_at_risk", "n_events", "n_censored", "survival",
                                     "ci_lower", "ci_upper"]
    for col in ("n_at_risk", "n_events", "n_censored"):
        np.testing.assert_array_equal(r.table[col].to_numpy(), _arr(case[col]), err_msg=col)
    for col in ("time", "survival", "ci_lower", "ci_upper"):
        _close(r.table[col], _arr(case[col]), f"{case['call']} column {col}")
    _close([r.median, r.median_ci_lower, r.median_ci_upper],
           [_num(case["median"]), _num(case["median_ci_lower"]), _num(case["median_ci_upper"])],
           "print(survfit) median / LCL / UCL")


@pytest.mark.parametrize("case", LR_CASES, ids=lambda c: c["name"])
def test_reference_logrank_matches_survdiff(case):
    """R ``survdiff(Surv(time, event) ~ group)``: chisq, obs, exp, diag(var) rtol 1e-10 /
    atol 1e-12; df as ``print.survdiff`` (groups with exp > 0, minus 1; R's -1 for no
    events is reported as 0); p = ``pchisq(chisq, df, lower.tail = FALSE)``, same tolerance.
    """
    r = logrank(_arr(case["time_in"]), _arr(case["event_in"]), case["group_in"])
    assert isinstance(r, LogrankResult)
    assert [str(g) for g in r.table["group"]] == case["group"]
    np.testing.assert_array_equal(r.table["n"].to_numpy(), _arr(case["n"]))
    _close(r.table["observed"], _arr(case["observed"]), "obs")
    _close(r.table["expected"], _arr(case["expected"]), "exp")
    g = len(case["group"])
    _close(r.table["variance"], np.diag(_arr(case["var"]).reshape(g, g)), "diag(var)")
    _close(r.statistic, case["statistic"], "chisq")
    assert r.dof == max(case["dof"], 0)
    if case["dof"] > 0:
        _close(r.p_value, _num(case["p_value"]), "p")
    else:
        assert math.isnan(r.p_value)


@pytest.mark.parametrize("case", CIF_CASES, ids=lambda c: c["name"])
def test_reference_cumulative_incidence_matches_survfit_multistate(case):
    """R ``survfit(Surv(time, factor(status, levels = c(0, types))) ~ 1)``, conf.type "log"
    (survfit's multi-state default) with the infinitesimal-jackknife std.err:
    pstate, lower, upper rtol 1e-10 / atol 1e-12, NA positions equal; n.risk[, 1] equal.
    """
    assert case["conf_type"] == "log"
    types = [int(t) for t in _arr(case["types"])]
    df = cumulative_incidence(_arr(case["time_in"]), _arr(case["status_in"]), event_types=types)
    assert list(df.columns) == ["event_type", "time", "n_at_risk", "cif", "ci_lower", "ci_upper"]
    assert df["event_type"].unique().tolist() == types
    for curve in case["curves"]:
        sub = df[df["event_type"] == curve["event_type"]]
        np.testing.assert_array_equal(sub["n_at_risk"].to_numpy(), _arr(curve["n_at_risk"]))
        for col in ("time", "cif", "ci_lower", "ci_upper"):
            _close(sub[col], _arr(curve[col]), f"{case['call']} type {curve['event_type']} {col}")


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
        _close(getattr(r, f), ref[f], f"{case['call']} {f}", **TOL_META_TIGHT)
    assert r.q_df == ref["q_df"] and r.k == ref["k"] and r.method == ref["method"]
    _close(r.studies["weight_percent"], _arr(ref["weight"]), "weights(res)", **TOL_META_TIGHT)
    _close(r.studies["logit"], _arr(ref["yi"]), "res$yi", **TOL_EXACT)
    _close(r.studies["var_logit"], _arr(ref["vi"]), "res$vi", **TOL_EXACT)
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
            _close(getattr(r, f), ref[f], f"{case['call']} {f}")
        _close(r.studies["weight_percent"], _arr(ref["weight"]), "weights(res)")
        return
    for f in ["estimate", "ci_lower", "ci_upper", "pred_lower", "pred_upper", "estimate_logit",
              "se_logit", "tau2"]:
        _close(getattr(r, f), ref[f], f"{case['call']} {f}", rtol=0, atol=TOL_META_DEFAULT_TAU2)
    for f in ["i2", "h2"]:
        _close(getattr(r, f), ref[f], f"{case['call']} {f}", rtol=0, atol=TOL_META_DEFAULT_PCT)
    _close(r.studies["weight_percent"], _arr(ref["weight"]), "weights(res)", rtol=0,
           atol=TOL_META_DEFAULT_PCT)
    _close([r.q, r.q_p_value], [ref["q"], ref["q_p_value"]], "QE, QEp")


def test_reference_pool_single_study_is_the_study_itself():
    """R ``rma(measure = "PLO", xi = 3, ni = 10)`` (k = 1): tau2 0, I2 0, H2 1, Q 0 on 0 df,
    p 1, PI = CI; estimate = 3/10 (tolerance 1e-12)."""
    ref = next(c for c in META_CASES if c["name"] == "single_study" and c["method"] == "REML")["tight"]
    r = pool_proportions([3], [10])
    assert (r.tau2, r.i2, r.h2, r.q, r.q_df, r.q_p_value) == (0.0, 0.0, 1.0, 0.0, 0, 1.0)
    assert (ref["tau2"], ref["i2"], ref["h2"], ref["q_df"], ref["q_p_value"]) == (0, 0, 1, 0, 1)
    _close([r.estimate, r.pred_lower, r.pred_upper], [0.3, r.ci_lower, r.ci_upper], "k = 1",
           rtol=0, atol=1e-12)
    assert "single study" in r.note


# ===================================================================== cross-checks


def test_crosscheck_proportion_exact_against_scipy_binomtest():
    """scipy ``binomtest(k, n).proportion_ci(method="exact")`` (Clopper-Pearson); 1e-12."""
    from scipy.stats import binomtest

    for k, n in [(0, 4), (2, 7), (9, 9), (13, 40)]:
        ci = binomtest(k, n).proportion_ci(0.95, method="exact")
        r = proportion_ci(k, n)
        _close([r.ci_lower, r.ci_upper], [ci.low, ci.high], f"{k}/{n}", rtol=0, atol=1e-12)


def test_crosscheck_kaplan_meier_survival_against_statsmodels():
    """statsmodels ``SurvfuncRight`` survival probabilities at the event times; 1e-12."""
    from statsmodels.duration.survfunc import SurvfuncRight

    case = next(c for c in KM_CASES if c["name"] == "lung")
    t, e = _arr(case["time_in"]), _arr(case["event_in"])
    sf = SurvfuncRight(t, e)
    km = kaplan_meier(t, e).table.set_index("time")
    _close(km.loc[sf.surv_times, "survival"], sf.surv_prob, "SurvfuncRight", rtol=0, atol=1e-12)


def test_crosscheck_logrank_against_statsmodels_survdiff():
    """statsmodels ``survdiff(time, status, group)`` statistic and p-value; rtol 1e-10."""
    from statsmodels.duration.survfunc import survdiff

    for name in ("lung_ecog", "veteran_celltype", "small_ties"):
        case = next(c for c in LR_CASES if c["name"] == name)
        t, e, g = _arr(case["time_in"]), _arr(case["event_in"]), np.array(case["group_in"])
        chi, p = survdiff(t, e, g)
        r = logrank(t, e, g)
        _close([r.statistic, r.p_value], [chi, p], name, rtol=1e-10, atol=0)


def test_crosscheck_cif_sum_equals_one_minus_all_cause_km():
    """Aalen-Johansen identity: sum_k CIF_k(t) = 1 - KM_all-cause(t); 1e-12 (mgus2)."""
    case = next(c for c in CIF_CASES if c["name"] == "mgus2")
    t, s = _arr(case["time_in"]), _arr(case["status_in"])
    cif = cumulative_incidence(t, s).groupby("time")["cif"].sum()
    km = kaplan_meier(t, (s > 0).astype(int)).table.set_index("time")["survival"]
    _close(cif.to_numpy(), 1.0 - km.loc[cif.index].to_numpy(), "sum CIF vs 1 - KM", rtol=0, atol=1e-12)


def test_crosscheck_cif_one_type_equals_one_minus_km():
    """With a single event type the CIF is 1 - KM exactly (tolerance 1e-12)."""
    case = next(c for c in CIF_CASES if c["name"] == "one_type")
    t, s = _arr(case["time_in"]), _arr(case["status_in"])
    cif = cumulative_incidence(t, s)
    km = kaplan_meier(t, s)
    _close(cif["cif"], 1 - km.table["survival"], "1 - KM", rtol=0, atol=1e-12)


def test_crosscheck_pool_dl_against_statsmodels_combine_effects():
    """statsmodels ``combine_effects(y, v, method_re="dl")`` RE mean and SE on the logit
    scale, for data where its (untruncated) DL tau2 is positive; rtol 1e-10."""
    from statsmodels.stats.meta_analysis import combine_effects

    case = next(c for c in META_CASES if c["name"] == "pritz1997" and c["method"] == "DL")
    r = pool_proportions(case["xi"], case["ni"], method="DL")
    ce = combine_effects(r.studies["logit"].to_numpy(), r.studies["var_logit"].to_numpy(), method_re="dl")
    assert ce.tau2 > 0
    _close([r.tau2, r.estimate_logit, r.se_logit, r.q], [ce.tau2, ce.mean_effect_re, ce.sd_eff_w_re, ce.q],
           "combine_effects", rtol=1e-10, atol=0)


# ===================================================================== edge cases


def test_kaplan_meier_edge_cases_defined():
    one = kaplan_meier([7], [1])
    assert one.table["survival"].tolist() == [0.0] and one.median == 7.0
    assert math.isnan(one.median_ci_lower) and math.isnan(one.median_ci_upper)
    cens = kaplan_meier([3, 8, 8], [0, 0, 0])
    assert cens.table["survival"].tolist() == [1.0, 1.0]
    assert math.isnan(cens.median) and cens.table["ci_lower"].isna().all()
    assert cens.n_events == 0
    allev = kaplan_meier([2, 2, 5], [True, True, True])
    assert allev.table["survival"].iloc[-1] == 0.0


def test_kaplan_meier_drops_missing_rows():
    r = kaplan_meier([5, np.nan, 7, 9], [1, 1, None, 0])
    assert r.n == 2 and r.n_dropped == 2


def test_paired_change_all_zero_and_one_pair():
    z = paired_change([1, 2, 3], [1, 2, 3])
    assert z.statistic == 0 and math.isnan(z.p_value) and z.n_zero == 3
    one = paired_change([100], [40])
    assert one.p_value == 1.0 and one.exact and one.statistic == 0.0


def test_two_sample_all_tied_gives_nan_p():
    r = two_sample([4, 4, 4], [4, 4])
    assert math.isnan(r.p_value) and r.statistic == 3.0


def test_logrank_no_events_defined():
    r = logrank([1, 2, 3, 4], [0, 0, 0, 0], ["a", "a", "b", "b"])
    assert r.statistic == 0.0 and r.dof == 0 and math.isnan(r.p_value)
    assert r.table["expected"].tolist() == [0.0, 0.0]


def test_cumulative_incidence_all_censored():
    empty = cumulative_incidence([5, 10], [0, 0])
    assert empty.empty and list(empty.columns) == ["event_type", "time", "n_at_risk", "cif", "ci_lower",
                                                   "ci_upper"]
    zero = cumulative_incidence([5, 10], [0, 0], event_types=[1, 2])
    assert len(zero) == 4 and (zero["cif"] == 0).all() and zero["ci_lower"].isna().all()


def test_pool_proportions_zero_and_all_events_get_correction():
    r = pool_proportions([0, 3, 5], [4, 7, 5], study_labels=["a", "b", "c"])
    assert r.n_corrected == 2
    assert r.studies["proportion"].tolist() == [0.0, 3 / 7, 1.0]
    assert r.studies.loc[0, "ci_lower"] == 0.0 and r.studies.loc[2, "ci_upper"] == 1.0
    assert abs(r.studies["weight_percent"].sum() - 100) < 1e-12
    assert list(r.studies.columns) == ["label", "events", "total", "proportion", "ci_lower", "ci_upper",
                                       "weight_percent", "logit", "var_logit"]


# ===================================================================== validation


@pytest.mark.parametrize(
    "call",
    [
        lambda: proportion_ci(3, 0),
        lambda: proportion_ci(5, 3),
        lambda: proportion_ci(-1, 3),
        lambda: proportion_ci(1.5, 3),
        lambda: proportion_ci(1, 3, conf=1.0),
        lambda: proportion_ci(1, 3, method="agresti"),
        lambda: paired_change([], []),
        lambda: paired_change([1, 2], [1]),
        lambda: paired_change([np.nan, 1], [2, np.nan]),
        lambda: paired_change([1, np.inf], [2, 3]),
        lambda: paired_change(["a"], [1]),
        lambda: two_sample([np.nan], [1, 2]),
        lambda: two_sample([1, 2], []),
        lambda: kaplan_meier([], []),
        lambda: kaplan_meier([1, 2], [1]),
        lambda: kaplan_meier([-1, 2], [1, 0]),
        lambda: kaplan_meier([1, 2], [1, 2]),
        lambda: kaplan_meier([np.nan, np.nan], [1, 0]),
        lambda: kaplan_meier([[1, 2]], [[1, 0]]),
        lambda: kaplan_meier([1, 2], [1, 0], conf=0),
        lambda: logrank([1, 2, 3], [1, 0, 1], ["a", "a", "a"]),
        lambda: logrank([1, 2, 3], [1, 0, 1], ["a", "b"]),
        lambda: cumulative_incidence([1, 2], [1, -1]),
        lambda: cumulative_incidence([1, 2], [1, 1.5]),
        lambda: cumulative_incidence([1, 2], [1, 2], event_types=[1]),
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


# ===================================================================== purity


def test_inputs_are_not_mutated_and_results_are_frozen():
    t = np.array([5.0, 3.0, np.nan, 9.0])
    e = [1, 0, 1, 1]
    s = pd.Series([2.0, 1.0, 3.0, 1.0])
    t0, e0, s0 = t.copy(), list(e), s.copy()
    km = kaplan_meier(t, e)
    logrank(t, e, ["a", "b", "a", "b"])
    cumulative_incidence(t, s)
    paired_change(t, s)
    two_sample(t, s)
    pool_proportions(s.astype(int), s.astype(int) + 3)
    np.testing.assert_array_equal(t, t0)
    assert e == e0
    pd.testing.assert_series_equal(s, s0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        km.median = 1.0  # type: ignore[misc]
    for cls in (ProportionCI, PairedChangeResult, TwoSampleResult, KaplanMeierResult, LogrankResult,
                PooledProportionResult):
        assert cls.__dataclass_params__.frozen


def test_accepts_pandas_nullable_and_bool_inputs():
    t = pd.Series([1, 2, None, 4], dtype="Int64")
    e = pd.Series([True, False, True, True], dtype="boolean")
    r = kaplan_meier(t, e)
    assert r.n == 3 and r.n_dropped == 1


# ===================================================================== regression


def test_regression_method_strings():
    """Freezes our own wording (no R counterpart)."""
    assert paired_change([1, 2, 3], [2, 4, 7]).method == (
        "Wilcoxon signed rank exact test (no ties, no zeros, n < 50); no zero differences"
    )
    assert paired_change([1, 2, 3, 4], [1, 3, 4, 6]).method == (
        "Wilcoxon signed rank test with continuity correction (normal approximation: ties given "
        "average ranks, tie-corrected variance, zeros present); 1 zero difference(s) dropped before ranking"
    )
    assert two_sample([1, 2], [3, 4]).method == "Wilcoxon rank sum exact test (no ties, both n < 50)"
    assert pool_proportions([0, 4], [5, 9]).note == (
        "continuity correction 0.5 added to 1 study(ies) with 0 or all events (metafor to='only0')"
    )


def test_regression_small_dashboard_example():
    """Freezes our output on a small dashboard-shaped data set (values cross-checked
    by hand against the formulas, not against R)."""
    km = kaplan_meier([3, 3, 5, 8, 12, 12, 20], [1, 0, 1, 0, 1, 1, 0])
    assert km.table["n_at_risk"].tolist() == [7, 5, 4, 3, 1]
    _close(km.table["survival"], [6 / 7, 6 / 7 * 4 / 5, 6 / 7 * 4 / 5, 6 / 7 * 4 / 5 / 3, 6 / 7 * 4 / 5 / 3],
           "KM", rtol=0, atol=1e-15)
    assert km.median == 12.0


# ===================================================================== properties

# database=None: no .hypothesis/ folder is written into the work tree
_settings = settings(max_examples=60, deadline=None, database=None,
                     suppress_health_check=[HealthCheck.too_slow])


@_settings
@given(n=st.integers(1, 400), data=st.data(), conf=st.floats(0.5, 0.999),
       method=st.sampled_from(["exact", "wilson"]))
def test_property_proportion_ci_contains_estimate(n, data, conf, method):
    k = data.draw(st.integers(0, n))
    r = proportion_ci(k, n, conf=conf, method=method)
    assert 0.0 <= r.ci_lower <= r.estimate <= r.ci_upper <= 1.0
    wider = proportion_ci(k, n, conf=min(conf + 0.0005, 0.9995), method=method)
    assert wider.ci_lower <= r.ci_lower + 1e-12 and wider.ci_upper >= r.ci_upper - 1e-12


_times = st.lists(st.integers(0, 60), min_size=1, max_size=15)


@_settings
@given(times=_times, data=st.data())
def test_property_kaplan_meier_monotone_and_bounded(times, data):
    events = data.draw(st.lists(st.integers(0, 1), min_size=len(times), max_size=len(times)))
    tab = kaplan_meier(times, events).table
    s = tab["survival"].to_numpy()
    assert ((s >= 0) & (s <= 1)).all() and (np.diff(s) <= 1e-15).all()
    assert (np.diff(tab["n_at_risk"].to_numpy()) <= 0).all() and tab["n_at_risk"].iloc[0] == len(times)
    assert tab["n_events"].sum() + tab["n_censored"].sum() == len(times)
    ok = tab["ci_lower"].notna()
    assert (tab.loc[ok, "ci_lower"] <= tab.loc[ok, "survival"] + 1e-12).all()
    assert (tab.loc[ok, "survival"] <= tab.loc[ok, "ci_upper"] + 1e-12).all()


@_settings
@given(times=_times, data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_property_kaplan_meier_ignores_row_order(times, data, seed):
    events = data.draw(st.lists(st.integers(0, 1), min_size=len(times), max_size=len(times)))
    perm = np.random.default_rng(seed).permutation(len(times))
    a = kaplan_meier(times, events)
    b = kaplan_meier(np.array(times)[perm], np.array(events)[perm])
    pd.testing.assert_frame_equal(a.table, b.table)
    assert np.array_equal([a.median, a.median_ci_lower, a.median_ci_upper],
                          [b.median, b.median_ci_lower, b.median_ci_upper], equal_nan=True)


@_settings
@given(times=st.lists(st.integers(0, 40), min_size=2, max_size=15), data=st.data())
def test_property_logrank_observed_equals_expected_total(times, data):
    n = len(times)
    events = data.draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    groups = data.draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n).filter(
        lambda g: len(set(g)) >= 2))
    r = logrank(times, events, groups)
    assert r.statistic >= -1e-12
    assert abs(r.table["observed"].sum() - r.table["expected"].sum()) < 1e-9
    assert math.isnan(r.p_value) or 0.0 <= r.p_value <= 1.0


@_settings
@given(times=_times, data=st.data())
def test_property_cif_nondecreasing_and_sums_below_one(times, data):
    status = data.draw(st.lists(st.integers(0, 2), min_size=len(times), max_size=len(times)))
    df = cumulative_incidence(times, status, event_types=[1, 2])
    for _, sub in df.groupby("event_type"):
        assert (np.diff(sub["cif"].to_numpy()) >= -1e-15).all()
        ok = sub["ci_lower"].notna()
        assert (sub.loc[ok, "ci_lower"] <= sub.loc[ok, "cif"] + 1e-12).all()
        assert (sub.loc[ok, "cif"] <= sub.loc[ok, "ci_upper"] + 1e-12).all()
    assert (df.groupby("time")["cif"].sum() <= 1 + 1e-12).all()


@_settings
@given(data=st.data(), k=st.integers(1, 8), method=st.sampled_from(["REML", "DL"]))
def test_property_pool_proportions_bounds(data, k, method):
    totals = data.draw(st.lists(st.integers(1, 30), min_size=k, max_size=k))
    events = [data.draw(st.integers(0, n)) for n in totals]
    r = pool_proportions(events, totals, method=method)
    assert 0.0 <= r.i2 < 100.0 and r.tau2 >= 0.0 and r.h2 >= 1.0
    assert r.pred_lower <= r.ci_lower <= r.estimate <= r.ci_upper <= r.pred_upper
    assert abs(r.studies["weight_percent"].sum() - 100.0) < 1e-9
    assert 0.0 <= r.q_p_value <= 1.0


@_settings
@given(before=st.lists(st.integers(0, 20), min_size=1, max_size=15), data=st.data())
def test_property_paired_change_swap_symmetry(before, data):
    after = data.draw(st.lists(st.integers(0, 20), min_size=len(before), max_size=len(before)))
    r1, r2 = paired_change(before, after), paired_change(after, before)
    n = r1.n_pairs - r1.n_zero
    assert r1.statistic + r2.statistic == n * (n + 1) / 2
    assert np.array_equal([r1.p_value], [r2.p_value], equal_nan=True) or abs(r1.p_value - r2.p_value) < 1e-12
    assert math.isnan(r1.p_value) or 0.0 <= r1.p_value <= 1.0


@_settings
@given(a=st.lists(st.integers(0, 30), min_size=1, max_size=15),
       b=st.lists(st.integers(0, 30), min_size=1, max_size=15))
def test_property_two_sample_swap_symmetry(a, b):
    r1, r2 = two_sample(a, b), two_sample(b, a)
    assert r1.statistic + r2.statistic == len(a) * len(b)
    assert np.array_equal([r1.p_value], [r2.p_value], equal_nan=True) or abs(r1.p_value - r2.p_value) < 1e-12
