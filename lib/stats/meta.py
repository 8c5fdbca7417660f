"""Random-effects meta-analysis of single proportions on the logit scale.

==========================  ==================================================
function                    reference (package metafor 3.8-1)
==========================  ==================================================
``pool_proportions``        ``res <- rma(measure = "PLO", xi, ni,
                            method = "REML" | "DL", test = "z" | "knha",
                            level = 100 * conf)`` and
                            ``predict(res, transf = transf.ilogit)``;
                            ``method = "GLMM"``: ``res <- rma.glmm(measure =
                            "PLO", xi, ni, level = 100 * conf)`` (defaults
                            ``method = "ML"``, ``nAGQ = 7``, ``test = "z"``;
                            lme4 1.1-31) and ``predict(res, transf =
                            transf.ilogit)``
``leave_one_out``           ``leave1out(res, transf = transf.ilogit)``
                            (REML, DL); GLMM: ``rma.glmm`` refitted without
                            each study in turn (metafor has no
                            ``leave1out`` for ``rma.glmm``)
``subgroup_difference``     ``rma(measure = "PLO", xi, ni, mods = ~
                            factor(group), method, test)``: ``QM``, ``QMdf``,
                            ``QMp``; GLMM: the same from ``rma.glmm(measure
                            = "PLO", xi, ni, mods = ~ factor(group))``
==========================  ==================================================

Reference values: ``tests/reference/meta.R`` → ``meta.json`` and
``meta_glmm.R`` → ``meta_glmm.json``, checked in ``tests/test_stats_meta.py``.

The three estimators
--------------------
``"REML"`` and ``"DL"`` are the normal-normal model on the log-odds ``y_i =
log(x_i / (n_i - x_i))`` with variance ``1 / x_i + 1 / (n_i - x_i)``, 0.5 added to
both cells of a study with 0 or all events (metafor's ``to = "only0"``).
``"GLMM"`` is the binomial-normal model: the exact binomial likelihood of each
study's count, with a normally distributed study log-odds, fitted by maximum
likelihood; no continuity correction enters the model (the corrected ``y_i``,
``v_i`` are only used for I² and the study table, as in metafor).

Tests and intervals
-------------------
``test = "z"``: Wald limits ``mu +/- z se`` and prediction limits ``mu +/- z
sqrt(se^2 + tau2)``, z the normal quantile. ``test = "knha"`` (REML and DL
only): Knapp-Hartung, ``se^2`` multiplied by ``s2w = sum w_i (y_i - mu)^2 / (k -
1)`` with ``w_i = 1 / (v_i + tau2)`` (not truncated at 1, as metafor; exactly 0
when that sum is below machine epsilon) and the t quantile with ``k - 1`` df,
for the confidence *and* the prediction interval (what ``predict.rma`` does
when the model has ``test = "knha"``). metafor's ``rma.glmm`` accepts only
``test = "z"`` or ``"t"``; ``test = "knha"`` with ``method = "GLMM"`` raises
``ValueError`` here, as it errors in metafor.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import optimize
from scipy import stats as sps

from . import _glmm
from ._common import _as_count, _check_conf, _expit, _to_float_array, _z
from .proportions import proportion_ci

__all__ = [
    "PooledProportionResult",
    "SubgroupDifferenceResult",
    "pool_proportions",
    "leave_one_out",
    "subgroup_difference",
]

METHODS = ("REML", "DL", "GLMM")
TESTS = ("z", "knha")

_LOO_COLUMNS = ("label", "estimate", "ci_lower", "ci_upper", "tau2", "i2", "q", "q_p_value")


# --------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PooledProportionResult:
    """Random-effects pooled proportion (logit scale) and per-study table.

    Attributes
    ----------
    estimate, ci_lower, ci_upper : float
        Pooled proportion and its confidence limits (back-transformed from the
        logit scale with the inverse logit): ``predict(res, transf =
        transf.ilogit)``'s ``pred``, ``ci.lb``, ``ci.ub``.
    pi_lower, pi_upper : float
        Prediction interval for the proportion in a new study
        (``pi.lb``, ``pi.ub``). ``pred_lower`` / ``pred_upper`` are read-only
        aliases kept for older callers.
    estimate_logit, se_logit : float
        Pooled log-odds and its standard error (``res$beta``, ``res$se``;
        with ``test = "knha"`` the Knapp-Hartung-scaled one).
    tau2 : float
        Between-study variance (logit scale), >= 0 (``res$tau2``).
    i2 : float
        I² in percent, metafor's definition ``100 tau2 / (tau2 + s2)`` with
        ``s2`` the typical within-study variance of the corrected log-odds
        (``res$I2``, for ``rma`` and ``rma.glmm`` alike); in ``[0, 100)``.
    h2 : float
        H² = ``(tau2 + s2) / s2``, >= 1 (``res$H2``).
    q, q_df, q_p_value : float, int, float
        Test for heterogeneity on ``k - 1`` df. REML/DL: Cochran's Q
        (``res$QE``, ``res$QEp``). GLMM: metafor's Wald-type test
        (``res$QE.Wld``, ``res$QEp.Wld``). For one study: 0, 0, 1.
    q_lrt, q_lrt_p_value : float
        GLMM only (NaN otherwise): metafor's likelihood-ratio test for
        heterogeneity (``res$QE.LRT``, ``res$QEp.LRT``), equal-effects vs
        saturated binomial model.
    method : str
        ``"REML"``, ``"DL"`` or ``"GLMM"``.
    test : str
        The test actually used: ``"z"`` or ``"knha"`` (``"knha"`` with one
        study falls back to ``"z"``, as metafor does).
    t_df : int or None
        Degrees of freedom of the t quantile (``k - 1``) with ``"knha"``;
        None with ``"z"``.
    knha_factor : float
        Knapp-Hartung variance factor ``s2w`` (``res$s2w``); 1.0 with ``"z"``.
    k : int
        Number of studies.
    conf : float
        Confidence level.
    n_corrected : int
        Studies whose log-odds received the 0.5 continuity correction in the
        model (REML/DL); 0 for GLMM, whose likelihood needs none.
    tau2_estimable : bool
        False when ``k < 3``: with two studies tau2 is not estimable in any
        useful sense (and with one it is 0 by definition).
    heterogeneity_note : str
        Plain words when heterogeneity cannot be assessed (k < 5 or tau2 =
        0); empty otherwise.
    note : str
        Other plain-language notes (single study, continuity corrections,
        Knapp-Hartung fallbacks).
    studies : pandas.DataFrame
        Columns ``label, events, total, proportion, ci_lower, ci_upper,
        weight_percent, logit, var_logit``: raw proportion with exact
        Clopper-Pearson limits, random-effects weight in percent (sums to 100;
        ``weights(res)``; NaN for GLMM, which has no inverse-variance weights
        and for which metafor's ``weights()`` is not available), and the
        (continuity-corrected) log-odds and its variance (``res$yi``,
        ``res$vi``).
    """

    estimate: float
    ci_lower: float
    ci_upper: float
    estimate_logit: float
    se_logit: float
    tau2: float
    i2: float
    h2: float
    q: float
    q_df: int
    q_p_value: float
    q_lrt: float
    q_lrt_p_value: float
    pi_lower: float
    pi_upper: float
    method: str
    test: str
    t_df: int | None
    knha_factor: float
    k: int
    conf: float
    n_corrected: int
    tau2_estimable: bool
    heterogeneity_note: str
    note: str
    studies: pd.DataFrame

    @property
    def pred_lower(self) -> float:
        """Alias of :attr:`pi_lower` (read-only; the name used before the prediction interval was renamed)."""
        return self.pi_lower

    @property
    def pred_upper(self) -> float:
        """Alias of :attr:`pi_upper` (read-only)."""
        return self.pi_upper


@dataclass(frozen=True)
class SubgroupDifferenceResult:
    """Test of subgroup differences: the omnibus test of a subgroup meta-regression.

    Attributes
    ----------
    q_between : float
        metafor's ``res$QM`` for the model ``mods = ~ factor(group)``: the Wald
        chi-square statistic ``b' V^-1 b`` of the group contrasts with
        ``test = "z"``; with ``test = "knha"`` the F statistic (that Wald
        statistic, computed with the Knapp-Hartung-scaled V, divided by
        ``df``), as metafor reports it.
    df : int
        Numerator degrees of freedom, number of groups - 1 (``res$QMdf[1]``).
    df2 : int or None
        Denominator df ``k - number of groups`` of the F test (knha); None for
        the chi-square test.
    p_value : float
        ``res$QMp``: chi-square(``df``) or F(``df``, ``df2``) upper tail.
    distribution : str
        ``"chi2"`` or ``"F"``.
    method, test : str
        As passed (``method`` upper case).
    k : int
        Number of studies.
    groups : tuple of str
        Group labels in R's factor order (sorted); the first is the reference
        level of the regression, which does not change the test.
    tau2 : float
        The residual between-study variance the model shares across groups
        (``res$tau2``). This test assumes one common tau2; it is not the
        "separate tau2 per subgroup" test of RevMan or ``meta::update(...,
        subgroup = )``.
    """

    q_between: float
    df: int
    df2: int | None
    p_value: float
    distribution: str
    method: str
    test: str
    k: int
    groups: tuple
    tau2: float


# --------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------


def _counts(events: Sequence[int], totals: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    x_raw = _to_float_array(events, "events")
    n_raw = _to_float_array(totals, "totals")
    if x_raw.size != n_raw.size:
        raise ValueError(f"events and totals must have the same length, got {x_raw.size} and {n_raw.size}")
    if np.isnan(x_raw).any() or np.isnan(n_raw).any():
        raise ValueError("events and totals must not contain missing values (drop those studies first)")
    x = np.array([_as_count(v, "events") for v in x_raw], dtype=np.int64)
    n = np.array([_as_count(v, "totals") for v in n_raw], dtype=np.int64)
    if (n < 1).any():
        raise ValueError("every total must be at least 1")
    if (x < 0).any() or (x > n).any():
        raise ValueError("every event count must be between 0 and its total")
    return x, n


def _method(method: Any) -> str:
    if isinstance(method, str) and method.upper() in METHODS:
        return method.upper()
    raise ValueError(f"method must be 'REML', 'DL' or 'GLMM', got {method!r}")


def _test(test: Any, method: str) -> str:
    if not (isinstance(test, str) and test.lower() in TESTS):
        raise ValueError(f"test must be 'z' or 'knha', got {test!r}")
    test = test.lower()
    if test == "knha" and method == "GLMM":
        raise ValueError(
            "test='knha' is not available with method='GLMM': metafor::rma.glmm accepts only "
            "test = 'z' or 't' (it stops with \"Invalid option selected for 'test' argument\")"
        )
    return test


def _labels(study_labels: Sequence[Any] | None, k: int) -> list:
    if study_labels is None:
        return [str(i + 1) for i in range(k)]
    labels = list(study_labels)
    if len(labels) != k:
        raise ValueError(f"study_labels has {len(labels)} entries for {k} studies")
    return labels


def _escalc_plo(x: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """metafor ``escalc(measure = "PLO", xi, ni)`` (``to = "only0", add = 1/2``): yi, vi, corrected."""
    corrected = (x == 0) | (x == n)
    xc = x + 0.5 * corrected
    mc = (n - x) + 0.5 * corrected
    return np.log(xc / mc), 1.0 / xc + 1.0 / mc, corrected


# --------------------------------------------------------------------------
# the normal-normal model (rma.uni)
# --------------------------------------------------------------------------


def _p_matrix(w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``P = W - W X (X' W X)^-1 X' W``, metafor's residual-maker for weights ``w``."""
    wx = w[:, None] * X
    return np.diag(w) - wx @ np.linalg.solve(X.T @ wx, wx.T)


def _reml_tau2(y: np.ndarray, v: np.ndarray, X: np.ndarray) -> float:
    """REML estimate of tau^2: the root of the restricted score, truncated at 0.

    The restricted log-likelihood of ``y ~ N(X beta, diag(v + tau2))`` has
    derivative ``0.5 * (y' P P y - tr(P))`` in tau2 (``P`` from
    :func:`_p_matrix` with ``w = 1 / (v + tau2)``); with an intercept only
    it is ``0.5 * (sum w^2 (y - mu)^2 - (sum w - sum w^2 / sum w))``.
    metafor's Fisher scoring converges to the same root, or to 0 when the
    score is negative at 0. The root is found with ``scipy.optimize.brentq``
    (statsmodels' ``combine_effects`` has no REML).
    """

    def score(tau2: float) -> float:
        P = _p_matrix(1.0 / (v + tau2), X)
        py = P @ y
        return float(py @ py - np.trace(P))

    if score(0.0) <= 0:
        return 0.0
    hi = max(float(np.var(y, ddof=0)), 1e-4)
    while score(hi) > 0:
        hi *= 2.0
        if hi > 1e12:  # pragma: no cover - degenerate input
            raise ValueError("REML estimate of tau2 did not converge")
    return float(optimize.brentq(score, 0.0, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500))


@dataclass(frozen=True)
class _UniFit:
    beta: np.ndarray
    vb: np.ndarray  # already multiplied by s2w
    tau2: float
    s2w: float
    q: float
    q_df: int
    i2: float
    h2: float
    weights: np.ndarray  # 1 / (v + tau2)


def _typical_variance(v: np.ndarray, X: np.ndarray) -> float:
    """metafor's ``vt = (k - p) / tr(P)`` with ``P`` from ``w = 1 / v`` (``i2def = "1"``)."""
    k, p = X.shape
    return (k - p) / float(np.trace(_p_matrix(1.0 / v, X)))


def _rma_uni(y: np.ndarray, v: np.ndarray, X: np.ndarray, method: str, test: str) -> _UniFit:
    """``rma.uni(yi, vi, mods = X, method, test)`` for ``method`` REML or DL."""
    k, p = X.shape
    if k > p:
        P0 = _p_matrix(1.0 / v, X)
        q = float(y @ P0 @ y)
        q_df = k - p
        if method == "DL":
            tau2 = max(0.0, (q - q_df) / float(np.trace(P0)))
        else:
            tau2 = _reml_tau2(y, v, X)
        vt = q_df / float(np.trace(P0))
        i2 = 100.0 * tau2 / (vt + tau2)
        h2 = tau2 / vt + 1.0
    else:  # one study, intercept only (metafor refuses k < p + 1 with moderators)
        tau2, q, q_df, i2, h2 = 0.0, 0.0, 0, 0.0, 1.0
    w = 1.0 / (v + tau2)
    xtwx = X.T @ (w[:, None] * X)
    vb = np.linalg.inv(xtwx)
    beta = vb @ (X.T @ (w * y))
    s2w = 1.0
    if test == "knha":
        rss = float((w * (y - X @ beta) ** 2).sum())
        s2w = 0.0 if rss <= np.finfo(float).eps else rss / (k - p)
        vb = s2w * vb
    return _UniFit(beta=beta, vb=vb, tau2=float(tau2), s2w=float(s2w), q=q, q_df=int(q_df), i2=float(i2),
                   h2=float(h2), weights=w)


# --------------------------------------------------------------------------
# pool_proportions
# --------------------------------------------------------------------------


def _heterogeneity_note(k: int, tau2: float) -> str:
    if k == 1:
        return "Heterogeneity cannot be assessed from a single study."
    if k == 2:
        head = "Heterogeneity cannot be assessed with 2 studies: tau² is not estimable in any useful sense"
    elif k < 5:
        head = f"Heterogeneity cannot be assessed reliably with {k} studies"
    elif tau2 == 0:
        return "tau² is estimated as 0: I² = 0 may reflect too few or too small studies, not agreement."
    else:
        return ""
    if tau2 == 0:
        return head + "; I² = 0 reflects too few or too small studies, not agreement."
    return head + "; tau² and I² are too imprecise to say how much the studies differ."


def pool_proportions(
    events: Sequence[int],
    totals: Sequence[int],
    method: str = "REML",
    conf: float = 0.95,
    study_labels: Sequence[Any] | None = None,
    test: str = "z",
) -> PooledProportionResult:
    """Random-effects meta-analysis of single proportions on the logit scale.

    Parameters
    ----------
    events : sequence of int
        Number of patients with the outcome in each study, ``0 <= events <=
        total``.
    totals : sequence of int
        Number of patients in each study, >= 1.
    method : {"REML", "DL", "GLMM"}, default "REML"
        ``"REML"`` / ``"DL"``: normal-normal model on the log-odds with tau^2
        by restricted maximum likelihood or DerSimonian-Laird. ``"GLMM"``:
        binomial-normal random-intercept model fitted by maximum likelihood.
    conf : float, default 0.95
        Level of the confidence and prediction intervals and of the per-study
        exact intervals.
    study_labels : sequence, optional
        Labels for the ``studies`` table; default ``"1", "2", ...``.
    test : {"z", "knha"}, default "z"
        Normal-quantile Wald intervals, or the Knapp-Hartung adjustment
        (REML and DL only).

    Returns
    -------
    PooledProportionResult

    Raises
    ------
    ValueError
        Empty input, different lengths, missing or non-integer counts,
        ``events`` outside ``[0, total]``, ``total < 1``, unknown ``method``
        or ``test``, bad ``conf`` or wrong number of labels. With ``"GLMM"``
        also: ``test = "knha"``; a single study; every study with 0 events or
        every study with all events; data for which tau^2 grows without bound
        (metafor/lme4 fail or return a non-converged fit for all of these).

    Notes
    -----
    **REML and DL** match R ``res <- metafor::rma(measure = "PLO", xi = events,
    ni = totals, method = method, test = test, level = 100 * conf)`` (metafor
    3.8-1 defaults) and ``predict(res, transf = transf.ilogit)``:

    * log-odds ``y = log(x / (n - x))``, variance ``1/x + 1/(n - x)``; 0.5 is
      added to both cells only of studies with 0 or all events
      (``to = "only0", add = 1/2``);
    * ``test = "z"``: confidence limits ``mu +/- z se`` and prediction limits
      ``mu +/- z sqrt(se^2 + tau2)``, both with the normal quantile
      (``predict.rma``'s ``pi.type = "default"``);
    * ``test = "knha"``: ``se^2`` times ``s2w = sum w (y - mu)^2 / (k - 1)``,
      ``w = 1 / (v + tau2)``, not truncated at 1 (``test = "adhoc"`` would
      truncate), 0 when the sum is below machine epsilon, so identical
      log-odds give a zero-width interval, as in metafor; the t quantile with
      ``k - 1`` df for the confidence and the prediction limits. With one
      study metafor switches to ``test = "z"`` (with a warning); so does this
      function (``test`` reports ``"z"``, ``note`` says so);
    * I^2 and H^2 from tau2 and the typical within-study variance ``s2 = (k -
      1) sum w / ((sum w)^2 - sum w^2)``, as metafor defines them for every
      estimator (not from Q);
    * one study: tau2 = 0, Q = 0 on 0 df with p = 1, I^2 = 0, H^2 = 1, and
      the prediction interval equals the confidence interval (metafor with
      k = 1).

    REML is the exact root of the REML score (``_reml_tau2``). metafor stops
    its Fisher scoring when tau2 changes by less than 1e-5, so its default
    output can differ from the exact REML value by up to about 1e-5 in tau2;
    with ``control = list(threshold = 1e-12)`` metafor agrees to ~1e-9. DL
    and Q are the closed forms (checked against statsmodels'
    ``combine_effects`` in the tests).

    **GLMM** matches ``res <- metafor::rma.glmm(measure = "PLO", xi = events,
    ni = totals, level = 100 * conf)`` with its defaults ``method = "ML"``,
    ``nAGQ = 7``, ``test = "z"`` (lme4 1.1-31 ``glmer``), and
    ``predict(res, transf = transf.ilogit)``:

    * the model ``x_i ~ Binomial(n_i, plogis(mu + u_i))``, ``u_i ~ N(0,
      tau2)``, on the exact binomial likelihood (no continuity correction:
      studies with 0 or all events enter as they are); the likelihood is
      lme4's 7-point adaptive Gauss-Hermite approximation, maximised over
      ``(mu, tau)`` to a step below 1e-10 (see ``lib/stats/_glmm.py``);
    * ``se_logit`` from ``vcov(glmer fit)``: twice the inverse of lme4's
      finite-difference Hessian of the deviance in ``(tau, mu)``; Wald
      limits ``mu +/- z se``, prediction limits ``mu +/- z sqrt(se^2 +
      tau2)``;
    * ``q`` is metafor's Wald-type heterogeneity test (``QE.Wld``: the study
      effects of the saturated logistic regression) and ``q_lrt`` its
      likelihood-ratio test (``QE.LRT``); both on ``k - 1`` df. They can
      disagree; for studies with 0 or all events the Wald statistic depends
      on where R's ``glm`` stops iterating, which is reproduced;
    * I^2 and H^2 as for REML/DL, from the ML tau2 and the typical variance
      of the 0.5-corrected log-odds (``rma.glmm``'s ``vt``);
    * tau below lme4's ``boundary.tol`` (1e-5) is reported as exactly 0.

    Known differences from R for GLMM (see ``tests/reference/README.md``):
    when every study has the same observed proportion, ``glmer`` stops with
    "Response is constant" and ``rma.glmm`` with "Cannot fit ML model"; here
    the maximum-likelihood fit (tau2 = 0, the equal-effects model) is
    returned; when every study has 0 or all events lme4 returns a
    non-converged fit and this function raises. On the reference data the
    proportions agree with a tightly converged lme4 fit to 1e-7 typically
    (7e-5 at most) and with metafor's default fit to 4e-4; the differences
    are lme4's early stopping (the deviance at our estimate is never above
    the deviance at lme4's).

    The 7-node quadrature is metafor's choice, not the exact likelihood: with
    small studies and a large tau2 (several units on the logit scale) more
    nodes move tau2 by percents or more, so such a tau2 should not be read
    literally.

    Examples
    --------
    >>> r = pool_proportions([3, 5, 0], [10, 12, 6])
    >>> r.k, r.n_corrected, 0 <= r.i2 < 100
    (3, 1, True)
    >>> pool_proportions([3, 5, 0], [10, 12, 6], method="GLMM").n_corrected
    0
    """
    conf = _check_conf(conf)
    method = _method(method)
    test = _test(test, method)
    x, n = _counts(events, totals)
    k = int(x.size)
    labels = _labels(study_labels, k)
    y, v, corrected = _escalc_plo(x, n)
    X = np.ones((k, 1))
    notes: list[str] = []
    q_lrt = q_lrt_p = float("nan")

    if method == "GLMM":
        if k == 1:
            raise ValueError(
                "method='GLMM' needs at least 2 studies (metafor::rma.glmm stops: more parameters "
                "than observations)"
            )
        if (x == 0).all() or (x == n).all():
            raise ValueError(
                "method='GLMM' cannot pool studies that all have 0 events (or all have every patient "
                "with the event): the pooled log-odds has no finite estimate (metafor::rma.glmm stops)"
            )
        if ((x == 0) | (x == n)).all():
            raise ValueError(
                "method='GLMM' cannot pool studies that each have 0 or all events: the between-study "
                "variance has no finite maximum-likelihood estimate (lme4 returns a non-converged fit)"
            )
        try:
            fit = _glmm.fit(X, x, n)
        except _glmm.GlmmNotEstimable as exc:
            raise ValueError(f"method='GLMM': {exc}") from None
        mu = float(fit.beta[0])
        se = float(math.sqrt(fit.vb[0, 0]))
        tau2 = fit.tau2
        vt = _typical_variance(v, X)
        i2 = 100.0 * tau2 / (vt + tau2)
        h2 = tau2 / vt + 1.0
        q, q_lrt, q_df = _glmm.heterogeneity_tests(X, x, n)
        q_p = float(sps.chi2.sf(q, q_df))
        q_lrt_p = float(sps.chi2.sf(q_lrt, q_df))
        s2w = 1.0
        weight_percent = np.full(k, np.nan)
        n_corrected = 0
        if fit.vcov_source == "RX":
            notes.append(
                "standard error from lme4's fallback (penalised least squares), as the finite-difference "
                "Hessian was not positive definite (lme4 warns and does the same)"
            )
        if np.unique(x / n).size == 1:
            notes.append(
                "every study has the same proportion: tau2 = 0 and the result is the equal-effects "
                "binomial model (metafor::rma.glmm stops here: glmer 'Response is constant')"
            )
    else:
        if test == "knha" and k == 1:
            test = "z"
            notes.append("Knapp-Hartung needs at least 2 studies: test 'z' used for a single study (as metafor)")
        uni = _rma_uni(y, v, X, method, test)
        mu = float(uni.beta[0])
        se = float(math.sqrt(uni.vb[0, 0]))
        tau2, i2, h2, q, q_df, s2w = uni.tau2, uni.i2, uni.h2, uni.q, uni.q_df, uni.s2w
        q_p = float(sps.chi2.sf(q, q_df)) if q_df > 0 else 1.0
        weight_percent = 100.0 * uni.weights / uni.weights.sum()
        n_corrected = int(corrected.sum())
        if n_corrected:
            notes.append(
                f"continuity correction 0.5 added to {n_corrected} study(ies) with 0 or all events "
                "(metafor to='only0')"
            )
        if test == "knha" and s2w == 0.0:
            notes.append(
                "Knapp-Hartung factor is 0 (the studies' log-odds do not vary around the pooled value): "
                "the confidence interval has zero width, as in metafor"
            )
    if k == 1:
        notes.insert(
            0,
            "single study: nothing is pooled; the result is that study's logit interval "
            "(tau2 = 0, I2 = 0, prediction interval = confidence interval, as metafor::rma with k = 1)",
        )

    if test == "knha":
        t_df: int | None = k - 1
        crit = float(sps.t.ppf(1.0 - (1.0 - conf) / 2.0, t_df))
    else:
        t_df = None
        crit = _z(conf)
    pi_half = crit * math.sqrt(se**2 + tau2)

    cis = [proportion_ci(int(a), int(b), conf=conf, method="exact") for a, b in zip(x, n)]
    studies = pd.DataFrame(
        {
            "label": pd.Series(labels, dtype=object),
            "events": x,
            "total": n,
            "proportion": x / n,
            "ci_lower": [c.ci_lower for c in cis],
            "ci_upper": [c.ci_upper for c in cis],
            "weight_percent": weight_percent,
            "logit": y,
            "var_logit": v,
        }
    )
    return PooledProportionResult(
        estimate=_expit(mu),
        ci_lower=_expit(mu - crit * se),
        ci_upper=_expit(mu + crit * se),
        estimate_logit=mu,
        se_logit=se,
        tau2=float(tau2),
        i2=float(i2),
        h2=float(h2),
        q=float(q),
        q_df=int(q_df),
        q_p_value=float(q_p),
        q_lrt=float(q_lrt),
        q_lrt_p_value=float(q_lrt_p),
        pi_lower=_expit(mu - pi_half),
        pi_upper=_expit(mu + pi_half),
        method=method,
        test=test,
        t_df=t_df,
        knha_factor=float(s2w),
        k=k,
        conf=conf,
        n_corrected=n_corrected,
        tau2_estimable=k >= 3,
        heterogeneity_note=_heterogeneity_note(k, float(tau2)),
        note="; ".join(notes),
        studies=studies,
    )


# --------------------------------------------------------------------------
# leave-one-out
# --------------------------------------------------------------------------


def leave_one_out(
    events: Sequence[int],
    totals: Sequence[int],
    method: str = "REML",
    test: str = "z",
    conf: float = 0.95,
    study_labels: Sequence[Any] | None = None,
) -> pd.DataFrame:
    """Pooled proportion with each study left out in turn.

    Parameters
    ----------
    events, totals : sequence of int
        As for :func:`pool_proportions`.
    method : {"REML", "DL", "GLMM"}, default "REML"
    test : {"z", "knha"}, default "z"
        ``"knha"`` only with REML and DL.
    conf : float, default 0.95
    study_labels : sequence, optional
        Labels; default ``"1", "2", ...``.

    Returns
    -------
    pandas.DataFrame
        One row per study, in input order, columns ``label, estimate,
        ci_lower, ci_upper, tau2, i2, q, q_p_value``: ``label`` names the
        study left out, the rest describe the pool of the other ``k - 1``
        studies (proportions back-transformed; ``i2`` in percent; ``q`` as in
        :class:`PooledProportionResult`). A row is NaN where that pool cannot
        be fitted (GLMM with one study left, or with no finite estimate).

    Raises
    ------
    ValueError
        Fewer than 2 studies (metafor: "Stopped because k = 1"), or the
        input errors of :func:`pool_proportions`.

    Notes
    -----
    REML/DL match R ``leave1out(res, transf = transf.ilogit)`` for ``res <-
    rma(measure = "PLO", xi, ni, method, test, level = 100 * conf)``: each
    refit uses the same per-study log-odds and variances (the continuity
    correction is per study, so it does not change when another study is
    left out); with ``test = "knha"`` a refit of one study uses ``"z"``, as
    metafor does. metafor has no ``leave1out`` for ``rma.glmm``; GLMM rows
    match ``rma.glmm(measure = "PLO", xi[-i], ni[-i])`` fitted for each
    ``i``, NA where that fit fails.
    """
    method = _method(method)
    test = _test(test, method)
    conf = _check_conf(conf)
    x, n = _counts(events, totals)
    k = int(x.size)
    labels = _labels(study_labels, k)
    if k < 2:
        raise ValueError("leave_one_out needs at least 2 studies (metafor::leave1out: 'Stopped because k = 1')")
    rows = []
    for i in range(k):
        keep = np.arange(k) != i
        try:
            r = pool_proportions(x[keep], n[keep], method=method, conf=conf, test=test)
        except ValueError:
            if method != "GLMM":
                raise
            rows.append([labels[i]] + [np.nan] * (len(_LOO_COLUMNS) - 1))
            continue
        rows.append([labels[i], r.estimate, r.ci_lower, r.ci_upper, r.tau2, r.i2, r.q, r.q_p_value])
    out = pd.DataFrame(rows, columns=list(_LOO_COLUMNS))
    out["label"] = pd.Series(labels, dtype=object)
    return out


# --------------------------------------------------------------------------
# subgroup differences
# --------------------------------------------------------------------------


def subgroup_difference(
    events: Sequence[int],
    totals: Sequence[int],
    groups: Sequence[Any],
    method: str = "REML",
    test: str = "z",
) -> SubgroupDifferenceResult:
    """Test whether pooled proportions differ between subgroups.

    Parameters
    ----------
    events, totals : sequence of int
        As for :func:`pool_proportions`.
    groups : sequence
        Subgroup of each study (no missing values; at least 2 distinct).
    method : {"REML", "DL", "GLMM"}, default "REML"
    test : {"z", "knha"}, default "z"
        ``"knha"`` only with REML and DL.

    Returns
    -------
    SubgroupDifferenceResult

    Raises
    ------
    ValueError
        Fewer than 2 groups, no more studies than groups (metafor: "Number of
        parameters to be estimated is larger than the number of
        observations"), missing group labels, ``"knha"`` with GLMM, a GLMM
        group whose studies all have 0 (or all) events (no finite estimate;
        metafor returns a diverged coefficient with QM = 0), or the input
        errors of :func:`pool_proportions`.

    Notes
    -----
    This is the omnibus test of the meta-regression on the group factor,
    with one tau2 shared by all groups (a mixed-effects model), as metafor
    gives it:

    * REML/DL, ``test = "z"``: ``res <- rma(measure = "PLO", xi, ni, mods =
      ~ factor(group), method)``; ``q_between = res$QM``, the Wald
      chi-square on ``groups - 1`` df, ``p_value = res$QMp``.
    * REML/DL, ``test = "knha"``: the same with ``test = "knha"``;
      ``q_between`` is metafor's F statistic ``QM / m`` computed with the
      Knapp-Hartung-scaled covariance, on ``(m, k - m - 1)`` df.
    * GLMM: ``rma.glmm(measure = "PLO", xi, ni, mods = ~ factor(group))``;
      the Wald chi-square ``QM`` with the glmer covariance.

    It is not the test of RevMan or ``meta``'s ``subgroup`` argument, which
    pool each subgroup with its own tau2 and compare the subgroup estimates
    with a fixed-effect Q.
    """
    method = _method(method)
    test = _test(test, method)
    x, n = _counts(events, totals)
    k = int(x.size)
    g_raw = list(groups) if not isinstance(groups, pd.Series) else groups.to_list()
    if len(g_raw) != k:
        raise ValueError(f"groups has {len(g_raw)} entries for {k} studies")
    if any(g is None or (isinstance(g, float) and math.isnan(g)) or g is pd.NA for g in g_raw):
        raise ValueError("groups must not contain missing values")
    g = [str(v) for v in g_raw]
    levels = tuple(sorted(set(g)))
    m = len(levels) - 1
    if m < 1:
        raise ValueError("subgroup_difference needs at least 2 groups")
    p = m + 1
    if k <= p:
        raise ValueError(
            f"subgroup_difference needs more studies ({k}) than groups ({p}) "
            "(metafor: more parameters to estimate than observations)"
        )
    X = np.column_stack([np.ones(k)] + [np.array([gi == lev for gi in g], dtype=float) for lev in levels[1:]])
    if method == "GLMM":
        member = np.array(g, dtype=object)
        for lev in levels:
            xs, ns = x[member == lev], n[member == lev]
            if (xs == 0).all() or (xs == ns).all():
                raise ValueError(
                    f"method='GLMM': every study in group {lev!r} has 0 events (or all events): that group's "
                    "log-odds has no finite estimate (metafor returns a diverged coefficient and QM near 0)"
                )
        if ((x == 0) | (x == n)).all():
            raise ValueError("method='GLMM': every study has 0 or all events: no finite maximum-likelihood estimate")
        try:
            fit = _glmm.fit(X, x, n)
        except _glmm.GlmmNotEstimable as exc:
            raise ValueError(f"method='GLMM': {exc}") from None
        beta, vb, tau2 = fit.beta, fit.vb, fit.tau2
    else:
        y, v, _ = _escalc_plo(x, n)
        uni = _rma_uni(y, v, X, method, test)
        beta, vb, tau2 = uni.beta, uni.vb, uni.tau2
    b = beta[1:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            qm = float(b @ np.linalg.solve(vb[1:, 1:], b))
        except np.linalg.LinAlgError:
            qm = float("nan")  # metafor: QM = NA when V cannot be inverted
    if test == "knha":
        f_value = qm / m
        df2: int | None = k - p
        return SubgroupDifferenceResult(
            q_between=f_value, df=m, df2=df2, p_value=float(sps.f.sf(f_value, m, df2)), distribution="F",
            method=method, test=test, k=k, groups=levels, tau2=float(tau2))
    return SubgroupDifferenceResult(
        q_between=qm, df=m, df2=None, p_value=float(sps.chi2.sf(qm, m)), distribution="chi2",
        method=method, test=test, k=k, groups=levels, tau2=float(tau2))
