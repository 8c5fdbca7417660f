"""lib.evidence_summary on small synthetic tables built at run time (never shown as evidence).

Numbers asserted name their reference: exact Clopper-Pearson limits are R
``binom.test(k, n)$conf.int``; the pooled proportion of identical studies is
hand arithmetic (tau2 = 0, so the binomial-normal model is the equal-effects
binomial model: the pooled proportion is sum x / sum n with Wald limits on the
logit scale); other pooled numbers are lib.stats (checked against R metafor in
tests/test_stats_meta.py); the paired test is R ``wilcox.test(after, before,
paired = TRUE)``.
"""

from __future__ import annotations

import re
from dataclasses import FrozenInstanceError

import pandas as pd
import pytest

from lib import labs as labs_lib
from lib import schema
from lib.citations import cohort_labels
from lib.data import enrich, validate_table
from lib.filters import FilteredView, FilterState
from lib.evidence_summary import (
    Sentence,
    build_summary,
    escape_markdown,
    format_citation,
    lab_pairs,
    poolable_cohorts,
    render_markdown,
    sentence_text,
    source_labels,
)

BASE = dict(locator="abstract", extraction_date="2026-11-23")


def _src(sid, year, author=None, journal=None, pub_type="case_report", title="T", pmid=None, doi=None):
    return dict(source_id=sid, year=str(year), first_author=author, journal=journal, pub_type=pub_type, title=title,
                url="https://doi.org/10.1/x", extraction_date="2026-11-23", pmid=pmid, doi=doi)


def make_view(sources, cases=(), cohorts=(), labs=()) -> FilteredView:
    """A FilteredView over synthetic rows (every row kept), typed and enriched like the loader does."""
    s, si = validate_table(pd.DataFrame(list(sources), dtype=object, columns=schema.SOURCES.column_names), schema.SOURCES)
    c, ci = validate_table(pd.DataFrame([{**BASE, **r} for r in cases], dtype=object,
                                        columns=schema.CASES.column_names), schema.CASES)
    k, ki = validate_table(pd.DataFrame([{**BASE, **r} for r in cohorts], dtype=object,
                                        columns=schema.COHORTS.column_names), schema.COHORTS)
    lab, li = validate_table(pd.DataFrame([{**BASE, **r} for r in labs], dtype=object,
                                          columns=schema.LABS.column_names), schema.LABS)
    assert si == ci == ki == li == [], (si, ci, ki, li)
    c, k = enrich(c, k, s)
    return FilteredView(cases=c, cohorts=k, labs=lab, sources=s, state=FilterState())


def _case(cid, sid, **kw):
    return dict(case_id=cid, source_ids=sid, condition=kw.pop("condition", "mas"), trigger=kw.pop("trigger", "sjia"), **kw)


def _cohort(cid, sid, n, **kw):
    return dict(cohort_id=cid, source_id=sid, condition=kw.pop("condition", "shlh"), trigger=kw.pop("trigger", "mixed"),
                population="p", n=str(n), response_class=kw.pop("response_class", "early_response"), **kw)


def _lab(eid, analyte, tp, value, etype="case", stat="value", day=None):
    return dict(lab_id=f"{eid}-{analyte}-{tp}-{stat}-{day}", entity_type=etype, entity_id=eid, analyte=analyte,
                timepoint=tp, statistic=stat, value_reported=str(value), unit_reported=schema.ANALYTE_UNITS[analyte],
                value_std=str(value), unit_std=schema.ANALYTE_UNITS[analyte], day=None if day is None else str(day))


def _findings(summary, section=None):
    return [s for s in summary.sentences if s.kind == "finding" and (section is None or s.section == section)]


# ---------------------------------------------------------------------------
# Sentence contract
# ---------------------------------------------------------------------------

def test_a_finding_must_cite_and_caveats_and_methods_must_not():
    with pytest.raises(ValueError, match="must cite"):
        Sentence("A finding.", ())
    with pytest.raises(ValueError, match="cites nothing"):
        Sentence("A caveat.", ("a2010",), kind="caveat")
    with pytest.raises(ValueError, match="cites nothing"):
        Sentence("A method.", ("a2010",), kind="method")
    with pytest.raises(ValueError, match="kind"):
        Sentence("x", ("a",), kind="opinion")
    with pytest.raises(ValueError, match="section"):
        Sentence("x", ("a",), section="Nowhere")
    s = Sentence("Fine.", ("a", "b", "a"))
    assert s.citations == ("a", "b")  # duplicates dropped, order kept
    with pytest.raises(FrozenInstanceError):
        s.text = "changed"


def test_labels_use_author_then_journal_then_id_and_disambiguate():
    view = make_view([
        _src("smith2020a", 2020, author="Smith"),
        _src("smith2020b", 2020, author="Smith"),
        _src("anon2011", 2011, journal="Blood 2011;118(Suppl 1):5375 (ASH abstract)"),
        _src("x2012", 2012),
    ])
    labels = source_labels(view.sources)
    assert labels == {"smith2020a": "Smith 2020a", "smith2020b": "Smith 2020b", "anon2011": "Blood 2011",
                      "x2012": "“T” 2012"}  # no author or journal: the title (lib.citations), never the id
    assert format_citation(["smith2020b", "anon2011", "smith2020b"], labels) == "(Blood 2011; Smith 2020b)"
    assert format_citation([], labels) == ""


# ---------------------------------------------------------------------------
# Cohort selection for pooling
# ---------------------------------------------------------------------------

def test_poolable_cohorts_leaves_out_reviews_covered_subgroups_and_missing_counts():
    view = make_view(
        [_src("a", 2010), _src("b", 2011), _src("c", 2012), _src("r", 2013, pub_type="review")],
        cohorts=[
            _cohort("a-all", "a", 10, responders="8"),
            _cohort("a-sub", "a", 4, responders="4", subgroup="children"),   # covered by a-all
            _cohort("b-s1", "b", 5, responders="2", subgroup="infection"),   # no whole row: kept
            _cohort("b-s2", "b", 3, responders="3", subgroup="malignancy"),
            _cohort("c-all", "c", 7),                                          # no responders
            _cohort("r-all", "r", 50, responders="40", design="pooled_review"),
        ])
    before = view.cohorts.copy()
    got = poolable_cohorts(view.cohorts, "responders")
    assert got["cohort_id"].tolist() == ["a-all", "b-s1", "b-s2"]
    pd.testing.assert_frame_equal(view.cohorts, before)  # input not mutated


# ---------------------------------------------------------------------------
# build_summary
# ---------------------------------------------------------------------------

@pytest.fixture()
def view():
    return make_view(
        [_src("a2010", 2010, author="Alpha", pmid="123", doi="10.1000/a"),
         _src("b2015", 2015, author="Beta", pub_type="case_series"),
         _src("c2020", 2020, author="Gamma", pub_type="cohort", doi="10.1000/c")],
        cases=[
            _case("a-p1", "a2010", response="complete", death="false", dose_mg_kg_day="2", route="sc", relapse="true"),
            _case("a-p2", "a2010", response="complete", death="false", dose_mg_kg_day="10", route="iv"),
            _case("b-p1", "b2015", response="partial", death="true", adverse_events="injection-site reaction"),
            _case("b-p2", "b2015", response="none"),
            _case("b-p3", "b2015", response="none", dose_mg_day="100"),
            _case("b-p4", "b2015;a2010"),  # response not stated; reported by two sources
        ],
        cohorts=[
            _cohort("c-1", "c2020", 10, responders="5", deaths="1", dose_mg_kg_day_min="4", dose_mg_kg_day_max="8",
                    response_definition="afebrile by day 3", relapses="2"),
            _cohort("c-2", "c2020", 10, responders="5", subgroup="adults",
                    note="no serious adverse events; anakinra well tolerated"),
        ],
    )


def test_case_response_numbers_and_citations(view):
    s = build_summary(view, "brief")
    first = _findings(s, "Response")[0]
    # 3 of 5 with a stated response responded (complete, partial or improved); 1 of 6 not stated
    # R: binom.test(3, 5)$conf.int -> 0.1466328 0.9472550; range 3/6 to 4/6
    assert first.text == ("MAS: of 6 individually described patients, response is stated for 5 (2 complete, "
                          "1 partial and 2 no response); 3 of 5 responded, 60% (95% CI 15% to 95%); counting the 1 "
                          "not stated as non-responders or as responders, 50% to 67% of all 6.")
    assert set(first.citations) == {"a2010", "b2015"}


def test_small_numbers_give_counts_without_a_percentage():
    v = make_view([_src("a", 2010, author="A")],
                  cases=[_case("p1", "a", condition="dira", response="complete"),
                         _case("p2", "a", condition="dira", response="improved"),
                         _case("p3", "a", condition="dira")])
    text = _findings(build_summary(v), "Response")[0].text
    assert text == ("DIRA: of 3 individually described patients, response is stated for 2 (1 complete and 1 improved "
                    "without a grade); 2 of 2 responded (fewer than 5 stated: no percentage); counting the 1 not "
                    "stated as non-responders or as responders, 2 to 3 of all 3.")
    assert "%" not in text.replace("no percentage", "")


def test_every_figure_is_per_condition():
    v = make_view([_src("a", 2010, author="A"), _src("b", 2011, author="B")],
                  cases=[_case("p1", "a", condition="dira", response="complete", death="false"),
                         _case("p2", "b", condition="shlh", response="none", death="true"),
                         _case("p3", "b", condition="shlh")])
    s = build_summary(v)
    for section in ("Response", "Mortality"):
        texts = [x.text for x in _findings(s, section)]
        assert [t.split(":")[0] for t in texts] == ["DIRA", "Secondary HLH"]
    assert any("per condition" in x.text for x in s.sentences if x.section == "Methods")


def test_deaths_are_counted_among_all_patients_with_the_stated_number():
    v = make_view([_src("a", 2010, author="A")],
                  cases=[_case(f"p{i}", "a", condition="shlh", death=d)
                         for i, d in enumerate(["true", "true", "false", "false", "false", None, None, None])])
    text = _findings(build_summary(v), "Mortality")[0].text
    # 2 deaths among 8; stated for 5; range 2/8 = 25% to 5/8 = 62.5% -> "62%" (Python rounds half to even)
    assert text == ("Secondary HLH: 2 deaths reported among 8 individually described patients (survival status "
                    "stated for 5); counting the 3 not stated as survivors or as deaths, 25% to 62% of all 8.")
    assert "40%" not in text  # never the bare share of the stated few (2 of 5)


def test_small_numbers_caveat_is_stated_where_it_applies(view):
    s = build_summary(view, "brief")
    caveats = [x.text for x in s.sentences if x.kind == "caveat" and x.section == "Response"]
    assert any("fewer than 10 patients" in c for c in caveats)
    assert all(not x.citations for x in s.sentences if x.kind != "finding")


def _three_identical():
    return make_view(
        [_src("c2020", 2020, author="Gamma"), _src("d2021", 2021, author="Delta"), _src("e2022", 2022, author="Eps")],
        cohorts=[_cohort("c-1", "c2020", 10, responders="5"), _cohort("d-1", "d2021", 10, responders="5"),
                 _cohort("e-1", "e2022", 10, responders="5")])


def test_pooled_estimate_three_identical_cohorts_with_the_default_model():
    s = build_summary(_three_identical(), "brief")
    pooled_s = [x for x in _findings(s, "Response") if "pooled across" in x.text]
    assert len(pooled_s) == 1
    # Hand arithmetic: identical proportions, tau2 = 0: the equal-effects binomial model, p = 15/30 = 0.5,
    # se(logit) = 1 / sqrt(30 * 0.5 * 0.5) = 0.3651; limits expit(+-1.959964 * 0.3651) = 0.3284, 0.6716.
    assert pooled_s[0].text == (
        "Secondary HLH, early response (within 2 weeks): pooled across 3 cohorts (30 patients), the proportion who "
        "responded was 50% (95% CI 33% to 67%); a new study's true proportion is expected between 33% and 67% (95% "
        "prediction interval).")
    assert pooled_s[0].citations == ("c2020", "d2021", "e2022")
    het = [x for x in s.sentences if "heterogeneity cannot be assessed" in x.text]
    assert len(het) == 1 and het[0].kind == "caveat" and "τ² estimated as 0" in het[0].text


def test_heterogeneity_caveat_when_assessable_and_i2_above_50():
    ids = ["a", "b", "c", "d", "e"]
    v = make_view([_src(i, 2010 + k, author=i.upper()) for k, i in enumerate(ids)],
                  cohorts=[_cohort(f"{i}-1", i, 20, responders=str(x)) for i, x in zip(ids, [2, 18, 10, 3, 17])])
    s = build_summary(v, "brief")
    het = [x for x in s.sentences if "differ more than chance" in x.text]
    assert len(het) == 1 and het[0].kind == "caveat" and het[0].citations == ()
    i2 = float(re.search(r"I² = (\d+)%", het[0].text).group(1))
    assert i2 > 50  # 2/20, 18/20, 10/20, 3/20, 17/20 are far apart (regression guard on the scenario)


def test_one_cohort_is_reported_but_not_pooled_and_the_reason_is_the_pages():
    v = make_view([_src("a", 2010, author="A")], cohorts=[_cohort("a-1", "a", 12, deaths="3")])
    s = build_summary(v, "brief")
    mort = [x.text for x in s.sentences if x.section == "Mortality"]
    label = cohort_labels(v.cohorts, v.sources).iloc[0]
    assert f"Secondary HLH: 1 cohort reports how many died ({label}: 3 of 12)." in mort
    assert any("not pooled. Only 1 study can be pooled here; a pooled estimate needs at least 3" in t for t in mort)
    assert not any("pooled across" in t for t in mort)


def test_two_classes_are_never_pooled_together():
    ids = ["a", "b", "c", "d"]
    v = make_view([_src(i, 2010 + k, author=i.upper()) for k, i in enumerate(ids)],
                  cohorts=[_cohort("a-1", "a", 10, responders="8"), _cohort("b-1", "b", 10, responders="7"),
                           _cohort("c-1", "c", 10, responders="6", response_class="remission"),
                           _cohort("d-1", "d", 10, responders="9", response_class="remission")])
    s = build_summary(v, "brief")
    texts = [x.text for x in s.sentences if x.section == "Response"]
    assert not any("pooled across" in t for t in texts)
    assert any(t.startswith("Secondary HLH, early response (within 2 weeks): 2 cohorts report") for t in texts)
    assert any(t.startswith("Secondary HLH, remission: 2 cohorts report") for t in texts)


def test_full_detail_adds_per_cohort_sentences(view):
    brief = build_summary(view, "brief")
    full = build_summary(view, "full")
    assert len(full.sentences) > len(brief.sentences)
    label = cohort_labels(view.cohorts, view.sources).iloc[0]
    per_cohort = [x for x in _findings(full, "Response") if x.text.startswith(label + ":")]
    # c-2 is a subgroup of c-1's study, so only c-1 is listed.
    assert len(per_cohort) == 1
    # R: binom.test(5, 10)$conf.int -> 0.187086 0.812914
    assert per_cohort[0].text.startswith(f"{label}: 5 of 10 responded, 50% (95% CI 19% to 81%); "
                                         "response as the source defines it: afebrile by day 3")


def test_dosing_adverse_events_and_relapse(view):
    s = build_summary(view, "full")
    dose = " ".join(x.text for x in _findings(s, "Dosing"))
    assert "MAS: Daily doses stated in mg/kg/day (2 patients): 2 to 10 mg/kg/day" in dose
    assert "MAS: Daily doses stated in mg/day (1 patient): 100 mg/day" in dose
    assert "by cohorts (2 cohorts" not in dose and "(1 cohort, lowest to highest reported): 4 to 8 mg/kg/day" in dose
    assert "Subcutaneous: 1 patient" in dose and "IV bolus: 1 patient" in dose
    assert any(x.kind == "caveat" and "not dosing advice" in x.text for x in s.sentences)
    ae = _findings(s, "Adverse events")
    assert any("injection-site reaction" in x.text and x.citations == ("b2015",) for x in ae)
    ids = set(view.cases["case_id"]) | set(view.cohorts["cohort_id"])
    assert not any(i in x.text for x in s.sentences for i in ids)  # rows are named by citation, never by row id
    assert any("no serious adverse events" in x.text for x in ae)
    rel = " ".join(x.text for x in _findings(s, "Relapse"))
    assert "MAS: of 1 individually described patient whose relapse status is stated, 1 relapsed" in rel
    assert "2 of 10 in " + cohort_labels(view.cohorts, view.sources).iloc[0] in rel


def test_every_finding_cites_and_every_citation_is_a_reference(view):
    for detail in ("brief", "full"):
        s = build_summary(view, detail)
        assert s.sentences
        cited = {c for x in s.sentences for c in x.citations}
        assert all(x.citations for x in s.sentences if x.kind == "finding")
        assert all(not x.citations for x in s.sentences if x.kind in ("caveat", "method"))
        assert {r.source_id for r in s.references} == cited
        alpha = [r for r in s.references if r.source_id == "a2010"][0]
        assert (alpha.pmid, alpha.doi, alpha.label) == ("123", "10.1000/a", "Alpha 2010")


def test_case_with_two_sources_cites_both(view):
    s = build_summary(view, "brief")
    scope = s.sentences[0]
    # lib.counts.patient_count_text: c-2 is a subgroup of c-1's study and is not added again
    assert scope.text == ("The current filters match 3 publications: 16 patients in primary reports "
                          "(6 described individually, 10 in 1 cohort).")
    assert set(scope.citations) == {"a2010", "b2015", "c2020"}


def test_patient_lab_pairs_and_wilcoxon():
    v = make_view(
        [_src("a", 2010, author="A")],
        cases=[_case(f"p{i}", "a") for i in (1, 2, 3)],
        labs=[_lab("p1", "crp", "before", 2), _lab("p1", "crp", "after", 1),
              _lab("p2", "crp", "before", 4), _lab("p2", "crp", "after", 2),
              _lab("p3", "crp", "before", 7), _lab("p3", "crp", "after", 4),
              _lab("p3", "crp", "before", 50, day=-1),
              ])
    pairs = lab_pairs(v.labs, v.cases)
    # p3 has an undated and a dated 'before': the dated one (day -1) is taken as closest to the first dose
    assert pairs["before"].tolist() == [2.0, 4.0, 50.0]
    assert pairs["condition"].tolist() == ["mas"] * 3
    s = build_summary(v, "brief")
    lab = [x for x in _findings(s, "Laboratory changes")]
    assert len(lab) == 1
    # differences -1, -2, -46: median -2; R: wilcox.test(c(1,2,4), c(2,4,50), paired = TRUE) -> V = 0, p-value = 0.25
    assert lab[0].text == ("MAS, CRP: 3 patients with values before and after anakinra, median change -2 mg/L; "
                           "paired Wilcoxon signed-rank test p = 0.25.")
    assert any("fewer than 10" in x.text for x in s.sentences if x.section == "Laboratory changes")


def test_summary_lab_pairs_follow_the_labs_window_and_say_the_rule():
    v = make_view(
        [_src("a", 2010, author="A")],
        cases=[_case(f"p{i}", "a") for i in (1, 2)],
        labs=[_lab("p1", "crp", "before", 100, day=0), _lab("p1", "crp", "after", 40, day=6),
              _lab("p1", "crp", "after", 10, day=20),
              _lab("p2", "crp", "before", 80, day=0), _lab("p2", "crp", "after", 60, day=2),
              _lab("p2", "crp", "after", 30, day=15)])
    for window in labs_lib.PAIRING_WINDOWS:
        pairs = lab_pairs(v.labs, v.cases, window)
        page = labs_lib.lab_pairs(v.labs, "crp", window)
        page = page.loc[page["before"].notna() & page["after"].notna()]
        assert pairs["after"].tolist() == page["after"].tolist()  # the Labs page's pairs, same rule
        s = build_summary(v, labs_window=window)
        method = [x.text for x in s.sentences if x.section == "Laboratory changes" and x.kind == "method"]
        assert any(labs_lib.pairing_rule_text(window) in t for t in method)
    assert lab_pairs(v.labs, v.cases, "d7")["after"].tolist() == [40.0, 60.0]  # nearest day 7: days 6 and 2
    assert lab_pairs(v.labs, v.cases, "d14")["after"].tolist() == [10.0, 30.0]  # within 8-28: days 20 and 15
    with pytest.raises(ValueError):
        build_summary(v, labs_window="latest")


def test_cohort_group_lab_figures():
    v = make_view(
        [_src("a", 2010, author="A")],
        cohorts=[_cohort("k", "a", 8)],
        labs=[_lab("k", "ferritin", "before", 10000, etype="cohort", stat="mean"),
              _lab("k", "ferritin", "after", 2500, etype="cohort", stat="mean", day=7),
              _lab("k", "hb", "after", 3.2, etype="cohort", stat="mean_change")])
    s = build_summary(v, "full")
    lab = _findings(s, "Laboratory changes")
    label = cohort_labels(v.cohorts, v.sources).iloc[0]
    assert lab[0].text == (f"{label} (Secondary HLH, 8 patients): mean change +3.2 g/dL in haemoglobin; mean ferritin "
                           "from 10000 to 2500 ng/mL at day 7 (-75%).")


def test_empty_view_and_bad_detail(view):
    empty = FilteredView(cases=view.cases.iloc[0:0], cohorts=view.cohorts.iloc[0:0], labs=view.labs.iloc[0:0],
                         sources=view.sources.iloc[0:0], state=FilterState())
    s = build_summary(empty)
    assert s.is_empty and s.references == () and s.sentences[0].kind == "caveat"
    with pytest.raises(ValueError, match="detail"):
        build_summary(view, "long")


def test_build_summary_does_not_mutate_the_view(view):
    before = {n: getattr(view, n).copy() for n in ("cases", "cohorts", "labs", "sources")}
    build_summary(view, "full")
    for n, df in before.items():
        pd.testing.assert_frame_equal(getattr(view, n), df)


# ---------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------

def test_markdown_escapes_data_text_and_links_only_safe_addresses():
    v = make_view(
        [_src("a", 2010, author="Evil_[x](javascript:alert(1))", title="<b>$x$</b> *bold*", pmid="999",
              doi="10.1000/a")],
        cases=[_case("p1", "a", response="complete")])
    md = render_markdown(build_summary(v), context=["Filters: none"])
    assert "[x](javascript" not in md
    assert r"Evil\_\[x\](javascript:alert(1)) 2010" in md
    assert r"\<b\>\$x\$\</b\> \*bold\*" in md
    links = re.findall(r"(?<!\\)\]\((\S+?)\)(?=\.| |$)", md)  # unescaped "](" only
    assert links and all(u.startswith(("https://pubmed.ncbi.nlm.nih.gov/", "https://doi.org/")) for u in links)
    assert md.startswith("## Evidence summary")
    assert "### References" in md and "PMID [999](https://pubmed.ncbi.nlm.nih.gov/999/)" in md


def test_caveats_are_marked_and_citations_are_appended():
    labels = {"a": "A 2010", "b": "B 2011"}
    assert sentence_text(Sentence("Two of three.", ("b", "a")), labels) == "Two of three (A 2010; B 2011)."
    assert sentence_text(Sentence("Careful.", kind="caveat"), labels) == "Careful."
    assert escape_markdown("a|b\nc") == r"a\|b c"


def test_every_markdown_finding_line_ends_with_a_citation(view):
    s = build_summary(view, "full")
    md = render_markdown(s)
    findings = {escape_markdown(sentence_text(x, s.labels)) for x in s.sentences if x.kind == "finding"}
    bullet = [ln[2:] for ln in md.splitlines() if ln.startswith("- ")]
    for line in bullet:
        if line in findings:
            assert re.search(r" \([^()]+( \d{4}[a-z]?)?(; [^()]+)*\)\.$", line), line
        else:
            assert line.startswith("*Caveat:") or not any(line == f for f in findings)
    assert len([b for b in bullet if b in findings]) == len(_findings(s))


def test_dose_sentences_count_a_study_once_not_per_subgroup():
    v = make_view(
        [_src("a", 2010, author="A")],
        cohorts=[_cohort("a-all", "a", 6, dose_mg_kg_day_min="6", dose_mg_kg_day_max="10", route="sc"),
                 _cohort("a-inf", "a", 4, subgroup="infection", dose_mg_kg_day_min="6", dose_mg_kg_day_max="10",
                         route="sc")])
    s = build_summary(v, "brief")
    dose = [x.text for x in _findings(s, "Dosing")]
    assert "Secondary HLH: Daily doses stated in mg/kg/day by cohorts (1 cohort, lowest to highest reported): 6 to 10 "\
           "mg/kg/day." \
        in dose
    assert "Routes stated: Subcutaneous: 1 cohort." in dose


def _as_upload(view: FilteredView, sid: str) -> FilteredView:
    """The view with source ``sid`` renamed as an upload's source (``upload:<file>``, lib.citations.UPLOAD_PREFIX)."""
    sources = view.sources.copy()
    sources.loc[sources["source_id"] == sid, "source_id"] = "upload:registry.csv"
    return FilteredView(cases=view.cases, cohorts=view.cohorts, labs=view.labs, sources=sources, state=view.state)


def test_an_uploaded_file_is_not_counted_as_a_publication():
    v = _as_upload(make_view([_src("a", 2010, author="A"), _src("u", 2026)],
                             cases=[_case("p1", "a"), _case("u1", "u"), _case("u2", "u")]), "u")
    scope = build_summary(v, "brief").sentences[0].text
    assert scope.startswith("The current filters match 1 publication and 1 uploaded file (not published): ")
    only = _as_upload(make_view([_src("u", 2026)], cases=[_case("u1", "u")]), "u")
    assert build_summary(only, "brief").sentences[0].text.startswith(
        "The current filters match 0 publications and 1 uploaded file (not published): ")
