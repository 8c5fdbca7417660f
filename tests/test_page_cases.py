"""AppTest of the Cases page: words on screen, the case detail, and exports that follow the search.

Expected numbers come from data/*.csv read with the csv module.
"""

from __future__ import annotations

import pytest

from apptest_util import page_text, run_app
from conftest import ROOT, read_rows
from visible_codes import problems

PAGE = "pages/cases.py"


def _cases():
    return read_rows(ROOT / "data" / "cases.csv")


@pytest.mark.parametrize("params", [{}, {"condition": "dira"}, {"condition": "shlh"}, {"condition": "mas"}])
def test_no_code_source_id_or_none_on_screen(params):
    at = run_app(params, PAGE)
    assert not at.exception, at.exception
    assert problems(at) == []


def test_every_case_detail_reads_in_words_when_opened_from_a_link():
    first = _cases()[0]["case_id"]  # the default: not written to the link
    for r in _cases()[::7]:  # a spread of cases (all of them are checked in test_cases.py at lib level)
        at = run_app({"_case": r["case_id"]}, PAGE)
        assert not at.exception, at.exception
        assert at.selectbox(key="view_case").value == r["case_id"]
        assert problems(at) == [], r["case_id"]
        # the picker shows words, the link keeps the id
        assert r["case_id"] not in at.selectbox(key="view_case").options
        expected = (None,) if r["case_id"] == first else (r["case_id"], [r["case_id"]])
        assert at.query_params.get("_case") in expected


def test_table_is_in_words():
    at = run_app({}, PAGE)
    table = at.main.dataframe[0].value
    assert "case_id" not in table.columns and "Case" not in table.columns
    assert set(table["Condition"].dropna()) <= {"DIRA", "MAS", "Secondary HLH", "Primary HLH"}
    assert set(table["Survival"].dropna()) <= {"Died", "Alive"}
    assert set(table["Sex"].dropna()) <= {"Female", "Male"}
    assert at.main.dataframe[0].proto.placeholder == "—"


def test_exports_follow_the_search_as_well_as_the_filters():
    rows = _cases()
    country = next((r["country"] for r in rows if r["country"]), None)
    if country is None:
        pytest.skip("no case states a country")
    at = run_app({"_cases_q": country}, PAGE)
    assert not at.exception
    matching = [r for r in rows if country.lower() in " ".join(r.values()).lower()]
    # the search also reads labels and authors; at least the rows whose own text matches are listed
    text = page_text(at)
    shown = at.main.dataframe[0].value
    assert len(shown) >= len(matching)
    assert f"Showing {len(shown)} of {len(rows)}." in text
    assert f"The downloads hold the {len(shown)} cases listed above" in text or (
        len(shown) == 1 and "The downloads hold the 1 case listed above" in text)
    labels = [b.proto.label for b in at.main.get("download_button")]
    assert "Citations of these cases (BibTeX)" in labels and "Citations of these cases (RIS)" in labels
    assert "All columns of these cases (CSV)" in labels


def test_publication_count_of_the_exports_is_the_listed_cases_sources():
    rows = _cases()
    at = run_app({"condition": "dira"}, PAGE)
    dira = [r for r in rows if r["condition"] == "dira"]
    sources = {s for r in dira for s in r["source_ids"].split(";")}
    n = len(sources)
    assert f"and their {n} publication{'s' if n != 1 else ''}:" in page_text(at)
    labels = [b.proto.label for b in at.main.get("download_button")]
    assert "Citations of the filtered cases (BibTeX)" in labels


def test_a_search_that_matches_nothing():
    at = run_app({"_cases_q": "zzzz-no-such-text"}, PAGE)
    assert not at.exception
    assert f"Showing 0 of {len(_cases())}." in page_text(at)
    assert "The downloads hold the 0 cases listed above and their 0 publications" in page_text(at)
