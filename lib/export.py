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

from lib.citations import citation_url, initials_with_stops, split_authors, uploaded_sources
from lib.data import is_blank, public_columns

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
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


def percent_as_shown(df: pd.DataFrame, columns, decimals: int = 0) -> pd.DataFrame:
    """A chart's data in the units on screen: each proportion column (0-1) as two columns.

    ``<name>_percent`` holds the percentage rounded as the chart shows it (``decimals`` places) and
    ``<name>_proportion_exact`` the exact proportion, where ``<name>`` is the column's name without a
    trailing ``_pct``. Columns not in ``columns`` (or not in the frame) are kept as they are, in place.
    """
    wanted = [c for c in columns if c in df.columns]
    if not wanted:
        return df
    parts = {}
    for col in df.columns:
        if col in wanted:
            name = col[:-4] if col.endswith("_pct") else col
            exact = pd.to_numeric(df[col], errors="coerce")
            parts[f"{name}_percent"] = (100 * exact).round(decimals)
            parts[f"{name}_proportion_exact"] = exact
        else:
            parts[col] = df[col]
    return pd.DataFrame(parts, index=df.index)


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
    keep = ~uploaded_sources(sources)
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


def _get(row, name):
    """A field of an itertuples row, None when the frame has no such column."""
    return getattr(row, name, None)


def page_range(pages) -> tuple[str | None, str | None]:
    """First and last page of a ``pages`` cell, an abbreviated end written out in full.

    ``"2426-37"`` -> ``("2426", "2437")``; ``"401-8"`` -> ``("401", "408")``;
    ``"e358-e367"`` -> ``("e358", "e367")``; ``"117-123.e1"`` ->
    ``("117", "123.e1")``; ``"e29102"`` -> ``("e29102", None)`` (an
    article number). ``(None, None)`` when blank.
    """
    text = _text(pages)
    if text is None:
        return None, None
    m = re.fullmatch(r"\s*([^\s\-–]+)\s*[-–]+\s*([^\s\-–]+)\s*", text)
    if not m:
        return text, None
    first, last = m.group(1), m.group(2)
    if first.isdigit() and last.isdigit() and len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    return first, last


def _bib_name(surname: str, initials: str) -> str:
    """One author for BibTeX: ``van Royen-Kerkhoff, A.``.

    A name BibTeX would split wrongly (a group author of several words, or
    one holding "and" or a comma) is braced so that it is kept whole.
    """
    name = _bib_escape(surname)
    words = surname.split()
    if "," in surname or any(w.lower() == "and" for w in words) or (not initials and len(words) > 1):
        name = "{" + name + "}"
    return f"{name}, {initials_with_stops(initials)}" if initials else name


def _authors(row) -> tuple[list[tuple[str, str]], bool]:
    """The authors a source lists, and whether the list is known to be complete.

    ``authors`` when given (every author, in order; incomplete when
    ``metadata_missing`` lists ``authors``); else the first author alone
    (incomplete: reference managers get ``and others`` / a note).
    """
    listed = split_authors(_get(row, "authors"))
    if listed:
        # a list the curators marked incomplete (metadata_missing: authors) is not every author
        missing = _text(_get(row, "metadata_missing")) or ""
        return listed, "authors" not in [m.strip() for m in missing.split(";")]
    first = _text(_get(row, "first_author"))
    return ([(first, "")] if first else []), False


def incomplete_note(row) -> str | None:
    """A note for a citation the dataset could not complete (``metadata_missing``), or None."""
    missing = _text(_get(row, "metadata_missing"))
    if not missing:
        return None
    words = {"year": "year", "title": "title", "authors": "author list", "journal": "journal",
             "identifier": "PMID/DOI"}
    parts = [words.get(m.strip(), m.strip()) for m in missing.split(";") if m.strip()]
    return "Citation incomplete: " + ", ".join(parts) + " not shown on any page the curators read."


def to_bibtex(sources: pd.DataFrame, include_uploaded: bool = False) -> str:
    """BibTeX entries, one per publication.

    ``@inproceedings`` for conference abstracts (journal or meeting as
    ``booktitle``), ``@article`` for other sources with a journal,
    ``@misc`` without one. ``author`` names every author the source lists
    (``{Surname}, I. N. and ...``); with only the first author known it is
    followed by ``and others``. ``volume``, ``number`` (issue), ``pages``
    (abbreviated ends written out, ``2426--2437``), ``pmid``, ``pmcid`` and
    ``doi`` as stated; ``url`` is PubMed, the DOI or the publisher's own page
    (:func:`lib.citations.citation_url`), never a proxy; ``note`` says when
    the dataset could not complete the citation. ``doi`` and ``url`` are
    verbatim.
    """
    entries = []
    seen: set[str] = set()
    for row in citable(sources, include_uploaded).itertuples(index=False):
        key = bibtex_key(row.source_id)
        base, n = key, 2
        while key in seen:
            key, n = f"{base}_{n}", n + 1
        seen.add(key)
        conference = _get(row, "pub_type") == "conference_abstract"
        journal = _text(_get(row, "journal"))
        names, complete = _authors(row)
        author = " and ".join(_bib_name(s, i) for s, i in names) if names else None
        if author and not complete:
            author += " and others"
        year = None if is_blank(_get(row, "year")) else str(int(_get(row, "year")))
        first, last = page_range(_get(row, "pages"))
        pages = None if first is None else (f"{first}--{last}" if last else first)
        fields = [
            ("author", author, str),
            ("title", _text(_get(row, "title")), _bib_escape),
            ("booktitle" if conference else "journal", journal, _bib_escape),
            ("year", year, _bib_escape),
            ("volume", _text(_get(row, "volume")), _bib_escape),
            ("number", _text(_get(row, "issue")), _bib_escape),
            ("pages", pages, _bib_escape),
            ("doi", _text(_get(row, "doi")), _bib_verbatim),
            ("pmid", _text(_get(row, "pmid")), _bib_escape),
            ("pmcid", _text(_get(row, "pmcid")), _bib_escape),
            ("url", citation_url(row), _bib_verbatim),
            ("note", incomplete_note(row), _bib_escape),
        ]
        body = ",\n".join(f"  {k} = {{{fmt(v)}}}" for k, v, fmt in fields if v)
        kind = "inproceedings" if conference else ("article" if journal else "misc")
        entries.append(f"@{kind}{{{key},\n{body}\n}}")
    return "\n\n".join(entries) + ("\n" if entries else "")


def to_ris(sources: pd.DataFrame, include_uploaded: bool = False) -> str:
    """RIS records, one per publication (``TY`` first, ``ER`` last).

    ``TY`` is CONF for conference abstracts, JOUR for other sources with a
    journal, GEN without one. One ``AU`` line per author the source lists
    (``Surname, I. N.``; only the first author when the list is unknown,
    with an ``N1`` note); ``JO`` (``T2`` for a meeting), ``VL``, ``IS``,
    ``SP``/``EP``, ``PY``, ``DO``, ``AN`` (``PMID:<n>``), ``C2`` (PMCID, as
    EndNote reads it), ``UR`` (PubMed, DOI or the publisher's own page, never
    a proxy) and ``ID`` (the dataset's source id). Each value is on one line
    (line breaks become spaces), so a value can never start a new tag.
    """
    recs = []
    for row in citable(sources, include_uploaded).itertuples(index=False):
        conference = _get(row, "pub_type") == "conference_abstract"
        journal = _text(_get(row, "journal"))
        names, complete = _authors(row)
        first, last = page_range(_get(row, "pages"))
        pmid = _text(_get(row, "pmid"))
        tags = [("AU", f"{s}, {initials_with_stops(i)}" if i else s) for s, i in names]
        notes = [n for n in (incomplete_note(row),
                             None if complete or not names else "Author list incomplete.") if n]
        tags += [
            ("TI", _text(_get(row, "title"))),
            ("T2" if conference else "JO", journal),
            ("VL", _text(_get(row, "volume"))),
            ("IS", _text(_get(row, "issue"))),
            ("SP", first),
            ("EP", last),
            ("PY", None if is_blank(_get(row, "year")) else str(int(_get(row, "year")))),
            ("DO", _text(_get(row, "doi"))),
            ("AN", pmid and f"PMID:{pmid}"),
            ("C2", _text(_get(row, "pmcid"))),
            ("UR", citation_url(row)),
            ("ID", _text(row.source_id)),
        ]
        tags += [("N1", n) for n in notes]
        kind = "CONF" if conference else ("JOUR" if journal else "GEN")
        lines = ["TY  - " + kind]
        lines += [f"{tag}  - {_text(value)}" for tag, value in tags if _text(value)]
        lines.append("ER  - ")
        recs.append("\n".join(lines))
    return "\n\n".join(recs) + ("\n" if recs else "")
