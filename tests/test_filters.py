"""The filter state, its URL grammar and filtering (lib.filters)."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from lib import schema
from lib.data import enrich, validate_table
from lib.filters import (
    MULTI_KEYS,
    FilterState,
    apply_filters,
    case_mask,
    cohort_mask,
    from_query_params,
    option_counts,
    to_query_params,
)
from lib.data import Dataset

# ---------------------------------------------------------------------------
# Query string -> state: a table, datasette style
# ---------------------------------------------------------------------------

CASES = [
    ({}, FilterState(), 0),
    ({"condition": ["mas"]}, FilterState(conditions=("mas",)), 0),
    ({"condition": ["shlh", "dira"]}, FilterState(conditions=("dira", "shlh")), 0),
    ({"condition": ["MAS"]}, FilterState(conditions=("mas",)), 0),
    ({"condition": ["mas", "mas"]}, FilterState(conditions=("mas",)), 0),
    ({"condition": ["covid"]}, FilterState(), 1),
    ({"condition": "dira"}, FilterState(conditions=("dira",)), 0),
    ({"route": ["iv_cont", "sc"]}, FilterState(routes=("sc", "iv_cont")), 0),
    ({"route": ["oral"]}, FilterState(), 1),
    ({"dose_min": ["2"], "dose_max": ["10"]}, FilterState(dose_min=2.0, dose_max=10.0), 0),
    ({"dose_min": ["2.5"]}, FilterState(dose_min=2.5), 0),
    ({"dose_max": ["nan"]}, FilterState(), 1),
    ({"dose_max": ["inf"]}, FilterState(), 1),
    ({"dose_max": ["-1"]}, FilterState(), 1),
    ({"dose_max": ["1e308"]}, FilterState(), 1),
    ({"dose_max": ["ten"]}, FilterState(), 1),
    ({"dose_max": ["5", "7"]}, FilterState(dose_max=5.0), 1),
    ({"dose_min": ["10"], "dose_max": ["2"]}, FilterState(), 1),
    ({"year_min": ["2015"]}, FilterState(year_min=2015), 0),
    ({"year_min": ["2015.5"]}, FilterState(), 1),
    ({"year_min": ["1066"]}, FilterState(), 1),
    ({"sex": ["female"], "age": ["infant", "adult"]}, FilterState(sexes=("female",), age_bands=("infant", "adult")), 0),
    ({"cotherapy": ["etoposide"], "pubtype": ["case_report"]}, FilterState(cotherapies=("etoposide",), pub_types=("case_report",)), 0),
    ({"trigger": ["<script>alert(1)</script>"]}, FilterState(), 1),
    ({"bogus": ["1"]}, FilterState(), 1),
    ({"_labs_analyte": ["crp"]}, FilterState(), 0),  # view options belong to pages
    ({"_analyte": ["crp"]}, FilterState(), 1),  # an unknown view option is reported
    ({"_summary_details": ["full"]}, FilterState(), 1),
    ({"__proto__": ["1"]}, FilterState(), 1),
    ({"_pooled_by": ["trigger", "route"]}, FilterState(), 1),  # a repeated single-value key
    ({"dose_min": ["1_0"]}, FilterState(), 1),  # Python's float() would read 10
    ({"dose_min": ["١٠"]}, FilterState(), 1),  # Arabic-Indic digits
    ({"year_min": ["２０２０"]}, FilterState(), 1),  # full-width digits
    ({"dose_max": ["1e1"]}, FilterState(dose_max=10.0), 0),
    ({"dose_max": [".5"]}, FilterState(dose_max=0.5), 0),
    ({"trigger": ["Kawasaki"]}, FilterState(), 1),  # Kelvin sign K is not folded into "kawasaki"
    ({"trigger": ["KAWASAKI"]}, FilterState(triggers=("kawasaki",)), 0),
    ({"_link_too_long": ["600000"]}, FilterState(), 0),  # the server's note, read by system_notes
    ({"condition": ["mas\x00"]}, FilterState(), 1),
    ({"dose_min": ["9" * 500]}, FilterState(), 1),
]


@pytest.mark.parametrize("params,expected,n_warnings", CASES)
def test_from_query_params(params, expected, n_warnings):
    state, warnings = from_query_params(params)
    assert state == expected
    assert len(warnings) == n_warnings, warnings


@pytest.mark.parametrize("state,expected", [
    (FilterState(), {}),
    (FilterState(conditions=("mas", "dira")), {"condition": ["dira", "mas"]}),
    (FilterState(dose_min=2.0, dose_max=10.0), {"dose_min": ["2"], "dose_max": ["10"]}),
    (FilterState(dose_max=2.5), {"dose_max": ["2.5"]}),
    (FilterState(year_min=2015, routes=("iv_cont",)), {"route": ["iv_cont"], "year_min": ["2015"]}),
])
def test_to_query_params(state, expected):
    assert to_query_params(state) == expected


def test_warnings_do_not_echo_control_characters_or_long_values():
    _, warnings = from_query_params({"trigger": ["\x1b[31m" + "A" * 500]})
    assert len(warnings) == 1
    assert "\x1b" not in warnings[0]
    assert len(warnings[0]) < 200


def test_state_rejects_bad_values_directly():
    with pytest.raises(ValueError):
        FilterState(conditions=("nope",))
    with pytest.raises(ValueError):
        FilterState(dose_min=5.0, dose_max=1.0)
    with pytest.raises(ValueError):
        FilterState(dose_max=float("nan"))


def test_without_removes_one_item():
    s = FilterState(conditions=("dira", "mas"), dose_max=4.0)
    assert s.without("conditions", "mas") == FilterState(conditions=("dira",), dose_max=4.0)
    assert s.without("dose_max") == FilterState(conditions=("dira", "mas"))


# ---------------------------------------------------------------------------
# Round trip (property test)
# ---------------------------------------------------------------------------

def _subset(values):
    return st.lists(st.sampled_from(values), unique=True).map(tuple)


@st.composite
def states(draw):
    kwargs = {name: draw(_subset(allowed)) for name, (_, allowed) in MULTI_KEYS.items()}
    dose = sorted(draw(st.lists(st.floats(0, 100, allow_nan=False), min_size=2, max_size=2)))
    years = sorted(draw(st.lists(st.integers(1990, 2030), min_size=2, max_size=2)))
    if draw(st.booleans()):
        kwargs["dose_min"] = dose[0]
    if draw(st.booleans()):
        kwargs["dose_max"] = dose[1]
    if draw(st.booleans()):
        kwargs["year_min"] = years[0]
    if draw(st.booleans()):
        kwargs["year_max"] = years[1]
    return FilterState(**kwargs)


@settings(max_examples=300, deadline=None)
@given(states())
def test_round_trip(state):
    back, warnings = from_query_params(to_query_params(state))
    assert back == state
    assert warnings == []


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=12), st.lists(st.text(max_size=40), max_size=3), max_size=6))
def test_any_query_gives_a_state_and_never_raises(params):
    state, warnings = from_query_params(params)
    assert isinstance(state, FilterState)
    assert all(isinstance(w, str) for w in warnings)


# ---------------------------------------------------------------------------
# Filtering semantics on a small synthetic table (tests only)
# ---------------------------------------------------------------------------

def _synthetic() -> Dataset:
    src = pd.DataFrame([
        dict(source_id="a2010", year="2010", title="A", pub_type="case_report", url="https://doi.org/10.1/a", extraction_date="2026-11-23"),
        dict(source_id="b2020", year="2020", title="B", pub_type="cohort", url="https://doi.org/10.1/b", extraction_date="2026-11-23"),
    ], dtype=object)
    base = dict(locator="abstract", extraction_date="2026-11-23")
    cases = pd.DataFrame([
        dict(case_id="c1", source_ids="a2010", condition="dira", trigger="genetic", age_years="0.1", sex="male", route="sc", dose_mg_kg_day="1", **base),
        dict(case_id="c2", source_ids="a2010", condition="mas", trigger="sjia", age_years="8", sex="female", route="iv;sc", dose_mg_kg_day="10", cotherapies="glucocorticoids;ciclosporin", **base),
        dict(case_id="c3", source_ids="b2020", condition="shlh", trigger="ebv", age_years="40", route="iv_cont", cotherapies="etoposide", **base),
        dict(case_id="c4", source_ids="b2020", condition="mas", trigger="aosd", **base),
    ], dtype=object)
    cohorts = pd.DataFrame([
        dict(cohort_id="k1", source_id="b2020", condition="shlh", trigger="mixed", population="p", n="20", age_median_years="50", route="iv", dose_mg_kg_day_min="2", dose_mg_kg_day_max="8", **base),
        dict(cohort_id="k2", source_id="b2020", condition="mas", trigger="sjia", population="p", n="5", **base),
    ], dtype=object)
    s, _ = validate_table(src, schema.SOURCES)
    c, ci = validate_table(cases, schema.CASES)
    k, ki = validate_table(cohorts, schema.COHORTS)
    assert ci == [] and ki == []
    c, k = enrich(c, k, s)
    empty_labs, _ = validate_table(pd.DataFrame(columns=schema.LABS.column_names), schema.LABS)
    return Dataset(sources=s, cases=c, cohorts=k, labs=empty_labs, screening=pd.DataFrame(), verification=pd.DataFrame())


@pytest.mark.parametrize("state,cases,cohorts", [
    (FilterState(), ["c1", "c2", "c3", "c4"], ["k1", "k2"]),
    (FilterState(conditions=("mas",)), ["c2", "c4"], ["k2"]),
    (FilterState(conditions=("mas", "dira")), ["c1", "c2", "c4"], ["k2"]),
    (FilterState(routes=("sc",)), ["c1", "c2"], []),
    (FilterState(routes=("iv",)), ["c2"], ["k1"]),
    (FilterState(dose_min=5.0), ["c2"], ["k1"]),             # k1's range 2-8 overlaps >= 5
    (FilterState(dose_max=1.5), ["c1"], []),
    (FilterState(dose_min=9.0, dose_max=12.0), ["c2"], []),
    (FilterState(sexes=("female",)), ["c2"], []),           # cohorts never match a sex filter
    (FilterState(age_bands=("infant",)), ["c1"], []),
    (FilterState(age_bands=("adult",)), ["c3"], ["k1"]),
    (FilterState(cotherapies=("etoposide", "ciclosporin")), ["c2", "c3"], []),
    (FilterState(year_max=2015), ["c1", "c2"], []),
    (FilterState(pub_types=("cohort",)), ["c3", "c4"], ["k1", "k2"]),
    (FilterState(triggers=("mixed",)), [], ["k1"]),
    (FilterState(conditions=("phlh",)), [], []),
])
def test_filtering(state, cases, cohorts):
    ds = _synthetic()
    view = apply_filters(ds, state)
    assert view.cases["case_id"].tolist() == cases
    assert view.cohorts["cohort_id"].tolist() == cohorts


def test_apply_filters_does_not_mutate_the_dataset():
    ds = _synthetic()
    before = ds.cases.copy()
    apply_filters(ds, FilterState(conditions=("mas",), dose_min=1.0))
    pd.testing.assert_frame_equal(ds.cases, before)


def test_option_counts_are_faceted():
    ds = _synthetic()
    counts = option_counts(ds, FilterState(conditions=("mas",), routes=("sc",)), "conditions")
    # other filters (route sc) apply; the condition filter itself is skipped
    assert counts == {"dira": (1, 0), "mas": (1, 0), "shlh": (0, 0), "phlh": (0, 0)}
    assert option_counts(ds, FilterState(), "routes") == {"sc": (2, 0), "iv": (1, 1), "iv_cont": (1, 0)}


@settings(max_examples=100, deadline=None)
@given(states())
def test_filtering_a_subset_never_grows(state):
    ds = _synthetic()
    full = case_mask(ds.cases, FilterState())
    sub = case_mask(ds.cases, state)
    assert np.all(sub <= full)
    assert np.all(cohort_mask(ds.cohorts, state) <= cohort_mask(ds.cohorts, FilterState()))


def test_lab_selection_is_the_same_with_and_without_positional_links(shipped):
    import dataclasses
    from lib.data import link_labs
    linked = dataclasses.replace(shipped, labs=link_labs(shipped.labs.drop(columns=["_case_pos", "_cohort_pos"]), shipped.cases, shipped.cohorts))
    plain = dataclasses.replace(shipped, labs=shipped.labs.drop(columns=["_case_pos", "_cohort_pos"]))
    for state in (FilterState(), FilterState(conditions=("dira",)), FilterState(conditions=("shlh",)), FilterState(year_max=1990)):
        a = apply_filters(linked, state).labs["lab_id"].tolist()
        b = apply_filters(plain, state).labs["lab_id"].tolist()
        assert a == b


def test_view_options_of_another_page_are_reported():
    from lib.filters import view_key_warnings

    params = {"_pooled_by": ["trigger"], "_labs_scale": ["log"], "condition": ["mas"]}
    assert view_key_warnings(params, "labs") == [
        "Ignored '_pooled_by': it is an option of the Pooled evidence page, not of this one."]
    assert view_key_warnings(params, "pooled") == [
        "Ignored '_labs_scale': it is an option of the Labs before and after page, not of this one."]


def test_system_notes_explain_what_the_server_did():
    from lib.filters import system_notes

    assert "longer than the server accepts" in system_notes({"_link_too_long": ["600000"]})[0]
    assert "does not exist" in system_notes({"_from_path": ["/cases/x/y"]})[0]
    assert system_notes({"condition": ["mas"]}) == []


def test_too_many_values_are_cut_with_a_warning():
    state, warnings = from_query_params({"condition": ["mas"] * 300})
    assert state == FilterState(conditions=("mas",))
    assert any("only the first 200" in w for w in warnings)


@given(st.data())
@settings(max_examples=60, deadline=None)
def test_all_option_counts_equal_the_per_field_counts(shipped, data):
    """Regression guard: the one-pass counts equal option_counts field by field (its reference)."""
    from lib.filters import all_option_counts, option_counts

    kwargs = {}
    for name, (_, allowed) in MULTI_KEYS.items():
        kwargs[name] = tuple(data.draw(st.lists(st.sampled_from(allowed), max_size=2, unique=True)))
    kwargs["dose_max"] = data.draw(st.one_of(st.none(), st.sampled_from([1.0, 4.0, 10.0])))
    kwargs["year_min"] = data.draw(st.one_of(st.none(), st.sampled_from([2010, 2020])))
    state = FilterState(**kwargs)
    fast = all_option_counts(shipped, state)
    for name in MULTI_KEYS:
        assert fast[name] == option_counts(shipped, state, name), name


def test_relaxations_name_the_filter_that_brings_back_the_most(shipped):
    from lib.filters import case_mask, cohort_mask, relaxations

    state = FilterState(conditions=("dira",), routes=("iv_cont",), year_max=2012)
    got = relaxations(shipped, state)
    assert {(f, v) for f, v, _, _ in got} == set(state.active())
    for f, v, p, k in got:  # independent reference: the masks of the relaxed state
        relaxed = state.without(f, v)
        assert (p, k) == (int(case_mask(shipped.cases, relaxed).sum()), int(cohort_mask(shipped.cohorts, relaxed).sum()))
    totals = [p + k for _, _, p, k in got]
    assert totals == sorted(totals, reverse=True)
