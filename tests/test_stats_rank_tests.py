"""Tests for ``lib.stats.rank_tests``.

* ``test_reference_*``  compare with values R wrote to ``tests/reference/wilcoxon.json``
  (script ``wilcoxon.R``); each names the R call and the tolerance. R is not needed.
* ``test_regression_*`` only freeze our own wording; they prove nothing about correctness.
* ``test_property_*``   hypothesis property tests; the rest check edge cases and validation.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.stats import PairedChangeResult, TwoSampleResult, paired_change, two_sample
from reference_util import PROPERTY_SETTINGS, arr, close, load, num

WILCOX_CASES = load("wilcoxon.json")
PAIRED = [c for c in WILCOX_CASES if c["kind"] == "paired"]
TWO = [c for c in WILCOX_CASES if c["kind"] == "two_sample"]


@pytest.mark.parametrize("case", PAIRED, ids=lambda c: c["name"])
def test_reference_paired_change_matches_wilcox_test_paired(case):
    """R ``wilcox.test(after, before, paired = TRUE)`` (exact = NULL, correct = TRUE).

    V equal exactly; p-value tolerance 1e-12; mean/median of the change
    rtol 1e-10; the exact-vs-normal choice equals R's (read from R's method name).
    """
    r = paired_change(arr(case["before"]), arr(case["after"]))
    assert r.n_pairs == case["n_pairs"]
    assert r.n_dropped == len(arr(case["before"])) - case["n_pairs"]
    assert r.statistic == case["statistic"]
    close(r.p_value, num(case["p_value"]), case["call"], rtol=0, atol=1e-12)
    close([r.mean_change, r.median_change], [case["mean_change"], case["median_change"]], case["call"])
    assert r.exact == ("exact" in case["method"])
    assert r.method.startswith(case["method"])


@pytest.mark.parametrize("case", TWO, ids=lambda c: c["name"])
def test_reference_two_sample_matches_wilcox_test(case):
    """R ``wilcox.test(a, b)`` (exact = NULL, correct = TRUE).

    W equal exactly; p-value tolerance 1e-12; medians rtol 1e-10; the
    exact-vs-normal choice equals R's.
    """
    r = two_sample(arr(case["a"]), arr(case["b"]))
    assert (r.n_a, r.n_b) == (case["n_a"], case["n_b"])
    assert r.statistic == case["statistic"]
    close(r.p_value, num(case["p_value"]), case["call"], rtol=0, atol=1e-12)
    close([r.median_a, r.median_b], [case["median_a"], case["median_b"]], case["call"])
    assert r.exact == ("exact" in case["method"])
    assert r.method.startswith(case["method"])


def test_paired_change_all_zero_and_one_pair():
    z = paired_change([1, 2, 3], [1, 2, 3])
    assert z.statistic == 0 and math.isnan(z.p_value) and z.n_zero == 3
    one = paired_change([100], [40])
    assert one.p_value == 1.0 and one.exact and one.statistic == 0.0


def test_two_sample_all_tied_gives_nan_p():
    r = two_sample([4, 4, 4], [4, 4])
    assert math.isnan(r.p_value) and r.statistic == 3.0


@pytest.mark.parametrize(
    "call",
    [
        lambda: paired_change([], []),
        lambda: paired_change([1, 2], [1]),
        lambda: paired_change([np.nan, 1], [2, np.nan]),
        lambda: paired_change([1, np.inf], [2, 3]),
        lambda: paired_change(["a"], [1]),
        lambda: paired_change("12", "34"),
        lambda: two_sample([np.nan], [1, 2]),
        lambda: two_sample([1, 2], []),
    ],
)
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_inputs_are_not_mutated_and_results_are_frozen():
    t = np.array([5.0, 3.0, np.nan, 9.0])
    s = pd.Series([2.0, 1.0, 3.0, 1.0])
    t0, s0 = t.copy(), s.copy()
    r = paired_change(t, s)
    two_sample(t, s)
    np.testing.assert_array_equal(t, t0)
    pd.testing.assert_series_equal(s, s0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.statistic = 1.0  # type: ignore[misc]
    for cls in (PairedChangeResult, TwoSampleResult):
        assert cls.__dataclass_params__.frozen


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


@PROPERTY_SETTINGS
@given(before=st.lists(st.integers(0, 20), min_size=1, max_size=15), data=st.data())
def test_property_paired_change_swap_symmetry(before, data):
    after = data.draw(st.lists(st.integers(0, 20), min_size=len(before), max_size=len(before)))
    r1, r2 = paired_change(before, after), paired_change(after, before)
    n = r1.n_pairs - r1.n_zero
    assert r1.statistic + r2.statistic == n * (n + 1) / 2
    assert np.array_equal([r1.p_value], [r2.p_value], equal_nan=True) or abs(r1.p_value - r2.p_value) < 1e-12
    assert math.isnan(r1.p_value) or 0.0 <= r1.p_value <= 1.0


@PROPERTY_SETTINGS
@given(a=st.lists(st.integers(0, 30), min_size=1, max_size=15),
       b=st.lists(st.integers(0, 30), min_size=1, max_size=15))
def test_property_two_sample_swap_symmetry(a, b):
    r1, r2 = two_sample(a, b), two_sample(b, a)
    assert r1.statistic + r2.statistic == len(a) * len(b)
    assert np.array_equal([r1.p_value], [r2.p_value], equal_nan=True) or abs(r1.p_value - r2.p_value) < 1e-12
