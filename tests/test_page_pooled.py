"""AppTest of the Pooled evidence page, started from app.py with link parameters.

External reference: ``tests/reference/pages.json``, written by ``tests/reference/pages.R``,
which reads ``data/cohorts.csv`` itself, re-states the pooling rule in R and fits
``metafor::rma.glmm(measure = "PLO")`` (the page's default model), ``rma(..., method =
"REML", test = "knha")`` (the sensitivity analysis), the leave-one-out refits and
``rma.glmm(..., mods = ~ factor(group))`` (Q between) for each view opened here. The page
shows whole percentages, so a shown number must be within half a percentage point (plus
metafor's own stopping error, < 0.05 points) of R's.

If data/*.csv changes, ``test_r_reference_matches_the_shipped_data`` fails: rerun
``Rscript tests/reference/pages.R``.
"""

from __future__ import annotations

import re

import pytest

from apptest_util import page_text, run_app, link_warnings
from conftest import ROOT, read_rows
from reference_util import load

PAGE = "pages/pooled.py"
REF = {c["name"]: c for c in load("pages.json")}
HALF_POINT = 0.55  # a whole-percent display is within 0.5 points of the value; 0.05 for metafor's stopping rule


def _pct(text: str) -> float:
    return float(text.strip().rstrip("%"))


def _near(shown: str, value: float):
    assert abs(_pct(shown) - 100 * value) <= HALF_POINT, (shown, 100 * value)


def _range(text: str) -> tuple[float, float]:
    lo, hi = re.findall(r"(\d+)%?–(\d+)%", text)[0]
    return float(lo), float(hi)


def _near_range(text: str, lo: float, hi: float):
    a, b = _range(text)
    assert abs(a - 100 * lo) <= HALF_POINT and abs(b - 100 * hi) <= HALF_POINT, (text, lo, hi)


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.main.metric}


def _frame(at, column: str):
    frames = [d.value for d in at.main.dataframe if column in d.value.columns]
    assert frames, f"no table with a {column!r} column"
    return frames[0]


def _independent_rule(outcome: str, cls: str, conditions=None, triggers=None) -> list[str]:
    """The pooling rule re-stated on data/cohorts.csv with the csv module (ids of the rows that pass)."""
    rows = [r for r in read_rows(ROOT / "data" / "cohorts.csv")
            if (conditions is None or r["condition"] in conditions) and (triggers is None or r["trigger"] in triggers)]
    col = "responders" if outcome == "response" else "deaths"

    def den(r):
        return r["n_episodes"] if r["counts_refer_to"] == "episodes" else r["n"]

    def usable(r):
        return (r["design"] != "pooled_review" and r[col] != "" and den(r) != "" and int(r[col]) <= int(den(r))
                and (outcome != "response" or cls == "all" or r["response_class"] == cls))

    whole = {r["source_id"] for r in rows if not r["subgroup"] and usable(r)}
    return sorted(r["cohort_id"] for r in rows if usable(r) and not (r["subgroup"] and r["source_id"] in whole))


@pytest.mark.parametrize("name", [n for n, c in REF.items() if "cohort_ids" in c])
def test_r_reference_matches_the_shipped_data(name):
    """R's rule (pages.R) and a csv-module restatement pick the same cohorts: the reference is current."""
    c = REF[name]
    got = _independent_rule(c["outcome"], c["response_class"], c["conditions"] or None, c["triggers"] or None)
    assert got == c["cohort_ids"], "data/cohorts.csv changed: rerun Rscript tests/reference/pages.R"


@pytest.fixture(scope="module")
def default_view():
    return run_app({}, PAGE)


def test_default_view_pools_early_response_with_the_glmm_as_r(default_view):
    at = default_view
    assert not at.exception, at.exception
    ref = REF["default_response"]
    g = ref["glmm"]
    assert at.selectbox(key="view_pooled_class").value == "early_response"
    assert at.selectbox(key="view_pooled_method").value == "GLMM"
    assert any("Early response (within 2 weeks)" in h.value for h in at.main.subheader)
    m = _metrics(at)
    _near(m["Pooled response"], g["estimate"])  # R: rma.glmm(measure = "PLO", xi, ni)
    _near_range(m["New study (95% prediction interval)"], g["pi_lower"], g["pi_upper"])
    text = page_text(at)
    ci = re.search(r"95% CI (\d+%–\d+%)", text).group(1)
    _near_range(ci, g["ci_lower"], g["ci_upper"])
    assert "where a new study's true proportion is expected" in text
    k = len(ref["cohort_ids"])
    assert m["Studies pooled"] == str(k)
    assert f"{k} cohorts, {sum(ref['totals'])} patients." in text
    # k = 5 and tau2 > 0 here: heterogeneity is shown (I² of rma.glmm)
    assert k >= 5 and g["tau2"] > 0
    _near(m["I²"], g["i2"] / 100)
    # sensitivity analysis: REML with Knapp-Hartung, as R rma(..., test = "knha")
    sens = re.search(r"Sensitivity analysis \(Normal-normal, REML, Knapp-Hartung \(t-based\)\): (\d+%) "
                     r"\(95% CI (\d+%–\d+%)\)", text)
    assert sens, text
    _near(sens.group(1), ref["knha"]["estimate"])
    _near_range(sens.group(2), ref["knha"]["ci_lower"], ref["knha"]["ci_upper"])


def test_default_view_leave_one_out_matches_r_refits(default_view):
    ref = REF["default_response"]["glmm_leave1out"]
    loo = _frame(default_view, "Study left out")
    assert len(loo) == len(ref["estimate"])
    # R refits rma.glmm without each study; match rows by the set of values (labels are lib's)
    shown = sorted(_pct(v) for v in loo["Pooled without it"])
    expected = sorted(100 * v for v in ref["estimate"])
    assert all(abs(a - b) <= HALF_POINT for a, b in zip(shown, expected)), (shown, expected)


def test_default_view_forest_lists_the_studies_with_counts_and_no_internal_ids(default_view):
    ref = REF["default_response"]
    table = _frame(default_view, "Study or estimate")
    studies = table.loc[table["Counts"].isin(["Patients", "Episodes"])]
    assert sorted(zip(studies["Responders"].astype(int), studies["n"].astype(int))) == \
        sorted(zip(ref["events"], ref["totals"]))
    cohort_table = _frame(default_view, "Design")
    assert "Cohort id" not in cohort_table.columns and "cohort_id" not in cohort_table.columns
    reviews = [r for r in read_rows(ROOT / "data" / "cohorts.csv") if r["design"] == "pooled_review"]
    assert (cohort_table["Design"] == "Pooled review").sum() == len(reviews)


def test_remission_class_from_the_link_says_heterogeneity_cannot_be_assessed():
    at = run_app({"_pooled_class": "remission"}, PAGE)
    assert not at.exception, at.exception
    ref = REF["remission"]
    g = ref["glmm"]
    assert at.selectbox(key="view_pooled_class").value == "remission"
    assert at.query_params["_pooled_class"] in ("remission", ["remission"])
    m = _metrics(at)
    _near(m["Pooled response"], g["estimate"])
    _near_range(m["New study (95% prediction interval)"], g["pi_lower"], g["pi_upper"])
    assert len(ref["cohort_ids"]) < 5
    assert m["Heterogeneity"] == "Cannot be assessed"
    assert "I²" not in m
    if g["tau2"] < 1e-8:
        assert "equals the CI because τ² is estimated as 0" in page_text(at)


def test_mortality_by_age_group_shows_the_test_of_subgroup_differences_as_r():
    at = run_app({"_pooled_outcome": "mortality", "_pooled_by": "age_group"}, PAGE)
    assert not at.exception, at.exception
    ref = REF["mortality_by_age_group"]
    _near(_metrics(at)["Pooled mortality"], ref["glmm"]["estimate"])
    t = ref["subgroup_test"]  # R: rma.glmm(measure = "PLO", xi, ni, mods = ~ factor(age_group))$QM, $QMp
    md = " ".join(x.value for x in at.main.markdown)
    found = re.search(r"Q between = (\d+\.\d+) on (\d+) df, p = (\d+\.\d+)", md)
    assert found, md
    assert abs(float(found.group(1)) - t["q_between"]) < 0.006
    assert int(found.group(2)) == t["df"]
    assert abs(float(found.group(3)) - t["p_value"]) < 0.0006
    assert any("By age group" in h.value for h in at.main.subheader)


def _no_pooled_figure(at):
    m = _metrics(at)
    assert not any(label.startswith("Pooled ") for label in m), m
    assert "New study (95% prediction interval)" not in m
    warnings = " ".join(w.value for w in at.main.warning)
    assert "No pooled figure." in warnings
    return warnings


def test_a_pool_of_two_studies_gives_no_pooled_figure_and_says_why():
    at = run_app({"condition": "mas"}, PAGE)  # early response in MAS: two cohorts
    assert not at.exception, at.exception
    ref = REF["mas_early_response"]
    assert ref["blocks"] == ["too_few_studies"] and len(ref["cohort_ids"]) == 2
    warnings = _no_pooled_figure(at)
    assert "Only 2 studies can be pooled here; a pooled estimate needs at least 3" in warnings
    table = _frame(at, "Study or estimate")
    assert len(table) == 2  # the two studies, each with its own exact interval


def test_two_sibling_subgroups_give_no_pooled_figure_and_say_why():
    params = {"trigger": ["sjia", "malignancy", "covid19", "unknown"], "_pooled_outcome": "mortality"}
    at = run_app(params, PAGE)
    assert not at.exception, at.exception
    ref = REF["siblings_only_mortality"]
    assert ref["blocks"] == ["sibling_subgroups"] and len(ref["cohort_ids"]) >= 3
    warnings = _no_pooled_figure(at)
    assert "Two or more rows come from one study" in warnings
    assert "at most one row per study" in warnings
    assert "needs at least 3" not in warnings  # siblings alone stop this pool
    assert len(_frame(at, "Study or estimate")) == len(ref["cohort_ids"])


def test_mixed_outcome_classes_give_no_pooled_figure_and_say_why():
    at = run_app({"_pooled_class": "all"}, PAGE)
    assert not at.exception, at.exception
    ref = REF["all_classes"]
    assert ref["blocks"] == ["mixed_classes"]
    warnings = _no_pooled_figure(at)
    assert "response is pooled only within one outcome class" in warnings
    assert len(_frame(at, "Study or estimate")) == len(ref["cohort_ids"])


def test_reml_with_knapp_hartung_from_the_link_and_the_test_option_writes_the_link():
    at = run_app({"_pooled_method": "REML"}, PAGE)
    assert not at.exception, at.exception
    ref = REF["default_response"]["knha"]  # R: rma(measure = "PLO", xi, ni, method = "REML", test = "knha")
    assert at.radio(key="view_pooled_test").value == "knha"
    m = _metrics(at)
    _near(m["Pooled response"], ref["estimate"])
    _near_range(m["New study (95% prediction interval)"], ref["pi_lower"], ref["pi_upper"])
    text = page_text(at)
    assert "Knapp-Hartung" in text and 'test = "knha"' in text
    # the sensitivity analysis is now the GLMM
    assert "Sensitivity analysis (Binomial-normal GLMM (exact likelihood))" in text
    at.radio(key="view_pooled_test").set_value("z").run()
    assert not at.exception, at.exception
    assert at.query_params["_pooled_test"] in ("z", ["z"])
    assert at.query_params["_pooled_method"] in ("REML", ["REML"])
    assert 'test = "z"' in page_text(at)


def test_glmm_has_no_test_option_and_defaults_stay_out_of_the_link(default_view):
    with pytest.raises(KeyError):
        default_view.radio(key="view_pooled_test")
    for key in ("_pooled_method", "_pooled_test", "_pooled_class", "_pooled_outcome", "_pooled_by"):
        assert key not in default_view.query_params


def test_empty_filter_result_shows_a_message():
    at = run_app({"year_max": "1990"}, PAGE)
    assert not at.exception, at.exception
    assert "No patients or cohorts match the current filters" in page_text(at)


def test_bad_view_options_in_the_link_warn_and_fall_back():
    at = run_app({"_pooled_outcome": "relapse", "_pooled_method": "<b>x</b>", "_pooled_by": "zzz",
                  "_pooled_class": "cure"}, PAGE)
    assert not at.exception, at.exception
    warnings = link_warnings(at)
    assert any("Ignored _pooled_outcome='relapse'" in w for w in warnings)
    assert any("Ignored _pooled_method=" in w for w in warnings)
    assert any("Ignored _pooled_by='zzz'" in w for w in warnings)
    assert any("Ignored _pooled_class='cure'" in w for w in warnings)
    _near(_metrics(at)["Pooled response"], REF["default_response"]["glmm"]["estimate"])
