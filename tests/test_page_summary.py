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

from apptest_util import page_text, run_app, link_warnings
from conftest import ROOT, read_rows
from reference_util import load

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
    """Rows that pass the pooling rule for some outcome class (re-stated on the CSV rows)."""
    cand = [r for r in cohorts if r["design"] != "pooled_review" and r[column] and r["n"]
            and int(r[column]) <= int(r["n"]) and (column != "responders" or r["response_class"])]
    whole = {(r["source_id"], r["response_class"]) for r in cand if not r["subgroup"]}
    return [r for r in cand if not (r["subgroup"] and (r["source_id"], r["response_class"]) in whole)]


REF = {c["name"]: c for c in load("pages.json")}
CLASS_WORDS = {"early_response": "early response (within 2 weeks)", "remission": "remission",
               "sustained_remission": "sustained remission (at follow-up)",
               "surrogate": "surrogate score (e.g. SOFA, laboratory criteria)"}


def _primary_and_reviews(cases, cohorts):
    prim = [k for k in cohorts if k["design"] != "pooled_review"]
    whole = {k["source_id"] for k in prim if not k["subgroup"]}
    prim = [k for k in prim if not (k["subgroup"] and k["source_id"] in whole)]
    ids = {k["cohort_id"] for k in prim}
    in_cohorts = sum(1 for c in cases if c["included_in_cohort"] in ids)
    return (len(cases) - in_cohorts + sum(int(k["n"]) for k in prim),
            sum(int(k["n"]) for k in cohorts if k["design"] == "pooled_review"))


def _sentences(at):
    frames = [d.value for d in at.main.dataframe if "Sentence" in d.value.columns]
    assert frames, "the sentences table is missing"
    return frames[0]


@pytest.fixture(scope="module")
def mas():
    return run_app({"condition": "mas"}, PAGE)


def test_page_runs_and_counts_the_evidence_with_the_overviews_count(mas):
    assert not mas.exception, mas.exception
    cases, cohorts = _in("mas")
    pubs = _case_sources(cases) | {r["source_id"] for r in cohorts}
    primary, review = _primary_and_reviews(cases, cohorts)
    text = page_text(mas)
    assert f"The current filters match {len(pubs)} publications: {primary} patients in primary reports" in text
    if review:
        assert f"up to {review} more who may overlap with them, so at most {primary + review} distinct patients" in text


def test_case_response_numbers_and_citations(mas):
    cases, _ = _in("mas")
    stated = [r for r in cases if r["response"]]
    if not stated:
        pytest.skip("no MAS case states a response")
    k = sum(r["response"] in ("complete", "partial", "improved") for r in stated)
    m, n = len(stated), len(cases)
    text = f"MAS: of {n} individually described patients, response is stated for {m} ("
    rate = f"{k} of {m} responded, {_cp(k, m)}" if m >= 5 else f"{k} of {m} responded (fewer than 5 stated"
    lines = [ln for ln in page_text(mas).splitlines() if text in ln]
    assert lines and rate in lines[0], lines
    if n > m:
        assert (f"counting the {n - m} not stated as non-responders or as responders, {100 * k / n:.0f}% to "
                f"{100 * (k + n - m) / n:.0f}% of all {n}") in lines[0]
    # the rendered sentence names each cited source by its first author (where the source states one)
    authors = {r["source_id"]: (r["first_author"], r["year"]) for r in _rows("sources")}
    for sid in _case_sources(stated):
        author, year = authors[sid]
        if author and year:
            assert f"{author} {year}" in lines[0], (sid, lines[0])
        elif author:
            assert author in lines[0], (sid, lines[0])


def test_mas_deaths_are_counted_among_all_patients(mas):
    cases, _ = _in("mas")
    died = sum(r["death"] == "true" for r in cases)
    stated = sum(bool(r["death"]) for r in cases)
    assert (f"MAS: {died} death{'s' if died != 1 else ''} reported among {len(cases)} individually described "
            f"patients (survival status stated for {stated})") in page_text(mas)


@pytest.fixture(scope="module")
def shlh():
    return run_app({"condition": "shlh"}, PAGE)


@pytest.mark.parametrize("name, outcome", [("shlh_early_response", "responded"), ("shlh_remission", "responded"),
                                           ("shlh_surrogate", "responded"), ("shlh_mortality", "died")])
def test_pooled_sentences_follow_the_pooled_pages_rule_and_match_r(shlh, name, outcome):
    ref = REF[name]
    text = page_text(shlh)
    what = "Secondary HLH" + (f", {CLASS_WORDS[ref['response_class']]}" if ref["outcome"] == "response" else "")
    if ref["blocks"]:
        assert f"{what}: pooled across" not in text
        if ref["cohort_ids"]:
            assert f"{what}: not pooled." in text
        return
    g = ref["glmm"]  # R: rma.glmm(measure = "PLO", xi, ni); predict(res, transf = transf.ilogit)
    expected = (f"{what}: pooled across {len(ref['cohort_ids'])} cohorts ({sum(ref['totals'])} patients), the "
                f"proportion who {outcome} was {100 * g['estimate']:.0f}% (95% CI {100 * g['ci_lower']:.0f}% to "
                f"{100 * g['ci_upper']:.0f}%); a new study's true proportion is expected between "
                f"{100 * g['pi_lower']:.0f}% and {100 * g['pi_upper']:.0f}% (95% prediction interval)")
    assert expected in text
    assert f"{what}: heterogeneity cannot be assessed" in text  # k < 5 in every secondary-HLH pool


def test_no_finding_lacks_a_citation_and_caveats_cite_nothing(mas):
    table = _sentences(mas)
    assert set(table["Kind"]) <= {"finding", "caveat", "method"}
    findings = table.loc[table["Kind"] == "finding"]
    assert len(findings) > 0
    assert (findings["Sources"].str.len() > 0).all(), findings.loc[findings["Sources"] == ""]
    assert (table.loc[table["Kind"] != "finding", "Sources"] == "").all()
    # caveats that apply to MAS data: case-report evidence and small numbers
    caveats = " ".join(table.loc[table["Kind"] == "caveat", "Sentence"])
    assert "case reports" in caveats
    cases, _ = _in("mas")
    if 5 <= sum(bool(r["response"]) for r in cases) < 10:
        assert "fewer than 10 patients" in caveats


def test_references_list_pmid_and_doi(mas):
    text = page_text(mas)
    assert "### References" in text
    refs = text.split("### References", 1)[1]
    linked = 0
    for r in _rows("sources"):
        if r["pmid"] and f"PMID [{r['pmid']}]" in refs:
            assert f"PMID [{r['pmid']}](https://pubmed.ncbi.nlm.nih.gov/{r['pmid']}/)" in refs
            linked += 1
    assert linked > 0


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


def test_labs_window_from_the_link_is_the_summary_option():
    at = run_app({"condition": "mas", "_summary_labs_window": "d14"}, PAGE)
    assert not at.exception
    assert at.selectbox(key="view_summary_labs_window").value == "d14"
    assert "lab pairs: nearest day 14 (days 8-28)" in page_text(at)


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
    assert any("_summary_detail" in w for w in link_warnings(at))
    assert at.radio(key="view_summary_detail").value == "brief"
