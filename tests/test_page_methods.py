"""AppTest of the Data and methods page: the screening flow in words and the yield curve."""

from __future__ import annotations

import pytest

from apptest_util import page_text, run_app
from conftest import ROOT, read_rows
from lib import schema

PAGE = "pages/methods.py"


@pytest.fixture(scope="module")
def at():
    return run_app(page=PAGE)


def test_runs(at):
    assert not at.exception, at.exception


def test_flow_diagram_shows_the_log_totals(at):
    rows = read_rows(ROOT / "data" / "screening.csv")
    dot = at.get("graphviz_chart")[0].proto.spec
    assert f"Records found by {len(rows)} look-ups" in dot
    for col, label in (("records_found", "Records found"), ("records_new", "Records after removing repeats"),
                       ("included", "Publications included")):
        total = sum(int(r[col]) for r in rows)
        assert f"{label}" in dot and f"n = {total}" in dot, col


def test_reasons_are_shown_in_words(at):
    frames = [df.value for df in at.main.dataframe]
    reasons = next(f for f in frames if list(f.columns) == ["label", "records"])
    assert set(reasons["label"]) <= set(schema.EXCLUSION_REASON_LABELS.values())
    rows = read_rows(ROOT / "data" / "screening.csv")
    assert int(reasons["records"].sum()) == sum(int(r["excluded"]) for r in rows)


def test_yield_curve_has_its_caption(at):
    assert "new publications per look-up, rolling over the last 100" in page_text(at)


# the rules of issue 13, each named in the statistical methods text the page shows
RULES = [
    "Per condition by default",
    "*improved\n(not graded)*",
    "never counted as no response",
    "k deaths\nreported among n patients (status stated for m)",
    "not named in a headline",
    "Below 5 patients with the outcome stated",
    "at least 3 studies",
    "at most one row per study",
    "never two sibling subgroups",
    "response is pooled only within one outcome class",
    "`_pooled_class`",
    "`_pooled_method`, `_pooled_test`",
    "pooled as episodes",
    "binomial-normal random-intercept model (GLMM)",
    "Knapp-Hartung",
    "Stijnen", "Schwarzer", "IntHout", "Röver",
    "heterogeneity cannot be assessed",
    "true proportion of a\nnew study",
    "leave-one-out",
    "Q between",
    "`_labs_window`",
    "The rank-sum test is shown only where the data are unpaired",
    "upper bound",
    "design (cohort, case series, pooled review)",
]


def _norm(text: str) -> str:
    return " ".join(text.split())


def test_statistical_methods_name_every_rule(at):
    from lib import labs, methods

    shown = _norm(" ".join(m.value for m in at.main.markdown))
    assert _norm(methods.METHODS) in shown  # the page shows lib.methods.METHODS
    for rule in RULES:
        assert _norm(rule) in _norm(methods.METHODS), rule
    assert _norm(labs.pairing_rule_text()) in shown  # the Labs page's and the summary's pairing sentence
