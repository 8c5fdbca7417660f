"""AppTest of the Outcomes page.

Expected numbers come from data/*.csv read with the csv module (conftest.read_rows)
and exact intervals from scipy's beta quantiles (the Clopper-Pearson definition,
R ``binom.test``), so the tests follow the data and do not reuse lib code. A
synthetic upload (generated here at run time, never shown as evidence) checks
the survival and competing-risk sections with data that has times.
"""

from __future__ import annotations

import csv

import pytest
from scipy import stats as sps
from streamlit.testing.v1 import AppTest

from apptest_util import APP, page_text, run_app
from conftest import ROOT, read_rows
from lib import schema
from lib.data import load_dataset
from lib.stats import logrank

PAGE = "pages/outcomes.py"


def _cases(condition=None):
    rows = read_rows(ROOT / "data" / "cases.csv")
    return [r for r in rows if condition is None or r["condition"] == condition]


def _cohorts(condition=None):
    rows = read_rows(ROOT / "data" / "cohorts.csv")
    return [r for r in rows if condition is None or r["condition"] == condition]


def _cp(k: int, n: int) -> tuple[float, float]:
    """Clopper-Pearson limits from beta quantiles (R binom.test)."""
    lo = 0.0 if k == 0 else sps.beta.ppf(0.025, k, n - k + 1)
    hi = 1.0 if k == n else sps.beta.ppf(0.975, k + 1, n - k)
    return lo, hi


def _fmt(k: int, n: int) -> str:
    lo, hi = _cp(k, n)
    return f"{100 * k / n:.0f}% ({100 * lo:.0f}%–{100 * hi:.0f}%)"


def _frame(at, first_column: str):
    for df in at.main.dataframe:
        if df.value.columns[0] == first_column:
            return df.value
    raise AssertionError(f"no table starting with {first_column!r}")


def test_mas_response_counts_and_table_follow_the_data():
    at = run_app({"condition": "mas"}, PAGE)
    assert not at.exception, at.exception
    rows = _cases("mas")
    stated = [r for r in rows if r["response"] in ("complete", "partial", "none")]
    text = page_text(at)
    assert f"**{len(stated)}** of **{len(rows)}** patients have a response stated" in text
    assert f"**{len(rows) - len(stated)}** not stated" in text
    table = _frame(at, "label")  # default subgroup: condition
    row = table.loc[table["label"] == "MAS"].iloc[0]
    complete = sum(r["response"] == "complete" for r in stated)
    assert int(row["n"]) == len(rows) and int(row["complete"]) == complete
    assert int(row["not_stated"]) == len(rows) - len(stated)
    if stated:
        assert row["complete_ci"] == _fmt(complete, len(stated))


def test_response_by_route_without_filters():
    at = run_app({"_outcomes_by": "route"}, PAGE)
    assert not at.exception, at.exception
    table = _frame(at, "label")
    no_route = [r for r in _cases() if not r["route"]]
    assert int(table.loc[table["label"] == "Not stated", "n"].iloc[0]) == len(no_route)
    assert int(table["n"].sum()) == len(_cases())  # combined routes: groups do not overlap


def test_sparse_survival_says_how_many_have_times():
    at = run_app({}, PAGE)
    assert not at.exception, at.exception
    rows = _cases()
    usable = [r for r in rows if r["followup_days"] and r["death"]]
    deaths = [r for r in usable if r["death"] == "true"]
    text = page_text(at)
    assert (f"**{len(usable)}** of **{len(rows)}** patients have both a follow-up time and death stated "
            f"(**{len(deaths)}** deaths)") in text
    if len(usable) < 2:
        assert "A Kaplan-Meier curve needs at least 2 patients" in text


def test_cohort_outcomes_table_follows_the_data():
    at = run_app({"condition": "shlh"}, PAGE)
    assert not at.exception, at.exception
    rows = _cohorts("shlh")
    reporting = [r for r in rows if r["responders"] or r["complete_responders"] or r["deaths"] or r["survival_pct"]]
    assert f"**{len(reporting)}** of **{len(rows)}** cohorts report" in page_text(at)
    table = _frame(at, "Cohort")
    assert sorted(table["Cohort"]) == sorted(r["cohort_id"] for r in reporting)
    for r in reporting:
        shown = table.loc[table["Cohort"] == r["cohort_id"]].iloc[0]
        if r["responders"]:
            k, n = int(r["responders"]), int(r["n"])
            assert shown["Responders (95% CI)"] == f"{k}/{n} = {_fmt(k, n)}"
        else:
            assert shown["Responders (95% CI)"] == "—"  # never 0
        if r["deaths"]:
            k, n = int(r["deaths"]), int(r["n"])
            assert shown["Deaths (95% CI)"] == f"{k}/{n} = {_fmt(k, n)}"


def test_empty_filter_result_shows_a_message():
    at = run_app({"year_max": "1990"}, PAGE)
    assert not at.exception, at.exception
    assert any("No patients or cohorts match" in i.value for i in at.main.info)


def test_bad_view_option_in_link_warns_and_falls_back():
    at = run_app({"_outcomes_by": "<b>x</b>", "_outcomes_km_by": "nope"}, PAGE)
    assert not at.exception, at.exception
    warnings = " ".join(w.value for w in at.main.warning)
    assert "_outcomes_by" in warnings and "_outcomes_km_by" in warnings
    assert at.radio(key="view_outcomes_by").value == "condition"


# ---------------------------------------------------------------------------
# a synthetic upload with follow-up times
# ---------------------------------------------------------------------------

def _synthetic_rows(source_id: str) -> list[dict]:
    rows = []

    def add(i, route, time, died, response, d2r=""):
        rows.append({"case_id": f"synthetic-{route}-{i}", "source_ids": source_id, "condition": "shlh",
                     "trigger": "other_infection", "route": route, "followup_days": f"{time:g}",
                     "death": "true" if died else "false", "response": response,
                     "days_to_response": f"{d2r:g}" if d2r != "" else "", "locator": "synthetic",
                     "extraction_date": "2026-11-23"})

    for i in range(1, 11):  # sc: deaths at odd i, responders i <= 6
        add(i, "sc", 3 * i, i % 2 == 1, "complete" if i <= 6 else "none", i if i <= 6 else "")
    for i in range(1, 11):  # iv: all die, no response
        add(i, "iv", 2 * i, True, "none")
    add(1, "iv_cont", 5, False, "partial", 4)
    add(2, "iv_cont", 50, False, "partial", 4)
    return rows


def _hand_km_median(times, events):
    """Product-limit median written out independently, with R's rule (print.survfit).

    The first time S <= 0.5; if S is exactly 0.5 there, the midpoint between that
    time and the next time the curve drops (Collett, Modelling Survival Data, 2.4;
    R survival's survmean).
    """
    s, curve = 1.0, []
    for t in sorted(set(times)):
        n = sum(x >= t for x in times)
        d = sum(1 for x, e in zip(times, events) if x == t and e)
        s *= 1 - d / n
        if d:
            curve.append((t, s))
    for i, (t, s) in enumerate(curve):
        if abs(s - 0.5) < 1e-12:
            return (t + curve[i + 1][0]) / 2 if i + 1 < len(curve) else t
        if s < 0.5:
            return t
    return None


@pytest.fixture()
def upload_dataset(data_copy):
    path = data_copy / "cases.csv"
    existing = read_rows(path)
    source_id = read_rows(data_copy / "sources.csv")[0]["source_id"]
    with open(path, "a", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(schema.CASES.column_names))
        for r in _synthetic_rows(source_id):
            w.writerow(r)
    return load_dataset(data_copy), existing


def test_synthetic_upload_draws_km_logrank_and_competing_risks(upload_dataset):
    ds, existing = upload_dataset
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["_outcomes_km_by"] = "route"
    at.query_params["condition"] = "shlh"
    at.session_state["uploaded_dataset"] = ds
    at.session_state["data_choice"] = "upload"
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, at.exception
    text = page_text(at)

    synth = _synthetic_rows("x")
    shipped = [r for r in existing if r["condition"] == "shlh"]
    all_rows = shipped + synth
    usable = [r for r in all_rows if r["followup_days"] and r["death"]]
    deaths = sum(r["death"] == "true" for r in usable)
    assert (f"**{len(usable)}** of **{len(all_rows)}** patients have both a follow-up time and death stated "
            f"(**{deaths}** deaths)") in text
    assert "A Kaplan-Meier curve needs" not in text

    tables = [df.value for df in at.main.dataframe if "Median survival" in df.value.columns]
    medians = tables[0].set_index("Group")
    for route, label in (("sc", "Subcutaneous"), ("iv", "IV bolus")):
        sub = [r for r in usable if r["route"] == route]
        t = [float(r["followup_days"]) for r in sub]
        e = [r["death"] == "true" for r in sub]
        assert medians.loc[label, "Patients"] == len(sub)
        assert medians.loc[label, "Median survival"] == f"{_hand_km_median(t, e):g} days"

    # numbers at risk at day 0 equal the group sizes
    risk = [df.value for df in at.main.dataframe if "Day 0" in df.value.columns][0].set_index("Group")
    assert risk.loc["Subcutaneous", "Day 0"] == 10 and risk.loc["IV bolus", "Day 0"] == 10

    # log-rank shown equals lib.stats.logrank (checked against R survdiff in test_stats_survival.py)
    stated = [r for r in usable if r["route"]]
    ref = logrank([float(r["followup_days"]) for r in stated], [int(r["death"] == "true") for r in stated],
                  [r["route"] for r in stated])
    assert f"χ² = {ref.statistic:.2f} on {ref.dof} degrees of freedom" in text
    # iv_cont has 2 patients and no deaths: the small-group warning is visible
    assert any("IV continuous" in w.value and "Very few patients" in w.value for w in at.main.warning)

    # competing risks: rule applied independently here
    def usable_cr(r):
        if r["response"] in ("complete", "partial"):
            return bool(r["days_to_response"])
        if r["response"] == "none":
            return bool(r["followup_days"]) and bool(r["death"])
        return False

    n_cr = sum(usable_cr(r) for r in all_rows)
    assert f"**{n_cr}** of **{len(all_rows)}** patients have the times needed" in text
    cif = [df.value for df in at.main.dataframe if "Cumulative incidence (95% CI)" in df.value.columns][0]
    assert list(cif["Event"]) == ["Response (complete or partial)", "Death without response"]
