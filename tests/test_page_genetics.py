"""AppTest of the Genetics (DIRA) page, started from app.py with link parameters.

Expected numbers come from data/cases.csv read with the csv module: the DIRA
patients, those with any IL1RN finding recorded, and the residue numbers of
their HGVS p. alleles (digits after the first amino acid, read with a plain
regular expression here, independent of lib.genetics).
"""

from __future__ import annotations

import re

from apptest_util import page_text, run_app
from conftest import ROOT, read_rows

PAGE = "pages/genetics.py"
_FIELDS = ("il1rn_variant_c", "il1rn_variant_p", "variant_as_reported")


def _dira() -> list[dict]:
    return [r for r in read_rows(ROOT / "data" / "cases.csv") if r["condition"] == "dira"]


def _residues(rows) -> set[int]:
    out = set()
    for r in rows:
        if r["il1rn_transcript"].strip() and not r["il1rn_transcript"].startswith("NM_173842"):
            continue
        for allele in r["il1rn_variant_p"].split(";"):
            m = re.match(r"\s*p\.\(?[A-Za-z*]{1,3}?(\d+)", allele)
            if m:
                out.add(int(m.group(1)))
    return out


def _variant_table(at):
    frames = [d.value for d in at.main.dataframe]
    return next(f for f in frames if "hgvs_p" in f.columns)


def test_dira_view_counts_patients_and_variants():
    at = run_app({"condition": "dira"}, PAGE)
    assert not at.exception, at.exception
    dira = _dira()
    with_variant = [r for r in dira if any(r[f].strip() for f in _FIELDS)]
    text = page_text(at)
    assert (f"**{len(dira)}** DIRA patients in view; **{len(with_variant)}** with an IL1RN finding recorded, "
            f"**{len(dira) - len(with_variant)}** without.") in text
    if not with_variant:
        assert "has an IL1RN variant recorded" in text
        return
    table = _variant_table(at)
    # every recorded protein position is in the table, and is on the protein plot
    residues = _residues(with_variant)
    shown = {int(v) for v in table["protein_position"].dropna()}
    assert residues <= shown
    placed = table.loc[table["placement"] == "Shown on the protein"]
    assert {int(v) for v in placed["protein_position"]} == residues
    # patients per variant add up to at least the patients with a finding (compound hets count twice)
    assert table["n_patients"].sum() >= len(with_variant)
    assert f"n = {len(placed)} variants placed on the protein" in text
    # outcomes by variant type
    assert any("outcomes by variant type" in h.value for h in at.main.subheader)
    assert f"n = {len(with_variant)} patients with a variant recorded" in text


def test_large_deletions_are_listed_not_plotted():
    at = run_app({"condition": "dira"}, PAGE)
    assert not at.exception, at.exception
    large = [r for r in _dira() if "kb" in r["variant_as_reported"] and "deletion" in r["variant_as_reported"]
             and not r["il1rn_variant_p"].strip()]
    if not large:
        return
    table = _variant_table(at)
    row = table.loc[table["variant_type"] == "Large (whole-gene) deletion"]
    assert len(row) >= 1 and row["protein_position"].isna().all()
    assert int(row["n_patients"].sum()) == len(large)
    assert "no single residue can be marked" in page_text(at)


def test_no_dira_patients_in_view_says_so():
    at = run_app({"condition": "mas"}, PAGE)
    assert not at.exception, at.exception
    assert "No DIRA patients match the current filters" in page_text(at)


def test_empty_filter_result_shows_a_message():
    at = run_app({"year_max": "1990"}, PAGE)
    assert not at.exception, at.exception
    assert "No patients or cohorts match the current filters" in page_text(at)


def test_bad_link_values_warn_and_the_page_still_works():
    # the page has no view option of its own; a bad filter value and an unknown
    # view option in the link must not break it
    at = run_app({"condition": ["dira", "<script>"], "_genetics_zzz": "1"}, PAGE)
    assert not at.exception, at.exception
    assert any("Some parts of the link were not understood" in w.value for w in at.warning)
    assert f"**{len(_dira())}** DIRA patients in view" in page_text(at)


# ---------------------------------------------------------------------------
# Issue 14: tables in words, variant labels that do not overlap on a phone
# ---------------------------------------------------------------------------

def test_no_code_source_id_or_none_on_screen():
    from visible_codes import problems

    for params in ({"condition": "dira"}, {}):
        at = run_app(params, PAGE)
        assert not at.exception, at.exception
        assert problems(at) == []


def test_variant_table_names_patients_and_zygosity_in_words():
    at = run_app({"condition": "dira"}, PAGE)
    table = _variant_table(at)
    assert "case_ids" in table.columns  # shown as "Patients (study)": labels, never ids
    ids = {r["case_id"] for r in _dira()}
    for cell in table["case_ids"].dropna():
        assert not any(i in cell for i in ids), cell
    assert set(table["zygosity"].dropna()) <= {"Homozygous", "Compound heterozygous", "Heterozygous"}


def test_lollipop_labels_do_not_overlap_at_390_px():
    import json

    from lib import genetics

    at = run_app({"condition": "dira"}, PAGE)
    charts = [json.loads(c.proto.spec) for c in at.main.get("plotly_chart")]
    lollipop = next((c for c in charts if "IL-1Ra precursor" in c["layout"]["xaxis"]["title"]["text"]), None)
    if lollipop is None:
        return  # no variant placed on the protein in view
    labels = [a for a in lollipop["layout"].get("annotations", []) if a.get("showarrow")]
    # no text drawn on the markers themselves: every variant label is an annotation in a lane
    assert all("text" not in (t.get("mode") or "") for t in lollipop["data"])
    spans = [(a["ay"], a["x"] - len(a["text"]) * genetics.RESIDUES_PER_CHAR / 2,
              a["x"] + len(a["text"]) * genetics.RESIDUES_PER_CHAR / 2) for a in labels]
    for i, a in enumerate(spans):
        for b in spans[i + 1:]:
            assert not (a[0] == b[0] and a[1] < b[2] and b[1] < a[2]), (a, b)
