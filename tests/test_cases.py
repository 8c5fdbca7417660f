"""lib.cases: the Cases table, search and case detail in words (synthetic rows, then every shipped case)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from lib import cases as C
from lib.filters import FilterState, apply_filters
from test_evidence_summary import _case, _cohort, _src, make_view
from visible_codes import Checker


@pytest.fixture()
def view():
    src = [_src("alpha2010", 2010, author="Alpha", journal="J Test", pmid="123", doi="10.1000/a"),
           _src("beta2015", 2015, journal="Pediatr Blood Cancer"),
           _src("gamma", "", author="Gamma")]
    src[0]["authors"] = "Alpha A; Zeta Z"
    src[2]["metadata_missing"] = "year"
    return make_view(src, cases=[
        _case("alpha2010-p1", "alpha2010;beta2015", trigger="other_infection", trigger_detail="dengue", sex="female",
              age_years="5", route="sc;iv_cont", dose_amount="2", dose_amount_unit="mg/kg", dose_interval_h="6",
              dose_mg_kg_day="8", response="improved", death="false", start_day="3", start_day_reference="admission",
              adverse_event_types="injection_site", adverse_events="pain at injection site",
              included_in_cohort="beta2015-all", derived_fields="dose_mg_kg_day",
              note="Overlaps beta2015-all; age_group not given"),
        _case("beta2015-p2", "beta2015", condition="shlh", trigger="ebv", age_group="adult", death="true",
              patient_label="not labelled (listed 2 of 2)"),
        _case("gamma-p1", "gamma", condition="dira", trigger="genetic", il1rn_zygosity="compound_heterozygous"),
    ], cohorts=[_cohort("beta2015-all", "beta2015", 2)])


def test_case_table_in_words(view):
    t = C.case_table(view)
    assert list(t.columns) == C.TABLE_COLUMNS and list(t.index) == ["alpha2010-p1", "beta2015-p2", "gamma-p1"]
    a = t.loc["alpha2010-p1"]
    assert a["Patient"] == "Patient 1" and a["Study"] == "Alpha 2010 (J Test)"
    assert (a["Condition"], a["Trigger"], a["Sex"]) == ("MAS", "Other infection", "Female")
    assert a["Route"] == "Subcutaneous, IV continuous"
    assert a["Dose per administration"] == "2 mg/kg every 6 h; continuous infusion"
    assert (a["Dose (mg/kg/day)"], a["Response"], a["Survival"]) == (8.0, "Improved (not graded)", "Alive")
    assert (a["PubMed"], a["DOI"]) == ("https://pubmed.ncbi.nlm.nih.gov/123/", "https://doi.org/10.1000/a")
    b = t.loc["beta2015-p2"]
    assert (b["Patient"], b["Study"], b["Survival"], b["Age as reported"]) == (
        "Patient 2", "Pediatr Blood Cancer 2015", "Died", "Adult (18+ y)")
    assert pd.isna(b["Sex"]) and math.isnan(b["Age (years)"])  # not stated: missing, never "None" text or 0
    assert t.loc["gamma-p1", "Study"] == "Gamma, year not stated"
    assert not Checker().frame("cases", t.reset_index(drop=True), placeholder="—", skip=frozenset({"PubMed", "DOI"}))


@pytest.mark.parametrize("query, expected", [
    ("zeta", ["alpha2010-p1"]),                   # any listed author, not only the first
    ("pediatr blood", ["beta2015-p2"]),           # the study label
    ("other infection", ["alpha2010-p1"]),        # the trigger in words
    ("DENGUE", ["alpha2010-p1"]),
    ("(.*", []),                                  # plain text, never a pattern
    ("", ["alpha2010-p1", "beta2015-p2", "gamma-p1"]),
])
def test_search(view, query, expected):
    assert list(C.case_table(view, query).index) == expected


def test_case_sources_hold_every_source_of_the_listed_cases(view):
    assert list(C.case_sources(view, ["alpha2010-p1"])["source_id"]) == ["alpha2010", "beta2015"]
    assert list(C.case_sources(view, ["gamma-p1"])["source_id"]) == ["gamma"]
    assert C.case_sources(view, []).empty


def test_case_detail_in_words(view):
    detail, sources = C.case_detail(view, "alpha2010-p1")
    items = dict(zip(detail["Item"], detail["Value"]))
    assert items["Reported in"] == "Alpha 2010 (J Test); Pediatr Blood Cancer 2015"
    assert items["Also counted in the group"] == "Pediatr Blood Cancer 2015"
    assert items["Trigger or background"] == "Other infection"
    assert items["Dose per administration"] == "2 mg/kg every 6 h; continuous infusion"
    assert items["First anakinra dose"] == "day 3 after admission"
    assert items["Survival at last follow-up"] == "Alive"
    assert items["Adverse events"] == "Injection-site reaction"
    assert items["Values worked out by arithmetic"] == "Highest daily dose (mg/kg/day)"
    assert items["Curators' note"] == "Overlaps Pediatr Blood Cancer 2015; age group not given"
    assert "Sex" in items and "Weight (kg)" not in items  # only what the source states
    assert C.case_title(view, "alpha2010-p1") == "Patient 1 — Alpha 2010 (J Test)"
    assert list(sources.columns) == C.SOURCE_COLUMNS and list(sources["Study"]) == [
        "Alpha 2010 (J Test)", "Pediatr Blood Cancer 2015"]
    assert not Checker().frame("detail", detail)
    g = dict(zip(*C.case_detail(view, "gamma-p1")[0].T.values))
    assert g["IL1RN zygosity"] == "Compound heterozygous"
    empty, no_sources = C.case_detail(view, "not-a-case")
    assert empty.empty and no_sources.empty


def test_every_shipped_case_reads_in_words(shipped):
    from lib.citations import text_in_words

    view = apply_filters(shipped, FilterState())
    words = text_in_words(shipped.sources, shipped.cases, shipped.cohorts)
    check = Checker()
    table = C.case_table(view, "", words)
    problems = check.frame("table", table.reset_index(drop=True), placeholder="—", skip=frozenset({"PubMed", "DOI"}))
    for cid in view.cases["case_id"]:
        detail, sources = C.case_detail(view, cid, words)
        assert len(detail) and len(sources), cid
        problems += check.frame(f"detail {cid}", detail)
        problems += check.frame(f"sources {cid}", sources, placeholder="—", skip=frozenset({"PubMed", "DOI"}))
        problems += check.text(f"title {cid}", C.case_title(view, cid))
    assert not problems, problems[:20]


def test_uploaded_cases_are_marked(shipped):
    from lib.upload import combine, parse_upload

    up = parse_upload("u.csv", b"case_id,condition,trigger\np1,mas,sjia\n").dataset
    view = apply_filters(combine(shipped, up), FilterState())
    t = C.case_table(view)
    assert t.columns[1] == "Origin"
    assert t.loc["upload:p1", "Origin"] == "Uploaded (not published)"
    assert t.loc["upload:p1", "Study"] == "Uploaded file u.csv (uploaded, not a publication)"
    assert set(t["Origin"]) == {"Published", "Uploaded (not published)"}
    detail, _ = C.case_detail(view, "upload:p1")
    assert detail.iloc[0].tolist() == ["Origin", "Uploaded (not published)"]
    assert isinstance(t, pd.DataFrame)
