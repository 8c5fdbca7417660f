"""Private helpers shared by the modules of :mod:`lib.stats`.

Input checking and conversion only: nothing here computes a statistic, so no
R reference applies. Every helper is pure and returns new objects.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps


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



def _expit(x: float) -> float:
    """Inverse logit of a scalar without overflow, R ``plogis(x)`` / metafor ``transf.ilogit``."""
    return float(1.0 / (1.0 + math.exp(-x))) if x >= 0 else float(math.exp(x) / (1.0 + math.exp(x)))
