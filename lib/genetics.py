"""IL1RN variants of DIRA patients: parsing HGVS notation, classifying variants, counting outcomes.

Protein reference
-----------------
Positions are on the **secreted IL-1Ra isoform 1 precursor, 177 amino
acids**, whose residues 1-25 are the signal peptide and 26-177 the mature
protein (152 aa; anakinra is this mature chain with an extra N-terminal Met).
That is UniProt P18510 (IL1RA_HUMAN), canonical isoform P18510-1 (sIL-1ra),
and RefSeq transcript NM_173842 encoding NP_776214 ("interleukin-1 receptor
antagonist protein isoform 1 precursor"). The DIRA literature numbers its
variants on this isoform: Aksentijevich et al., N Engl J Med 2009;360:2426-37
(PMC2876877), e.g. p.Glu77* and p.Gln54*; and p.Arg26* (c.76C>T) is the
first residue of the mature chain. Other RefSeq transcripts (NM_173841,
NM_000577, NM_173843) encode intracellular isoforms with other numbering, so
a protein position stated on one of them is not placed on this axis.

What is parsed
--------------
* Protein positions from HGVS ``p.`` notation, three- or one-letter, with or
  without parentheses: ``p.Glu77*``, ``p.(Glu77Ter)``, ``p.Thr47Thrfs*4``,
  ``p.Q54*``, ``p.E77X``, ``p.Asn52Lysfs*25``, ``p.Ile74_Met78del``.
* Codons from HGVS ``c.`` positions (``c.140delC`` -> codon 47), used only to
  pair a patient's ``c.`` and ``p.`` alleles, never to place a lollipop.
* Variant type from the notation (:func:`classify_variant`): ``nonsense``,
  ``frameshift``, ``inframe_deletion``, ``missense``, ``large_deletion``,
  or ``other`` when the notation does not say.

Nothing is rounded or formatted here.
"""

from __future__ import annotations

import functools
import math
import re

import numpy as np
import pandas as pd

PROTEIN_LENGTH = 177
SIGNAL_PEPTIDE = (1, 25)
MATURE_CHAIN = (26, 177)
REFERENCE_TRANSCRIPT = "NM_173842"
REFERENCE_PROTEIN = "NP_776214 / UniProt P18510-1"

VARIANT_TYPES = ("nonsense", "frameshift", "inframe_deletion", "missense", "large_deletion", "other")
VARIANT_TYPE_LABELS = {
    "nonsense": "Nonsense",
    "frameshift": "Frameshift",
    "inframe_deletion": "In-frame deletion",
    "missense": "Missense",
    "large_deletion": "Large (whole-gene) deletion",
    "other": "Other / not classifiable from the notation",
}
ZYGOSITY_LABELS = {"homozygous": "Homozygous", "compound_heterozygous": "Compound heterozygous",
                   "heterozygous": "Heterozygous"}
PLACEMENTS = ("placed", "large_deletion", "no_protein_position", "other_transcript", "outside_protein")
PLACEMENT_LABELS = {
    "placed": "Shown on the protein",
    "large_deletion": "Large deletion: removes the whole gene, listed separately",
    "no_protein_position": "Not placed: the source gives no protein (p.) notation",
    "other_transcript": "Not placed: protein numbering on another transcript",
    "outside_protein": "Not placed: position outside the 177-aa protein",
}

AA3 = {
    "Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E", "Gly": "G",
    "His": "H", "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F", "Pro": "P", "Ser": "S",
    "Thr": "T", "Trp": "W", "Tyr": "Y", "Val": "V", "Sec": "U", "Ter": "*",
}
AA1 = {v: k for k, v in AA3.items()}
AA1["X"] = "Ter"

_AA = r"(?:Ala|Arg|Asn|Asp|Cys|Gln|Glu|Gly|His|Ile|Leu|Lys|Met|Phe|Pro|Ser|Thr|Trp|Tyr|Val|Sec|Ter|[ACDEFGHIKLMNPQRSTVWYUX*])"
_P_START = re.compile(r"^p\.\(?(" + _AA + r")(\d+)", re.IGNORECASE)
_P_SUB = re.compile(r"^p\.\(?(" + _AA + r")(\d+)(" + _AA + r"|=)\)?$")
_C_POS = re.compile(r"^c\.\(?(\d+)(?:_(\d+))?(?![+\-\d])")
_C_INTRONIC = re.compile(r"^c\.\(?[\-*]|^c\.\(?\d+[+\-]")
_SIZE = re.compile(r"(\d+(?:[.,]\d+)?)\s*-?\s*(kb|mb|kilobase|megabase)", re.IGNORECASE)
_LARGE_WORDS = ("whole gene", "whole-gene", "entire gene", "genomic deletion", "microdeletion",
                "gene deletion", "deletion of the gene", "deletion encompassing", "deletion including")

VARIANT_COLUMNS = ["case_id", "source_id", "country", "zygosity", "transcript", "hgvs_c", "hgvs_p",
                   "hgvs_p_normalised", "variant_as_reported", "variant_key", "variant_label",
                   "variant_type", "protein_position", "placement", "response", "death"]


def _text(v) -> str | None:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    s = str(v).strip()
    return s or None


def split_alleles(text) -> list[str]:
    """The ``;``-separated alleles of a cell, stripped, blanks dropped."""
    t = _text(text)
    return [] if t is None else [p.strip() for p in t.split(";") if p.strip()]


def _aa3(token: str) -> str | None:
    if len(token) == 3:
        for k in AA3:
            if k.lower() == token.lower():
                return k
        return None
    if token == "*":
        return "Ter"
    return AA1.get(token.upper())


def protein_position(p) -> int | None:
    """Residue number of the first amino acid named in an HGVS ``p.`` description.

    ``p.Glu77*`` -> 77; ``p.Thr47Thrfs*4`` -> 47; ``p.Q54*`` -> 54;
    ``p.(Glu77Ter)`` -> 77; ``p.Ile74_Met78del`` -> 74. ``None`` when there
    is no position (``p.?``, ``p.0``, empty, not ``p.`` notation).
    """
    t = _text(p)
    if t is None:
        return None
    m = _P_START.match(t.replace(" ", ""))
    if not m:
        return None
    return int(m.group(2))


def normalise_protein(p) -> str | None:
    """An HGVS ``p.`` description rewritten with three-letter codes and ``*`` for a stop.

    ``p.E77X`` and ``p.Glu77Ter`` both become ``p.Glu77*``; ``p.T47TfsX4``
    becomes ``p.Thr47Thrfs*4``. Parentheses (predicted consequence) are
    dropped. Text that is not understood is returned stripped, unchanged.
    """
    t = _text(p)
    if t is None:
        return None
    s = t.replace(" ", "")
    if not s.lower().startswith("p."):
        return t
    body = s[2:]
    if body.startswith("(") and body.endswith(")"):
        body = body[1:-1]
    out, i = [], 0
    while i < len(body):
        three = body[i:i + 3]
        if len(three) == 3 and _aa3(three) and three[0].isupper() and three[1:].islower():
            aa = _aa3(three)
            out.append("*" if aa == "Ter" else aa)
            i += 3
            continue
        ch = body[i]
        if ch.isalpha() and ch.isupper() and (ch in "ACDEFGHIKLMNPQRSTVWYUX"):
            aa = AA1.get(ch)
            out.append("*" if aa == "Ter" else aa)
            i += 1
            continue
        if ch.isalpha():
            # lower-case words (fs, del, ins, dup, ext): copy the whole word
            j = i
            while j < len(body) and body[j].isalpha() and body[j].islower():
                j += 1
            if j == i:  # an unknown upper-case letter: give up, return as written
                return t
            out.append(body[i:j])
            i = j
            continue
        out.append(ch)
        i += 1
    return "p." + "".join(out)


def cdna_codon(c) -> int | None:
    """The codon holding the first coding nucleotide of an HGVS ``c.`` description.

    ``c.140delC`` -> 47 (``ceil(140 / 3)``); ``c.229G>T`` -> 77. ``None``
    for intronic (``c.123+1G>A``), untranslated (``c.-5``, ``c.*10``) or
    unparsable positions.
    """
    t = _text(c)
    if t is None:
        return None
    s = t.replace(" ", "")
    if _C_INTRONIC.match(s):
        return None
    m = _C_POS.match(s)
    if not m:
        return None
    return (int(m.group(1)) + 2) // 3


def _cdna_length_change(c: str) -> int | None:
    """Net length change of a ``c.`` deletion/duplication/insertion, or None if unknown."""
    s = c.replace(" ", "")
    m = re.match(r"^c\.\(?(\d+)(?:_(\d+))?(delins|del|dup|ins)([ACGTacgt]*)(\d*)\)?$", s)
    if not m:
        return None
    start, end, kind, seq, count = m.group(1), m.group(2), m.group(3), m.group(4), m.group(5)
    span = (int(end) - int(start) + 1) if end else 1
    if kind == "del":
        return -(len(seq) if seq and not end else span)
    if kind == "dup":
        return len(seq) if seq and not end else span
    if kind == "ins":
        return len(seq) if seq else (int(count) if count else None)
    if kind == "delins":
        return (len(seq) if seq else None) if seq else None
    return None  # pragma: no cover


def is_large_deletion(c=None, as_reported=None) -> bool:
    """Whether the notation describes a deletion of the whole gene (or more).

    True for sizes in kb/Mb together with "delet", for words such as "whole
    gene" or "genomic deletion", and for ``c.`` ranges with unknown ends
    (``c.(?_-1)_(*1_?)del``).
    """
    for t in (_text(c), _text(as_reported)):
        if t is None:
            continue
        low = t.lower()
        if "?" in low and "del" in low and low.startswith(("c.", "g.")):
            return True
        if "del" in low and _SIZE.search(t):
            return True
        if any(w in low for w in _LARGE_WORDS):
            return True
    return False


def classify_variant(c=None, p=None, as_reported=None) -> str:
    """Variant type of one allele from its HGVS notation (protein first, then cDNA).

    Parameters
    ----------
    c, p : str, optional
        HGVS ``c.`` and ``p.`` descriptions of the allele.
    as_reported : str, optional
        The source's own notation; used only to recognise large deletions.

    Returns
    -------
    str
        One of :data:`VARIANT_TYPES`:

        * ``large_deletion``: see :func:`is_large_deletion`;
        * ``frameshift``: ``fs`` in ``p.``, or a ``c.`` deletion, duplication
          or insertion whose length is not a multiple of 3;
        * ``nonsense``: ``p.`` ending in a stop (``*``, ``Ter``, ``X``)
          without ``fs``;
        * ``inframe_deletion``: ``del`` in ``p.`` without ``fs``/``ins``, or a
          ``c.`` deletion of a multiple of 3 nucleotides;
        * ``missense``: ``p.`` substitution of one amino acid by another;
        * ``other``: anything else (synonymous, splice, unknown).
    """
    if is_large_deletion(c, as_reported if _text(c) is None and _text(p) is None else None):
        return "large_deletion"
    pn = normalise_protein(p)
    if pn is not None and pn.startswith("p."):
        body = pn[2:]
        if "fs" in body:
            return "frameshift"
        if body.endswith("*") and "ext" not in body and "delins" not in body and "ins" not in body:
            return "nonsense"
        if "del" in body and "ins" not in body and "dup" not in body:
            return "inframe_deletion"
        m = _P_SUB.match(pn)
        if m and m.group(3) not in ("=",) and _aa3(m.group(3)) not in (None, "Ter") and \
                _aa3(m.group(1)) != _aa3(m.group(3)):
            return "missense"
    ct = _text(c)
    if ct is not None:
        change = _cdna_length_change(ct)
        if change is not None and change != 0:
            if change % 3 != 0:
                return "frameshift"
            if change < 0:
                return "inframe_deletion"
    return "other"


def _large_deletion_key(as_reported: str | None) -> tuple[str, str]:
    t = _text(as_reported) or ""
    m = _SIZE.search(t)
    if m:
        size = m.group(1).replace(",", ".")
        unit = "Mb" if m.group(2).lower().startswith("m") else "kb"
        return f"large_deletion:{size}{unit}", f"{size} {unit} deletion including IL1RN"
    return "large_deletion:unspecified", "Large deletion including IL1RN (size not stated)"


@functools.lru_cache(maxsize=4096)
def _parse_genotype(c_text: str | None, p_text: str | None, reported: str | None,
                    transcript: str | None) -> tuple[dict, ...]:
    """The distinct alleles of one patient's notation (cached: registries repeat the same variants)."""
    cs, ps = split_alleles(c_text), split_alleles(p_text)
    pairs: list[tuple[str | None, str | None]] = []
    if cs and ps and len(cs) == len(ps):
        pairs = list(zip(cs, ps))
    else:
        left_c = list(cs)
        for p in ps:
            pos = protein_position(p)
            match = next((c for c in left_c if pos is not None and cdna_codon(c) == pos), None)
            if match is not None:
                left_c.remove(match)
            pairs.append((match, p))
        pairs.extend((c, None) for c in left_c)
    if not pairs:
        if reported is None:
            return ()
        if is_large_deletion(None, reported):
            key, label = _large_deletion_key(reported)
            return ({"hgvs_c": None, "hgvs_p": None, "hgvs_p_normalised": None, "variant_key": key,
                     "variant_label": label, "variant_type": "large_deletion", "protein_position": None,
                     "placement": "large_deletion"},)
        return ({"hgvs_c": None, "hgvs_p": None, "hgvs_p_normalised": None, "variant_key": f"other:{reported}",
                 "variant_label": reported, "variant_type": "other", "protein_position": None,
                 "placement": "no_protein_position"},)
    out: list[dict] = []
    seen: set[str] = set()
    for c, p in pairs:
        pn = normalise_protein(p)
        vtype = classify_variant(c, p)
        if vtype == "large_deletion":
            key, label = _large_deletion_key(c or reported)
        else:
            key = f"p:{pn}" if pn else f"c:{c}"
            label = f"{c} ({pn})" if c and pn else (pn or c)
        if key in seen:
            continue
        seen.add(key)
        pos = protein_position(pn) if vtype != "large_deletion" else None
        if vtype == "large_deletion":
            placement = "large_deletion"
        elif pos is None:
            placement = "no_protein_position"
        elif transcript is not None and not transcript.upper().startswith(REFERENCE_TRANSCRIPT):
            placement = "other_transcript"
        elif not 1 <= pos <= PROTEIN_LENGTH:
            placement = "outside_protein"
        else:
            placement = "placed"
        out.append({"hgvs_c": c, "hgvs_p": p, "hgvs_p_normalised": pn, "variant_key": key,
                    "variant_label": label, "variant_type": vtype, "protein_position": pos,
                    "placement": placement})
    return tuple(out)


def variant_alleles(cases: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct IL1RN variant carried by each patient.

    A homozygous patient gives one row (one variant, two copies); a compound
    heterozygous patient one row per variant. A patient's ``c.`` and ``p.``
    alleles are paired in order when both lists have the same length,
    otherwise by codon (``c.140delC`` pairs with ``p.Thr47Thrfs*4``); an
    allele left unpaired stands alone. A patient with no ``c.``/``p.``
    notation but a large deletion in ``variant_as_reported`` gives one
    ``large_deletion`` row; with only other free text, one ``other`` row;
    with nothing, no row.

    Parameters
    ----------
    cases : DataFrame
        Case rows (any condition; the page passes the DIRA cases).

    Returns
    -------
    DataFrame
        Columns :data:`VARIANT_COLUMNS`. ``protein_position`` is Int64
        (missing when not placed from ``p.``); ``placement`` is one of
        :data:`PLACEMENTS`; ``response`` and ``death`` are copied from the
        case (missing stays missing).
    """
    cols = ["case_id", "il1rn_variant_c", "il1rn_variant_p", "variant_as_reported", "il1rn_transcript",
            "country", "il1rn_zygosity", "response", "death"]
    has_any = np.zeros(len(cases), dtype=bool)
    for c in ("il1rn_variant_c", "il1rn_variant_p", "variant_as_reported"):
        has_any |= cases[c].notna().to_numpy()
    sub = cases.loc[has_any]
    source = sub["_source_id"] if "_source_id" in sub.columns else \
        sub["source_ids"].map(lambda v: (split_alleles(v) or [None])[0])
    recs: list[dict] = []
    for row, sid in zip(sub[cols].to_dict("records"), source.tolist()):
        transcript = _text(row["il1rn_transcript"])
        alleles = _parse_genotype(_text(row["il1rn_variant_c"]), _text(row["il1rn_variant_p"]),
                                  _text(row["variant_as_reported"]), transcript)
        if not alleles:
            continue
        base = {
            "case_id": row["case_id"],
            "source_id": sid,
            "country": _text(row["country"]),
            "zygosity": _text(row["il1rn_zygosity"]),
            "transcript": transcript,
            "variant_as_reported": _text(row["variant_as_reported"]),
            "response": _text(row["response"]),
            "death": row["death"],
        }
        recs.extend({**base, **a} for a in alleles)
    out = pd.DataFrame(recs, columns=VARIANT_COLUMNS)
    _none_for_missing(out, [c for c in VARIANT_COLUMNS if c not in ("protein_position", "death")])
    out["protein_position"] = pd.array([None if v is None or (isinstance(v, float) and math.isnan(v)) else int(v)
                                        for v in out["protein_position"]], dtype="Int64")
    out["death"] = pd.array([None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))
                             else bool(v) for v in out["death"]], dtype="boolean")
    return out


def _none_for_missing(df: pd.DataFrame, columns) -> pd.DataFrame:
    """Text columns as object dtype with ``None`` (not NaN) for a missing value, as lib.data does."""
    for c in columns:
        col = df[c].astype(object)
        df[c] = col.where(col.notna(), None)
    return df


def _join(values: pd.Series, sep: str = "; ") -> str | None:
    """The distinct non-missing values in order of appearance, joined; None when there are none."""
    uniq = [str(v) for v in pd.unique(values.dropna()) if str(v).strip()]
    return sep.join(uniq) if uniq else None


def variant_summary(alleles: pd.DataFrame) -> pd.DataFrame:
    """One row per distinct variant with the number of patients carrying it.

    Returns
    -------
    DataFrame
        Columns ``variant_key, variant_label, variant_type, hgvs_c, hgvs_p,
        transcript, protein_position, placement, zygosity, countries,
        as_reported, n_patients, case_ids``; text columns join the distinct
        values with ``"; "`` (``as_reported`` with ``" | "``). Sorted by
        protein position (unplaced last), then label.
    """
    cols = ["variant_key", "variant_label", "variant_type", "hgvs_c", "hgvs_p", "transcript",
            "protein_position", "placement", "zygosity", "countries", "as_reported", "n_patients", "case_ids"]
    if alleles.empty:
        out = pd.DataFrame(columns=cols)
        out["protein_position"] = pd.array([], dtype="Int64")
        out["n_patients"] = pd.array([], dtype="int64")
        return out
    rows = []
    for key, part in alleles.groupby("variant_key", sort=False):
        first = part.iloc[0]
        rows.append({
            "variant_key": key,
            "variant_label": first["variant_label"],
            "variant_type": first["variant_type"],
            "hgvs_c": _join(part["hgvs_c"]),
            "hgvs_p": _join(part["hgvs_p_normalised"]),
            "transcript": _join(part["transcript"]),
            "protein_position": first["protein_position"],
            "placement": first["placement"],
            "zygosity": _join(part["zygosity"]),
            "countries": _join(part["country"]),
            "as_reported": _join(part["variant_as_reported"], " | "),
            "n_patients": int(part["case_id"].nunique()),
            "case_ids": _join(part["case_id"]),
        })
    out = pd.DataFrame(rows, columns=cols)
    _none_for_missing(out, [c for c in cols if c not in ("protein_position", "n_patients")])
    out["protein_position"] = pd.array(out["protein_position"].tolist(), dtype="Int64")
    order = out["protein_position"].astype("float64").fillna(float("inf"))
    out = out.assign(_o=order.to_numpy()).sort_values(["_o", "variant_label"], kind="mergesort")
    return out.drop(columns="_o").reset_index(drop=True)


def outcomes_by_type(alleles: pd.DataFrame) -> pd.DataFrame:
    """Anakinra response and death counts per variant type, among patients.

    A patient is counted once under each variant type they carry (a compound
    heterozygous patient with a nonsense and a frameshift allele is counted
    under both), so the rows can add up to more than the patients.

    Returns
    -------
    DataFrame
        One row per variant type present, in :data:`VARIANT_TYPES` order:
        ``variant_type, patients, complete, partial, no_response,
        response_not_stated, died, alive, death_not_stated``.
    """
    cols = ["variant_type", "patients", "complete", "partial", "no_response", "response_not_stated",
            "died", "alive", "death_not_stated"]
    rows = []
    for vtype in VARIANT_TYPES:
        part = alleles.loc[alleles["variant_type"] == vtype].drop_duplicates("case_id")
        if part.empty:
            continue
        resp = part["response"]
        death = part["death"]
        rows.append({
            "variant_type": vtype,
            "patients": len(part),
            "complete": int((resp == "complete").sum()),
            "partial": int((resp == "partial").sum()),
            "no_response": int((resp == "none").sum()),
            "response_not_stated": int(resp.isna().sum()),
            "died": int((death == True).sum()),  # noqa: E712 - nullable boolean
            "alive": int((death == False).sum()),  # noqa: E712
            "death_not_stated": int(death.isna().sum()),
        })
    return pd.DataFrame(rows, columns=cols)


def genotype_counts(cases: pd.DataFrame, alleles: pd.DataFrame) -> dict[str, int]:
    """How many patients have a recorded variant, and how many do not.

    Returns
    -------
    dict
        ``patients`` (cases given), ``with_variant`` (at least one allele
        row), ``without_variant``, ``placed`` (at least one variant shown on
        the protein), ``large_deletion``, ``with_response`` (with a variant
        and a stated anakinra response).
    """
    ids = set(alleles["case_id"])
    n = len(cases)
    with_v = int(cases["case_id"].isin(ids).sum())
    return {
        "patients": n,
        "with_variant": with_v,
        "without_variant": n - with_v,
        "placed": int(alleles.loc[alleles["placement"] == "placed", "case_id"].nunique()),
        "large_deletion": int(alleles.loc[alleles["variant_type"] == "large_deletion", "case_id"].nunique()),
        "with_response": int((cases["case_id"].isin(ids) & cases["response"].notna()).sum()),
    }


def dira_cases(cases: pd.DataFrame) -> pd.DataFrame:
    """The DIRA patients among ``cases`` (condition ``dira``)."""
    return cases.loc[(cases["condition"] == "dira").to_numpy(dtype=bool)]


def split_placed(summary: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The variants shown on the protein plot, and the others (with their ``placement`` reason)."""
    mask = (summary["placement"] == "placed").to_numpy(dtype=bool)
    return summary.loc[mask].reset_index(drop=True), summary.loc[~mask].reset_index(drop=True)


# ---------------------------------------------------------------------------
# Words for the tables, and labels on the protein plot that do not overlap
# ---------------------------------------------------------------------------

def zygosity_words(joined) -> str | None:
    """``"homozygous; compound_heterozygous"`` -> ``"Homozygous; Compound heterozygous"``; None when blank."""
    t = _text(joined)
    if t is None:
        return None
    return "; ".join(ZYGOSITY_LABELS.get(p.strip(), p.strip().replace("_", " ")) for p in t.split(";") if p.strip())


def patient_names(case_ids, names: dict) -> str | None:
    """The patients of a ``"; "``-joined list of case ids, by the names in ``names`` (case id -> label).

    A case id without a name reads "a patient" (never the id); None when blank.
    """
    t = _text(case_ids)
    if t is None:
        return None
    return "; ".join(names.get(c.strip(), "a patient") for c in t.split(";") if c.strip())


# Residues one label character takes on the protein axis at a 390 px wide phone: the plot area is about
# 330 px for 180 residues (1.8 px per residue) and an 11 px font character is about 6.5 px wide.
RESIDUES_PER_CHAR = 3.6
LABEL_PAD = 3.0  # residues kept free between two labels in one lane


def label_lanes(positions, texts, residues_per_char: float = RESIDUES_PER_CHAR, pad: float = LABEL_PAD,
                max_lanes: int = 4) -> list[int | None]:
    """A height (lane 0, 1, ...) for each variant label so that labels in one lane never overlap.

    Labels are centred on their residue and ``len(text) * residues_per_char``
    residues wide; they are placed from left to right, each in the lowest
    lane whose last label ends at least ``pad`` residues before it starts.
    A label that fits in none of ``max_lanes`` lanes gets ``None`` (shown on
    hover only). With the default width the labels do not overlap on a
    390 px wide screen, and leave more room on wider ones.

    Returns
    -------
    list
        Lane per input, in input order.
    """
    order = sorted(range(len(positions)), key=lambda i: (float(positions[i]), str(texts[i])))
    ends: list[float] = []
    out: list[int | None] = [None] * len(positions)
    for i in order:
        half = len(str(texts[i])) * residues_per_char / 2
        start, end = float(positions[i]) - half, float(positions[i]) + half
        for lane, last in enumerate(ends):
            if start >= last + pad:
                ends[lane] = end
                out[i] = lane
                break
        else:
            if len(ends) < max_lanes:
                ends.append(end)
                out[i] = len(ends) - 1
    return out
