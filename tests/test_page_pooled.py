"""AppTest of the Pooled evidence page, started from app.py with link parameters.

Expected counts are computed from data/cohorts.csv with the csv module and an
independent re-statement of the pooling rule (pooled reviews out, outcome not
reported out, a subgroup out when its study's whole-study row is pooled), so
the tests follow the data and still fail when the page pools the wrong rows.
The pooled percentage is computed with lib.stats.pool_proportions (checked
against R metafor in test_stats_meta.py) on those independently selected counts.
"""

from __future__ import annotations

from apptest_util import page_text, run_app
from conftest import ROOT, read_rows
from lib.stats import pool_proportions

PAGE = "pages/pooled.py"


def _expected(column: str, conditions=None) -> list[dict]:
    rows = [r for r in read_rows(ROOT / "data" / "cohorts.csv")
            if conditions is None or r["condition"] in conditions]

    def usable(r):
        return r["design"] != "pooled_review" and r[column].strip() != "" and int(r[column]) <= int(r["n"])

    whole = {r["source_id"] for r in rows if not r["subgroup"].strip() and usable(r)}
    return [r for r in rows if usable(r) and not (r["subgroup"].strip() and r["source_id"] in whole)]


def _not_reported(column: str, conditions=None) -> int:
    return sum(1 for r in read_rows(ROOT / "data" / "cohorts.csv")
               if (conditions is None or r["condition"] in conditions)
               and r["design"] != "pooled_review" and not r[column].strip())


def _check_pool(at, column: str, what: str, conditions=None, method="REML"):
    inc = _expected(column, conditions)
    k, patients = len(inc), sum(int(r["n"]) for r in inc)
    text = page_text(at)
    assert f"n = {k} cohorts ({patients} patients) with {what} reported" in text, text
    missing = _not_reported(column, conditions)
    if missing:
        assert f"; {missing} without this value not shown" in text
    if k >= 2:
        r = pool_proportions([int(x[column]) for x in inc], [int(x["n"]) for x in inc], method=method)
        assert f"{100 * r.estimate:.0f}%" in [m.value for m in at.main.metric]
        assert f"{k} cohorts, {patients} patients." in text
    return inc


def test_default_view_pools_response_of_the_eligible_cohorts():
    at = run_app({}, PAGE)
    assert not at.exception, at.exception
    inc = _check_pool(at, "responders", "responders")
    assert len(inc) >= 2
    # the prediction interval and the heterogeneity statistics are shown
    labels = [m.label for m in at.main.metric]
    assert {"Prediction", "I²", "Cochran's Q"} <= set(labels)
    # the cohort table lists every cohort in view
    total = len(read_rows(ROOT / "data" / "cohorts.csv"))
    assert f"{total} cohorts (" in page_text(at)


def test_mortality_with_subgroups_by_condition_from_the_link():
    at = run_app({"_pooled_outcome": "mortality", "_pooled_by": "condition"}, PAGE)
    assert not at.exception, at.exception
    _check_pool(at, "deaths", "deaths")
    assert any("By condition" in h.value for h in at.main.subheader)
    assert at.radio(key="view_pooled_outcome").value == "mortality"
    # changing an option writes it into the link, and the page follows it
    at.radio(key="view_pooled_method").set_value("DL").run()
    assert not at.exception, at.exception
    assert at.query_params["_pooled_method"] == "DL"
    assert "DerSimonian-Laird" in page_text(at)
    _check_pool(at, "deaths", "deaths", method="DL")


def test_dl_method_and_a_condition_filter():
    at = run_app({"condition": "mas", "_pooled_method": "DL"}, PAGE)
    assert not at.exception, at.exception
    _check_pool(at, "responders", "responders", {"mas"}, method="DL")
    assert "DerSimonian-Laird" in page_text(at)


def test_subgroup_row_is_pooled_when_its_whole_study_row_is_filtered_out():
    # MAS mortality: subgroup rows whose whole-study row has another condition enter the pool
    at = run_app({"condition": "mas", "_pooled_outcome": "mortality"}, PAGE)
    assert not at.exception, at.exception
    inc = _expected("deaths", {"mas"})
    text = page_text(at)
    if len(inc) == 1:
        assert "Only 1 cohort reports deaths" in text
    elif len(inc) == 0:
        assert "No cohort in view reports deaths" in text
    else:
        _check_pool(at, "deaths", "deaths", {"mas"})


def test_dira_has_too_few_cohorts_and_says_so():
    at = run_app({"condition": "dira"}, PAGE)
    assert not at.exception, at.exception
    k = len(_expected("responders", {"dira"}))
    text = page_text(at)
    if k == 0:
        assert "No cohort in view reports responders" in text
    elif k == 1:
        assert "Only 1 cohort reports responders" in text
    assert not at.main.metric or k >= 2


def test_empty_filter_result_shows_a_message():
    at = run_app({"year_max": "1990"}, PAGE)
    assert not at.exception, at.exception
    assert "No patients or cohorts match the current filters" in page_text(at)


def test_bad_view_options_in_the_link_warn_and_fall_back():
    at = run_app({"_pooled_outcome": "relapse", "_pooled_method": "<b>x</b>", "_pooled_by": "zzz"}, PAGE)
    assert not at.exception, at.exception
    warnings = [w.value for w in at.main.warning]
    assert any("Ignored _pooled_outcome='relapse'" in w for w in warnings)
    assert any("Ignored _pooled_method=" in w for w in warnings)
    assert any("Ignored _pooled_by='zzz'" in w for w in warnings)
    _check_pool(at, "responders", "responders")  # defaults: response, REML, no subgroups
