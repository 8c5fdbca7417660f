"""AppTest of the Background page: it runs with any filters, covers its topics and cites only doi.org links."""

from __future__ import annotations

import re

import pytest

from apptest_util import page_text, run_app

PAGE = "pages/background.py"

# The references the page must carry (checked by hand against the journals' records).
DOIS = {
    "Henter 2007": "10.1002/pbc.21039",
    "Fardet 2014": "10.1002/art.38690",
    "Ravelli 2016": "10.1136/annrheumdis-2015-208982",  # checked on the PubMed record (PMID 26865703)
    "Aksentijevich 2009": "10.1056/NEJMoa0807865",
    "Dinarello 2009": "10.1146/annurev.immunol.021908.132612",
}


@pytest.fixture(scope="module")
def at():
    return run_app({"condition": "mas"}, PAGE)


def test_runs_and_covers_its_topics(at):
    assert not at.exception, at.exception
    heads = [h.value for h in at.main.subheader]
    assert heads == ["Interleukin-1 signalling", "Why anakinra is used in DIRA", "Why anakinra is used in HLH and MAS",
                     "How the conditions are diagnosed", "References"]
    text = page_text(at)
    for words in ("IL-1R1", "IL1RN", "replaces the missing protein", "blocks IL-1 signalling", "HLH-2004",
                  "HScore", "ferritin is > 684 ng/mL", "at least five of eight criteria"):
        assert words in text, words


def test_references_have_journal_year_and_doi_links(at):
    text = page_text(at)
    for label, doi in DOIS.items():
        assert f"**{label}**" in text, label
        assert f"(https://doi.org/{doi})" in text, doi
        assert f"({label})" in text or f"{label};" in text or f"; {label}" in text, f"{label} is cited in the text"
    links = re.findall(r"\]\((\S+?)\)(?=\s|$)", text)
    assert links and all(u.startswith("https://doi.org/10.") for u in links)


@pytest.mark.parametrize("params", [{}, {"year_max": "1990"}, {"condition": "<x>", "_zzz": "1"}])
def test_runs_whatever_the_filters(params):
    at = run_app(params, PAGE)
    assert not at.exception
    assert "Interleukin-1 signalling" in [h.value for h in at.main.subheader]
