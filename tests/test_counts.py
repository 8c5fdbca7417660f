"""lib.summaries on small synthetic views (tests only) and on the shipped data."""


from lib import summaries
from lib.filters import FilterState, apply_filters


def test_distinct_patients_on_shipped_data_matches_an_independent_count(shipped):
    from conftest import ROOT, read_rows
    cases = read_rows(ROOT / "data" / "cases.csv")
    cohorts = read_rows(ROOT / "data" / "cohorts.csv")
    prim = [k for k in cohorts if k["design"] != "pooled_review"]
    whole = {k["source_id"] for k in prim if not k["subgroup"]}
    prim = [k for k in prim if not (k["subgroup"] and k["source_id"] in whole)]
    prim_ids = {k["cohort_id"] for k in prim}
    in_cohorts = sum(1 for c in cases if c["included_in_cohort"] in prim_ids)
    expected = len(cases) - in_cohorts + sum(int(k["n"]) for k in prim)
    got = summaries.distinct_patients(apply_filters(shipped, FilterState()))
    assert got["total"] == expected
    assert got["cases_in_cohorts"] == in_cohorts


def test_counts_by_route_counts_multi_route_rows_under_each(shipped):
    view = apply_filters(shipped, FilterState())
    table = summaries.counts_by(view, "route")
    multi = view.cases["route"].fillna("").str.contains(";").sum()
    stated = view.cases["route"].notna().sum()
    assert table.loc[table["value"].notna(), "patients"].sum() == stated + multi


def test_headline_counts_never_treat_missing_as_none(shipped):
    view = apply_filters(shipped, FilterState())
    head = summaries.headline_counts(view).set_index("measure")
    stated = view.cases["response"].notna().sum()
    assert head.loc["complete_response", "n"] == stated
    assert head.loc["complete_response", "missing"] == len(view.cases) - stated
