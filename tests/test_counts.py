"""lib.counts on the shipped data, with expected numbers from an independent reader (the csv module).

Exact Clopper-Pearson limits are R ``binom.test`` (tests/reference/pages.json, written by
tests/reference/pages.R from data/cases.csv).
"""

import pandas as pd
import pytest

from conftest import ROOT, read_rows
from lib import counts
from lib.filters import FilterState, apply_filters
from reference_util import load

PATIENTS = {c["condition"]: c for c in load("pages.json") if c["name"].startswith("patients_")}


def _independent_count(conditions=None):
    """Distinct-patient count re-stated on the CSV rows: primary = cases not in a primary cohort + primary n."""
    cases = [c for c in read_rows(ROOT / "data" / "cases.csv") if conditions is None or c["condition"] in conditions]
    cohorts = [k for k in read_rows(ROOT / "data" / "cohorts.csv")
               if conditions is None or k["condition"] in conditions]
    prim = [k for k in cohorts if k["design"] != "pooled_review"]
    whole = {k["source_id"] for k in prim if not k["subgroup"]}
    prim = [k for k in prim if not (k["subgroup"] and k["source_id"] in whole)]
    prim_ids = {k["cohort_id"] for k in prim}
    sub_source = {k["cohort_id"]: k["source_id"] for k in cohorts if k["subgroup"]}
    in_cohorts = sum(1 for c in cases if c["included_in_cohort"] in prim_ids
                     or sub_source.get(c["included_in_cohort"]) in whole)
    reviews = [k for k in cohorts if k["design"] == "pooled_review"]
    primary = len(cases) - in_cohorts + sum(int(k["n"]) for k in prim)
    return primary, sum(int(k["n"]) for k in reviews), in_cohorts


def test_patient_count_on_shipped_data_matches_an_independent_count(shipped):
    primary, review, in_cohorts = _independent_count()
    pc = counts.view_patient_count(apply_filters(shipped, FilterState()))
    assert (pc.primary, pc.review_patients, pc.cases_in_cohorts) == (primary, review, in_cohorts)
    assert pc.upper == primary + review
    text = counts.patient_count_text(pc)
    assert text.startswith(f"{primary:,} patients in primary reports")
    if review:
        assert f"add up to {review:,} more who may overlap with them, so at most {primary + review:,} distinct" in text


def test_patient_count_text_without_reviews_makes_no_upper_bound_claim():
    pc = counts.PatientCount(cases=3, cases_in_cohorts=1, cohort_patients=10, cohorts=2, review_patients=0,
                             reviews=0)
    assert counts.patient_count_text(pc) == (
        "12 patients in primary reports (2 described individually, 10 in 2 cohorts; 1 described individually "
        "and also in their cohort is counted once).")
    one = counts.PatientCount(cases=1, cases_in_cohorts=0, cohort_patients=0, cohorts=0, review_patients=0, reviews=0)
    assert counts.patient_count_text(one) == "1 patient in primary reports (1 described individually)."


def test_a_case_in_a_subgroup_of_a_whole_study_is_counted_once():
    cases = pd.DataFrame({"case_id": ["p1", "p2"], "included_in_cohort": ["s-sub", None]})
    cohorts = pd.DataFrame({"cohort_id": ["s-all", "s-sub", "rev"], "source_id": ["s", "s", "r"],
                            "subgroup": [None, "x", None], "design": ["retrospective", "retrospective",
                                                                      "pooled_review"],
                            "n": pd.array([10, 4, 50], dtype="Int64")})
    pc = counts.patient_count(cases, cohorts)
    assert (pc.cases_in_cohorts, pc.cohort_patients, pc.primary, pc.review_patients, pc.upper) == (1, 10, 11, 50, 61)


@pytest.mark.parametrize("condition", ["dira", "mas", "shlh", "phlh"])
def test_condition_headlines_match_r_and_the_csv(shipped, condition):
    head = counts.condition_headlines(apply_filters(shipped, FilterState())).set_index("condition")
    ref = PATIENTS[condition]  # R: table of response, binom.test(responders, stated)
    row = head.loc[condition]
    assert row["n"] == ref["n"]
    for cat in ("complete", "partial", "improved", "none"):
        assert row[cat] == ref["counts"][cat]
    assert row["n_stated"] == ref["n_stated"] and row["responders"] == ref["responders"]
    assert row["not_stated"] == ref["n"] - ref["n_stated"]
    if ref["n_stated"]:
        assert row["response_ci_lower"] == pytest.approx(ref["response_ci"]["lower"], rel=1e-9)
        assert row["response_ci_upper"] == pytest.approx(ref["response_ci"]["upper"], rel=1e-9)
    assert row["response_if_none"] == pytest.approx(ref["responders"] / ref["n"])
    assert row["response_if_all"] == pytest.approx((ref["responders"] + ref["n"] - ref["n_stated"]) / ref["n"])
    assert row["died"] == ref["died"] and row["death_n_stated"] == ref["death_n_stated"]
    assert row["death_if_none"] == pytest.approx(ref["died"] / ref["n"])
    assert row["death_if_all"] == pytest.approx((ref["died"] + ref["n"] - ref["death_n_stated"]) / ref["n"])
    primary, review, _ = _independent_count({condition})
    assert (row["primary_patients"], row["review_patients"]) == (primary, review)


def test_condition_headlines_only_list_conditions_in_view(shipped):
    head = counts.condition_headlines(apply_filters(shipped, FilterState(conditions=("dira",))))
    assert head["condition"].tolist() == ["dira"]
    assert list(head.columns) == counts.HEADLINE_COLUMNS


def test_design_labels_name_reviews_series_and_cohorts(shipped):
    labels = counts.design_labels(shipped.cohorts, shipped.sources)
    reviews = shipped.cohorts["design"] == "pooled_review"
    assert (labels[reviews] == "Pooled review").all()
    assert labels[~reviews].str.match(r"^(Cohort|Case series)( \(.+\))?$").all()


def test_count_denominators_use_episodes_where_the_counts_refer_to_them(shipped):
    den = counts.count_denominators(shipped.cohorts)
    ep = (shipped.cohorts["counts_refer_to"] == "episodes").fillna(False)
    assert (den[ep] == shipped.cohorts.loc[ep, "n_episodes"].astype(float)).all()
    assert (den[~ep] == shipped.cohorts.loc[~ep, "n"].astype(float)).all()


def test_counts_by_route_counts_multi_route_rows_under_each(shipped):
    view = apply_filters(shipped, FilterState())
    table = counts.counts_by(view, "route")
    multi = view.cases["route"].fillna("").str.contains(";").sum()
    stated = view.cases["route"].notna().sum()
    assert table.loc[table["value"].notna(), "patients"].sum() == stated + multi


def test_response_counts_keep_improved_and_not_stated_apart(shipped):
    view = apply_filters(shipped, FilterState())
    got = counts.response_counts(view.cases)
    assert set(got) == {"complete", "partial", "improved", "none", "not_stated"}
    assert sum(got.values()) == len(view.cases)
    assert got["not_stated"] == sum(1 for c in read_rows(ROOT / "data" / "cases.csv") if not c["response"])
