"""Statistics for the evidence dashboard.

Every function here is pure: it never mutates its inputs, holds no state and
uses no random numbers. Results are frozen dataclasses (or DataFrames) with
stable snake_case names, so the pages can render them without knowing how they
were computed.

Each function reproduces one named R reference call, and its docstring says
which one. The reference outputs live in ``tests/reference/`` (R scripts plus
the JSON they wrote); ``tests/test_stats.py`` checks every function against
them without needing R.

==========================  ==================================================
function                    reference
==========================  ==================================================
``proportion_ci``           ``binom.test(k, n)$conf.int`` (exact);
                            ``prop.test(k, n, correct = FALSE)$conf.int``
                            (wilson)
``paired_change``           ``wilcox.test(after, before, paired = TRUE)``
``two_sample``              ``wilcox.test(a, b)``
``kaplan_meier``            ``survfit(Surv(time, event) ~ 1,
                            conf.type = "log-log")`` and ``print(fit)``
``logrank``                 ``survdiff(Surv(time, event) ~ group)``
``cumulative_incidence``    ``survfit(Surv(time, factor(status)) ~ 1)``
                            (multi-state Aalen-Johansen)
``pool_proportions``        ``metafor::rma(measure = "PLO", xi, ni,
                            method = "REML" | "DL")`` and
                            ``predict(res, transf = transf.ilogit)``
==========================  ==================================================

Missing values
--------------
Rows with a missing value (``NaN``/``None``/``pd.NA``) in any of the inputs a
function needs are dropped, as R's default ``na.omit`` does, and the number
dropped is reported (``n_dropped``). If nothing is left, or an input is empty,
a ``ValueError`` is raised. Infinite values are always a ``ValueError``.
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
from statsmodels.stats.proportion import proportion_confint

__all__ = [
    "ProportionCI",
    "PairedChangeResult",
    "TwoSampleResult",
    "KaplanMeierResult",
    "LogrankResult",
    "PooledProportionResult",
    "proportion_ci",
    "paired_change",
    "two_sample",
    "kaplan_meier",
    "logrank",
    "cumulative_incidence",
    "pool_proportions",
]

# R's ``sqrt(.Machine$double.eps)``: the tolerance survival's print.survfit
# uses when it looks for the time at which a curve reaches 0.5.
_SURVIVAL_MEDIAN_TOL = math.sqrt(np.finfo(float).eps)


# --------------------------------------------------------------------------
# input helpers
# --------------------------------------------------------------------------


def _to_float_array(x: Any, name: str) -> np.ndarray:
    """Return a new 1-D float64 array (missing -> NaN); never a view of ``x``."""
    if x is None:
        raise ValueError(f"{name} is required")
    if isinstance(x, (str, bytes)):
        raise ValueError(f"{name} must be a sequence of numbers, not a string")
    try:
        if isinstance(x, (pd.Series, pd.Index)):
            arr = x.to_numpy(dtype=float, na_value=np.nan, copy=True)
        else:
            obj = np.asarray(x, dtype=object)
            if obj.ndim != 1:
                raise ValueError(f"{name} must be one-dimensional, got shape {obj.shape}")
            arr = np.array([np.nan if (v is None or v is pd.NA) else v for v in obj], dtype=float)
    except (TypeError, ValueError) as exc:
        if "one-dimensional" in str(exc):
            raise
        raise ValueError(f"{name} must contain only numbers or missing values: {exc}") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    if np.isinf(arr).any():
        raise ValueError(f"{name} contains infinite values")
    return arr


def _check_conf(conf: float) -> float:
    try:
        conf = float(conf)
    except (TypeError, ValueError):
        raise ValueError(f"conf must be a number strictly between 0 and 1, got {conf!r}") from None
    if not (0.0 < conf < 1.0):
        raise ValueError(f"conf must be strictly between 0 and 1, got {conf!r}")
    return conf


def _z(conf: float) -> float:
    """Two-sided normal quantile, R's ``qnorm(1 - (1 - conf) / 2)``."""
    return float(sps.norm.ppf(1.0 - (1.0 - conf) / 2.0))


def _as_count(v: Any, name: str) -> int:
    if isinstance(v, (bool, np.bool_)):
        raise ValueError(f"{name} must be an integer count, got a boolean")
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an integer count, got {v!r}") from None
    if not math.isfinite(f) or f != math.floor(f):
        raise ValueError(f"{name} must be a finite integer count, got {v!r}")
    return int(f)


def _event_indicator(event: np.ndarray, name: str = "event") -> np.ndarray:
    if not np.isin(event, (0.0, 1.0)).all():
        bad = np.unique(event[~np.isin(event, (0.0, 1.0))])[:5]
        raise ValueError(f"{name} must be 0 (censored) or 1 (event); found {bad.tolist()}")
    return event.astype(np.int64)


def _check_times(time: np.ndarray) -> None:
    if (time < 0).any():
        raise ValueError("time must be non-negative (days since the reference date)")


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr = np.array(arr, copy=True)
    arr.setflags(write=False)
    return arr


# --------------------------------------------------------------------------
# proportions
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ProportionCI:
    """A proportion ``k / n`` with its confidence interval.

    Attributes
    ----------
    estimate : float
        ``k / n``.
    ci_lower, ci_upper : float
        Confidence limits, within ``[0, 1]``.
    k, n : int
        Numerator and denominator.
    conf : float
        Confidence level.
    method : str
        ``"exact"`` (Clopper-Pearson) or ``"wilson"``.
    """

    estimate: float
    ci_lower: float
    ci_upper: float
    k: int
    n: int
    conf: float
    method: str


def proportion_ci(k: int, n: int, conf: float = 0.95, method: str = "exact") -> ProportionCI:
    """Confidence interval for a single proportion ``k / n``.

    Parameters
    ----------
    k : int
        Number of successes, ``0 <= k <= n``.
    n : int
        Number of trials, ``n >= 1``.
    conf : float, default 0.95
        Confidence level, strictly between 0 and 1.
    method : {"exact", "wilson"}, default "exact"
        ``"exact"`` is the Clopper-Pearson interval; ``"wilson"`` the Wilson
        score interval without continuity correction.

    Returns
    -------
    ProportionCI

    Raises
    ------
    ValueError
        If ``k`` or ``n`` is not an integer, ``n < 1``, ``k`` is outside
        ``[0, n]``, ``conf`` is outside ``(0, 1)`` or ``method`` is unknown.

    Notes
    -----
    Computed with ``statsmodels.stats.proportion.proportion_confint``
    (``method="beta"`` for exact, ``method="wilson"``). The limits are then set
    exactly as R reports them: lower limit 0 when ``k == 0`` and upper limit 1
    when ``k == n`` (both methods), and clipped to ``[0, 1]``.

    Reference convention:

    * ``"exact"`` matches R ``binom.test(k, n, conf.level = conf)$conf.int``.
    * ``"wilson"`` matches R ``prop.test(k, n, conf.level = conf,
      correct = FALSE)$conf.int``.

    Examples
    --------
    >>> r = proportion_ci(3, 10)
    >>> round(r.ci_lower, 4), round(r.ci_upper, 4)
    (0.0667, 0.6525)
    """
    k = _as_count(k, "k")
    n = _as_count(n, "n")
    conf = _check_conf(conf)
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if not (0 <= k <= n):
        raise ValueError(f"k must be between 0 and n={n}, got {k}")
    if method not in ("exact", "wilson"):
        raise ValueError(f"method must be 'exact' or 'wilson', got {method!r}")
    sm_method = "beta" if method == "exact" else "wilson"
    lo, hi = proportion_confint(k, n, alpha=1.0 - conf, method=sm_method)
    lo, hi = float(lo), float(hi)
    if k == 0:
        lo = 0.0
    if k == n:
        hi = 1.0
    lo, hi = min(max(lo, 0.0), 1.0), min(max(hi, 0.0), 1.0)
    return ProportionCI(estimate=k / n, ci_lower=lo, ci_upper=hi, k=k, n=n, conf=conf, method=method)


# --------------------------------------------------------------------------
# Wilcoxon tests
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PairedChangeResult:
    """Within-patient change ``after - before`` and its Wilcoxon signed-rank test.

    Attributes
    ----------
    n_pairs : int
        Pairs with both values present (used for everything below).
    n_dropped : int
        Pairs dropped because one or both values were missing.
    n_zero : int
        Pairs with ``after == before``; they are left out of the test (R's
        default), but kept in ``mean_change`` and ``median_change``.
    mean_change, median_change : float
        Mean and median of ``after - before`` over the complete pairs.
    statistic : float
        R's ``V``: the sum of the ranks of ``|after - before|`` over the pairs
        where ``after > before`` (zero differences dropped, ties given average
        ranks).
    p_value : float
        Two-sided p-value; ``NaN`` when every difference is zero (as in R).
    exact : bool
        Whether the exact signed-rank distribution was used.
    method : str
        Plain-language description, R's method name first.
    """

    n_pairs: int
    n_dropped: int
    n_zero: int
    mean_change: float
    median_change: float
    statistic: float
    p_value: float
    exact: bool
    method: str


def paired_change(before: Sequence[float], after: Sequence[float]) -> PairedChangeResult:
    """Paired change ``after - before`` with a two-sided Wilcoxon signed-rank test.

    Parameters
    ----------
    before, after : sequence of float
        Paired values of the same length (e.g. a lab value before and after
        treatment, one entry per patient). Missing values are allowed: a pair
        with either side missing is dropped and counted in ``n_dropped``.

    Returns
    -------
    PairedChangeResult

    Raises
    ------
    ValueError
        If the inputs are empty, of different lengths, contain infinite or
        non-numeric values, or no complete pair remains.

    Notes
    -----
    Matches R ``wilcox.test(after, before, paired = TRUE)`` with R's defaults
    ``exact = NULL, correct = TRUE`` (R 4.2), i.e.:

    * Differences ``after - before`` equal to zero are dropped before ranking
      (Wilcoxon's method; scipy ``zero_method="wilcox"``).
    * Tied absolute differences get average ranks.
    * With fewer than 50 non-zero differences, no ties and no zeros, the p-value
      comes from the exact signed-rank distribution (scipy
      ``method="exact"``).
    * Otherwise the normal approximation is used, with the tie-corrected
      variance and a continuity correction of 0.5 (scipy
      ``method="asymptotic", correction=True``). R switches to this whenever
      any tie or zero is present, even for small n; scipy's own ``"auto"`` rule
      differs at n = 50 and for ties, so the choice is made here explicitly.
    * If every difference is zero, ``statistic`` is 0 and ``p_value`` is NaN,
      as R returns.

    The p-value is computed by ``scipy.stats.wilcoxon``; ``statistic`` is R's
    ``V`` (scipy reports ``min(V, n(n+1)/2 - V)`` for the two-sided test, so V is
    computed here by hand from the ranks).

    Examples
    --------
    >>> r = paired_change([10, 12, 15, 9], [7, 8, 11, 9])
    >>> r.n_pairs, r.n_zero, r.median_change
    (4, 1, -3.5)
    """
    b = _to_float_array(before, "before")
    a = _to_float_array(after, "after")
    if a.size != b.size:
        raise ValueError(f"before and after must have the same length, got {b.size} and {a.size}")
    ok = ~(np.isnan(a) | np.isnan(b))
    n_dropped = int((~ok).sum())
    if not ok.any():
        raise ValueError("no complete (before, after) pair: every pair has a missing value")
    d = a[ok] - b[ok]
    nz = d[d != 0]
    n_zero = int(d.size - nz.size)
    n = nz.size
    base = "Wilcoxon signed rank"
    zero_note = (
        f"; {n_zero} zero difference(s) dropped before ranking" if n_zero else "; no zero differences"
    )
    if n == 0:
        return PairedChangeResult(
            n_pairs=int(d.size),
            n_dropped=n_dropped,
            n_zero=n_zero,
            mean_change=float(np.mean(d)),
            median_change=float(np.median(d)),
            statistic=0.0,
            p_value=float("nan"),
            exact=False,
            method=f"{base} test with continuity correction (all differences are zero: no test possible, p = NaN as in R)",
        )
    ranks = sps.rankdata(np.abs(nz))
    v = float(ranks[nz > 0].sum())
    ties = np.unique(ranks).size != n
    exact = (n < 50) and not ties and n_zero == 0
    if exact:
        p = float(sps.wilcoxon(nz, zero_method="wilcox", method="exact").pvalue)
        method = f"{base} exact test (no ties, no zeros, n < 50)"
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p = float(
                sps.wilcoxon(nz, zero_method="wilcox", correction=True, method="asymptotic").pvalue
            )
        why = []
        if n >= 50:
            why.append("n >= 50")
        if ties:
            why.append("ties given average ranks, tie-corrected variance")
        if n_zero:
            why.append("zeros present")
        method = f"{base} test with continuity correction (normal approximation: {', '.join(why)})"
    return PairedChangeResult(
        n_pairs=int(d.size),
        n_dropped=n_dropped,
        n_zero=n_zero,
        mean_change=float(np.mean(d)),
        median_change=float(np.median(d)),
        statistic=v,
        p_value=min(p, 1.0),
        exact=exact,
        method=method + zero_note,
    )


@dataclass(frozen=True)
class TwoSampleResult:
    """Two independent samples compared with the Wilcoxon rank-sum test.

    Attributes
    ----------
    n_a, n_b : int
        Non-missing observations in each sample.
    n_dropped_a, n_dropped_b : int
        Missing values dropped from each sample.
    median_a, median_b : float
        Sample medians.
    statistic : float
        R's ``W`` = Mann-Whitney ``U`` of sample ``a``: the rank sum of ``a`` in
        the pooled sample minus ``n_a (n_a + 1) / 2``.
    p_value : float
        Two-sided p-value; NaN when every value is tied (as in R).
    exact : bool
        Whether the exact distribution was used.
    method : str
        Plain-language description, R's method name first.
    """

    n_a: int
    n_b: int
    n_dropped_a: int
    n_dropped_b: int
    median_a: float
    median_b: float
    statistic: float
    p_value: float
    exact: bool
    method: str


def two_sample(a: Sequence[float], b: Sequence[float]) -> TwoSampleResult:
    """Wilcoxon rank-sum (Mann-Whitney) test of two independent samples.

    Parameters
    ----------
    a, b : sequence of float
        The two samples. Missing values are dropped (counted in
        ``n_dropped_a`` / ``n_dropped_b``).

    Returns
    -------
    TwoSampleResult

    Raises
    ------
    ValueError
        If a sample is empty, only missing, or has infinite/non-numeric values.

    Notes
    -----
    Matches R ``wilcox.test(a, b)`` with R's defaults ``exact = NULL,
    correct = TRUE``:

    * exact p-value (scipy ``mannwhitneyu(method="exact")``) when both samples
      have fewer than 50 observations and there are no ties in the pooled
      sample;
    * otherwise the normal approximation with tie-corrected variance and a 0.5
      continuity correction (scipy ``method="asymptotic",
      use_continuity=True``). The choice is made here explicitly because
      scipy's ``"auto"`` rule differs from R's.
    * If all pooled values are tied the variance is zero; R returns p = NaN and
      so does this function.

    Examples
    --------
    >>> r = two_sample([3, 7, 12], [1, 2, 4, 5])
    >>> r.statistic, round(r.p_value, 4)
    (10.0, 0.2286)
    """
    xa = _to_float_array(a, "a")
    xb = _to_float_array(b, "b")
    na_a, na_b = int(np.isnan(xa).sum()), int(np.isnan(xb).sum())
    xa, xb = xa[~np.isnan(xa)], xb[~np.isnan(xb)]
    if xa.size == 0:
        raise ValueError("a has no non-missing values")
    if xb.size == 0:
        raise ValueError("b has no non-missing values")
    n_a, n_b = xa.size, xb.size
    pooled = np.concatenate([xa, xb])
    ranks = sps.rankdata(pooled)
    w = float(ranks[:n_a].sum() - n_a * (n_a + 1) / 2.0)
    ties = np.unique(pooled).size != pooled.size
    exact = n_a < 50 and n_b < 50 and not ties
    base = "Wilcoxon rank sum"
    if exact:
        p = float(sps.mannwhitneyu(xa, xb, alternative="two-sided", method="exact").pvalue)
        method = f"{base} exact test (no ties, both n < 50)"
    else:
        _, counts = np.unique(pooled, return_counts=True)
        n = pooled.size
        sigma2 = n_a * n_b / 12.0 * ((n + 1) - (counts**3 - counts).sum() / (n * (n - 1))) if n > 1 else 0.0
        if sigma2 <= 0:
            p = float("nan")
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                p = float(
                    sps.mannwhitneyu(
                        xa, xb, use_continuity=True, alternative="two-sided", method="asymptotic"
                    ).pvalue
                )
        why = []
        if n_a >= 50 or n_b >= 50:
            why.append("a sample has n >= 50")
        if ties:
            why.append("ties given average ranks, tie-corrected variance")
        method = f"{base} test with continuity correction (normal approximation: {', '.join(why)})"
        if sigma2 <= 0:
            method += "; all values tied, p = NaN as in R"
    return TwoSampleResult(
        n_a=int(n_a),
        n_b=int(n_b),
        n_dropped_a=na_a,
        n_dropped_b=na_b,
        median_a=float(np.median(xa)),
        median_b=float(np.median(xb)),
        statistic=w,
        p_value=min(p, 1.0) if not math.isnan(p) else p,
        exact=exact,
        method=method,
    )


# --------------------------------------------------------------------------
# survival
# --------------------------------------------------------------------------


def _survival_inputs(time: Any, event: Any, name_event: str = "event") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t = _to_float_array(time, "time")
    e = _to_float_array(event, name_event)
    if t.size != e.size:
        raise ValueError(f"time and {name_event} must have the same length, got {t.size} and {e.size}")
    ok = ~(np.isnan(t) | np.isnan(e))
    if not ok.any():
        raise ValueError(f"no observation with both time and {name_event} present")
    return t, e, ok


def _first_below_half(curve: np.ndarray, time: np.ndarray) -> float:
    """survival's ``survmean()`` ``minmin``: where a curve first reaches 0.5.

    The first time at which ``curve <= 0.5`` (within ``sqrt(eps)``), ignoring
    NaN. If the curve sits exactly at 0.5 there and drops later, the midpoint
    between that time and the time of the next drop is returned, as R does.
    NaN if the curve never reaches 0.5.
    """
    keep = ~np.isnan(curve) & (curve < 0.5 + _SURVIVAL_MEDIAN_TOL)
    if not keep.any():
        return float("nan")
    x, y = time[keep], curve[keep]
    if abs(y[0] - 0.5) < _SURVIVAL_MEDIAN_TOL and (y < y[0]).any():
        return float((x[0] + x[np.argmax(y < y[0])]) / 2.0)
    return float(x[0])


@dataclass(frozen=True, eq=False)
class KaplanMeierResult:
    """Kaplan-Meier estimate of the survival function.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per distinct time (event or censoring), columns ``time,
        n_at_risk, n_events, n_censored, survival, ci_lower, ci_upper``.
        The limits are NaN where survival is 1 or 0 (as R reports NA there).
    median : float
        Median survival time; NaN if survival never reaches 0.5.
    median_ci_lower, median_ci_upper : float
        Confidence limits of the median; NaN where not reached.
    n : int
        Observations used.
    n_events : int
        Events among them.
    n_dropped : int
        Observations dropped for a missing time or event.
    conf : float
        Confidence level.
    conf_type : str
        Always ``"log-log"``.
    """

    table: pd.DataFrame
    median: float
    median_ci_lower: float
    median_ci_upper: float
    n: int
    n_events: int
    n_dropped: int
    conf: float
    conf_type: str = "log-log"


def kaplan_meier(time: Sequence[float], event: Sequence[int], conf: float = 0.95) -> KaplanMeierResult:
    """Kaplan-Meier survival curve with Greenwood log-log confidence limits.

    Parameters
    ----------
    time : sequence of float
        Follow-up time, non-negative (e.g. days from the first dose).
    event : sequence of {0, 1} or bool
        1 = event observed, 0 = censored at ``time``.
    conf : float, default 0.95
        Confidence level of the pointwise limits and of the median's limits.

    Returns
    -------
    KaplanMeierResult

    Raises
    ------
    ValueError
        Empty or only-missing input, different lengths, negative or infinite
        times, event codes other than 0/1, or ``conf`` outside ``(0, 1)``.

    Notes
    -----
    Matches R ``fit <- survfit(Surv(time, event) ~ 1, conf.type = "log-log",
    conf.int = conf)`` (survival 3.5):

    * ``table`` reproduces ``fit$time, fit$n.risk, fit$n.event, fit$n.censor,
      fit$surv, fit$lower, fit$upper``.
    * Greenwood variance of log S: ``sum d / (n (n - d))``; limits
      ``exp(-exp(log(-log S) -/+ z se / log S))`` (survival's
      ``survfit_confint``), NA (here NaN) where S is 0 or 1.
    * ``median``, ``median_ci_lower``, ``median_ci_upper`` reproduce the
      ``median``, ``0.95LCL``, ``0.95UCL`` that ``print(fit)`` shows
      (survival's ``survmean``): the first time the curve (resp. the lower
      and the upper limit curve) is <= 0.5, the midpoint to the next drop if it
      sits exactly at 0.5.

    Hand-written with numpy: scipy has ``scipy.stats.ecdf`` for censored data
    but not the per-time risk table, R's log-log limits or R's median limits;
    statsmodels' ``SurvfuncRight`` uses other confidence limits.

    Examples
    --------
    >>> km = kaplan_meier([1, 2, 3, 4], [1, 1, 1, 1])
    >>> km.median
    2.5
    """
    conf = _check_conf(conf)
    t_all, e_all, ok = _survival_inputs(time, event)
    t = t_all[ok]
    e = _event_indicator(e_all[ok])
    _check_times(t)
    utimes, inv = np.unique(t, return_inverse=True)
    n_events = np.bincount(inv, weights=e, minlength=utimes.size).astype(np.int64)
    n_at_t = np.bincount(inv, minlength=utimes.size).astype(np.int64)
    n_censored = n_at_t - n_events
    n_risk = n_at_t[::-1].cumsum()[::-1]
    surv = np.cumprod(1.0 - n_events / n_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        inc = np.where(n_events > 0, n_events / (n_risk * (n_risk - n_events)), 0.0)
        se = np.sqrt(np.cumsum(inc))  # std. error of log S (Greenwood)
        z = _z(conf)
        interior = (surv > 0) & (surv < 1)
        xx = np.where(interior, surv, np.nan)
        se2 = z * se / np.log(xx)
        lower = np.exp(-np.exp(np.log(-np.log(xx)) - se2))
        upper = np.exp(-np.exp(np.log(-np.log(xx)) + se2))
    table = pd.DataFrame(
        {
            "time": utimes.astype(float),
            "n_at_risk": n_risk,
            "n_events": n_events,
            "n_censored": n_censored,
            "survival": surv,
            "ci_lower": lower,
            "ci_upper": upper,
        }
    )
    return KaplanMeierResult(
        table=table,
        median=_first_below_half(surv, utimes),
        median_ci_lower=_first_below_half(lower, utimes),
        median_ci_upper=_first_below_half(upper, utimes),
        n=int(t.size),
        n_events=int(e.sum()),
        n_dropped=int((~ok).sum()),
        conf=conf,
    )


@dataclass(frozen=True, eq=False)
class LogrankResult:
    """Log-rank test comparing survival between two or more groups.

    Attributes
    ----------
    statistic : float
        Chi-square statistic.
    dof : int
        Degrees of freedom: groups with expected events > 0, minus 1.
    p_value : float
        Upper tail of chi-square(``dof``); NaN when ``dof`` is 0 (no events,
        or only one group could have had any).
    table : pandas.DataFrame
        One row per group (sorted), columns ``group, n, observed, expected,
        variance`` (``variance`` is the diagonal of the variance matrix of
        ``observed - expected``).
    n_dropped : int
        Observations dropped for a missing time, event or group.
    """

    statistic: float
    dof: int
    p_value: float
    table: pd.DataFrame
    n_dropped: int


def logrank(time: Sequence[float], event: Sequence[int], group: Sequence[Any]) -> LogrankResult:
    """Log-rank (Mantel-Haenszel) test for two or more groups.

    Parameters
    ----------
    time : sequence of float
        Non-negative follow-up times.
    event : sequence of {0, 1} or bool
        1 = event, 0 = censored.
    group : sequence
        Group label of each observation (strings or numbers; missing labels
        drop the row). Groups are reported in sorted order, as R orders factor
        levels.

    Returns
    -------
    LogrankResult

    Raises
    ------
    ValueError
        Bad times/events (see :func:`kaplan_meier`), different lengths, or fewer
        than two groups.

    Notes
    -----
    Matches R ``survdiff(Surv(time, event) ~ group)`` (rho = 0):

    * expected ``E_g = sum_t d_t n_gt / n_t`` and hypergeometric variance
      ``V_gh = sum_t d_t (n_t - d_t) / (n_t - 1) * n_gt / n_t * (delta_gh -
      n_ht / n_t)``;
    * the statistic uses the groups with ``E_g > 0``, dropping the first of
      them, ``(O - E)' V^-1 (O - E)``; it is 0 when fewer than two groups have
      ``E_g > 0``;
    * ``dof`` = number of groups with ``E_g > 0`` minus 1, as
      ``print.survdiff`` computes it, except that it is never negative: with
      no events at all R prints ``-1`` degrees of freedom and p = NA; here
      ``dof`` is 0 and ``p_value`` NaN.

    Hand-written with numpy: scipy has no log-rank test, and statsmodels'
    ``survdiff`` returns only the statistic and p-value, not the per-group
    table.

    Examples
    --------
    >>> r = logrank([1, 2, 3, 4, 5, 6], [1, 0, 1, 0, 0, 0], ["a", "a", "a", "b", "b", "b"])
    >>> round(r.statistic, 4), r.dof
    (3.5714, 1)
    """
    t_all, e_all, ok = _survival_inputs(time, event)
    g_all = pd.Series(list(group) if not isinstance(group, pd.Series) else group.to_list(), dtype=object)
    if g_all.size != t_all.size:
        raise ValueError(f"time and group must have the same length, got {t_all.size} and {g_all.size}")
    ok = ok & ~pd.isna(g_all).to_numpy()
    if not ok.any():
        raise ValueError("no observation with time, event and group all present")
    t = t_all[ok]
    e = _event_indicator(e_all[ok])
    _check_times(t)
    g = g_all[ok].to_list()
    try:
        levels = sorted(set(g))
    except TypeError:
        raise ValueError("group labels must be all numbers or all strings (they are sorted)") from None
    if len(levels) < 2:
        raise ValueError(f"logrank needs at least two groups, got {len(levels)}")
    position = {v: i for i, v in enumerate(levels)}
    gidx = np.fromiter((position[v] for v in g), dtype=np.int64, count=len(g))
    G = len(levels)
    event_times = np.unique(t[e == 1])
    # at-risk and event counts per (event time, group), from sorted times:
    # O(N log N) memory-light counting instead of an event-times x patients table
    n_tg = np.zeros((event_times.size, G))
    d_tg = np.zeros((event_times.size, G))
    for j in range(G):
        tj = np.sort(t[gidx == j])
        n_tg[:, j] = tj.size - np.searchsorted(tj, event_times, side="left")
        ev = np.sort(t[(gidx == j) & (e == 1)])
        d_tg[:, j] = np.searchsorted(ev, event_times, side="right") - np.searchsorted(ev, event_times, side="left")
    n_t = n_tg.sum(axis=1)
    d_t = d_tg.sum(axis=1)
    observed = d_tg.sum(axis=0)
    expected = (d_t[:, None] * n_tg / n_t[:, None]).sum(axis=0) if event_times.size else np.zeros(G)
    var = np.zeros((G, G))
    if event_times.size:
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where(n_t > 1, d_t * (n_t - d_t) / (n_t - 1), 0.0)
        p = n_tg / n_t[:, None]
        var = (f[:, None, None] * (p[:, :, None] * (np.eye(G)[None, :, :] - p[:, None, :]))).sum(axis=0)
    keep = expected > 0
    dof = int(keep.sum()) - 1
    if keep.sum() < 2:
        chi = 0.0
    else:
        idx = np.flatnonzero(keep)[1:]
        oe = (observed - expected)[idx]
        vv = var[np.ix_(idx, idx)]
        try:
            chi = float(oe @ np.linalg.solve(vv, oe))
        except np.linalg.LinAlgError:
            chi = float(oe @ np.linalg.pinv(vv) @ oe)
    dof = max(dof, 0)
    p_value = float(sps.chi2.sf(chi, dof)) if dof > 0 else float("nan")
    table = pd.DataFrame(
        {
            "group": pd.Series(levels, dtype=object),
            "n": np.bincount(gidx, minlength=G).astype(np.int64),
            "observed": observed,
            "expected": expected,
            "variance": np.diag(var).copy(),
        }
    )
    return LogrankResult(statistic=chi, dof=dof, p_value=p_value, table=table, n_dropped=int((~ok).sum()))


_CIF_COLUMNS = ["event_type", "time", "n_at_risk", "cif", "ci_lower", "ci_upper"]


def cumulative_incidence(
    time: Sequence[float],
    status: Sequence[int],
    conf: float = 0.95,
    event_types: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Cumulative incidence of competing events (Aalen-Johansen).

    Parameters
    ----------
    time : sequence of float
        Non-negative follow-up times.
    status : sequence of int
        0 = censored, 1..K = type of the event that ended follow-up (e.g.
        1 = response, 2 = death without response).
    conf : float, default 0.95
        Confidence level of the pointwise limits.
    event_types : sequence of int, optional
        Event types to report, in this order. Default: the non-zero codes
        present in ``status``, sorted. Pass it to get rows for a type that did
        not occur (its incidence is 0), e.g. when everything is censored;
        without it, all-censored data give an empty DataFrame (with the
        columns).

    Returns
    -------
    pandas.DataFrame
        Columns ``event_type, time, n_at_risk, cif, ci_lower, ci_upper``; one
        row per event type per distinct time (event or censoring), sorted by
        type then time. ``n_at_risk`` is the number still event-free and under
        observation just before ``time``. The limits are NaN where ``cif`` is 0
        (as R reports NA there).

    Raises
    ------
    ValueError
        Bad times (see :func:`kaplan_meier`), negative or non-integer status
        codes, different lengths, or ``event_types`` missing an observed code.

    Notes
    -----
    Matches R ``fit <- survfit(Surv(time, factor(status, levels = c(0,
    types))) ~ 1)`` (survival 3.5; the explicit levels make 0 the censoring
    level even when nobody is censored): ``fit$pstate``, ``fit$lower``,
    ``fit$upper`` for each event state and ``fit$n.risk[, 1]``.

    * Estimate: Aalen-Johansen, ``CIF_k(t) = sum_{s <= t} S(s-) d_k(s) /
      n(s)`` with ``S`` the all-cause Kaplan-Meier curve.
    * Standard error: the infinitesimal-jackknife (IJ) variance, the only one
      survfit offers for multi-state data (``robust = TRUE``): the sum over
      subjects of the squared derivative of ``CIF_k(t)`` with respect to that
      subject's case weight, computed by the same recursion as the estimate.
    * Limits: survfit's default ``conf.type = "log"`` for multi-state fits:
      ``cif * exp(-/+ z se / cif)``, the upper limit capped at 1; NA where
      ``cif`` is 0.

    Hand-written with numpy: neither scipy nor statsmodels has the
    Aalen-Johansen estimator or its IJ variance.

    Examples
    --------
    >>> df = cumulative_incidence([3, 5, 5, 8], [1, 2, 0, 1])
    >>> df[df.event_type == 1].cif.round(3).tolist()
    [0.25, 0.25, 0.75]
    """
    conf = _check_conf(conf)
    t_all, s_all, ok = _survival_inputs(time, status, "status")
    t = t_all[ok]
    s = s_all[ok]
    _check_times(t)
    if (s < 0).any() or (s != np.floor(s)).any():
        raise ValueError("status must be 0 (censored) or a positive integer event type")
    s = s.astype(np.int64)
    observed_types = sorted(int(v) for v in np.unique(s[s > 0]))
    if event_types is None:
        types = observed_types
    else:
        types = [_as_count(v, "event_types") for v in event_types]
        if any(v <= 0 for v in types) or len(set(types)) != len(types):
            raise ValueError("event_types must be distinct positive integers")
        missing = sorted(set(observed_types) - set(types))
        if missing:
            raise ValueError(f"status contains event types {missing} not listed in event_types")
    if not types:
        return pd.DataFrame(
            {
                "event_type": pd.Series([], dtype=np.int64),
                "time": pd.Series([], dtype=float),
                "n_at_risk": pd.Series([], dtype=np.int64),
                "cif": pd.Series([], dtype=float),
                "ci_lower": pd.Series([], dtype=float),
                "ci_upper": pd.Series([], dtype=float),
            }
        )
    utimes = np.unique(t)
    # Subjects with the same (time, status) have the same influence vector, so
    # the infinitesimal-jackknife sums run over distinct (time, status) pairs
    # weighted by their multiplicity: exact, and O(T x distinct pairs) instead
    # of O(T x N) (integer day times keep the distinct pairs few at any N).
    pairs, mult = np.unique(np.column_stack([t, s.astype(float)]), axis=0, return_counts=True)
    t_u, s_u, w = pairs[:, 0], pairs[:, 1].astype(np.int64), mult.astype(float)
    T, K = utimes.size, len(types)
    N = t_u.size
    z = _z(conf)
    p0 = 1.0  # probability of still being in the initial (event-free) state
    pk = np.zeros(K)
    u0 = np.zeros(N)  # d p0 / d w_i, one entry per distinct (time, status)
    uk = np.zeros((K, N))  # d CIF_k / d w_i
    out_cif = np.zeros((K, T))
    out_se = np.zeros((K, T))
    n_risk_out = np.zeros(T, dtype=np.int64)
    type_codes = np.array(types)
    for j, tj in enumerate(utimes):
        at_risk = t_u >= tj
        n_j = float(w[at_risk].sum())
        n_risk_out[j] = int(n_j)
        here = t_u == tj
        dN = (here[None, :] & (s_u[None, :] == type_codes[:, None])).astype(float)  # K x N, per subject
        d_k = (dN * w[None, :]).sum(axis=1)
        if d_k.sum() > 0:
            lam_k = d_k / n_j
            lam = lam_k.sum()
            dlam_k = (dN - at_risk[None, :] * lam_k[:, None]) / n_j  # K x N
            dlam = dlam_k.sum(axis=0)
            uk = uk + u0[None, :] * lam_k[:, None] + p0 * dlam_k
            u0 = u0 * (1.0 - lam) - p0 * dlam
            pk = pk + p0 * lam_k
            p0 = p0 * (1.0 - lam)
        out_cif[:, j] = pk
        out_se[:, j] = np.sqrt((uk**2 * w[None, :]).sum(axis=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        xx = np.where(out_cif > 0, out_cif, np.nan)
        se_log = np.where(out_se == 0, 0.0, out_se / xx)
        lower = np.exp(np.log(xx) - z * se_log)
        upper = np.minimum(np.exp(np.log(xx) + z * se_log), 1.0)
    return pd.DataFrame(
        {
            "event_type": np.repeat(type_codes, T).astype(np.int64),
            "time": np.tile(utimes.astype(float), K),
            "n_at_risk": np.tile(n_risk_out, K),
            "cif": out_cif.ravel(),
            "ci_lower": lower.ravel(),
            "ci_upper": upper.ravel(),
        }
    )


# --------------------------------------------------------------------------
# meta-analysis of proportions
# --------------------------------------------------------------------------


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


def _expit(x: float) -> float:
    return float(1.0 / (1.0 + math.exp(-x))) if x >= 0 else float(math.exp(x) / (1.0 + math.exp(x)))


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
