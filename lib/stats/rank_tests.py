"""Wilcoxon rank tests: paired signed-rank and two-sample rank-sum.

==========================  ==================================================
function                    reference
==========================  ==================================================
``paired_change``           ``wilcox.test(after, before, paired = TRUE)``
``two_sample``              ``wilcox.test(a, b)``
==========================  ==================================================

Both use R's defaults ``exact = NULL, correct = TRUE``. Reference values:
``tests/reference/wilcoxon.R`` → ``wilcoxon.json``, checked in
``tests/test_stats_rank_tests.py``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy import stats as sps

from ._common import _to_float_array

__all__ = ["PairedChangeResult", "TwoSampleResult", "paired_change", "two_sample"]


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
