"""lib.citations: study and patient labels a clinician reads, citation addresses, authors, ids in words.

Synthetic sources are built here; the rules tested are the module docstring's
("First author Year (Journal)", journal or meeting when the author is
missing, "year not stated", a/b after the year, never a source id). The
shipped sources are checked against the same rules.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from conftest import ROOT, read_rows
from lib import citations as C


def _sources(rows: list[dict]) -> pd.DataFrame:
    cols = ["source_id", "first_author", "year", "journal", "title", "pmid", "pmcid", "doi", "url", "pub_type"]
    df = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols)
    df["year"] = pd.array(df["year"].tolist(), dtype="Int64")
    return df


@pytest.mark.parametrize("row, label", [
    (dict(first_author="Eloseily", year=2020, journal="Arthritis Rheumatol"), "Eloseily 2020 (Arthritis Rheumatol)"),
    (dict(first_author="Eloseily", year=2020), "Eloseily 2020"),
    (dict(journal="Pediatr Blood Cancer", year=2020), "Pediatr Blood Cancer 2020"),
    (dict(journal="Pediatr Blood Cancer 2020;67(11):e1", year=2020), "Pediatr Blood Cancer 2020"),
    (dict(first_author="Kerin", journal="Zdravniški vestnik"), "Kerin, year not stated (Zdravniški vestnik)"),
    (dict(journal="Society of Hospital Medicine annual meeting (shmabstracts.org)"),
     "Society of Hospital Medicine annual meeting, year not stated"),
    (dict(first_author="Miettunen", year=2011, journal="Rheumatology (Oxford)"), "Miettunen 2011 (Rheumatology)"),
    (dict(journal="congress abstract (meeting not named)", year=2026), "Congress abstract 2026"),
    (dict(title="Hemophagocytic Lymphohistiocytosis Secondary to Dengue Fever"),
     "“Hemophagocytic Lymphohistiocytosis Secondary to Dengue Fever”, year not stated"),
    (dict(title="[Title not shown on the page read] A long descriptive title of eight words here"),
     "“A long descriptive title of eight…”, year not stated"),
    (dict(pmid="36262816"), "PubMed record 36262816, year not stated"),
    (dict(pub_type="case_report", url="https://discovery.researcher.life/topic/x"),
     "Unidentified case report (researcher.life), year not stated"),
    (dict(), "Unidentified publication, year not stated"),
])
def test_source_label_rules(row, label):
    assert C.source_labels(_sources([{"source_id": "internal1999x", **row}])) == {"internal1999x": label}


def test_same_labels_get_letters_after_the_year_or_a_title_without_one():
    labels = C.source_labels(_sources([
        dict(source_id="smith2020b", first_author="Smith", year=2020, journal="J A"),
        dict(source_id="smith2020a", first_author="Smith", year=2020, journal="J A"),
        dict(source_id="shm1", journal="Society of Hospital Medicine annual meeting (shmabstracts.org)",
             title="When It's More Than Just Body Aches"),
        dict(source_id="shm2", journal="Society of Hospital Medicine annual meeting (shmabstracts.org)",
             title="Perplexed by VEXAS: A Novel Inflammatory Syndrome"),
        dict(source_id="shm3", journal="Society of Hospital Medicine annual meeting"),
        dict(source_id="shm4", journal="Society of Hospital Medicine annual meeting"),
    ]))
    # letters in source-id order, after the year, as author-year reference lists do
    assert labels["smith2020a"] == "Smith 2020a (J A)" and labels["smith2020b"] == "Smith 2020b (J A)"
    assert labels["shm1"] == ("Society of Hospital Medicine annual meeting, year not stated: "
                              "“When It's More Than Just Body…”")
    assert labels["shm2"].endswith(": “Perplexed by VEXAS: A Novel Inflammatory…”")
    # without a title either: numbered among the sources sharing the label
    assert {labels["shm3"], labels["shm4"]} == {
        "Society of Hospital Medicine annual meeting, year not stated (source 3 of 4)",
        "Society of Hospital Medicine annual meeting, year not stated (source 4 of 4)"}
    assert len(set(labels.values())) == len(labels)
    assert not any(re.search(r"meeting[a-z]\b", v) for v in labels.values())  # never "meetinga"


def test_uploaded_files_are_labelled_as_not_published():
    labels = C.source_labels(_sources([dict(source_id="upload:my.csv", title="Uploaded file my.csv", year=2026)]))
    assert labels == {"upload:my.csv": "Uploaded file my.csv (uploaded, not a publication)"}


def test_shipped_labels_read_as_words():
    rows = read_rows(ROOT / "data" / "sources.csv")
    df = pd.DataFrame(rows).replace("", None)
    labels = C.source_labels(df)
    ids = {r["source_id"] for r in rows}
    assert set(labels) == ids
    assert len(set(labels.values())) == len(labels), "labels must tell sources apart"
    for r in rows:
        label = labels[r["source_id"]]
        for sid in ids:  # no internal id, not even another source's
            assert not re.search(rf"(?<![A-Za-z0-9]){re.escape(sid)}(?![A-Za-z0-9])", label), (sid, label)
        assert "None" not in label and "nan" not in label.split()
        if r["year"]:
            assert re.search(rf"\b{r['year']}[a-z]?\b", label), label
            assert label.count(r["year"]) == 1 or r["year"] in (r["journal"] or ""), label  # never "bami2020 2020"
        else:
            assert "year not stated" in label, label
        if r["first_author"]:
            assert label.startswith(r["first_author"]), label
        elif r["journal"]:
            assert label.startswith(C.journal_short(r["journal"])), label


def test_cohort_labels_add_the_subgroup_in_words():
    src = _sources([dict(source_id="e2020", first_author="Eloseily", year=2020, journal="Arthritis Rheumatol")])
    cohorts = pd.DataFrame({"cohort_id": ["a", "b", "c"], "source_id": ["e2020", "e2020", "gone"],
                            "subgroup": [None, "systemic_JIA", "adults"]}, index=[5, 6, 7])
    out = C.cohort_labels(cohorts, src)
    assert isinstance(out, pd.Series) and list(out.index) == [5, 6, 7]
    assert out.tolist() == ["Eloseily 2020 (Arthritis Rheumatol)", "Eloseily 2020 (Arthritis Rheumatol): systemic JIA",
                            "Unidentified publication: adults"]


@pytest.mark.parametrize("case_id, label, words", [
    ("vincent2020-p3", "not labelled (listed 3 of 4 by trigger order in abstract)", "Patient 3"),
    ("x-p12", None, "Patient 12"),
    ("x", "", "Patient"),
    ("x-p1", "13-year-old girl", "13-year-old girl"),
    ("x-p1", "the patient", "The patient"),
])
def test_patient_words(case_id, label, words):
    assert C.patient_words(case_id, label) == words


def test_patient_labels():
    src = _sources([dict(source_id="v2020", first_author="Vincent", year=2020, journal="Rheumatology (Oxford)")])
    cases = pd.DataFrame({"case_id": ["v2020-p1", "v2020-p2"], "source_ids": ["v2020", "v2020;other"],
                          "patient_label": [None, "Case 2"]})
    assert C.patient_labels(cases, src).tolist() == ["Vincent 2020 (Rheumatology): Patient 1",
                                                     "Vincent 2020 (Rheumatology): Case 2"]


# ---------------------------------------------------------------------------
# Citation addresses
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("row, url", [
    (dict(pmid="123", doi="10.1/x", url="https://proxy.weglot.com/x/pubmed.ncbi.nlm.nih.gov/123"),
     "https://pubmed.ncbi.nlm.nih.gov/123/"),
    (dict(doi="10.1002/pbc.28581", url="https://www.mdnxs.com/topics-2/x/"), "https://doi.org/10.1002/pbc.28581"),
    (dict(pmcid="PMC4722096", url="https://pmc.ncbi.nlm.nih.gov/articles/PMC4722096"),
     "https://pmc.ncbi.nlm.nih.gov/articles/PMC4722096/"),
    (dict(url="http://shmabstracts.org/abstract/x/"), "https://shmabstracts.org/abstract/x/"),
    (dict(url="https://www.ncbi.nlm.nih.gov/pmc/articles/PMC1/"), "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC1/"),
    (dict(url="https://www.ncbi.nlm.nih.gov/sites/other"), None),
    (dict(url="https://www.scilit.net/publications/6a6b"), None),               # aggregator
    (dict(url="https://staging.scite.ai/authors/x"), None),                      # aggregator
    (dict(url="https://www.jrheum.org/lookup/external-ref?access_num=1"), None),  # redirect service
    (dict(url="javascript:alert(1)"), None),
    (dict(pmid="12a", doi="not a doi", url=None), None),
])
def test_citation_url_is_pubmed_doi_pmc_or_the_publishers_own_page(row, url):
    assert C.citation_url({"pmid": None, "doi": None, "pmcid": None, "url": None, **row}) == url


def test_shipped_citation_urls_are_never_a_proxy():
    for r in read_rows(ROOT / "data" / "sources.csv"):
        url = C.citation_url(r)
        if url is None:
            assert not (r["pmid"] or r["doi"] or r["pmcid"]), r["source_id"]
            continue
        assert url.startswith(("https://pubmed.ncbi.nlm.nih.gov/", "https://doi.org/",
                               "https://pmc.ncbi.nlm.nih.gov/")) or url == r["url"].replace("http://", "https://", 1)
        assert "proxy" not in url and "weglot" not in url and "lookup/external-ref" not in url, url


# ---------------------------------------------------------------------------
# Authors
# ---------------------------------------------------------------------------

def test_split_authors_and_initials():
    assert C.split_authors("Aksentijevich I; van Royen-Kerkhoff A; Lee CCR; NICE; Ben Gabr J-P") == [
        ("Aksentijevich", "I"), ("van Royen-Kerkhoff", "A"), ("Lee", "CCR"), ("NICE", ""), ("Ben Gabr", "J-P")]
    assert C.split_authors(None) == [] and C.split_authors(" ; ") == []
    assert C.initials_with_stops("CCR") == "C. C. R." and C.initials_with_stops("J-P") == "J.-P."


def test_every_shipped_author_list_splits_into_names_with_initials():
    for r in read_rows(ROOT / "data" / "sources.csv"):
        names = C.split_authors(r["authors"])
        assert len(names) == (len([a for a in r["authors"].split(";") if a.strip()]) if r["authors"] else 0)
        for surname, initials in names:
            # every listed person has initials; only a single-author group (NICE) may have none
            assert surname and (initials or len(names) == 1), (r["source_id"], surname)


# ---------------------------------------------------------------------------
# Free text in words
# ---------------------------------------------------------------------------

def test_text_in_words_replaces_ids_and_codes():
    src = _sources([dict(source_id="vincent2020", first_author="Vincent", year=2020, journal="Rheumatology"),
                    dict(source_id="acrdirarilonacept", journal="ACR annual meeting abstract (acrabstracts.org)")])
    cases = pd.DataFrame({"case_id": ["vincent2020-p1"], "source_ids": ["vincent2020"], "patient_label": [None]})
    cohorts = pd.DataFrame({"cohort_id": ["vincent2020-all"], "source_id": ["vincent2020"], "subgroup": [None]})
    words = C.text_in_words(src, cases, cohorts)
    assert words("Within cohort vincent2020-all; patient vincent2020-p1 (see acrdirarilonacept).") == (
        "Within cohort Vincent 2020 (Rheumatology); patient Vincent 2020 (Rheumatology): Patient 1 "
        "(see ACR annual meeting abstract, year not stated).")
    assert words("age_group paediatric; trigger other_infection; route iv_cont; dose_mg_kg_day 2") == (
        "age group paediatric; trigger Other infection; route IV continuous; dose mg/kg/day 2")
    assert words("xvincent2020 stays") == "xvincent2020 stays"  # whole words only
    assert words(None) is None
