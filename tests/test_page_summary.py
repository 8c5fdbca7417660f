"""AppTest of the Evidence summary page.

Expected numbers are computed independently from data/*.csv with the csv
module; exact Clopper-Pearson limits with scipy's beta quantiles (the
textbook definition, as R ``binom.test``); the pooled estimate with
lib.stats.pool_proportions (checked against R metafor in test_stats_meta.py) on
counts selected here from the CSV rows.
"""

from __future__ import annotations

import pytest
from scipy.stats import beta

from apptest_util import page_text, run_app
from conftest import ROOT, read_rows
from lib.stats import pool_proportions

PAGE = "pages/summary.py"


def _rows(name):
    return read_rows(ROOT / "data" / f"{name}.csv")


def _in(condition):
    cases = [r for r in _rows("cases") if r["condition"] == condition]
    cohorts = [r for r in _rows("cohorts") if r["condition"] == condition]
    return cases, cohorts


def _case_sources(cases):
    out = []
    for r in cases:
        out += [s for s in r["source_ids"].split(";") if s]
    return set(out)


def _cp(k, n):
    lo = 0.0 if k == 0 else beta.ppf(0.025, k, n - k + 1)
    hi = 1.0 if k == n else beta.ppf(0.975, k + 1, n - k)
    return f"{100 * k / n:.0f}% (95% CI {100 * lo:.0f}% to {100 * hi:.0f}%)"


def _poolable(cohorts, column):
    cand = [r for r in cohorts if r["design"] != "pooled_review" and r[column] and r["n"]
            and int(r[column]) <= int(r["n"])]
    whole = {r["source_id"] for r in cand if not r["subgroup"]}
    return [r for r in cand if not (r["subgroup"] and r["source_id"] in whole)]


def _sentences(at):
    frames = [d.value for d in at.main.dataframe if "Sentence" in d.value.columns]
    assert frames, "the sentences table is missing"
    return frames[0]


@pytest.fixture(scope="module")
def mas():
    return run_app({"condition": "mas"}, PAGE)


def test_page_runs_and_counts_the_evidence(mas):
    assert not mas.exception, mas.exception
    cases, cohorts = _in("mas")
    pubs = _case_sources(cases) | {r["source_id"] for r in cohorts}
    n_agg = sum(int(r["n"]) for r in cohorts)
    assert (f"The current filters match {len(pubs)} publications: {len(cases)} individually described patients and "
            f"{len(cohorts)} cohorts with {n_agg} patients reported in aggregate") in page_text(mas)


def test_case_response_numbers_and_citations(mas):
    cases, _ = _in("mas")
    stated = [r for r in cases if r["response"]]
    if not stated:
        pytest.skip("no MAS case states a response")
    k = sum(r["response"] in ("complete", "partial") for r in stated)
    n = len(stated)
    text = (f"Of {n} individually described patients whose response is stated, {k} responded (complete or partial): "
            f"{_cp(k, n)}")
    assert text in page_text(mas)
    table = _sentences(mas)
    row = table.loc[table["Sentence"].str.startswith(text)].iloc[0]
    assert set(row["Sources"].split(", ")) == _case_sources(stated)
    # the rendered sentence names each cited source by its first author (where the source states one)
    authors = {r["source_id"]: (r["first_author"], r["year"]) for r in _rows("sources")}
    line = [ln for ln in page_text(mas).splitlines() if text in ln][0]
    for sid in _case_sources(stated):
        author, year = authors[sid]
        if author and year:
            assert f"{author} {year}" in line, (sid, line)
        elif author:
            assert author in line, (sid, line)


def test_pooled_response_across_cohorts(mas):
    _, cohorts = _in("mas")
    rows = _poolable(cohorts, "responders")
    if len(rows) < 2:
        assert "Pooled across" not in page_text(mas)
        return
    res = pool_proportions([int(r["responders"]) for r in rows], [int(r["n"]) for r in rows])
    total = sum(int(r["n"]) for r in rows)
    assert (f"Pooled across {len(rows)} cohorts ({total} patients), the proportion who responded was "
            f"{100 * res.estimate:.0f}% (95% CI {100 * res.ci_lower:.0f}% to {100 * res.ci_upper:.0f}%; "
            f"I² = {res.i2:.0f}%)") in page_text(mas)
    caveat = "differ more than chance explains"
    assert (caveat in page_text(mas)) == (res.i2 > 50)


def test_no_finding_lacks_a_citation_and_caveats_cite_nothing(mas):
    table = _sentences(mas)
    assert set(table["Kind"]) <= {"finding", "caveat", "method"}
    findings = table.loc[table["Kind"] == "finding"]
    assert len(findings) > 0
    assert (findings["Sources"].str.len() > 0).all(), findings.loc[findings["Sources"] == ""]
    assert (table.loc[table["Kind"] != "finding", "Sources"] == "").all()
    source_ids = {r["source_id"] for r in _rows("sources")}
    for ids in findings["Sources"]:
        assert set(ids.split(", ")) <= source_ids
    # caveats that apply to MAS data: case-report evidence and small numbers
    caveats = " ".join(table.loc[table["Kind"] == "caveat", "Sentence"])
    assert "case reports" in caveats
    cases, _ = _in("mas")
    if 0 < sum(bool(r["response"]) for r in cases) < 10:
        assert "fewer than 10 patients" in caveats


def test_references_list_pmid_and_doi(mas):
    text = page_text(mas)
    assert "### References" in text
    table = _sentences(mas)
    cited = {s for ids in table["Sources"] if ids for s in ids.split(", ")}
    for r in _rows("sources"):
        if r["source_id"] in cited and r["pmid"]:
            assert f"PMID [{r['pmid']}](https://pubmed.ncbi.nlm.nih.gov/{r['pmid']}/)" in text
        if r["source_id"] in cited and r["doi"] and "(" not in r["doi"] and "_" not in r["doi"]:
            assert f"(https://doi.org/{r['doi']})" in text


def test_full_detail_from_the_link_lists_each_cohort():
    at = run_app({"condition": "mas", "_summary_detail": "full"}, PAGE)
    assert not at.exception
    assert at.radio(key="view_summary_detail").value == "full"
    assert at.query_params.get("_summary_detail") in ("full", ["full"])
    _, cohorts = _in("mas")
    text = page_text(at)
    for r in _poolable(cohorts, "responders"):
        k, n = int(r["responders"]), int(r["n"])
        assert f"{k} of {n} responded, {_cp(k, n)}" in text


def test_markdown_is_offered_for_copy_and_download(mas):
    code = [c.value for c in mas.main.code if c.language == "markdown"]
    assert len(code) == 1 and code[0].startswith("## Anakinra in DIRA and HLH/MAS: evidence summary")
    assert "Filters: MAS" in code[0]
    assert "Download as Markdown" in str(mas.main)  # the download button's label


def test_choosing_full_writes_the_option_into_the_link():
    at = run_app({"condition": "dira"}, PAGE)
    assert "_summary_detail" not in at.query_params  # the default stays out of the link
    at.radio(key="view_summary_detail").set_value("full").run()
    assert not at.exception
    assert at.query_params.get("_summary_detail") in ("full", ["full"])


def test_empty_filter_result_gives_a_message():
    at = run_app({"year_max": "1990"}, PAGE)
    assert not at.exception
    assert any("No patients or cohorts match" in i.value for i in at.main.info)
    assert not [c for c in at.main.code if c.language == "markdown"]


def test_bad_view_option_in_the_link_warns_and_falls_back():
    at = run_app({"condition": "dira", "_summary_detail": "<everything>"}, PAGE)
    assert not at.exception
    assert any("_summary_detail" in w.value for w in at.main.warning)
    assert at.radio(key="view_summary_detail").value == "brief"
