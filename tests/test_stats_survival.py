"""Tests for ``lib.stats.survival``.

* ``test_reference_*``  compare with values R wrote to ``tests/reference/km.json``,
  ``logrank.json``, ``cif.json`` (script ``survival.R``, package survival 3.5); each
  names the R call and the tolerance. R is not needed.
* ``test_crosscheck_*`` compare with an independent Python implementation (statsmodels)
  or an identity the estimators must satisfy.
* ``test_regression_*`` only freeze our own output; they prove nothing about correctness.
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

from lib.stats import KaplanMeierResult, LogrankResult, cumulative_incidence, kaplan_meier, logrank
from reference_util import PROPERTY_SETTINGS, arr, close, load, num

KM_CASES = load("km.json")
LR_CASES = load("logrank.json")
CIF_CASES = load("cif.json")


@pytest.mark.parametrize("case", KM_CASES, ids=lambda c: f"{c['name']}_conf{c['conf']}")
def test_reference_kaplan_meier_matches_survfit_loglog(case):
    """R ``survfit(Surv(time, event) ~ 1, conf.type = "log-log", conf.int = conf)``.

    Table (time, n.risk, n.event, n.censor, surv, lower, upper): counts equal,
    the rest rtol 1e-10 / atol 1e-12, NA positions equal. Median, 0.95LCL,
    0.95UCL as ``print(fit)`` shows them: rtol 1e-10, NA positions equal.
    """
    r = kaplan_meier(arr(case["time_in"]), arr(case["event_in"]), conf=case["conf"])
    assert isinstance(r, KaplanMeierResult)
    assert list(r.table.columns) == ["time", "n_at_risk", "n_events", "n_censored", "survival",
                                     "ci_lower", "ci_upper"]
    for col in ("n_at_risk", "n_events", "n_censored"):
        np.testing.assert_array_equal(r.table[col].to_numpy(), arr(case[col]), err_msg=col)
    for col in ("time", "survival", "ci_lower", "ci_upper"):
        close(r.table[col], arr(case[col]), f"{case['call']} column {col}")
    close([r.median, r.median_ci_lower, r.median_ci_upper],
          [num(case["median"]), num(case["median_ci_lower"]), num(case["median_ci_upper"])],
          "print(survfit) median / LCL / UCL")


@pytest.mark.parametrize("case", LR_CASES, ids=lambda c: c["name"])
def test_reference_logrank_matches_survdiff(case):
    """R ``survdiff(Surv(time, event) ~ group)``: chisq, obs, exp, diag(var) rtol 1e-10 /
    atol 1e-12; df as ``print.survdiff`` (groups with exp > 0, minus 1; R's -1 for no
    events is reported as 0); p = ``pchisq(chisq, df, lower.tail = FALSE)``, same tolerance.
    """
    r = logrank(arr(case["time_in"]), arr(case["event_in"]), case["group_in"])
    assert isinstance(r, LogrankResult)
    assert [str(g) for g in r.table["group"]] == case["group"]
    np.testing.assert_array_equal(r.table["n"].to_numpy(), arr(case["n"]))
    close(r.table["observed"], arr(case["observed"]), "obs")
    close(r.table["expected"], arr(case["expected"]), "exp")
    g = len(case["group"])
    close(r.table["variance"], np.diag(arr(case["var"]).reshape(g, g)), "diag(var)")
    close(r.statistic, case["statistic"], "chisq")
    assert r.dof == max(case["dof"], 0)
    if case["dof"] > 0:
        close(r.p_value, num(case["p_value"]), "p")
    else:
        assert math.isnan(r.p_value)


@pytest.mark.parametrize("case", CIF_CASES, ids=lambda c: c["name"])
def test_reference_cumulative_incidence_matches_survfit_multistate(case):
    """R ``survfit(Surv(time, factor(status, levels = c(0, types))) ~ 1)``, conf.type "log"
    (survfit's multi-state default) with the infinitesimal-jackknife std.err:
    pstate, lower, upper rtol 1e-10 / atol 1e-12, NA positions equal; n.risk[, 1] equal.
    """
    assert case["conf_type"] == "log"
    types = [int(t) for t in arr(case["types"])]
    df = cumulative_incidence(arr(case["time_in"]), arr(case["status_in"]), event_types=types)
    assert list(df.columns) == ["event_type", "time", "n_at_risk", "cif", "ci_lower", "ci_upper"]
    assert df["event_type"].unique().tolist() == types
    for curve in case["curves"]:
        sub = df[df["event_type"] == curve["event_type"]]
        np.testing.assert_array_equal(sub["n_at_risk"].to_numpy(), arr(curve["n_at_risk"]))
        for col in ("time", "cif", "ci_lower", "ci_upper"):
            close(sub[col], arr(curve[col]), f"{case['call']} type {curve['event_type']} {col}")


def test_crosscheck_kaplan_meier_survival_against_statsmodels():
    """statsmodels ``SurvfuncRight`` survival probabilities at the event times; 1e-12."""
    from statsmodels.duration.survfunc import SurvfuncRight

    case = next(c for c in KM_CASES if c["name"] == "lung")
    t, e = arr(case["time_in"]), arr(case["event_in"])
    sf = SurvfuncRight(t, e)
    km = kaplan_meier(t, e).table.set_index("time")
    close(km.loc[sf.surv_times, "survival"], sf.surv_prob, "SurvfuncRight", rtol=0, atol=1e-12)


def test_crosscheck_logrank_against_statsmodels_survdiff():
    """statsmodels ``survdiff(time, status, group)`` statistic and p-value; rtol 1e-10."""
    from statsmodels.duration.survfunc import survdiff

    for name in ("lung_ecog", "veteran_celltype", "small_ties"):
        case = next(c for c in LR_CASES if c["name"] == name)
        t, e, g = arr(case["time_in"]), arr(case["event_in"]), np.array(case["group_in"])
        chi, p = survdiff(t, e, g)
        r = logrank(t, e, g)
        close([r.statistic, r.p_value], [chi, p], name, rtol=1e-10, atol=0)


def test_crosscheck_cif_sum_equals_one_minus_all_cause_km():
    """Aalen-Johansen identity: sum_k CIF_k(t) = 1 - KM_all-cause(t); 1e-12 (mgus2)."""
    case = next(c for c in CIF_CASES if c["name"] == "mgus2")
    t, s = arr(case["time_in"]), arr(case["status_in"])
    cif = cumulative_incidence(t, s).groupby("time")["cif"].sum()
    km = kaplan_meier(t, (s > 0).astype(int)).table.set_index("time")["survival"]
    close(cif.to_numpy(), 1.0 - km.loc[cif.index].to_numpy(), "sum CIF vs 1 - KM", rtol=0, atol=1e-12)


def test_crosscheck_cif_one_type_equals_one_minus_km():
    """With a single event type the CIF is 1 - KM exactly (tolerance 1e-12)."""
    case = next(c for c in CIF_CASES if c["name"] == "one_type")
    t, s = arr(case["time_in"]), arr(case["status_in"])
    cif = cumulative_incidence(t, s)
    km = kaplan_meier(t, s)
    close(cif["cif"], 1 - km.table["survival"], "1 - KM", rtol=0, atol=1e-12)


def test_kaplan_meier_edge_cases_defined():
    one = kaplan_meier([7], [1])
    assert one.table["survival"].tolist() == [0.0] and one.median == 7.0
    assert math.isnan(one.median_ci_lower) and math.isnan(one.median_ci_upper)
    cens = kaplan_meier([3, 8, 8], [0, 0, 0])
    assert cens.table["survival"].tolist() == [1.0, 1.0]
    assert math.isnan(cens.median) and cens.table["ci_lower"].isna().all()
    assert cens.n_events == 0
    allev = kaplan_meier([2, 2, 5], [True, True, True])
    assert allev.table["survival"].iloc[-1] == 0.0


def test_kaplan_meier_drops_missing_rows():
    r = kaplan_meier([5, np.nan, 7, 9], [1, 1, None, 0])
    assert r.n == 2 and r.n_dropped == 2


def test_logrank_no_events_defined():
    r = logrank([1, 2, 3, 4], [0, 0, 0, 0], ["a", "a", "b", "b"])
    assert r.statistic == 0.0 and r.dof == 0 and math.isnan(r.p_value)
    assert r.table["expected"].tolist() == [0.0, 0.0]


def test_cumulative_incidence_all_censored():
    empty = cumulative_incidence([5, 10], [0, 0])
    assert empty.empty and list(empty.columns) == ["event_type", "time", "n_at_risk", "cif", "ci_lower",
                                                   "ci_upper"]
    zero = cumulative_incidence([5, 10], [0, 0], event_types=[1, 2])
    assert len(zero) == 4 and (zero["cif"] == 0).all() and zero["ci_lower"].isna().all()


@pytest.mark.parametrize(
    "call",
    [
        lambda: kaplan_meier([], []),
        lambda: kaplan_meier([1, 2], [1]),
        lambda: kaplan_meier([-1, 2], [1, 0]),
        lambda: kaplan_meier([1, 2], [1, 2]),
        lambda: kaplan_meier([np.nan, np.nan], [1, 0]),
        lambda: kaplan_meier([[1, 2]], [[1, 0]]),
        lambda: kaplan_meier([1, 2], [1, 0], conf=0),
        lambda: logrank([1, 2, 3], [1, 0, 1], ["a", "a", "a"]),
        lambda: logrank([1, 2, 3], [1, 0, 1], ["a", "b"]),
        lambda: cumulative_incidence([1, 2], [1, -1]),
        lambda: cumulative_incidence([1, 2], [1, 1.5]),
        lambda: cumulative_incidence([1, 2], [1, 2], event_types=[1]),
    ],
)
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_inputs_are_not_mutated_and_results_are_frozen():
    t = np.array([5.0, 3.0, np.nan, 9.0])
    e = [1, 0, 1, 1]
    s = pd.Series([2.0, 1.0, 3.0, 1.0])
    t0, e0, s0 = t.copy(), list(e), s.copy()
    km = kaplan_meier(t, e)
    logrank(t, e, ["a", "b", "a", "b"])
    cumulative_incidence(t, s)
    np.testing.assert_array_equal(t, t0)
    assert e == e0
    pd.testing.assert_series_equal(s, s0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        km.median = 1.0  # type: ignore[misc]
    for cls in (KaplanMeierResult, LogrankResult):
        assert cls.__dataclass_params__.frozen


def test_accepts_pandas_nullable_and_bool_inputs():
    t = pd.Series([1, 2, None, 4], dtype="Int64")
    e = pd.Series([True, False, True, True], dtype="boolean")
    r = kaplan_meier(t, e)
    assert r.n == 3 and r.n_dropped == 1


def test_regression_small_dashboard_example():
    """Freezes our output on a small dashboard-shaped data set (values cross-checked
    by hand against the formulas, not against R)."""
    km = kaplan_meier([3, 3, 5, 8, 12, 12, 20], [1, 0, 1, 0, 1, 1, 0])
    assert km.table["n_at_risk"].tolist() == [7, 5, 4, 3, 1]
    close(km.table["survival"], [6 / 7, 6 / 7 * 4 / 5, 6 / 7 * 4 / 5, 6 / 7 * 4 / 5 / 3, 6 / 7 * 4 / 5 / 3],
          "KM", rtol=0, atol=1e-15)
    assert km.median == 12.0


_times = st.lists(st.integers(0, 60), min_size=1, max_size=15)


@PROPERTY_SETTINGS
@given(times=_times, data=st.data())
def test_property_kaplan_meier_monotone_and_bounded(times, data):
    events = data.draw(st.lists(st.integers(0, 1), min_size=len(times), max_size=len(times)))
    tab = kaplan_meier(times, events).table
    s = tab["survival"].to_numpy()
    assert ((s >= 0) & (s <= 1)).all() and (np.diff(s) <= 1e-15).all()
    assert (np.diff(tab["n_at_risk"].to_numpy()) <= 0).all() and tab["n_at_risk"].iloc[0] == len(times)
    assert tab["n_events"].sum() + tab["n_censored"].sum() == len(times)
    ok = tab["ci_lower"].notna()
    assert (tab.loc[ok, "ci_lower"] <= tab.loc[ok, "survival"] + 1e-12).all()
    assert (tab.loc[ok, "survival"] <= tab.loc[ok, "ci_upper"] + 1e-12).all()


@PROPERTY_SETTINGS
@given(times=_times, data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_property_kaplan_meier_ignores_row_order(times, data, seed):
    events = data.draw(st.lists(st.integers(0, 1), min_size=len(times), max_size=len(times)))
    perm = np.random.default_rng(seed).permutation(len(times))
    a = kaplan_meier(times, events)
    b = kaplan_meier(np.array(times)[perm], np.array(events)[perm])
    pd.testing.assert_frame_equal(a.table, b.table)
    assert np.array_equal([a.median, a.median_ci_lower, a.median_ci_upper],
                          [b.median, b.median_ci_lower, b.median_ci_upper], equal_nan=True)


@PROPERTY_SETTINGS
@given(times=st.lists(st.integers(0, 40), min_size=2, max_size=15), data=st.data())
def test_property_logrank_observed_equals_expected_total(times, data):
    n = len(times)
    events = data.draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    groups = data.draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n).filter(
        lambda g: len(set(g)) >= 2))
    r = logrank(times, events, groups)
    assert r.statistic >= -1e-12
    assert abs(r.table["observed"].sum() - r.table["expected"].sum()) < 1e-9
    assert math.isnan(r.p_value) or 0.0 <= r.p_value <= 1.0


@PROPERTY_SETTINGS
@given(times=_times, data=st.data())
def test_property_cif_nondecreasing_and_sums_below_one(times, data):
    status = data.draw(st.lists(st.integers(0, 2), min_size=len(times), max_size=len(times)))
    df = cumulative_incidence(times, status, event_types=[1, 2])
    for _, sub in df.groupby("event_type"):
        assert (np.diff(sub["cif"].to_numpy()) >= -1e-15).all()
        ok = sub["ci_lower"].notna()
        assert (sub.loc[ok, "ci_lower"] <= sub.loc[ok, "cif"] + 1e-12).all()
        assert (sub.loc[ok, "cif"] <= sub.loc[ok, "ci_upper"] + 1e-12).all()
    assert (df.groupby("time")["cif"].sum() <= 1 + 1e-12).all()
