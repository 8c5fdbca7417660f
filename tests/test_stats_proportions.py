"""Tests for ``lib.stats.proportions``.

* ``test_reference_*``  compare with values R wrote to ``tests/reference/proportion.json``
  (script ``proportion.R``); each names the R call and the tolerance. R is not needed.
* ``test_crosscheck_*`` compare with an independent Python implementation.
* ``test_property_*``   hypothesis property tests; the rest check input validation.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.stats import ProportionCI, proportion_ci
from reference_util import PROPERTY_SETTINGS, close, load

PROP_CASES = load("proportion.json")


@pytest.mark.parametrize("case", PROP_CASES, ids=lambda c: f"k{c['k']}_n{c['n']}_conf{c['conf']}")
def test_reference_proportion_exact_matches_binom_test(case):
    """R ``binom.test(k, n, conf.level = conf)$conf.int``; tolerance 1e-12."""
    r = proportion_ci(case["k"], case["n"], conf=case["conf"], method="exact")
    close([r.estimate, r.ci_lower, r.ci_upper],
          [case["estimate"], case["exact_lower"], case["exact_upper"]], "binom.test", rtol=0, atol=1e-12)


@pytest.mark.parametrize("case", PROP_CASES, ids=lambda c: f"k{c['k']}_n{c['n']}_conf{c['conf']}")
def test_reference_proportion_wilson_matches_prop_test(case):
    """R ``prop.test(k, n, conf.level = conf, correct = FALSE)$conf.int``; tolerance 1e-12."""
    r = proportion_ci(case["k"], case["n"], conf=case["conf"], method="wilson")
    close([r.ci_lower, r.ci_upper], [case["wilson_lower"], case["wilson_upper"]], "prop.test",
          rtol=0, atol=1e-12)


def test_crosscheck_proportion_exact_against_scipy_binomtest():
    """scipy ``binomtest(k, n).proportion_ci(method="exact")`` (Clopper-Pearson); 1e-12."""
    from scipy.stats import binomtest

    for k, n in [(0, 4), (2, 7), (9, 9), (13, 40)]:
        ci = binomtest(k, n).proportion_ci(0.95, method="exact")
        r = proportion_ci(k, n)
        close([r.ci_lower, r.ci_upper], [ci.low, ci.high], f"{k}/{n}", rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    "call",
    [
        lambda: proportion_ci(3, 0),
        lambda: proportion_ci(5, 3),
        lambda: proportion_ci(-1, 3),
        lambda: proportion_ci(1.5, 3),
        lambda: proportion_ci(True, 3),
        lambda: proportion_ci(1, 3, conf=1.0),
        lambda: proportion_ci(1, 3, method="agresti"),
    ],
)
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_result_is_frozen():
    r = proportion_ci(1, 3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.estimate = 0.5  # type: ignore[misc]
    assert ProportionCI.__dataclass_params__.frozen


@PROPERTY_SETTINGS
@given(n=st.integers(1, 400), data=st.data(), conf=st.floats(0.5, 0.999),
       method=st.sampled_from(["exact", "wilson"]))
def test_property_proportion_ci_contains_estimate(n, data, conf, method):
    k = data.draw(st.integers(0, n))
    r = proportion_ci(k, n, conf=conf, method=method)
    assert 0.0 <= r.ci_lower <= r.estimate <= r.ci_upper <= 1.0
    wider = proportion_ci(k, n, conf=min(conf + 0.0005, 0.9995), method=method)
    assert wider.ci_lower <= r.ci_lower + 1e-12 and wider.ci_upper >= r.ci_upper - 1e-12
