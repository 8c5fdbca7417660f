"""Confidence interval of a single proportion.

==========================  ==================================================
function                    reference
==========================  ==================================================
``proportion_ci``           ``binom.test(k, n, conf.level = conf)$conf.int``
                            (exact); ``prop.test(k, n, conf.level = conf,
                            correct = FALSE)$conf.int`` (wilson)
==========================  ==================================================

Reference values: ``tests/reference/proportion.R`` → ``proportion.json``,
checked in ``tests/test_stats_proportions.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from statsmodels.stats.proportion import proportion_confint

from ._common import _as_count, _check_conf

__all__ = ["ProportionCI", "proportion_ci"]


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
