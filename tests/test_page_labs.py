"""AppTest of the Labs page, started from app.py with a link's query parameters.

Expected numbers on the shipped data are computed with the csv module straight
from data/ (independent of lib), so the tests follow the dataset as it grows.
The upload test puts a small synthetic patient-level dataset (built here at run
time, never shown as evidence) into the session, as the upload page does; its
expected test numbers are R's (tests/reference/wilcoxon.json).
"""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest
from apptest_util import page_text, run_app, link_warnings

from conftest import ROOT, read_rows
from lib import schema
from lib.data import enrich, load_dataset, validate_table

PAGE = "pages/labs.py"


def _shipped_lab_rows(condition: str, analyte: str | None, statistics: set[str]) -> list[dict]:
    cohorts = {r["cohort_id"] for r in read_rows(ROOT / "data" / "cohorts.csv") if r["condition"] == condition}
    return [r for r in read_rows(ROOT / "data" / "labs.csv")
            if r["entity_type"] == "cohort" and r["entity_id"] in cohorts
            and (analyte is None or r["analyte"] == analyte) and r["statistic"] in statistics]


def _analytes_with_values(condition: str) -> list[str]:
    cohorts = {r["cohort_id"] for r in read_rows(ROOT / "data" / "cohorts.csv") if r["condition"] == condition}
    cases = {r["case_id"] for r in read_rows(ROOT / "data" / "cases.csv") if r["condition"] == condition}
    present = {r["analyte"] for r in read_rows(ROOT / "data" / "labs.csv")
               if r["value_std"] and r["entity_id"] in (cohorts if r["entity_type"] == "cohort" else cases)}
    return [a for a in schema.ANALYTES if a in present]


def _expected_default(condition: str | None) -> str:
    """The analyte with the most patients with both sides, then with any value, then rows (csv module)."""
    cohorts = {r["cohort_id"] for r in read_rows(ROOT / "data" / "cohorts.csv") if condition in (None, r["condition"])}
    cases = {r["case_id"] for r in read_rows(ROOT / "data" / "cases.csv") if condition in (None, r["condition"])}
    rows = [r for r in read_rows(ROOT / "data" / "labs.csv")
            if r["value_std"] and r["entity_id"] in (cohorts if r["entity_type"] == "cohort" else cases)]
    order = [a for a in schema.ANALYTES if any(r["analyte"] == a for r in rows)]

    def rank(a):
        pts = [r for r in rows if r["analyte"] == a and r["entity_type"] == "case" and r["statistic"] == "value"]
        before = {r["entity_id"] for r in pts if r["timepoint"] == "before"}
        after = {r["entity_id"] for r in pts if r["timepoint"] == "after"}
        return (len(before & after), len({r["entity_id"] for r in pts}), sum(r["analyte"] == a for r in rows),
                -order.index(a))

    return max(order, key=rank)


def test_the_page_opens_on_the_analyte_with_the_most_data():
    for condition in (None, "mas", "shlh"):
        at = run_app({"condition": condition} if condition else {}, PAGE)
        assert not at.exception, at.exception
        assert at.selectbox(key="view_labs_analyte").value == _expected_default(condition), condition


def _frames(at) -> list[pd.DataFrame]:
    return [d.value for d in at.main.dataframe]


def _fmt_change(r: dict) -> str:
    v = float(r["value_std"])
    return ("+" if v > 0 else "") + f"{v:,.2f}".rstrip("0").rstrip(".") + " " + r["unit_std"]


def test_dira_lists_every_reported_change_and_says_there_are_no_patient_pairs():
    at = run_app({"condition": "dira"}, PAGE)
    assert not at.exception, at.exception
    analytes = _analytes_with_values("dira")
    assert analytes, "the shipped DIRA data should hold some lab rows"
    assert at.selectbox(key="view_labs_analyte").value == _expected_default("dira")
    assert "No patient in view has a" in page_text(at)
    expected = _shipped_lab_rows("dira", None, {"mean_change"})
    changes = [f for f in _frames(at) if "Mean change" in f.columns]
    if not expected:
        assert not changes
        return
    assert len(changes) == 1 and len(changes[0]) == len(expected)
    assert sorted(changes[0]["Mean change"]) == sorted(_fmt_change(r) for r in expected)


@pytest.mark.parametrize("analyte", ["esr", "crp"])
def test_dira_link_selects_the_analyte(analyte):
    if analyte not in _analytes_with_values("dira"):
        pytest.skip(f"no DIRA {analyte} values in the data")
    at = run_app({"condition": "dira", "_labs_analyte": analyte}, PAGE)
    assert not at.exception, at.exception
    assert at.selectbox(key="view_labs_analyte").value == analyte
    assert f"No patient in view has a {schema.ANALYTE_LABELS[analyte]} value" in page_text(at)


def test_shlh_ferritin_cohort_markers_and_counts():
    markers = _shipped_lab_rows("shlh", "ferritin", {"mean", "median"})
    if not markers:
        pytest.skip("no secondary-HLH ferritin summaries in the data")
    at = run_app({"condition": "shlh", "_labs_analyte": "ferritin"}, PAGE)
    assert not at.exception, at.exception
    assert at.selectbox(key="view_labs_analyte").value == "ferritin"
    options = at.selectbox(key="view_labs_analyte").options
    assert len(options) == len(_analytes_with_values("shlh"))
    table = [f for f in _frames(at) if "Value (ng/mL)" in f.columns]
    assert len(table) == 1 and len(table[0]) == len(markers)
    n_with = len({r["entity_id"] for r in markers})
    n_cohorts = sum(1 for r in read_rows(ROOT / "data" / "cohorts.csv") if r["condition"] == "shlh")
    caption = f"n = {n_with} cohorts reporting a mean or median Ferritin"
    if n_cohorts - n_with:
        caption += f"; {n_cohorts - n_with} without this value not shown"
    assert caption in page_text(at)
    shlh_cases = {r["case_id"] for r in read_rows(ROOT / "data" / "cases.csv") if r["condition"] == "shlh"}
    patient_values = [r for r in read_rows(ROOT / "data" / "labs.csv") if r["entity_type"] == "case"
                      and r["entity_id"] in shlh_cases and r["analyte"] == "ferritin" and r["value_std"]]
    # the cohort chart, plus the patient chart only when some patient in view has a ferritin value
    assert len(at.get("plotly_chart")) == 1 + bool(patient_values)


def test_empty_filter_result_gives_a_message():
    at = run_app({"year_max": "1990"}, PAGE)
    assert not at.exception, at.exception
    assert any("match the current filters" in i.value for i in at.main.info)


def test_filter_without_lab_rows_gives_a_message():
    # female only: cohorts never match a sex filter; keep only if no female case has labs
    lab_cases = {r["entity_id"] for r in read_rows(ROOT / "data" / "labs.csv") if r["entity_type"] == "case"}
    female = {r["case_id"] for r in read_rows(ROOT / "data" / "cases.csv") if r["sex"] == "female"}
    if not female or lab_cases & female:
        pytest.skip("needs female cases without lab rows")
    at = run_app({"sex": "female"}, PAGE)
    assert not at.exception, at.exception
    assert any("No laboratory values" in i.value for i in at.main.info)


def test_bad_analyte_in_the_link_warns_and_falls_back():
    at = run_app({"condition": "dira", "_labs_analyte": "<b>sodium</b>"}, PAGE)
    assert not at.exception, at.exception
    assert any("_labs_analyte" in w for w in link_warnings(at))
    assert at.selectbox(key="view_labs_analyte").value == _analytes_with_values("dira")[0]


# ---------------------------------------------------------------- uploaded patient-level data

R_PAIRED = {c["name"]: c for c in json.loads((ROOT / "tests" / "reference" / "wilcoxon.json")
                                             .read_text(encoding="utf-8"))["cases"] if c["kind"] == "paired"}


def _uploaded_dataset():
    """The shipped dataset with synthetic patient-level cases and CRP labs (R's 'small_exact' sample)."""
    ship = load_dataset(ROOT / "data")
    ref = R_PAIRED["small_exact"]
    sid = ship.sources["source_id"].iloc[0]
    n = len(ref["before"])
    cases_raw = pd.DataFrame({
        "case_id": [f"u{i}" for i in range(n + 1)], "source_ids": sid, "condition": "mas", "trigger": "sjia",
        "locator": "upload", "extraction_date": "2026-01-01"}, dtype=object)
    cases, issues = validate_table(cases_raw, schema.CASES)
    assert not issues
    rows = []
    for i, (b, a) in enumerate(zip(ref["before"], ref["after"])):
        rows += [(f"u{i}", "before", b, -1), (f"u{i}", "after", a, 7), (f"u{i}", "after", a + 500, "")]
    rows.append((f"u{n}", "before", 77, ""))  # one patient with a before value only
    labs_raw = pd.DataFrame({
        "lab_id": [f"l{i}" for i in range(len(rows))], "entity_type": "case",
        "entity_id": [r[0] for r in rows], "analyte": "crp", "timepoint": [r[1] for r in rows],
        "day": [str(r[3]) for r in rows], "statistic": "value", "value_reported": [str(r[2]) for r in rows],
        "unit_reported": "mg/L", "value_std": [str(r[2]) for r in rows], "unit_std": "mg/L",
        "locator": "upload", "extraction_date": "2026-01-01"}, dtype=object)
    labs, issues = validate_table(labs_raw, schema.LABS)
    assert not issues
    cases, _ = enrich(cases, ship.cohorts.iloc[0:0], ship.sources)
    return dataclasses.replace(ship, cases=cases, cohorts=ship.cohorts.iloc[0:0], labs=labs, label="upload")


def test_uploaded_patient_level_file_gives_the_patient_chart_and_paired_test():
    ref = R_PAIRED["small_exact"]  # R: wilcox.test(after, before, paired = TRUE): V = 1, p = 0.125
    at = AppTest_with_upload(_uploaded_dataset(), {"_labs_analyte": "crp"})
    assert not at.exception, at.exception
    text = page_text(at)
    assert "No patient in view has a" not in text
    metrics = {m.label: m.value for m in at.main.metric}
    assert metrics["Pairs"] == str(ref["n_pairs"])
    assert metrics["p (signed-rank)"] == f"{ref['p_value']:.3f}"
    assert metrics["Median change (mg/L)"] == f"{ref['median_change']:g}"
    assert f"mean change {ref['mean_change']:g} mg/L (after minus before, over 5 pairs)" in text
    n = len(ref["before"]) + 1
    assert f"n = {n} patients with a CRP value" in text
    assert f"{ref['n_pairs']} with both sides (joined by a line), 1 before only, 0 after only" in text
    tests = [f for f in _frames(at) if "Test" in f.columns][0]
    assert tests["Test"].tolist() == ["Wilcoxon signed-rank (paired) — shown above"]  # no rank-sum on paired data
    assert tests["Statistic"].iloc[0] == f"V = {ref['statistic']:g}"
    assert "No rank-sum test: not run: the values are paired" in text
    assert len(at.get("plotly_chart")) == 1  # patient chart; no cohorts in this upload
    assert any("No cohort in view reports" in i.value for i in at.main.info)


def AppTest_with_upload(dataset, params: dict):  # noqa: N802 - reads like the helper it wraps
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.session_state["uploaded_dataset"] = dataset
    at.session_state["data_choice"] = "upload"
    at.run()
    at.switch_page(PAGE)
    at.run()
    return at


def test_pairing_window_is_in_the_link_and_changes_the_pairs():
    """The synthetic upload has, per patient, an after value at day 7 and an undated one (+500): with the window
    nearest day 28 (days 15-60) the day-7 value is outside the window and the patient has a dated value, so no
    after value is used; the link carries _labs_window."""
    at = AppTest_with_upload(_uploaded_dataset(), {"_labs_analyte": "crp", "_labs_window": "d28"})
    assert not at.exception, at.exception
    assert at.selectbox(key="view_labs_window").value == "d28"
    assert at.query_params["_labs_window"] in ("d28", ["d28"])
    text = page_text(at)
    assert "No paired test: no patient has both a before and an after value" in text
    at.selectbox(key="view_labs_window").set_value("d7").run()
    assert not at.exception, at.exception
    assert "_labs_window" not in at.query_params  # the default stays out of the link
    assert {m.label: m.value for m in at.main.metric}["Pairs"] == str(R_PAIRED["small_exact"]["n_pairs"])


def test_the_summary_sentence_and_the_labs_page_use_the_same_pairing_rule():
    from lib import labs as labs_lib

    for window in ("d7", "d14"):
        at = AppTest_with_upload(_uploaded_dataset(), {"_labs_analyte": "crp", "_labs_window": window,
                                                       "_summary_labs_window": window})
        assert not at.exception, at.exception
        rule = labs_lib.pairing_rule_text(window)
        assert f"Pairing rule: {rule}" in page_text(at)
        at.switch_page("pages/summary.py")
        at.run()
        assert not at.exception, at.exception
        assert at.selectbox(key="view_summary_labs_window").value == window
        summary = page_text(at)
        assert "Patient pairs: " + rule in summary
        pairs = R_PAIRED["small_exact"]["n_pairs"] if window == "d7" else 0
        if pairs:
            assert f"MAS, CRP: {pairs} patients with values before and after anakinra" in summary
        else:
            assert "MAS, CRP:" not in summary
