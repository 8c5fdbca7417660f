"""Tests of lib/outcomes.py on small synthetic frames built here (never shown as evidence).

Statistical numbers name their reference: closed forms of the Clopper-Pearson
interval (for k = n the lower limit is (alpha/2)^(1/n), for k = 0 the upper
limit is 1 - (alpha/2)^(1/n); otherwise qbeta, i.e. R ``binom.test``),
product-limit and Aalen-Johansen estimates worked by hand, and equality with
:mod:`lib.stats` (itself checked against R in tests/test_stats_*.py). Tests that
only freeze our own output say so.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from lib import outcomes
from lib.stats import cumulative_incidence, kaplan_meier, logrank, proportion_ci

TOL = 1e-9


def make_cases(rows: list[dict]) -> pd.DataFrame:
    """A cases frame with the columns the outcomes functions read."""
    cols = {"case_id": None, "condition": "mas", "trigger": "sjia", "route": None, "dose_mg_kg_day": np.nan,
            "age_years": np.nan, "response": None, "days_to_response": np.nan, "death": pd.NA,
            "followup_days": np.nan}
    full = [{**cols, "case_id": f"c{i}", **r} for i, r in enumerate(rows)]
    df = pd.DataFrame(full)
    df["death"] = pd.array(list(df["death"]), dtype="boolean")
    for c in ("dose_mg_kg_day", "age_years", "days_to_response", "followup_days"):
        df[c] = df[c].astype(float)
    for c in ("route", "response", "condition", "trigger"):
        df[c] = pd.Series([None if (v is None or (isinstance(v, float) and math.isnan(v))) else v
                           for v in df[c]], dtype=object)
    return df


# ---------------------------------------------------------------------------
# subgroups
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dose, band", [
    (0.0, "lt2"), (1.99, "lt2"), (2.0, "2to5"), (4.999, "2to5"), (5.0, "5to10"),
    (9.99, "5to10"), (10.0, "ge10"), (48.0, "ge10"), (np.nan, None),
])
def test_dose_band_edges_include_the_lower_bound(dose, band):
    out = outcomes.dose_band(pd.Series([dose], index=[7]))
    assert out.index.tolist() == [7]
    assert out.iloc[0] == band


def test_route_combination_is_one_group_in_vocabulary_order():
    cases = make_cases([{"route": "iv;sc"}, {"route": "sc"}, {"route": None}, {"route": "sc;iv"}])
    keys = outcomes.subgroup(cases, "route")
    assert keys.tolist() == ["sc;iv", "sc", None, "sc;iv"]
    assert outcomes.group_label("route", "sc;iv") == "Subcutaneous + IV bolus"
    assert outcomes.group_label("route", None) == "Not stated"


def test_age_band_subgroup_uses_schema_bands():
    cases = make_cases([{"age_years": 0.5}, {"age_years": 11.9}, {"age_years": 12}, {"age_years": 70}, {}])
    assert outcomes.subgroup(cases, "age_band").tolist() == ["infant", "child", "adolescent", "older_adult", None]


def test_unknown_subgroup_is_an_error():
    with pytest.raises(ValueError):
        outcomes.subgroup(make_cases([{}]), "colour")


# ---------------------------------------------------------------------------
# response
# ---------------------------------------------------------------------------

def _response_cases():
    return make_cases([
        {"condition": "mas", "response": "complete"},
        {"condition": "mas", "response": "complete"},
        {"condition": "mas", "response": "complete"},
        {"condition": "mas", "response": "none"},
        {"condition": "mas", "response": "improved"},
        {"condition": "mas", "response": None},
        {"condition": "dira", "response": "complete"},
        {"condition": "dira", "response": "complete"},
        {"condition": "shlh", "response": "partial"},
        {"condition": "shlh", "response": None},
        {"condition": None, "response": "none"},
    ])


def test_response_counts_keep_improved_and_not_stated_apart_from_none():
    cases = _response_cases()
    before = cases.copy()
    r = outcomes.response_by(cases, "condition")
    pd.testing.assert_frame_equal(cases, before)  # input not mutated
    assert list(r.columns) == outcomes.RESPONSE_COLUMNS
    assert r["group"].tolist() == ["dira", "mas", "shlh", None]  # vocabulary order, not stated last
    mas = r.loc[r["group"] == "mas"].iloc[0]
    assert (mas.n, mas.complete, mas.partial, mas.improved, mas.none, mas.not_stated, mas.n_stated) == \
        (6, 3, 0, 1, 1, 1, 5)
    assert mas.responders == 4 and mas.response_pct == pytest.approx(4 / 5)
    assert mas.complete_pct == pytest.approx(3 / 5)
    assert r["n"].sum() == len(cases)
    parts = r["complete"] + r["partial"] + r["improved"] + r["none"] + r["not_stated"]
    assert parts.tolist() == r["n"].tolist()


def test_response_range_over_the_not_stated():
    """Arithmetic of the bounds (our definition): all not stated as non-responders / as responders, over n."""
    mas = outcomes.response_by(_response_cases(), "condition").set_index("label").loc["MAS"]
    assert mas.response_if_none == pytest.approx(4 / 6) and mas.response_if_all == pytest.approx(5 / 6)
    # complete: an improved patient may have been complete, so the upper bound adds them
    assert mas.complete_if_none == pytest.approx(3 / 6) and mas.complete_if_all == pytest.approx(5 / 6)
    assert mas.rate_shown  # 5 stated
    small = outcomes.response_by(_response_cases(), "condition").set_index("label").loc["DIRA"]
    assert small.n_stated == 2 and not small.rate_shown
    assert outcomes.MIN_STATED_FOR_RATE == 5


def test_response_intervals_are_exact_clopper_pearson():
    r = outcomes.response_by(_response_cases(), "condition").set_index("label")
    # R: binom.test(4, 5)$conf.int = 0.2835821 0.9949492
    assert r.loc["MAS", "response_ci_lower"] == pytest.approx(0.2835821, abs=1e-7)
    assert r.loc["MAS", "response_ci_upper"] == pytest.approx(0.9949492, abs=1e-7)
    # k = n = 2: lower = 0.025^(1/2) = 0.1581139 (R binom.test(2, 2)), upper 1
    assert r.loc["DIRA", "complete_ci_lower"] == pytest.approx(0.025 ** 0.5, abs=TOL)
    assert r.loc["DIRA", "complete_ci_upper"] == 1.0
    # shlh: 0 complete of 1 stated -> upper 1 - 0.025 = 0.975; any response 1/1 -> lower 0.025
    assert r.loc["Secondary HLH", "complete_pct"] == 0.0
    assert r.loc["Secondary HLH", "complete_ci_upper"] == pytest.approx(0.975, abs=TOL)
    assert r.loc["Secondary HLH", "response_pct"] == 1.0
    assert r.loc["Secondary HLH", "response_ci_lower"] == pytest.approx(0.025, abs=TOL)
    # and every row equals lib.stats.proportion_ci
    for row in r.itertuples():
        if row.n_stated:
            ci = proportion_ci(row.responders, row.n_stated)
            assert (row.response_ci_lower, row.response_ci_upper) == (ci.ci_lower, ci.ci_upper)


def test_group_without_any_stated_response_has_nan_not_zero():
    r = outcomes.response_by(make_cases([{"condition": "dira"}, {"condition": "mas", "response": "none"}]),
                             "condition")
    dira = r.loc[r["group"] == "dira"].iloc[0]
    assert dira.n_stated == 0 and dira.not_stated == 1
    assert math.isnan(dira.response_pct) and math.isnan(dira.response_ci_lower)
    assert dira.response_if_none == 0.0 and dira.response_if_all == 1.0


def test_response_by_all_and_empty_input():
    r = outcomes.response_by(_response_cases(), "all")
    assert len(r) == 1 and r.iloc[0].n == 11 and r.iloc[0].n_stated == 9
    empty = outcomes.response_by(_response_cases().iloc[0:0], "route")
    assert empty.empty and list(empty.columns) == outcomes.RESPONSE_COLUMNS


def test_deaths_by_subgroup_count_deaths_among_all_with_the_stated_denominator():
    cases = make_cases([
        {"condition": "shlh", "death": True}, {"condition": "shlh", "death": True},
        {"condition": "shlh", "death": False}, {"condition": "shlh"}, {"condition": "shlh"},
        {"condition": "shlh"}, {"condition": "shlh", "death": False}, {"condition": "shlh", "death": False},
        {"condition": "mas", "death": False}, {"condition": "mas"},
    ])
    d = outcomes.deaths_by(cases, "condition")
    assert list(d.columns) == outcomes.DEATH_COLUMNS
    shlh = d.set_index("label").loc["Secondary HLH"]
    assert (shlh.n, shlh.died, shlh.alive, shlh.not_stated, shlh.n_stated) == (8, 2, 3, 3, 5)
    assert shlh.death_if_none == pytest.approx(2 / 8) and shlh.death_if_all == pytest.approx(5 / 8)
    # R: binom.test(2, 5)$conf.int = 0.05274495 0.85336720
    assert (shlh.death_ci_lower, shlh.death_ci_upper) == pytest.approx((0.05274495, 0.85336720), abs=1e-8)
    assert shlh.rate_shown
    mas = d.set_index("label").loc["MAS"]
    assert mas.n_stated == 1 and not mas.rate_shown
    assert outcomes.deaths_by(cases.iloc[0:0], "all").empty


# ---------------------------------------------------------------------------
# survival
# ---------------------------------------------------------------------------

def _survival_cases():
    return make_cases([
        {"death": True, "followup_days": 10, "route": "sc"},
        {"death": False, "followup_days": 20, "route": "sc"},
        {"death": True, "followup_days": 30, "route": "iv"},
        {"death": False, "followup_days": 40, "route": "iv"},
        {"death": True, "followup_days": 5, "route": None},
        {"death": True},                                    # died, no time: left out
        {"followup_days": 15},                              # time, death not stated: left out
        {},                                                 # neither
    ])


def test_survival_data_rules_and_counts():
    d = outcomes.survival_data(_survival_cases())
    assert d.frame["case_id"].tolist() == ["c0", "c1", "c2", "c3", "c4"]
    assert d.frame["event"].tolist() == [1, 0, 1, 0, 1]
    assert d.frame["time"].tolist() == [10, 20, 30, 40, 5]
    assert (d.n, d.n_events, d.n_no_time, d.n_no_death, d.n_neither, d.n_excluded) == (5, 3, 1, 1, 1, 3)


def test_km_overall_matches_hand_product_limit_and_lib_stats():
    res = outcomes.km_by(_survival_cases(), "all")
    # product-limit by hand: t=5 4/5; t=10 4/5*3/4 = 0.6; t=20 censored; t=30 0.6*1/2 = 0.3; t=40 censored
    surv = dict(zip(res.overall.table["time"], res.overall.table["survival"]))
    assert surv[5.0] == pytest.approx(0.8) and surv[10.0] == pytest.approx(0.6)
    assert surv[30.0] == pytest.approx(0.3) and surv[40.0] == pytest.approx(0.3)
    ref = kaplan_meier(res.data.frame["time"], res.data.frame["event"])
    pd.testing.assert_frame_equal(res.overall.table, ref.table)
    assert res.overall.median == 30.0  # first time S <= 0.5
    assert res.groups == () and res.logrank is None


def test_km_by_route_strata_logrank_and_small_group_warning():
    res = outcomes.km_by(_survival_cases(), "route")
    assert [g.group for g in res.groups] == ["sc", "iv", None]
    assert [g.n for g in res.groups] == [2, 2, 1]
    assert res.groups[2].km is None  # one patient: not drawn
    assert set(res.small_groups) == {"Subcutaneous", "IV bolus", "Not stated"}
    f = res.data.frame
    stated = f.loc[f["group"].notna()]
    ref = logrank(stated["time"], stated["event"], stated["group"])
    assert res.logrank.statistic == pytest.approx(ref.statistic, abs=TOL)
    assert res.logrank.p_value == pytest.approx(ref.p_value, abs=TOL)
    assert res.n_logrank_excluded == 1


def test_small_overall_sample_is_flagged():
    res = outcomes.km_by(make_cases([{"death": True, "followup_days": 3}, {"death": False, "followup_days": 9}]))
    assert res.overall is not None and res.small_groups == ("All patients",)
    assert outcomes.km_by(_survival_cases(), "all").small_groups == ()  # 5 patients, 3 deaths


def test_km_needs_two_patients():
    res = outcomes.km_by(make_cases([{"death": True, "followup_days": 3}, {"death": True}]), "condition")
    assert res.overall is None and res.data.n == 1
    assert outcomes.km_curves(res).empty


def test_km_curve_starts_at_zero_and_fills_band_only_for_drawing():
    km = kaplan_meier([3, 5, 7], [1, 0, 1])
    c = outcomes.km_curve(km)
    assert c.iloc[0][["time", "survival"]].tolist() == [0.0, 1.0]
    assert math.isnan(c.iloc[0]["ci_lower"]) and c.iloc[0]["band_lower"] == 1.0
    pd.testing.assert_series_equal(c["survival"].iloc[1:].reset_index(drop=True), km.table["survival"],
                                   check_names=False)


def test_risk_table_counts_times_at_or_after_t_as_survfit():
    frame = outcomes.survival_data(_survival_cases(), "route").frame
    km = kaplan_meier(frame["time"], frame["event"])
    rt = outcomes.risk_table(frame, km.table["time"].tolist())
    # at the observed times this is survfit's n.risk (R summary(fit, times = t)$n.risk)
    assert rt["n_at_risk"].tolist() == km.table["n_at_risk"].tolist()
    between = outcomes.risk_table(frame, [0, 12, 45])
    assert between["n_at_risk"].tolist() == [5, 3, 0]
    by = outcomes.risk_table(frame, [0, 25], group_col="group", order=["iv", "sc", None])
    assert by["group"].tolist() == ["iv", "iv", "sc", "sc", None, None]
    assert by["n_at_risk"].tolist() == [2, 2, 2, 0, 1, 0]


@pytest.mark.parametrize("max_time, expected", [
    (365, [0, 100, 200, 300]), (47, [0, 20, 40]), (3, [0, 1, 2, 3]), (0, [0]), (1000, [0, 250, 500, 750, 1000]),
])
def test_risk_times_are_round(max_time, expected):  # regression test of our own rounding rule
    assert outcomes.risk_times(max_time) == [float(x) for x in expected]


# ---------------------------------------------------------------------------
# competing risks
# ---------------------------------------------------------------------------

def test_competing_data_rules():
    cases = make_cases([
        {"response": "complete", "days_to_response": 3},                          # 1 at 3
        {"response": "partial", "days_to_response": 5, "death": True, "followup_days": 9},  # 1 at 5
        {"response": "none", "death": True, "followup_days": 5},                  # 2 at 5
        {"response": "none", "death": False, "followup_days": 8},                 # 0 at 8
        {"response": "complete"},                                                 # responder, no time
        {"response": "none", "followup_days": 8},                                 # death not stated
        {"response": "none", "death": True},                                      # no follow-up time
        {"death": True, "followup_days": 2},                                      # response not stated
        {"response": "improved", "days_to_response": 4},                          # 1 at 4 (improved counts)
        {"response": "improved"},                                                 # responder, no time
    ])
    d = outcomes.competing_data(cases)
    assert d.frame.values.tolist() == [["c0", 3.0, 1], ["c1", 5.0, 1], ["c2", 5.0, 2], ["c3", 8.0, 0],
                                       ["c8", 4.0, 1]]
    assert (d.n_response_not_stated, d.n_responder_no_time, d.n_nonresponder_incomplete) == (1, 2, 2)
    assert d.n_excluded == 5


def test_cif_curves_match_hand_aalen_johansen_and_lib_stats():
    cases = make_cases([
        {"response": "complete", "days_to_response": 3},
        {"response": "none", "death": True, "followup_days": 5},
        {"response": "none", "death": False, "followup_days": 5},
        {"response": "complete", "days_to_response": 8},
    ])
    d = outcomes.competing_data(cases)
    cif = outcomes.cif_curves(d)
    resp = cif.loc[cif["event_type"] == 1]
    # Aalen-Johansen by hand: t=3 1/4; t=5 S=3/4*2/3=1/2 (no response); t=8 + S(8-)*1/1 = 1/4 + 1/2
    assert resp["time"].tolist() == [0.0, 3.0, 5.0, 8.0]
    assert resp["cif"].tolist() == pytest.approx([0.0, 0.25, 0.25, 0.75])
    death = cif.loc[cif["event_type"] == 2]
    assert death["cif"].tolist() == pytest.approx([0.0, 0.0, 0.25, 0.25])  # 3/4 * 1/3 at t=5
    ref = cumulative_incidence(d.frame["time"], d.frame["status"], event_types=[1, 2])
    got = cif.loc[cif["time"] > 0, ["event_type", "time", "n_at_risk", "cif", "ci_lower", "ci_upper"]]
    pd.testing.assert_frame_equal(got.reset_index(drop=True), ref.reset_index(drop=True), check_dtype=False)
    assert set(cif["event"]) == set(outcomes.EVENT_LABELS.values())


def test_cif_needs_two_patients():
    d = outcomes.competing_data(make_cases([{"response": "complete", "days_to_response": 1}]))
    assert d.n == 1 and outcomes.cif_curves(d).empty


# ---------------------------------------------------------------------------
# cohorts
# ---------------------------------------------------------------------------

def test_cohort_outcomes_intervals_labels_design_and_missing_counts():
    cohorts = pd.DataFrame({
        "cohort_id": ["a-all", "b-all", "c-all", "d-all", "e-all"], "source_id": ["a", "b", "c", "d", "e"],
        "subgroup": [None, "kids", None, None, None], "condition": ["mas", "shlh", "dira", "mas", "shlh"],
        "trigger": ["sjia", "mixed", "genetic", "sjia", "mixed"],
        "design": ["retrospective", "prospective", "retrospective", "retrospective", "pooled_review"],
        "n": pd.array([10, 4, 6, 3, 23], dtype="Int64"), "n_episodes": pd.array([None, None, None, None, 25],
                                                                                 dtype="Int64"),
        "counts_refer_to": [None, None, None, None, "episodes"],
        "responders": pd.array([3, None, None, 5, 20], dtype="Int64"),
        "complete_responders": pd.array([None, 4, None, None, None], dtype="Int64"),
        "response_class": ["remission", None, None, None, "early_response"],
        "response_definition": ["remission", "defined", None, None, None],
        "response_timepoint": ["day 7", None, None, None, None],
        "deaths": pd.array([0, None, None, None, None], dtype="Int64"),
        "deaths_timepoint": ["28 days", None, None, None, None],
        "survival_pct": [np.nan] * 5, "survival_time_days": [np.nan] * 5,
    })
    sources = pd.DataFrame({"source_id": ["a", "b", "c", "d", "e"], "first_author": ["Ann", "Bo", "Cy", "Di", "Ed"],
                            "year": pd.array([2021, 2019, 2020, 2022, 2023], dtype="Int64"),
                            "journal": ["J"] * 5, "pub_type": ["cohort", "case_series", "cohort", "cohort", "review"]})
    out = outcomes.cohort_outcomes(cohorts, sources)
    assert list(out.columns) == outcomes.COHORT_COLUMNS
    assert out["cohort_id"].tolist() == ["b-all", "a-all", "d-all", "e-all"]  # c reports nothing; by year
    from lib.citations import cohort_labels
    labels = dict(zip(cohorts["cohort_id"], cohort_labels(cohorts, sources)))
    assert out["label"].tolist() == [labels[c] for c in out["cohort_id"]]
    o = out.set_index("cohort_id")
    assert o.loc["e-all", "pooled_review"] and o.loc["e-all", "design_label"] == "Pooled review"
    assert o.loc["b-all", "design_label"] == "Case series (prospective)"
    assert not o.loc["a-all", "pooled_review"]
    # counts that refer to episodes: 20 of 25 episodes
    assert o.loc["e-all", "denominator"] == 25 and o.loc["e-all", "resp_pct"] == pytest.approx(20 / 25)
    a = o.loc["a-all"]
    # R: binom.test(3, 10)$conf.int = 0.06673951 0.65245285
    assert a.resp_ci_lower == pytest.approx(0.06673951, abs=1e-8)
    assert a.resp_ci_upper == pytest.approx(0.65245285, abs=1e-8)
    # 0 deaths of 10: upper = 1 - 0.025^(1/10) (closed form; R binom.test(0, 10))
    assert a.death_pct == 0.0 and a.death_ci_upper == pytest.approx(1 - 0.025 ** 0.1, abs=TOL)
    b = o.loc["b-all"]
    assert pd.isna(b.responders) and math.isnan(b.resp_pct)  # missing is never 0
    assert b.complete_ci_lower == pytest.approx(0.025 ** 0.25, abs=TOL)
    d = o.loc["d-all"]
    assert d.responders == 5 and math.isnan(d.resp_pct)  # 5 of 3 is impossible: no interval
