"""lib.genetics: HGVS parsing, variant classification, per-variant and per-type counts.

Frames are synthetic, built here at run time (never shown as evidence). The
expected notation follows the HGVS nomenclature (varnomen.hgvs.org: protein
``p.Glu77*`` = ``p.Glu77Ter``, frameshift ``p.Arg97Profs*23``, deletion
``p.Lys23_Val25del``; cDNA ``c.76C>T``, ``c.140delC``). No statistics here.
"""

from __future__ import annotations

import pandas as pd
import pytest

from lib import genetics as g


@pytest.mark.parametrize("p, pos", [
    ("p.Glu77*", 77),
    ("p.Thr47Thrfs*4", 47),
    ("p.Q54*", 54),
    ("p.E77X", 77),
    ("p.(Glu77Ter)", 77),
    ("p.N52KfsX25", 52),
    ("p.Ile74_Met78del", 74),
    ("p.Arg26Trp", 26),
    (" p.Glu77Ter ", 77),
    ("p.?", None),
    ("p.0", None),
    ("c.229G>T", None),
    ("E77X", None),
    ("", None),
    (None, None),
    (float("nan"), None),
])
def test_protein_position(p, pos):
    assert g.protein_position(p) == pos


@pytest.mark.parametrize("p, expected", [
    ("p.E77X", "p.Glu77*"),
    ("p.Glu77Ter", "p.Glu77*"),
    ("p.(Glu77Ter)", "p.Glu77*"),
    ("p.Q54*", "p.Gln54*"),
    ("p.T47TfsX4", "p.Thr47Thrfs*4"),
    ("p.N52KfsX25", "p.Asn52Lysfs*25"),
    ("p.R26W", "p.Arg26Trp"),
    ("p.Ile74_Met78del", "p.Ile74_Met78del"),
    ("not HGVS", "not HGVS"),
    (None, None),
])
def test_normalise_protein(p, expected):
    assert g.normalise_protein(p) == expected


@pytest.mark.parametrize("c, codon", [
    ("c.140delC", 47),   # ceil(140 / 3)
    ("c.229G>T", 77),
    ("c.76C>T", 26),
    ("c.1A>G", 1),
    ("c.213_227del", 71),
    ("c.123+1G>A", None),  # intronic
    ("c.-5A>G", None),     # 5' UTR
    ("c.*10A>G", None),    # 3' UTR
    ("p.Glu77*", None),
    (None, None),
])
def test_cdna_codon(c, codon):
    assert g.cdna_codon(c) == codon


@pytest.mark.parametrize("c, p, reported, vtype", [
    (None, "p.Glu77*", None, "nonsense"),
    (None, "p.Q54*", None, "nonsense"),
    (None, "p.E77X", None, "nonsense"),
    ("c.140delC", "p.Thr47Thrfs*4", None, "frameshift"),
    (None, "p.N52KfsX25", None, "frameshift"),
    ("c.396delC", None, None, "frameshift"),          # 1 nt deleted: not a multiple of 3
    ("c.156_157delCA", None, None, "frameshift"),
    ("c.100dupA", None, None, "frameshift"),
    ("c.213_227del", None, None, "inframe_deletion"),  # 15 nt = 5 codons
    (None, "p.Ile74_Met78del", None, "inframe_deletion"),
    (None, "p.Arg26Trp", None, "missense"),
    (None, "p.R26W", None, "missense"),
    (None, None, "homozygous 175-kb deletion at 2q13 including IL1RN", "large_deletion"),
    (None, None, "whole gene deletion", "large_deletion"),
    ("c.(?_-1)_(*1_?)del", None, None, "large_deletion"),
    ("c.229G>T", None, None, "other"),                 # substitution without p.: type not stated
    (None, "p.Glu77=", None, "other"),                 # synonymous
    ("c.123+1G>A", None, None, "other"),               # splice
    (None, None, None, "other"),
])
def test_classify_variant(c, p, reported, vtype):
    assert g.classify_variant(c, p, reported) == vtype
    assert vtype in g.VARIANT_TYPES


def test_protein_notation_wins_over_free_text_for_the_type():
    # a point variant whose description mentions a deletion elsewhere stays a point variant
    assert g.classify_variant(None, "p.Glu77*", "compound het with a 175-kb deletion") == "nonsense"


def _cases(rows: list[dict]) -> pd.DataFrame:
    base = {"case_id": None, "source_ids": None, "condition": "dira", "country": None, "il1rn_variant_c": None,
            "il1rn_variant_p": None, "il1rn_transcript": None, "il1rn_zygosity": None,
            "variant_as_reported": None, "response": None, "death": None}
    df = pd.DataFrame([{**base, **r} for r in rows], columns=list(base))
    df["death"] = pd.array(df["death"].tolist(), dtype="boolean")
    return df


def test_compound_heterozygote_pairs_cdna_and_protein_by_codon():
    df = _cases([dict(case_id="p1", source_ids="s1", il1rn_variant_c="c.140delC",
                      il1rn_variant_p="p.Thr47Thrfs*4;p.Glu77Ter", il1rn_zygosity="compound_heterozygous",
                      response="complete", death=False)])
    a = g.variant_alleles(df)
    assert a["variant_label"].tolist() == ["c.140delC (p.Thr47Thrfs*4)", "p.Glu77*"]
    assert a["variant_type"].tolist() == ["frameshift", "nonsense"]
    assert a["protein_position"].tolist() == [47, 77]
    assert a["placement"].tolist() == ["placed", "placed"]
    assert a["source_id"].tolist() == ["s1", "s1"]


def test_equal_length_lists_pair_in_order():
    df = _cases([dict(case_id="p1", il1rn_variant_c="c.160C>T;c.229G>T", il1rn_variant_p="p.Gln54*;p.Glu77*")])
    a = g.variant_alleles(df)
    assert a["hgvs_c"].tolist() == ["c.160C>T", "c.229G>T"]
    assert a["hgvs_p_normalised"].tolist() == ["p.Gln54*", "p.Glu77*"]


def test_homozygous_patient_gives_one_row_and_duplicates_collapse():
    df = _cases([dict(case_id="p1", il1rn_variant_p="p.Glu77*;p.E77X", il1rn_zygosity="homozygous")])
    a = g.variant_alleles(df)
    assert len(a) == 1 and a["variant_key"].iloc[0] == "p:p.Glu77*"


def test_large_deletion_from_the_source_text_is_not_placed():
    df = _cases([
        dict(case_id="p1", variant_as_reported="175-kb homozygous deletion at 2q13", il1rn_zygosity="homozygous"),
        dict(case_id="p2", variant_as_reported="homozygous for a 175 kb genomic deletion including IL1RN"),
    ])
    a = g.variant_alleles(df)
    assert a["variant_type"].tolist() == ["large_deletion"] * 2
    assert a["placement"].tolist() == ["large_deletion"] * 2
    assert a["protein_position"].isna().all()
    s = g.variant_summary(a)
    assert len(s) == 1 and s["n_patients"].iloc[0] == 2
    assert s["variant_label"].iloc[0] == "175 kb deletion including IL1RN"


def test_placement_reasons():
    df = _cases([
        dict(case_id="a", il1rn_variant_c="c.396delC", il1rn_transcript="NM_173841.2"),
        dict(case_id="b", il1rn_variant_p="p.Glu77*", il1rn_transcript="NM_000577.5"),
        dict(case_id="c", il1rn_variant_p="p.Glu77*", il1rn_transcript="NM_173842.3"),
        dict(case_id="d", il1rn_variant_p="p.Glu300*"),
        dict(case_id="e", variant_as_reported="IL1RN mutation (details not given)"),
        dict(case_id="f"),
    ])
    a = g.variant_alleles(df).set_index("case_id")
    assert a.loc["a", "placement"] == "no_protein_position"
    assert a.loc["b", "placement"] == "other_transcript"
    assert a.loc["c", "placement"] == "placed"
    assert a.loc["d", "placement"] == "outside_protein"
    assert a.loc["e", "variant_type"] == "other" and a.loc["e", "placement"] == "no_protein_position"
    assert "f" not in a.index  # nothing recorded: no row
    assert set(a["placement"]) <= set(g.PLACEMENTS) and set(g.PLACEMENT_LABELS) == set(g.PLACEMENTS)


def test_summary_counts_patients_per_variant_and_sorts_by_position():
    df = _cases([
        dict(case_id="p1", il1rn_variant_p="p.Glu77*", il1rn_zygosity="homozygous", country="Canada"),
        dict(case_id="p2", il1rn_variant_p="p.E77X", il1rn_zygosity="homozygous", country="Canada"),
        dict(case_id="p3", il1rn_variant_p="p.Gln54*;p.Glu77Ter", il1rn_zygosity="compound_heterozygous",
             country="Lebanon"),
        dict(case_id="p4", il1rn_variant_c="c.396delC"),
    ])
    s = g.variant_summary(g.variant_alleles(df))
    assert s["hgvs_p"].tolist() == ["p.Gln54*", "p.Glu77*", None]
    assert s["n_patients"].tolist() == [1, 3, 1]
    e77 = s.loc[s["hgvs_p"] == "p.Glu77*"].iloc[0]
    assert e77["countries"] == "Canada; Lebanon"
    assert e77["zygosity"] == "homozygous; compound_heterozygous"
    placed, unplaced = g.split_placed(s)
    assert len(placed) == 2 and unplaced["hgvs_c"].tolist() == ["c.396delC"]


def test_outcomes_by_type_count_patients_and_keep_missing_missing():
    df = _cases([
        dict(case_id="p1", il1rn_variant_p="p.Glu77*", response="complete", death=False),
        dict(case_id="p2", il1rn_variant_p="p.Gln54*", response=None, death=None),
        dict(case_id="p3", il1rn_variant_p="p.Thr47Thrfs*4;p.Glu77*", response="partial", death=True),
        dict(case_id="p4", variant_as_reported="175-kb deletion", response="complete"),
        dict(case_id="p5", response="none"),  # no variant: not counted
    ])
    a = g.variant_alleles(df)
    t = g.outcomes_by_type(a).set_index("variant_type")
    assert list(t.index) == ["nonsense", "frameshift", "large_deletion"]  # VARIANT_TYPES order
    assert t.loc["nonsense"].to_dict() == {"patients": 3, "complete": 1, "partial": 1, "no_response": 0,
                                           "response_not_stated": 1, "died": 1, "alive": 1,
                                           "death_not_stated": 1}
    assert t.loc["frameshift", "patients"] == 1  # p3 is counted under both of its types
    counts = g.genotype_counts(df, a)
    assert counts == {"patients": 5, "with_variant": 4, "without_variant": 1, "placed": 3,
                      "large_deletion": 1, "with_response": 3}


def test_empty_and_non_mutating():
    df = _cases([])
    a = g.variant_alleles(df)
    assert a.empty and list(a.columns) == g.VARIANT_COLUMNS
    assert g.variant_summary(a).empty and g.outcomes_by_type(a).empty
    full = _cases([dict(case_id="p1", il1rn_variant_p="p.Glu77*", condition="dira"),
                   dict(case_id="p2", condition="mas")])
    before = full.copy()
    g.variant_summary(g.variant_alleles(full))
    pd.testing.assert_frame_equal(full, before)
    assert g.dira_cases(full)["case_id"].tolist() == ["p1"]


def test_reference_protein_constants():
    # UniProt P18510-1 / NP_776214: 177 aa precursor, signal peptide 1-25, mature chain 26-177
    assert g.PROTEIN_LENGTH == 177 and g.SIGNAL_PEPTIDE == (1, 25) and g.MATURE_CHAIN == (26, 177)
    assert set(g.VARIANT_TYPE_LABELS) == set(g.VARIANT_TYPES)


# ---------------------------------------------------------------------------
# Words for the tables and labels on the protein plot (issue 14)
# ---------------------------------------------------------------------------

def test_zygosity_and_patient_names_in_words():
    assert g.zygosity_words("homozygous; compound_heterozygous") == "Homozygous; Compound heterozygous"
    assert g.zygosity_words(None) is None
    assert g.patient_names("p1; p2", {"p1": "Smith 2020 (J): Patient 1"}) == "Smith 2020 (J): Patient 1; a patient"
    assert g.patient_names(None, {}) is None


def _overlaps(positions, texts, lanes, per_char=g.RESIDUES_PER_CHAR):
    """Pairs of labels in one lane whose extents (centred on the residue) overlap."""
    spans = [(lane, p - len(t) * per_char / 2, p + len(t) * per_char / 2)
             for p, t, lane in zip(positions, texts, lanes) if lane is not None]
    return [(a, b) for i, a in enumerate(spans) for b in spans[i + 1:]
            if a[0] == b[0] and a[1] < b[2] and b[1] < a[2]]


def test_label_lanes_never_overlap_in_a_lane():
    positions = [47, 54, 77, 26, 150, 52, 55, 56, 57, 58, 59, 60]
    texts = ["p.Thr47Thrfs*4", "p.Gln54*", "p.Glu77*", "p.Arg26*", "p.Trp150*", "p.Asn52Lysfs*25", "p.X55*",
             "p.X56*", "p.X57*", "p.X58*", "p.X59*", "p.X60*"]
    lanes = g.label_lanes(positions, texts)
    assert len(lanes) == len(positions)
    assert not _overlaps(positions, texts, lanes)
    assert max(x for x in lanes if x is not None) <= 3
    assert None in lanes  # too many labels close together: some are left to the hover
    # far apart labels share the lowest lane
    assert g.label_lanes([10, 90, 170], ["p.A10*", "p.B90*", "p.C170*"]) == [0, 0, 0]
    assert g.label_lanes([], []) == []
