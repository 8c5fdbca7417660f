"""Exports: CSV that spreadsheets cannot execute, BibTeX and RIS citations.

CSV injection: a text cell starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return (also after leading spaces) is prefixed with ``'`` so that
Excel, LibreOffice and Google Sheets show it as text (OWASP, "CSV
Injection"). Numbers are left alone.

Citations: one entry per publication. Sources synthesised for an upload
(``source_id`` starting with ``upload:``) are not publications and are left
out unless asked for.
"""

from __future__ import annotations

import io
import re

import pandas as pd

from lib.data import public_columns

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UPLOAD_PREFIX = "upload:"
# Control characters (except nothing: line breaks are turned into spaces first).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BREAKS = re.compile(r"\s*[\r\n\t]+\s*")


def neutralise(value):
    """Prefix a text cell that a spreadsheet would read as a formula with an apostrophe.

    Numbers are left alone (a negative number is data, not a formula); text
    starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return, also
    after leading spaces, is prefixed with ``'`` (OWASP CSV-injection advice).
    """
    if isinstance(value, str) and (value.startswith(_FORMULA_START) or value.lstrip(" ").startswith(_FORMULA_START)):
        return "'" + value
    return value


def safe_csv(df: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV bytes with formula-like text cells (and column names) neutralised."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise).astype(object)
    out.columns = [neutralise(str(c)) for c in out.columns]
    buf = io.StringIO()
    out.to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8")


def cases_export(cases: pd.DataFrame) -> pd.DataFrame:
    """The cases as the data dictionary's columns (helper columns dropped).

    When the cases come from shipped and uploaded data together, an
    ``origin`` column (``shipped`` / ``upload``) is kept as the last column.
    """
    out = public_columns(cases).copy()
    if "_origin" in cases.columns:
        out["origin"] = cases["_origin"].to_numpy()
    return out.reset_index(drop=True)


def cases_csv(cases: pd.DataFrame) -> bytes:
    """:func:`cases_export` as formula-safe UTF-8 CSV bytes."""
    return safe_csv(cases_export(cases))


def citable(sources: pd.DataFrame, include_uploaded: bool = False) -> pd.DataFrame:
    """The publications among ``sources`` (uploaded files left out unless ``include_uploaded``)."""
    if include_uploaded or sources.empty:
        return sources
    keep = ~sources["source_id"].astype(str).str.startswith(_UPLOAD_PREFIX)
    return sources.loc[keep.to_numpy(dtype=bool)]


def _text(value) -> str | None:
    """A field's text on one line, control characters removed; None when missing or blank."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    text = _CONTROL.sub("", _BREAKS.sub(" ", str(value))).strip()
    return text or None


def _bib_escape(text: str) -> str:
    """Escape text for a braced BibTeX field.

    BibTeX counts braces without regard to backslashes, so ``\\{`` would still
    unbalance a field; braces and backslashes are therefore written as the
    LaTeX commands ``\\textbraceleft`` etc. inside their own braces (balanced),
    and LaTeX's special characters are backslash-escaped.
    """
    out = []
    for ch in str(text):
        if ch == "\\":
            out.append("{\\textbackslash}")
        elif ch == "{":
            out.append("{\\textbraceleft}")
        elif ch == "}":
            out.append("{\\textbraceright}")
        elif ch in "%&$#_":
            out.append("\\" + ch)
        elif ch == "~":
            out.append("{\\textasciitilde}")
        elif ch == "^":
            out.append("{\\textasciicircum}")
        else:
            out.append(ch)
    return "".join(out)


def _bib_verbatim(text: str) -> str:
    """A URL or DOI for BibTeX: verbatim, with braces and backslashes percent-encoded."""
    return str(text).replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


def bibtex_key(source_id: str) -> str:
    """A citation key: the source id with characters BibTeX does not allow replaced by ``_``."""
    key = re.sub(r"[^A-Za-z0-9_:.\-/+]", "_", str(source_id))
    return key or "source"


def to_bibtex(sources: pd.DataFrame, include_uploaded: bool = False) -> str:
    """BibTeX entries, one per publication.

    ``@inproceedings`` for conference abstracts (journal as ``booktitle``),
    ``@article`` otherwise. The author field names the first author followed
    by ``and others`` (the dataset stores the first author only). ``doi`` and
    ``url`` are verbatim; ``pmid`` and ``pmcid`` are written as fields of the
    same names (read by biblatex and Zotero).
    """
    entries = []
    seen: set[str] = set()
    for row in citable(sources, include_uploaded).itertuples(index=False):
        key = bibtex_key(row.source_id)
        base, n = key, 2
        while key in seen:
            key, n = f"{base}_{n}", n + 1
        seen.add(key)
        conference = getattr(row, "pub_type", None) == "conference_abstract"
        author = _text(row.first_author)
        year = None if pd.isna(row.year) else str(int(row.year))
        fields = [
            ("author", author and f"{author} and others", _bib_escape),
            ("title", _text(row.title), _bib_escape),
            ("booktitle" if conference else "journal", _text(row.journal), _bib_escape),
            ("year", year, _bib_escape),
            ("doi", _text(row.doi), _bib_verbatim),
            ("pmid", _text(row.pmid), _bib_escape),
            ("pmcid", _text(getattr(row, "pmcid", None)), _bib_escape),
            ("url", _text(row.url), _bib_verbatim),
        ]
        body = ",\n".join(f"  {k} = {{{fmt(v)}}}" for k, v, fmt in fields if v)
        kind = "inproceedings" if conference else "article"
        entries.append(f"@{kind}{{{key},\n{body}\n}}")
    return "\n\n".join(entries) + ("\n" if entries else "")


def to_ris(sources: pd.DataFrame, include_uploaded: bool = False) -> str:
    """RIS records, one per publication (``TY`` first, ``ER`` last; CONF for conference abstracts).

    Each value is on one line (line breaks become spaces), so a value can
    never start a new tag.
    """
    recs = []
    for row in citable(sources, include_uploaded).itertuples(index=False):
        conference = getattr(row, "pub_type", None) == "conference_abstract"
        tags = [
            ("AU", _text(row.first_author)),
            ("TI", _text(row.title)),
            ("T2" if conference else "JO", _text(row.journal)),
            ("PY", None if pd.isna(row.year) else str(int(row.year))),
            ("DO", _text(row.doi)),
            ("AN", _text(row.pmid) and f"PMID:{_text(row.pmid)}"),
            ("UR", _text(row.url)),
            ("ID", _text(row.source_id)),
        ]
        lines = ["TY  - " + ("CONF" if conference else "JOUR")]
        lines += [f"{tag}  - {value}" for tag, value in tags if value]
        lines.append("ER  - ")
        recs.append("\n".join(lines))
    return "\n\n".join(recs) + ("\n" if recs else "")
