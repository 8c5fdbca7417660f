"""Survival: Kaplan-Meier, log-rank test, cumulative incidence of competing events.

==========================  ==================================================
function                    reference
==========================  ==================================================
``kaplan_meier``            ``survfit(Surv(time, event) ~ 1,
                            conf.type = "log-log")`` and ``print(fit)``
``logrank``                 ``survdiff(Surv(time, event) ~ group)``
``cumulative_incidence``    ``survfit(Surv(time, factor(status)) ~ 1)``
                            (multi-state Aalen-Johansen)
==========================  ==================================================

Package survival 3.5. Reference values: ``tests/reference/survival.R`` →
``km.json``, ``logrank.json``, ``cif.json``, checked in
``tests/test_stats_survival.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps

from ._common import _as_count, _check_conf, _check_times, _event_indicator, _to_float_array, _z

__all__ = [
    "KaplanMeierResult",
    "LogrankResult",
    "kaplan_meier",
    "logrank",
    "cumulative_incidence",
]

# R's ``sqrt(.Machine$double.eps)``: the tolerance survival's print.survfit
# uses when it looks for the time at which a curve reaches 0.5.
_SURVIVAL_MEDIAN_TOL = math.sqrt(np.finfo(float).eps)


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
