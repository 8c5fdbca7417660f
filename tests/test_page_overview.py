"""AppTest of the Overview: the one patient count, and the headline outcomes per condition with bounds.

Expected numbers: the csv module on data/*.csv (counts, ranges) and R (tests/reference/pages.json,
written by tests/reference/pages.R: ``binom.test`` per condition for the exact intervals).
"""

from __future__ import annotations

import re

import pytest

from apptest_util import page_text, run_app
from conftest import ROOT, read_rows
from lib import schema
from reference_util import load

PATIENTS = {c["condition"]: c for c in load("pages.json") if c["name"].startswith("patients_")}


def _rows(name):
    return read_rows(ROOT / "data" / f"{name}.csv")


@pytest.fixture(scope="module")
def overview():
    return run_app({})


def _blocks(at) -> dict[str, dict]:
    """Per condition (in page order): the metric label -> value pairs under its bold title."""
    titles = [m.value.strip("*") for m in at.main.markdown if m.value.startswith("**") and m.value.endswith("**")
              and m.value.strip("*") in schema.CONDITION_LABELS.values()]
    metrics = list(at.main.metric)
    assert len(metrics) == 3 * len(titles), (titles, [m.label for m in metrics])
    return {t: {m.label: m.value for m in metrics[3 * i:3 * i + 3]} for i, t in enumerate(titles)}


def test_headlines_are_per_condition_in_vocabulary_order(overview):
    at = overview
    assert not at.exception, at.exception
    present = [c for c in schema.CONDITIONS if any(r["condition"] == c for r in _rows("cases") + _rows("cohorts"))]
    assert list(_blocks(at)) == [schema.CONDITION_LABELS[c] for c in present]
    # no figure across conditions: no metric outside the condition blocks
    assert len(at.main.metric) == 3 * len(present)


@pytest.mark.parametrize("condition", list(PATIENTS))
def test_response_and_deaths_headlines_with_denominators_and_bounds(overview, condition):
    ref = PATIENTS[condition]  # R: table(response); binom.test(responders, stated)
    block = _blocks(overview)[schema.CONDITION_LABELS[condition]]
    n, m, k = ref["n"], ref["n_stated"], ref["responders"]
    response = [(label, v) for label, v in block.items() if label.startswith("Responded")][0]
    assert response[1] == (f"{k} of {m}" if m else "—")
    # the label names only categories somebody is coded in
    words = {"complete": "complete", "partial": "partial", "improved": "improved (not graded)"}
    for cat, word in words.items():
        assert (word in response[0]) == (ref["counts"][cat] > 0), response[0]
    text = page_text(overview)
    if m >= 5:
        lo, hi = ref["response_ci"]["lower"], ref["response_ci"]["upper"]
        assert (f"{100 * k / m:.0f}% of those stated (95% CI {100 * lo:.0f}%–{100 * hi:.0f}%, Clopper-Pearson)"
                in text)
        if n > m:
            assert (f"{n - m} not stated: {100 * k / n:.0f}% of all {n} if none of them responded, "
                    f"{100 * (k + n - m) / n:.0f}% if all did") in text
    elif m and n > m:
        assert f"{n - m} not stated: {k} of all {n} if none of them responded, {k + n - m} if all did" in text
    died, dm = ref["died"], ref["death_n_stated"]
    assert block["Deaths reported"] == f"{died} among {n}"
    if dm and n > dm:
        bound = (f"{100 * died / n:.0f}% of all {n} if all of them survived, {100 * (died + n - dm) / n:.0f}% if all "
                 "died") if dm >= 5 else f"{died} of all {n} if all of them survived, {died + n - dm} if all died"
        assert f"survival status stated for {dm}; {n - dm} not stated: {bound}" in text
    # never a bare share of the stated few as the headline
    assert not re.fullmatch(r"\d+%", block["Deaths reported"])


def test_patient_count_is_worded_as_a_bound(overview):
    text = page_text(overview)
    reviews = [k for k in _rows("cohorts") if k["design"] == "pooled_review"]
    assert "patients in primary reports" in text
    if reviews:
        total = sum(int(k["n"]) for k in reviews)
        assert f"pooled reviews add up to {total:,} more who may overlap with them, so at most" in text
    assert "at most" not in text.split("patients in primary reports")[0]  # the primary count is not called a bound


def test_a_condition_filter_shows_only_that_condition():
    at = run_app({"condition": "dira"})
    assert not at.exception, at.exception
    assert list(_blocks(at)) == ["DIRA"]
