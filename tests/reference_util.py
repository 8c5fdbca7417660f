"""Helpers for the ``tests/test_stats_*.py`` files: read the JSON the R scripts in
``tests/reference/`` wrote, and compare numbers with stated tolerances.

Tolerances are absolute unless ``rtol`` is given; R writes 15 significant digits.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, settings

REF = Path(__file__).resolve().parent / "reference"

TOL_EXACT = dict(rtol=1e-10, atol=1e-12)  # closed-form results: R and we do the same arithmetic

# database=None: no .hypothesis/ folder is written into the work tree
PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, database=None,
                             suppress_health_check=[HealthCheck.too_slow])


def num(v):
    """JSON value written by R -> float / float array ("NA", "NaN" -> nan)."""
    if isinstance(v, list):
        return np.array([num(x) for x in v], dtype=float)
    if isinstance(v, str):
        return {"NA": np.nan, "NaN": np.nan, "Inf": np.inf, "-Inf": -np.inf}[v]
    if v is None:
        return np.nan
    return float(v)


def arr(v):
    return np.atleast_1d(num(v))


def load(name: str) -> list[dict]:
    """The ``cases`` of ``tests/reference/<name>``."""
    with open(REF / name, encoding="utf-8") as fh:
        return json.load(fh)["cases"]


def close(actual, expected, msg, **tol):
    """``assert_allclose`` with NaN positions required equal; default tolerance TOL_EXACT."""
    tol = tol or TOL_EXACT
    np.testing.assert_allclose(
        np.atleast_1d(np.asarray(actual, dtype=float)),
        np.atleast_1d(np.asarray(expected, dtype=float)),
        equal_nan=True,
        err_msg=msg,
        **tol,
    )
