"""Random-effects meta-analysis of single proportions on the logit scale.

==========================  ==================================================
function                    reference (package metafor 3.8-1)
==========================  ==================================================
``pool_proportions``        ``metafor::rma(measure = "PLO", xi, ni,
                            method = "REML" | "DL")`` and
                            ``predict(res, transf = transf.ilogit)``
==========================  ==================================================

Reference values: ``tests/reference/meta.R`` → ``meta.json``, checked in
``tests/test_stats_meta.py``.
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
from statsmodels.stats.meta_analysis import combine_effects

from ._common import _as_count, _check_conf, _expit, _to_float_array, _z
from .proportions import proportion_ci

__all__ = ["PooledProportionResult", "pool_proportions"]


@dataclass(frozen=True, eq=False)
class PooledProportionResult:
    """Random-effects pooled proportion (logit scale) and per-study table.

    Attributes
    ----------
    estimate, ci_lower, ci_upper : float
        Pooled proportion and its confidence limits (back-transformed from the
        logit scale with the inverse logit).
    estimate_logit, se_logit : float
        Pooled log-odds and its standard error.
    tau2 : float
        Between-study variance (logit scale), >= 0.
    i2 : float
        I^2 in percent, metafor's definition ``100 tau2 / (tau2 + s2)`` (s2 =
        typical within-study variance); in ``[0, 100)``.
    h2 : float
        H^2 = ``(tau2 + s2) / s2``, >= 1.
    q, q_df, q_p_value : float, int, float
        Cochran's Q (fixed-effect weights), its degrees of freedom ``k - 1`` and
        chi-square p-value (1.0 for a single study, as metafor).
    pred_lower, pred_upper : float
        95% (``conf``) prediction interval for the proportion in a new study.
    method : str
        ``"REML"`` or ``"DL"``.
    k : int
        Number of studies.
    conf : float
        Confidence level.
    n_corrected : int
        Studies that received the 0.5 continuity correction.
    note : str
        Plain-language notes (single study, continuity corrections).
    studies : pandas.DataFrame
        Columns ``label, events, total, proportion, ci_lower, ci_upper,
        weight_percent, logit, var_logit``: raw proportion with exact
        Clopper-Pearson limits, random-effects weight in percent (sums to
        100), and the (continuity-corrected) log-odds and its variance used in
        the model.
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
    pred_lower: float
    pred_upper: float
    method: str
    k: int
    conf: float
    n_corrected: int
    note: str
    studies: pd.DataFrame


def _reml_tau2(y: np.ndarray, v: np.ndarray) -> float:
    """REML estimate of tau^2: the root of the restricted score, truncated at 0.

    Hand-written (statsmodels' ``combine_effects`` offers DL and Paule-Mandel
    but not REML). The restricted log-likelihood of the random-effects model
    has score ``0.5 * (sum w^2 (y - mu)^2 - (sum w - sum w^2 / sum w))`` with
    ``w = 1 / (v + tau2)``; metafor's Fisher scoring converges to the same
    root (or to 0 when the score is negative at 0).
    """

    def score(tau2: float) -> float:
        w = 1.0 / (v + tau2)
        sw = w.sum()
        mu = (w * y).sum() / sw
        return float((w**2 * (y - mu) ** 2).sum() - (sw - (w**2).sum() / sw))

    if score(0.0) <= 0:
        return 0.0
    hi = max(float(np.var(y, ddof=0)), 1e-4)
    while score(hi) > 0:
        hi *= 2.0
        if hi > 1e12:  # pragma: no cover - degenerate input
            raise ValueError("REML estimate of tau2 did not converge")
    return float(optimize.brentq(score, 0.0, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500))


def pool_proportions(
    events: Sequence[int],
    totals: Sequence[int],
    method: str = "REML",
    conf: float = 0.95,
    study_labels: Sequence[Any] | None = None,
) -> PooledProportionResult:
    """Random-effects meta-analysis of single proportions on the logit scale.

    Parameters
    ----------
    events : sequence of int
        Number of patients with the outcome in each study, ``0 <= events <=
        total``.
    totals : sequence of int
        Number of patients in each study, >= 1.
    method : {"REML", "DL"}, default "REML"
        Estimator of the between-study variance tau^2: restricted maximum
        likelihood or DerSimonian-Laird.
    conf : float, default 0.95
        Level of the confidence and prediction intervals and of the per-study
        exact intervals.
    study_labels : sequence, optional
        Labels for the ``studies`` table; default ``"1", "2", ...``.

    Returns
    -------
    PooledProportionResult

    Raises
    ------
    ValueError
        Empty input, different lengths, missing or non-integer counts,
        ``events`` outside ``[0, total]``, ``total < 1``, unknown ``method``,
        bad ``conf`` or wrong number of labels.

    Notes
    -----
    Matches R ``res <- metafor::rma(measure = "PLO", xi = events, ni = totals,
    method = method, level = 100 * conf)`` with metafor's defaults (3.8),
    and ``predict(res, transf = transf.ilogit)`` for the back-transformed
    estimate, confidence and prediction limits:

    * log-odds ``y = log(x / (n - x))``, variance ``1/x + 1/(n - x)``; 0.5 is
      added to both cells only of studies with 0 or all events
      (``to = "only0", add = 1/2``);
    * ``test = "z"``: confidence limits ``mu +/- z se`` with the normal
      quantile, and prediction limits ``mu +/- z sqrt(se^2 + tau2)`` also with
      the normal quantile (``predict.rma``'s ``pi.type = "default"`` uses
      ``qnorm`` when ``test = "z"``; it uses a t quantile only with
      ``test = "t"``);
    * I^2 and H^2 from tau2 and the typical within-study variance ``s2 = (k -
      1) sum w / ((sum w)^2 - sum w^2)``, as metafor defines them for every
      estimator (not from Q);
    * one study: tau2 = 0, Q = 0 on 0 df with p = 1, I^2 = 0, H^2 = 1, and
      the prediction interval equals the confidence interval, which is what
      metafor returns for k = 1 (``note`` says so).

    Q and the DL tau2 come from ``statsmodels.stats.meta_analysis.
    combine_effects`` (its DL value is not truncated at 0; it is truncated here
    as metafor does). REML is hand-written (see ``_reml_tau2``): the exact root
    of the REML score, found with ``scipy.optimize.brentq``. metafor stops its
    Fisher scoring when tau2 changes by less than 1e-5, so its default output
    can differ from the exact REML value by up to about 1e-5 in tau2; with
    ``control = list(threshold = 1e-12)`` metafor agrees to ~1e-9.

    Examples
    --------
    >>> r = pool_proportions([3, 5, 0], [10, 12, 6])
    >>> r.k, r.n_corrected, 0 <= r.i2 < 100
    (3, 1, True)
    """
    conf = _check_conf(conf)
    if isinstance(method, str) and method.upper() in ("REML", "DL"):
        method = method.upper()
    else:
        raise ValueError(f"method must be 'REML' or 'DL', got {method!r}")
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
    k = int(x.size)
    if study_labels is None:
        labels = [str(i + 1) for i in range(k)]
    else:
        labels = list(study_labels)
        if len(labels) != k:
            raise ValueError(f"study_labels has {len(labels)} entries for {k} studies")

    corrected = (x == 0) | (x == n)
    xc = x + 0.5 * corrected
    mc = (n - x) + 0.5 * corrected
    y = np.log(xc / mc)
    v = 1.0 / xc + 1.0 / mc
    w = 1.0 / v

    notes = []
    if k == 1:
        tau2, q, q_df, q_p = 0.0, 0.0, 0, 1.0
        i2, h2 = 0.0, 1.0
        notes.append(
            "single study: nothing is pooled; the result is that study's logit interval "
            "(tau2 = 0, I2 = 0, prediction interval = confidence interval, as metafor::rma with k = 1)"
        )
    else:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            # statsmodels also computes RE weights with its untruncated DL
            # tau2, which can be -v (1/0); only q and tau2 are used here.
            warnings.simplefilter("ignore")
            ce = combine_effects(y, v, method_re="dl")
        q = float(ce.q)
        q_df = k - 1
        q_p = float(sps.chi2.sf(q, q_df))
        if method == "DL":
            tau2 = max(0.0, float(ce.tau2))
        else:
            tau2 = _reml_tau2(y, v)
        s2 = (k - 1) * w.sum() / (w.sum() ** 2 - (w**2).sum())
        i2 = 100.0 * tau2 / (tau2 + s2)
        h2 = (tau2 + s2) / s2
    if corrected.any():
        notes.append(
            f"continuity correction 0.5 added to {int(corrected.sum())} study(ies) with 0 or all events "
            "(metafor to='only0')"
        )

    ws = 1.0 / (v + tau2)
    mu = float((ws * y).sum() / ws.sum())
    se = float(math.sqrt(1.0 / ws.sum()))
    zq = _z(conf)
    pi_half = zq * math.sqrt(se**2 + tau2)

    cis = [proportion_ci(int(a), int(b), conf=conf, method="exact") for a, b in zip(x, n)]
    studies = pd.DataFrame(
        {
            "label": pd.Series(labels, dtype=object),
            "events": x,
            "total": n,
            "proportion": x / n,
            "ci_lower": [c.ci_lower for c in cis],
            "ci_upper": [c.ci_upper for c in cis],
            "weight_percent": 100.0 * ws / ws.sum(),
            "logit": y,
            "var_logit": v,
        }
    )
    return PooledProportionResult(
        estimate=_expit(mu),
        ci_lower=_expit(mu - zq * se),
        ci_upper=_expit(mu + zq * se),
        estimate_logit=mu,
        se_logit=se,
        tau2=float(tau2),
        i2=float(i2),
        h2=float(h2),
        q=float(q),
        q_df=int(q_df),
        q_p_value=float(q_p),
        pred_lower=_expit(mu - pi_half),
        pred_upper=_expit(mu + pi_half),
        method=method,
        k=k,
        conf=conf,
        n_corrected=int(corrected.sum()),
        note="; ".join(notes),
        studies=studies,
    )
