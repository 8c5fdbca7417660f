"""Tests for ``lib.stats.meta`` (and its GLMM engine ``lib.stats._glmm``).

* ``test_reference_*``  compare with values R wrote to ``tests/reference/meta*.json``
  (scripts ``meta.R`` and ``meta_glmm.R``, packages metafor 3.8-1 and lme4 1.1-31).
  Each names the R call and the tolerance; R is not needed to run them.
  Most cases were fitted twice in R: with metafor's defaults ("default") and with a
  tightly converged fit ("tight"), because metafor's REML Fisher scoring (threshold
  1e-5) and lme4's optimisers stop before the optimum; the tight comparisons carry the
  small tolerances, the default ones the tolerance metafor's own stopping error needs.
* ``test_crosscheck_*`` compare with an independent Python implementation or an
  independent computation of the same quantity.
* ``test_regression_*`` only freeze our own output (wording); they prove nothing
  about correctness.
* ``test_property_*``   hypothesis property tests; the rest check edge cases,
  input validation and purity.

Agreement achieved when this file was written is in ``tests/reference/README.md``.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import logit

from lib.stats import (
    PooledProportionResult,
    SubgroupDifferenceResult,
    leave_one_out,
    pool_proportions,
    subgroup_difference,
)
from lib.stats import _glmm
from reference_util import PROPERTY_SETTINGS, TOL_EXACT, arr, close, load, num

META_CASES = load("meta.json")
SUB_CASES = load("meta_subgroup.json")
GLMM_CASES = [c for c in load("meta_glmm.json") if "error" not in c]
GLMM_FAILING = {c["name"]: c for c in load("meta_glmm.json") if "error" in c}
GLMM_SUB_CASES = load("meta_glmm_subgroup.json")

# REML / DL (normal-normal model)
TOL_META_TIGHT = dict(rtol=1e-8, atol=1e-8)  # vs metafor with threshold = 1e-12 (knha included)
TOL_META_DEFAULT_TAU2 = 2e-5  # REML vs metafor's default Fisher-scoring stop (threshold 1e-5)
TOL_META_DEFAULT_PCT = 2e-3  # I2 and weights (percent) vs metafor default REML
TOL_META_DEFAULT_Q = 1e-4  # subgroup QM vs metafor default REML (QM depends on tau2)

# GLMM vs a tightly converged lme4 fit (bobyqa rhoend 1e-10, tolPwrss 1e-10)
TOL_GLMM_TIGHT_PROP = 2e-4  # proportion scale: estimate, CI, PI
TOL_GLMM_TIGHT_TAU2 = dict(rtol=1e-3, atol=1e-4)
TOL_GLMM_TIGHT_I2 = 1e-3  # percent
# GLMM vs metafor's default fit: the brief's 2e-3, plus |default - tight| (R's own stopping error)
TOL_GLMM_DEFAULT = 2e-3


def _meta_id(c):
    return f"{c['name']}_{c['method']}_{c['test']}_conf{c['conf']}"


_META_FIELDS = [("estimate", "estimate"), ("ci_lower", "ci_lower"), ("ci_upper", "ci_upper"),
                ("pi_lower", "pred_lower"), ("pi_upper", "pred_upper"), ("estimate_logit", "estimate_logit"),
                ("se_logit", "se_logit"), ("tau2", "tau2"), ("i2", "i2"), ("h2", "h2"), ("q", "q"),
                ("q_p_value", "q_p_value"), ("knha_factor", "s2w")]


# ===================================================================== REML / DL: R reference


@pytest.mark.parametrize("case", META_CASES, ids=_meta_id)
def test_reference_pool_proportions_matches_rma_tight(case):
    """R ``res <- rma(measure = "PLO", xi, ni, method = M, test = T, level = 100 * conf,
    control = list(threshold = 1e-12, maxiter = 10000))``, ``predict(res, transf =
    transf.ilogit)``, ``weights(res)``, ``res$s2w``, ``res$ddf``, ``res$test``:
    every number rtol 1e-8 / atol 1e-8 (DL: same arithmetic; REML: converged metafor;
    test = "knha" included).
    """
    ref = case["tight"]
    r = pool_proportions(case["xi"], case["ni"], method=case["method"], conf=case["conf"],
                         study_labels=case["labels"], test=case["test"])
    for ours, theirs in _META_FIELDS:
        close(getattr(r, ours), ref[theirs], f"{case['call']} {ours}", **TOL_META_TIGHT)
    assert r.q_df == ref["q_df"] and r.k == ref["k"] and r.method == ref["method"]
    assert r.test == ref["test"]  # knha with k = 1 falls back to "z", as metafor does
    assert r.t_df == (None if ref["ddf"] == "NA" else ref["ddf"])
    close(r.studies["weight_percent"], arr(ref["weight"]), "weights(res)", **TOL_META_TIGHT)
    close(r.studies["logit"], arr(ref["yi"]), "res$yi", **TOL_EXACT)
    close(r.studies["var_logit"], arr(ref["vi"]), "res$vi", **TOL_EXACT)
    assert r.studies["label"].tolist() == list(np.atleast_1d(case["labels"]))


@pytest.mark.parametrize("case", META_CASES, ids=_meta_id)
def test_reference_pool_proportions_matches_rma_default(case):
    """R ``rma(measure = "PLO", xi, ni, method = M, test = T, level = 100 * conf)`` with
    metafor's default control (Fisher scoring stops when tau2 changes < 1e-5).

    DL: every number rtol 1e-10 / atol 1e-12. REML: tau2 and proportion/logit-scale
    numbers (and the knha factor) atol 2e-5, I2/H2 and weights (percent) atol 2e-3,
    Q and its p-value rtol 1e-10 (Q does not depend on tau2).
    """
    ref = case["default"]
    r = pool_proportions(case["xi"], case["ni"], method=case["method"], conf=case["conf"], test=case["test"])
    if case["method"] == "DL":
        for ours, theirs in _META_FIELDS:
            close(getattr(r, ours), ref[theirs], f"{case['call']} {ours}")
        close(r.studies["weight_percent"], arr(ref["weight"]), "weights(res)")
        return
    for ours, theirs in _META_FIELDS[:8] + [("knha_factor", "s2w")]:
        close(getattr(r, ours), ref[theirs], f"{case['call']} {ours}", rtol=0, atol=TOL_META_DEFAULT_TAU2)
    for f in ["i2", "h2"]:
        close(getattr(r, f), ref[f], f"{case['call']} {f}", rtol=0, atol=TOL_META_DEFAULT_PCT)
    close(r.studies["weight_percent"], arr(ref["weight"]), "weights(res)", rtol=0, atol=TOL_META_DEFAULT_PCT)
    close([r.q, r.q_p_value], [ref["q"], ref["q_p_value"]], "QE, QEp")


_LOO_FIELDS = ["estimate", "ci_lower", "ci_upper", "tau2", "i2", "q", "q_p_value"]
LOO_CASES = [c for c in META_CASES if "leave1out" in c["tight"]]


@pytest.mark.parametrize("case", LOO_CASES, ids=_meta_id)
def test_reference_leave_one_out_matches_leave1out(case):
    """R ``leave1out(res, transf = transf.ilogit)`` for ``res <- rma(measure = "PLO", xi, ni,
    method = M, test = T, level = 100 * conf, control = ...)``: estimate, ci.lb, ci.ub, tau2,
    I2, Q, Qp.

    Tight control (threshold 1e-12): rtol 1e-8 / atol 1e-8. Default control: DL as
    tight; REML atol 2e-5 (I2 2e-3 percent). Where metafor's default Fisher scoring fails
    for one refit, leave1out reports NA; there we match the tight refit instead (checked
    to exist).
    """
    out = leave_one_out(case["xi"], case["ni"], method=case["method"], test=case["test"], conf=case["conf"],
                        study_labels=case["labels"])
    assert list(out.columns) == ["label", *_LOO_FIELDS]
    assert out["label"].tolist() == list(np.atleast_1d(case["labels"]))
    tight, default = case["tight"]["leave1out"], case["default"]["leave1out"]
    for f in _LOO_FIELDS:
        close(out[f], arr(tight[f]), f"leave1out (tight) {f}", **TOL_META_TIGHT)
        d = arr(default[f])
        failed = np.isnan(d)
        assert not np.isnan(arr(tight[f])[failed]).any()
        if case["method"] == "DL" or f in ("q", "q_p_value"):
            tol = TOL_EXACT
        else:
            tol = dict(rtol=0, atol=TOL_META_DEFAULT_PCT if f == "i2" else TOL_META_DEFAULT_TAU2)
        close(out[f].to_numpy()[~failed], d[~failed], f"leave1out (default) {f}", **tol)


def _sub_id(c):
    return f"{c['name']}_{c['method']}_{c['test']}"


@pytest.mark.parametrize("case", SUB_CASES, ids=_sub_id)
def test_reference_subgroup_difference_matches_rma_mods(case):
    """R ``rma(measure = "PLO", xi, ni, mods = ~ factor(group), method = M, test = T)``:
    ``QM`` (chi-square; with knha metafor's F value), ``QMdf``, ``QMp``, ``tau2``.

    Tight control: rtol 1e-8 / atol 1e-8. Default control: DL rtol 1e-10; REML tau2
    atol 2e-5, QM atol 1e-4, p atol 2e-5.
    """
    r = subgroup_difference(case["xi"], case["ni"], case["group"], method=case["method"], test=case["test"])
    ref = case["tight"]
    assert r.df == ref["df"] and r.k == ref["k"]
    assert r.df2 == (None if ref["df2"] == "NA" else ref["df2"])
    assert r.distribution == ("F" if case["test"] == "knha" else "chi2")
    assert list(r.groups) == sorted(set(case["group"]))
    close([r.q_between, r.p_value, r.tau2], [ref["q_between"], ref["p_value"], ref["tau2"]],
          case["call"], **TOL_META_TIGHT)
    d = case["default"]
    if case["method"] == "DL":
        close([r.q_between, r.p_value, r.tau2], [d["q_between"], d["p_value"], d["tau2"]], case["call"])
    else:
        close(r.tau2, d["tau2"], case["call"], rtol=0, atol=TOL_META_DEFAULT_TAU2)
        close(r.q_between, d["q_between"], case["call"], rtol=0, atol=TOL_META_DEFAULT_Q)
        close(r.p_value, d["p_value"], case["call"], rtol=0, atol=TOL_META_DEFAULT_TAU2)


def test_reference_pool_single_study_is_the_study_itself():
    """R ``rma(measure = "PLO", xi = 3, ni = 10)`` (k = 1): tau2 0, I2 0, H2 1, Q 0 on 0 df,
    p 1, PI = CI; estimate = 3/10 (tolerance 1e-12). With test = "knha" metafor switches
    to "z" for k = 1 (``res$test`` is "z"), and so do we."""
    cases = [c for c in META_CASES if c["name"] == "single_study" and c["method"] == "REML"]
    for case in cases:
        ref = case["tight"]
        r = pool_proportions([3], [10], test=case["test"])
        assert (r.tau2, r.i2, r.h2, r.q, r.q_df, r.q_p_value) == (0.0, 0.0, 1.0, 0.0, 0, 1.0)
        assert (ref["tau2"], ref["i2"], ref["h2"], ref["q_df"], ref["q_p_value"]) == (0, 0, 1, 0, 1)
        assert r.test == ref["test"] == "z"
        close([r.estimate, r.pi_lower, r.pi_upper], [0.3, r.ci_lower, r.ci_upper], "k = 1", rtol=0, atol=1e-12)
        assert "single study" in r.note
    assert {c["test"] for c in cases} == {"z", "knha"}


def test_reference_knha_zero_factor_gives_zero_width_interval():
    """R ``rma(measure = "PLO", xi = c(5, 5, 5), ni = c(10, 10, 10), test = "knha")``: the
    weighted residual sum of squares is 0, metafor sets ``s2w = 0`` and reports a CI and
    PI of zero width; so do we (and say so in ``note``)."""
    case = next(c for c in META_CASES if c["name"] == "homogeneous" and c["method"] == "REML"
                and c["test"] == "knha")
    ref = case["tight"]
    assert ref["s2w"] == 0 and ref["ci_lower"] == ref["ci_upper"]
    r = pool_proportions(case["xi"], case["ni"], test="knha")
    assert r.knha_factor == 0.0 and r.ci_lower == r.ci_upper == r.estimate == r.pi_lower
    assert "zero width" in r.note


def test_reference_knha_is_not_truncated_at_one():
    """metafor ``test = "knha"`` uses ``s2w`` as it is, below 1 too (only ``"adhoc"``
    truncates): at least one reference case has ``s2w < 1`` and we match it (rtol 1e-8)."""
    below = [c for c in META_CASES if c["test"] == "knha" and 0 < c["tight"]["s2w"] < 0.9]
    assert below
    for case in below:
        r = pool_proportions(case["xi"], case["ni"], method=case["method"], test="knha", conf=case["conf"])
        close(r.knha_factor, case["tight"]["s2w"], case["name"], **TOL_META_TIGHT)


# ===================================================================== GLMM: R reference


def _glmm_id(c):
    return f"{c['name']}_conf{c['conf']}"


def _default_tol(ours_field, default, tight):
    """Tolerance against metafor's default fit: 2e-3 plus metafor's own stopping error."""
    return TOL_GLMM_DEFAULT + abs(num(default) - num(tight))


@pytest.mark.parametrize("case", GLMM_CASES, ids=_glmm_id)
def test_reference_glmm_deviance_matches_lme4_devfun(case):
    """lme4 ``glmer(cbind(xi, ni - xi) ~ 1 + (1 | study), family = binomial, nAGQ = 7,
    devFunOnly = TRUE, control = glmerControl(tolPwrss = 1e-13))`` evaluated at six
    ``c(theta, beta)`` points (R's optimum and five others, theta = 0 included):
    our adaptive Gauss-Hermite deviance agrees within 1e-7. lme4's PIRLS stops on the
    relative change of the penalised deviance, which leaves the conditional modes (and,
    through the quadrature nodes, the deviance) off by up to ~5e-8 at large theta; our
    modes are solved to rounding error.
    """
    d = case["lme4_devfun"]
    x, n = np.array(case["xi"], float), np.array(case["ni"], float)
    X = np.ones((x.size, 1))
    ours = [_glmm._deviance(np.array([t, b]), X, x, n) for t, b in zip(arr(d["theta"]), arr(d["beta"]))]
    close(ours, arr(d["deviance"]), f"lme4 devfun (tolPwrss {d['tolPwrss']})", rtol=0, atol=1e-7)


@pytest.mark.parametrize("case", GLMM_CASES, ids=_glmm_id)
def test_reference_glmm_optimum_at_least_as_good_as_lme4(case):
    """Our maximum of the (lme4) likelihood is at least as high as lme4's: the deviance at
    our estimate is not above the deviance at ``rma.glmm``'s estimate (default and tight
    fits, the full data and every leave-one-out refit) by more than 1e-9.

    Reference: the parameters of ``rma.glmm(measure = "PLO", xi, ni)`` (``res$tau2``,
    ``res$beta``) as R wrote them, evaluated with the deviance checked against lme4 above.
    """
    x0, n0 = np.array(case["xi"], float), np.array(case["ni"], float)
    subsets = [(None, x0, n0)] + [(i, np.delete(x0, i), np.delete(n0, i)) for i in range(x0.size)]
    compared = 0
    for i, x, n in subsets:
        X = np.ones((x.size, 1))
        fit = None
        for which in ("default", "tight"):
            if i is None:
                t2, b = case[which]["tau2"], case[which]["estimate_logit"]
            else:
                l1 = case["leave1out_" + which]
                t2, est = num(l1["tau2"][i]), num(l1["estimate"][i])
                if math.isnan(t2) or np.unique(x / n).size == 1 or ((x == 0) | (x == n)).all():
                    continue  # R failed, or a documented difference (see the leave-one-out test)
                b = float(logit(est))
            fit = fit or _glmm.fit(X, x, n)
            theirs = _glmm._deviance(np.array([math.sqrt(t2), b]), X, x, n)
            assert fit.deviance <= theirs + 1e-9, (case["name"], i, which, fit.deviance, theirs)
            compared += 1
    assert compared >= 2


_GLMM_FIELDS = [("estimate", "estimate"), ("ci_lower", "ci_lower"), ("ci_upper", "ci_upper"),
                ("pi_lower", "pred_lower"), ("pi_upper", "pred_upper")]


@pytest.mark.parametrize("case", GLMM_CASES, ids=_glmm_id)
def test_reference_glmm_matches_rma_glmm(case):
    """R ``res <- rma.glmm(measure = "PLO", xi, ni, level = 100 * conf)`` (method "ML",
    nAGQ 7, test "z") and ``predict(res, transf = transf.ilogit)``.

    Against the tightly converged fit: estimate, CI and PI (proportions) atol 2e-4, tau2
    rtol 1e-3 / atol 1e-4, I2 atol 1e-3 (percent), H2 rtol 1e-3. Against metafor's
    default fit: estimate, CI, PI and tau2 within 2e-3 (tau2 also relative) plus the
    distance between R's default and tight fits (R's own stopping error).
    Heterogeneity tests: ``QE.Wld`` rtol 1e-6 / atol 1e-5, ``QE.LRT`` rtol 1e-10 /
    atol 1e-10, their p-values atol 1e-6; k, df, yi, vi equal.
    """
    r = pool_proportions(case["xi"], case["ni"], method="GLMM", conf=case["conf"], study_labels=case["labels"])
    t, d = case["tight"], case["default"]
    assert (r.method, r.test, r.k, r.q_df, r.n_corrected) == ("GLMM", "z", t["k"], t["q_df"], 0)
    for ours, theirs in _GLMM_FIELDS:
        close(getattr(r, ours), t[theirs], f"{case['call']} {ours} (tight)", rtol=0, atol=TOL_GLMM_TIGHT_PROP)
        close(getattr(r, ours), d[theirs], f"{case['call']} {ours} (default)", rtol=0,
              atol=_default_tol(ours, d[theirs], t[theirs]))
    close(r.tau2, t["tau2"], "tau2 (tight)", **TOL_GLMM_TIGHT_TAU2)
    close(r.tau2, d["tau2"], "tau2 (default)", rtol=TOL_GLMM_DEFAULT, atol=_default_tol("tau2", d["tau2"], t["tau2"]))
    close(r.i2, t["i2"], "I2 (tight)", rtol=0, atol=TOL_GLMM_TIGHT_I2)
    close(r.h2, t["h2"], "H2 (tight)", rtol=1e-3, atol=0)
    close(r.q, t["q_wald"], "QE.Wld", rtol=1e-6, atol=1e-5)
    close(r.q_lrt, t["q_lrt"], "QE.LRT", rtol=1e-10, atol=1e-10)
    close([r.q_p_value, r.q_lrt_p_value], [t["q_wald_p"], t["q_lrt_p"]], "QEp.Wld, QEp.LRT", rtol=0, atol=1e-6)
    close(r.studies["logit"], arr(t["yi"]), "res$yi", **TOL_EXACT)
    close(r.studies["var_logit"], arr(t["vi"]), "res$vi", **TOL_EXACT)
    assert r.studies["weight_percent"].isna().all()


@pytest.mark.parametrize("case", GLMM_CASES, ids=_glmm_id)
def test_reference_glmm_leave_one_out_matches_refits(case):
    """R ``rma.glmm(measure = "PLO", xi[-i], ni[-i], level = 100 * conf)`` for each i
    (metafor has no ``leave1out`` for ``rma.glmm``); same tolerances as the full fit.

    NA in R (the refit of one study fails in metafor) is NaN here. Two documented
    differences: where the remaining studies all have the same proportion, glmer stops
    ("Response is constant") and we return the equal-effects fit; where they each have
    0 or all events, lme4 returns a non-converged fit and we return NaN (no finite
    maximum-likelihood estimate).
    """
    out = leave_one_out(case["xi"], case["ni"], method="GLMM", conf=case["conf"], study_labels=case["labels"])
    assert out["label"].tolist() == list(case["labels"])
    x, n = np.array(case["xi"]), np.array(case["ni"])
    t, d = case["leave1out_tight"], case["leave1out_default"]
    for i in range(x.size):
        xs, ns = np.delete(x, i), np.delete(n, i)
        row = out.iloc[i]
        homogeneous = np.unique(xs / ns).size == 1
        extreme = ((xs == 0) | (xs == ns)).all()
        if xs.size < 2 or (xs == 0).all() or (xs == ns).all():  # rma.glmm stops, so do we
            assert math.isnan(num(t["estimate"][i])) and math.isnan(row["estimate"])
            continue
        if homogeneous:
            assert math.isnan(num(t["estimate"][i])) and row["tau2"] == 0.0
            continue
        if extreme:
            assert math.isnan(row["estimate"]) and not math.isnan(num(t["estimate"][i]))
            continue
        for f in ("estimate", "ci_lower", "ci_upper"):
            close(row[f], num(t[f][i]), f"leave-one-out {i} {f} (tight)", rtol=0, atol=TOL_GLMM_TIGHT_PROP)
            close(row[f], num(d[f][i]), f"leave-one-out {i} {f} (default)", rtol=0,
                  atol=_default_tol(f, d[f][i], t[f][i]))
        close(row["tau2"], num(t["tau2"][i]), f"leave-one-out {i} tau2 (tight)", **TOL_GLMM_TIGHT_TAU2)
        close(row["tau2"], num(d["tau2"][i]), f"leave-one-out {i} tau2 (default)", rtol=TOL_GLMM_DEFAULT,
              atol=_default_tol("tau2", d["tau2"][i], t["tau2"][i]))
        close(row["i2"], num(t["i2"][i]), f"leave-one-out {i} I2 (tight)", rtol=0, atol=TOL_GLMM_TIGHT_I2)
        close(row["q"], num(t["q_wald"][i]), f"leave-one-out {i} QE.Wld", rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize("case", GLMM_SUB_CASES, ids=lambda c: c["name"])
def test_reference_glmm_subgroup_difference_matches_rma_glmm_mods(case):
    """R ``rma.glmm(measure = "PLO", xi, ni, mods = ~ factor(group))``: ``QM`` (Wald
    chi-square with glmer's covariance), ``QMdf``, ``QMp``, ``tau2``.

    Tight fit: QM rtol 1e-5, p atol 1e-5, tau2 rtol 1e-3 / atol 1e-4. Default fit: QM,
    p and tau2 within 2e-3 (relative for QM and tau2) plus R's default-vs-tight distance.
    Where a group's studies all have 0 (or all) events its log-odds has no finite
    estimate: glmer's coefficient diverges and metafor reports a meaningless QM near 0
    with a huge standard error; we raise ``ValueError``.
    """
    if "diverged" in case:
        dv = case["diverged"]
        assert dv["q_between"] < 0.01 and (dv.get("se") is None or dv["se"] > 1e3 or dv["p_value"] > 0.99)
        with pytest.raises(ValueError, match="no finite estimate"):
            subgroup_difference(case["xi"], case["ni"], case["group"], method="GLMM")
        return
    r = subgroup_difference(case["xi"], case["ni"], case["group"], method="GLMM")
    t, d = case["tight"], case["default"]
    assert (r.df, r.df2, r.distribution, r.k) == (t["df"], None, "chi2", t["k"])
    close(r.q_between, t["q_between"], "QM (tight)", rtol=1e-5, atol=0)
    close(r.p_value, t["p_value"], "QMp (tight)", rtol=0, atol=1e-5)
    close(r.tau2, t["tau2"], "tau2 (tight)", **TOL_GLMM_TIGHT_TAU2)
    for ours, f in (("q_between", "q_between"), ("tau2", "tau2"), ("p_value", "p_value")):
        close(getattr(r, ours), d[f], f"{f} (default)", rtol=TOL_GLMM_DEFAULT, atol=_default_tol(f, d[f], t[f]))


def test_reference_glmm_stops_where_metafor_stops():
    """``rma.glmm(measure = "PLO", xi, ni)`` stops for a single study ("Number of parameters
    to be estimated is larger than the number of observations") and when every study has
    0 events or every study has all events ("Cannot fit ML model"); we raise ValueError."""
    for name in ("single_study", "single_study_zero", "all_zero", "all_events"):
        case = GLMM_FAILING[name]
        assert case["error"] != "no error"
        with pytest.raises(ValueError, match="GLMM"):
            pool_proportions(case["xi"], case["ni"], method="GLMM")


def test_reference_glmm_identical_proportions_give_the_equal_effects_model():
    """Known difference: with identical proportions (5/10 three times) glmer stops
    ("Response is constant"; rma.glmm: "Cannot fit ML model"). The maximum-likelihood
    fit has tau2 = 0, i.e. the equal-effects model: we match R
    ``rma.glmm(measure = "PLO", xi, ni, method = "EE")`` (rtol 1e-7: our standard error
    comes from lme4's finite-difference Hessian, step 1e-4, R's EE one from glm)."""
    case = GLMM_FAILING["homogeneous"]
    assert "Cannot fit ML model" in case["error"]
    ee = case["equal_effects"]
    r = pool_proportions(case["xi"], case["ni"], method="GLMM")
    assert r.tau2 == 0.0 and r.i2 == 0.0
    close([r.estimate, r.ci_lower, r.ci_upper, r.estimate_logit, r.se_logit],
          [ee["estimate"], ee["ci_lower"], ee["ci_upper"], ee["estimate_logit"], ee["se_logit"]],
          ee["call"], rtol=1e-7, atol=1e-10)
    close([r.q, r.q_lrt], [ee["q_wald"], ee["q_lrt"]], "QE.Wld, QE.LRT", rtol=1e-8, atol=1e-10)
    assert "equal-effects" in r.note


def test_glmm_rejects_knha_like_metafor():
    """metafor ``rma.glmm(..., test = "knha")`` stops ("Invalid option selected for 'test'
    argument"); so do pool_proportions, leave_one_out and subgroup_difference."""
    with pytest.raises(ValueError, match="knha"):
        pool_proportions([2, 5, 7], [10, 12, 9], method="GLMM", test="knha")
    with pytest.raises(ValueError, match="knha"):
        leave_one_out([2, 5, 7], [10, 12, 9], method="GLMM", test="knha")
    with pytest.raises(ValueError, match="knha"):
        subgroup_difference([2, 5, 7, 3], [10, 12, 9, 8], ["a", "a", "b", "b"], method="GLMM", test="knha")


# ===================================================================== cross-checks


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


def test_crosscheck_knha_against_statsmodels_wls_t_interval():
    """Knapp-Hartung = weighted least squares with weights 1 / (v + tau2) and the scale
    estimated from the residuals: statsmodels ``WLS(y, 1, weights).fit()`` gives the
    same SE (scale = s2w) and its t interval on k - 1 df; rtol 1e-10."""
    import statsmodels.api as sm

    case = next(c for c in META_CASES if c["name"] == "pritz1997" and c["method"] == "REML"
                and c["test"] == "knha" and c["conf"] == 0.95)
    r = pool_proportions(case["xi"], case["ni"], test="knha")
    y, v = r.studies["logit"].to_numpy(), r.studies["var_logit"].to_numpy()
    fit = sm.WLS(y, np.ones_like(y), weights=1.0 / (v + r.tau2)).fit()
    lo, hi = fit.conf_int(alpha=0.05)[0]
    close([r.estimate_logit, r.se_logit, r.knha_factor], [fit.params[0], fit.bse[0], fit.scale], "WLS",
          rtol=1e-10, atol=0)
    close([logit(r.ci_lower), logit(r.ci_upper)], [lo, hi], "WLS t interval", rtol=1e-10, atol=0)


def test_crosscheck_subgroup_dl_equals_wald_test_of_group_means():
    """With a common tau2, the QM test of ``mods = ~ factor(group)`` equals the Wald test
    that all group means (inverse-variance weighted with 1 / (v + tau2)) are equal:
    ``sum_g W_g (m_g - m)^2`` computed by hand; rtol 1e-10."""
    case = next(c for c in SUB_CASES if c["name"] == "debruin2009_ethnicity" and c["method"] == "DL"
                and c["test"] == "z")
    r = subgroup_difference(case["xi"], case["ni"], case["group"], method="DL")
    p = pool_proportions(case["xi"], case["ni"], method="DL")  # only for y and v
    y, v = p.studies["logit"].to_numpy(), p.studies["var_logit"].to_numpy()
    g = np.array(case["group"])
    w = 1.0 / (v + r.tau2)
    means = {lev: (w[g == lev] * y[g == lev]).sum() / w[g == lev].sum() for lev in set(g)}
    W = {lev: w[g == lev].sum() for lev in set(g)}
    m = sum(W[lev] * means[lev] for lev in W) / sum(W.values())
    q = sum(W[lev] * (means[lev] - m) ** 2 for lev in W)
    close(r.q_between, q, "Wald test of group means", rtol=1e-10, atol=0)


@pytest.mark.parametrize("name", ["pritz1997", "debruin2009", "heldout_k6_large", "heldout_k10_large"])
def test_crosscheck_glmm_seven_nodes_are_close_to_the_exact_likelihood(name):
    """rma.glmm's 7-node adaptive quadrature (lme4 nAGQ = 7) against a 30-node fit of the
    same model, for data with tau2 below 1: estimate, tau2 and SE agree within 1e-4,
    so for such data matching metafor is also matching the binomial-normal model.
    (With small studies and a large tau2 the 7-node answer can be far off: see
    ``tests/reference/README.md``.)"""
    case = next(c for c in GLMM_CASES if c["name"] == name)
    x, n = np.array(case["xi"], float), np.array(case["ni"], float)
    X = np.ones((x.size, 1))
    f7, f30 = _glmm.fit(X, x, n), _glmm.fit(X, x, n, n_nodes=30)
    assert f30.tau2 < 1.0
    close([f7.beta[0], f7.tau2, math.sqrt(f7.vb[0, 0])], [f30.beta[0], f30.tau2, math.sqrt(f30.vb[0, 0])],
          "7 vs 30 nodes", rtol=0, atol=1e-4)
    assert f7.deviance != f30.deviance  # the node count is really used


# ===================================================================== edge cases and notes


def test_pool_proportions_zero_and_all_events_get_correction():
    r = pool_proportions([0, 3, 5], [4, 7, 5], study_labels=["a", "b", "c"])
    assert r.n_corrected == 2
    assert r.studies["proportion"].tolist() == [0.0, 3 / 7, 1.0]
    assert r.studies.loc[0, "ci_lower"] == 0.0 and r.studies.loc[2, "ci_upper"] == 1.0
    assert abs(r.studies["weight_percent"].sum() - 100) < 1e-12
    assert list(r.studies.columns) == ["label", "events", "total", "proportion", "ci_lower", "ci_upper",
                                       "weight_percent", "logit", "var_logit"]


def test_glmm_needs_no_correction_and_has_no_weights():
    r = pool_proportions([0, 3, 5], [4, 7, 5], method="GLMM")
    assert r.n_corrected == 0 and r.method == "GLMM"
    assert r.studies["weight_percent"].isna().all()
    assert r.q_df == 2 and not math.isnan(r.q_lrt)
    reml = pool_proportions([0, 3, 5], [4, 7, 5])
    assert math.isnan(reml.q_lrt) and math.isnan(reml.q_lrt_p_value)


def test_pred_aliases_are_read_only():
    r = pool_proportions([2, 5, 7], [10, 12, 9])
    assert (r.pred_lower, r.pred_upper) == (r.pi_lower, r.pi_upper)
    with pytest.raises((AttributeError, dataclasses.FrozenInstanceError)):
        r.pred_lower = 0.1  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.pi_lower = 0.1  # type: ignore[misc]


@pytest.mark.parametrize("k, estimable", [(1, False), (2, False), (3, True), (6, True)])
def test_tau2_estimable_needs_three_studies(k, estimable):
    r = pool_proportions([3, 9, 4, 7, 2, 5][:k], [10, 12, 11, 9, 8, 10][:k])
    assert r.tau2_estimable is estimable


def test_regression_heterogeneity_notes():
    """Freezes our own wording (no R counterpart)."""
    assert pool_proportions([3], [10]).heterogeneity_note == "Heterogeneity cannot be assessed from a single study."
    two = pool_proportions([5, 5], [10, 10])
    assert two.tau2 == 0.0 and two.heterogeneity_note == (
        "Heterogeneity cannot be assessed with 2 studies: tau² is not estimable in any useful sense; "
        "I² = 0 reflects too few or too small studies, not agreement."
    )
    three = pool_proportions([1, 12, 3], [15, 14, 12])
    assert three.tau2 > 0 and three.heterogeneity_note == (
        "Heterogeneity cannot be assessed reliably with 3 studies; tau² and I² are too imprecise to say "
        "how much the studies differ."
    )
    five_zero = pool_proportions([5, 5, 6, 5, 4], [10, 10, 10, 10, 10])
    assert five_zero.tau2 == 0.0 and five_zero.heterogeneity_note == (
        "tau² is estimated as 0: I² = 0 may reflect too few or too small studies, not agreement."
    )
    case = next(c for c in META_CASES if c["name"] == "pritz1997")
    assert pool_proportions(case["xi"], case["ni"]).heterogeneity_note == ""


def test_regression_notes():
    """Freezes our own wording (no R counterpart)."""
    assert pool_proportions([0, 4], [5, 9]).note == (
        "continuity correction 0.5 added to 1 study(ies) with 0 or all events (metafor to='only0')"
    )
    assert pool_proportions([3], [10], test="knha").note.endswith(
        "Knapp-Hartung needs at least 2 studies: test 'z' used for a single study (as metafor)"
    )


def test_leave_one_out_two_studies_gives_each_study_alone():
    """k = 2: each row is the other study on its own (rma with k = 1), as leave1out gives."""
    out = leave_one_out([1, 9], [12, 10])
    single = [pool_proportions([9], [10]), pool_proportions([1], [12])]
    close(out["estimate"], [s.estimate for s in single], "k = 2", rtol=0, atol=1e-15)
    assert (out["tau2"] == 0).all()
    glmm = leave_one_out([1, 9], [12, 10], method="GLMM")
    assert glmm[["estimate", "ci_lower", "tau2"]].isna().all().all()  # rma.glmm cannot fit k = 1


# ===================================================================== validation


@pytest.mark.parametrize(
    "call",
    [
        lambda: pool_proportions([], []),
        lambda: pool_proportions([1, 2], [5]),
        lambda: pool_proportions([6], [5]),
        lambda: pool_proportions([1], [0]),
        lambda: pool_proportions([np.nan], [5]),
        lambda: pool_proportions([1], [5], method="PM"),
        lambda: pool_proportions([1], [5], test="t"),
        lambda: pool_proportions([1, 2], [5, 6], study_labels=["a"]),
        lambda: pool_proportions([1, 2], [5, 6], conf=95),
        lambda: leave_one_out([3], [10]),
        lambda: subgroup_difference([1, 2, 3], [5, 6, 7], ["a", "a", "a"]),
        lambda: subgroup_difference([1, 2, 3], [5, 6, 7], ["a", "b", "c"]),
        lambda: subgroup_difference([1, 2, 3], [5, 6, 7], ["a", "b"]),
        lambda: subgroup_difference([1, 2, 3, 4], [5, 6, 7, 8], ["a", None, "b", "b"]),
        lambda: subgroup_difference([1, 2, 3, 4], [5, 6, 7, 8], ["a", "a", "b", "b"], method="GLMM", test="knha"),
        lambda: pool_proportions([0, 4, 0], [5, 4, 7], method="GLMM"),  # each 0 or all events
    ],
)
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_subgroup_needs_more_studies_than_groups_like_metafor():
    """R ``rma(measure = "PLO", xi = c(2, 5, 7), ni = c(10, 10, 10), mods = ~ factor(c("a",
    "b", "c")))`` stops: "Number of parameters to be estimated is larger than the number
    of observations"."""
    with pytest.raises(ValueError, match="more studies"):
        subgroup_difference([2, 5, 7], [10, 10, 10], ["a", "b", "c"])


# ===================================================================== purity


def test_inputs_are_not_mutated_and_results_are_frozen():
    x = np.array([2, 0, 7, 4])
    n = pd.Series([10, 6, 9, 8])
    g = ["a", "b", "a", "b"]
    x0, n0, g0 = x.copy(), n.copy(), list(g)
    for method in ("REML", "DL", "GLMM"):
        pool_proportions(x, n, method=method)
        leave_one_out(x, n, method=method)
        subgroup_difference(x, n, g, method=method)
    np.testing.assert_array_equal(x, x0)
    pd.testing.assert_series_equal(n, n0)
    assert g == g0
    for cls in (PooledProportionResult, SubgroupDifferenceResult):
        assert cls.__dataclass_params__.frozen


def test_same_input_same_output():
    """No state between calls: the GLMM fit is deterministic."""
    a = pool_proportions([2, 0, 7, 4], [10, 6, 9, 8], method="GLMM")
    b = pool_proportions([2, 0, 7, 4], [10, 6, 9, 8], method="GLMM")
    assert (a.estimate, a.tau2, a.se_logit) == (b.estimate, b.tau2, b.se_logit)


# ===================================================================== properties


@PROPERTY_SETTINGS
@given(data=st.data(), k=st.integers(1, 8), method=st.sampled_from(["REML", "DL"]),
       test=st.sampled_from(["z", "knha"]))
def test_property_pool_proportions_bounds(data, k, method, test):
    totals = data.draw(st.lists(st.integers(1, 30), min_size=k, max_size=k))
    events = [data.draw(st.integers(0, n)) for n in totals]
    r = pool_proportions(events, totals, method=method, test=test)
    assert 0.0 <= r.i2 < 100.0 and r.tau2 >= 0.0 and r.h2 >= 1.0
    assert r.pi_lower <= r.ci_lower <= r.estimate <= r.ci_upper <= r.pi_upper
    assert abs(r.studies["weight_percent"].sum() - 100.0) < 1e-9
    assert 0.0 <= r.q_p_value <= 1.0
    if test == "knha" and k > 1:
        assert r.t_df == k - 1 and r.knha_factor >= 0


@settings(max_examples=25, deadline=None, database=None)
@given(data=st.data(), k=st.integers(2, 7))
def test_property_glmm_bounds(data, k):
    totals = data.draw(st.lists(st.integers(2, 60), min_size=k, max_size=k))
    events = [data.draw(st.integers(0, n)) for n in totals]
    if all(e in (0, n) for e, n in zip(events, totals)):
        with pytest.raises(ValueError):
            pool_proportions(events, totals, method="GLMM")
        return
    try:
        r = pool_proportions(events, totals, method="GLMM")
    except ValueError as exc:  # tau2 without finite estimate: must say so
        assert "without bound" in str(exc) or "diverges" in str(exc)
        return
    assert r.tau2 >= 0.0 and 0.0 <= r.i2 < 100.0
    assert r.pi_lower <= r.ci_lower <= r.estimate <= r.ci_upper <= r.pi_upper
    assert 0.0 <= r.q_p_value <= 1.0 and 0.0 <= r.q_lrt_p_value <= 1.0
