"""AppTest of the Outcomes page.

Expected numbers come from data/*.csv read with the csv module (conftest.read_rows)
and exact intervals from scipy's beta quantiles (the Clopper-Pearson definition,
R ``binom.test``; R's own values for the per-condition figures are in
tests/reference/pages.json, written by tests/reference/pages.R), so the tests
follow the data and do not reuse lib code. A
synthetic upload (generated here at run time, never shown as evidence) checks
the survival and competing-risk sections with data that has times.
"""

from __future__ import annotations

import csv

import pytest
from scipy import stats as sps
from streamlit.testing.v1 import AppTest

from apptest_util import APP, page_text, run_app, link_warnings
from conftest import ROOT, read_rows
from lib import schema
from lib.data import load_dataset
from lib.stats import logrank
from reference_util import load

PATIENTS = {c["condition"]: c for c in load("pages.json") if c["name"].startswith("patients_")}
RESPONDED = ("complete", "partial", "improved")

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
    stated = [r for r in rows if r["response"]]
    text = page_text(at)
    assert f"**{len(stated)}** of **{len(rows)}** patients have a response stated" in text
    assert f"**{len(rows) - len(stated)}** not stated" in text
    table = _frame(at, "Condition")  # default subgroup: condition
    row = table.loc[table["Condition"] == "MAS"].iloc[0]
    k = sum(r["response"] in RESPONDED for r in stated)
    assert int(row["Patients"]) == len(rows)
    assert int(row["Improved (not graded)"]) == sum(r["response"] == "improved" for r in rows)
    assert int(row["Not stated"]) == len(rows) - len(stated)
    ref = PATIENTS["mas"]  # R: binom.test(responders, stated)
    assert (k, len(stated)) == (ref["responders"], ref["n_stated"])
    lo, hi = ref["response_ci"]["lower"], ref["response_ci"]["upper"]
    assert row["Responded, of those stated (95% CI)"] == (
        f"{k} of {len(stated)} = {100 * k / len(stated):.0f}% ({100 * lo:.0f}%–{100 * hi:.0f}%)")


def test_deaths_by_condition_beside_response_with_the_range():
    at = run_app({}, PAGE)
    assert not at.exception, at.exception
    deaths = [d.value for d in at.main.dataframe if "Deaths reported" in d.value.columns][0]
    assert len(at.get("plotly_chart")) >= 2  # the response chart and the deaths chart side by side
    for cond, ref in PATIENTS.items():
        row = deaths.loc[deaths["Condition"] == schema.CONDITION_LABELS[cond]].iloc[0]
        n, died, m = ref["n"], ref["died"], ref["death_n_stated"]
        assert row["Deaths reported"] == f"{died} among {n}"
        if m >= 5:
            lo, hi = ref["death_ci"]["lower"], ref["death_ci"]["upper"]
            assert row["Died, of those stated (95% CI)"] == (
                f"{died} of {m} = {100 * died / m:.0f}% ({100 * lo:.0f}%–{100 * hi:.0f}%)")
            if n > m:
                assert row["If all not stated survived / died"] == (
                    f"{100 * died / n:.0f}%–{100 * (died + n - m) / n:.0f}%")
        elif m:
            assert row["Died, of those stated (95% CI)"] == f"{died} of {m} (too few for a %)"


def test_small_groups_show_counts_without_a_percentage():
    at = run_app({"_outcomes_by": "trigger"}, PAGE)
    assert not at.exception, at.exception
    table = [d.value for d in at.main.dataframe if "Responded, of those stated (95% CI)" in d.value.columns][0]
    by_trigger: dict = {}
    for r in _cases():
        by_trigger.setdefault(r["trigger"], []).append(r)
    small = []
    for trig, rows in by_trigger.items():
        stated = [r for r in rows if r["response"]]
        shown = table.loc[table["Trigger or background"] == schema.TRIGGER_LABELS[trig],
                          "Responded, of those stated (95% CI)"].iloc[0]
        k = sum(r["response"] in RESPONDED for r in stated)
        if 0 < len(stated) < 5:
            assert shown == f"{k} of {len(stated)} (too few for a %)"
            assert "%" not in shown.replace("too few for a %", "")
            small.append(schema.TRIGGER_LABELS[trig])
    assert small, "the shipped data should have a trigger with fewer than 5 stated responses"
    captions = " ".join(c.value for c in at.main.caption)
    assert "show 'k of n' only, without a percentage or bar" in captions
    assert all(label in captions for label in small)


def test_response_by_route_without_filters():
    at = run_app({"_outcomes_by": "route"}, PAGE)
    assert not at.exception, at.exception
    table = _frame(at, "Route")
    no_route = [r for r in _cases() if not r["route"]]
    assert int(table.loc[table["Route"] == "Not stated", "Patients"].iloc[0]) == len(no_route)
    assert int(table["Patients"].sum()) == len(_cases())  # combined routes: groups do not overlap


def test_all_patients_together_comes_with_the_mixing_warning():
    at = run_app({"_outcomes_by": "all"}, PAGE)
    assert not at.exception, at.exception
    assert any("All conditions together" in w.value for w in at.main.warning)
    one = run_app({"_outcomes_by": "all", "condition": "mas"}, PAGE)
    assert not any("All conditions together" in w.value for w in one.main.warning)


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


def test_cohort_outcomes_table_follows_the_data_and_marks_pooled_reviews():
    at = run_app({"condition": "shlh"}, PAGE)
    assert not at.exception, at.exception
    rows = _cohorts("shlh")
    reporting = [r for r in rows if r["responders"] or r["complete_responders"] or r["deaths"] or r["survival_pct"]]
    assert f"**{len(reporting)}** of **{len(rows)}** cohorts report" in page_text(at)
    table = _frame(at, "Study")
    assert len(table) == len(reporting)
    assert "Cohort" not in table.columns  # no internal ids
    assert not set(table["Study"]) & {r["cohort_id"] for r in rows}  # studies by label, never by row id
    assert (table["Pooled review"] != "").sum() == sum(r["design"] == "pooled_review" for r in reporting)
    assert set(table["Design"]) <= {"Pooled review", "Cohort", "Case series", "Cohort (retrospective)",
                                    "Cohort (prospective)", "Case series (retrospective)",
                                    "Case series (prospective)", "Cohort (trial re-analysis)", "Cohort (survey)",
                                    "Case series (trial re-analysis)", "Case series (survey)"}
    shown_resp = sorted(table["Responders (95% CI)"])
    expected = []
    for r in reporting:
        if r["responders"]:
            k = int(r["responders"])
            n = int(r["n_episodes"]) if r["counts_refer_to"] == "episodes" else int(r["n"])
            unit = " episodes" if r["counts_refer_to"] == "episodes" else ""
            expected.append(f"{k}/{n}{unit} = {_fmt(k, n)}")
        else:
            expected.append("—")  # never 0
    assert shown_resp == sorted(expected)


def test_empty_filter_result_shows_a_message():
    at = run_app({"year_max": "1990"}, PAGE)
    assert not at.exception, at.exception
    assert any("No patients or cohorts match" in i.value for i in at.main.info)


def test_bad_view_option_in_link_warns_and_falls_back():
    at = run_app({"_outcomes_by": "<b>x</b>", "_outcomes_km_by": "nope"}, PAGE)
    assert not at.exception, at.exception
    warnings = " ".join(link_warnings(at))
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
        if r["response"] in RESPONDED:
            return bool(r["days_to_response"])
        if r["response"] == "none":
            return bool(r["followup_days"]) and bool(r["death"])
        return False

    n_cr = sum(usable_cr(r) for r in all_rows)
    assert f"**{n_cr}** of **{len(all_rows)}** patients have the times needed" in text
    cif = [df.value for df in at.main.dataframe if "Cumulative incidence (95% CI)" in df.value.columns][0]
    assert list(cif["Event"]) == ["Response (complete, partial or improved)", "Death without response"]
