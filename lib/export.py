"""Exports: CSV that spreadsheets cannot execute, BibTeX and RIS citations."""

from __future__ import annotations

import io
import re

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Prefix a text cell that a spreadsheet would read as a formula with an apostrophe.

    Numbers are left alone (a negative number is data, not a formula); text
    starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is
    prefixed with ``'`` (OWASP CSV-injection advice).
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_csv(df: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV bytes with formula-like text cells neutralised."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    buf = io.StringIO()
    out.to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8")


def _bib_escape(text: str) -> str:
    return re.sub(r"([{}%&$#_])", r"\\\1", str(text))


def to_bibtex(sources: pd.DataFrame) -> str:
    """BibTeX entries (``@article``) for the sources."""
    entries = []
    for row in sources.itertuples(index=False):
        fields = {
            "title": row.title,
            "author": row.first_author and f"{row.first_author} and others",
            "journal": row.journal,
            "year": None if pd.isna(row.year) else int(row.year),
            "doi": row.doi,
            "pmid": row.pmid,
            "url": row.url,
        }
        body = ",\n".join(f"  {k} = {{{_bib_escape(v)}}}" for k, v in fields.items() if v not in (None, "") and not (isinstance(v, float) and pd.isna(v)))
        entries.append(f"@article{{{row.source_id},\n{body}\n}}")
    return "\n\n".join(entries) + ("\n" if entries else "")


def to_ris(sources: pd.DataFrame) -> str:
    """RIS records for the sources."""
    recs = []
    for row in sources.itertuples(index=False):
        lines = ["TY  - JOUR" if row.pub_type != "conference_abstract" else "TY  - CONF"]
        if row.first_author:
            lines.append(f"AU  - {row.first_author}")
        lines.append(f"TI  - {row.title}")
        if row.journal:
            lines.append(f"JO  - {row.journal}")
        if not pd.isna(row.year):
            lines.append(f"PY  - {int(row.year)}")
        if row.doi:
            lines.append(f"DO  - {row.doi}")
        if row.pmid:
            lines.append(f"AN  - PMID:{row.pmid}")
        if row.url:
            lines.append(f"UR  - {row.url}")
        lines.append("ER  - ")
        recs.append("\n".join(l.replace("\n", " ") for l in lines))
    return "\n\n".join(recs) + ("\n" if recs else "")
