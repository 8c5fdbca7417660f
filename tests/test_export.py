"""lib.export: formula-safe CSV, BibTeX and RIS (synthetic frames built here, plus the shipped sources)."""

from __future__ import annotations

import csv
import io
import re

import pandas as pd
import pytest

from lib.export import (
    bibtex_key,
    cases_csv,
    cases_export,
    citable,
    neutralise,
    safe_csv,
    to_bibtex,
    to_ris,
)


def _read(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


# ---------------------------------------------------------------------------
# CSV injection
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("cell,expected", [
    ("=1+1", "'=1+1"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("  =1+1", "'  =1+1"),   # leading spaces do not hide a formula
    ("plain text", "plain text"),
    ("a=b", "a=b"),
    ("", ""),
    (-3.5, -3.5),             # a number is data
    (None, None),
])
def test_neutralise(cell, expected):
    assert neutralise(cell) == expected


def test_safe_csv_neutralises_text_cells_and_headers_not_numbers():
    df = pd.DataFrame({"=col": ["=HYPERLINK(\"http://x\")", "ok", None], "n": [-1.5, 2.0, float("nan")],
                       "k": pd.array([-1, None, 3], dtype="Int64")})
    rows = _read(safe_csv(df))
    assert rows[0] == ["'=col", "n", "k"]
    assert rows[1] == ["'=HYPERLINK(\"http://x\")", "-1.5", "-1"]
    assert rows[2] == ["ok", "2.0", ""]
    assert rows[3] == ["", "", "3"]


def test_safe_csv_handles_pandas_string_dtype_and_does_not_mutate():
    df = pd.DataFrame({"a": pd.array(["@x", "y"], dtype="string")})
    before = df.copy()
    assert _read(safe_csv(df))[1] == ["'@x"]
    pd.testing.assert_frame_equal(df, before)


def test_cases_export_drops_helper_columns_and_keeps_origin(shipped):
    from lib.upload import combine, parse_upload

    up = parse_upload("u.csv", b"case_id,condition,trigger,trigger_detail\np1,mas,sjia,=2+2\n").dataset
    both = combine(shipped, up)
    out = cases_export(both.cases)
    assert not [c for c in out.columns if c.startswith("_")]
    assert out.columns[-1] == "origin"
    assert (out["origin"] == "upload").sum() == 1
    rows = _read(cases_csv(both.cases))
    header = rows[0]
    last = dict(zip(header, rows[-1]))
    assert last["case_id"] == "upload:p1" and last["trigger_detail"] == "'=2+2" and last["origin"] == "upload"
    assert len(rows) == len(both.cases) + 1
    assert "origin" not in cases_export(shipped.cases).columns


# ---------------------------------------------------------------------------
# Citations
# ---------------------------------------------------------------------------

def _sources(**overrides) -> pd.DataFrame:
    row = {"source_id": "smith2020", "pmid": "123", "doi": "10.1000/x_y", "pmcid": "PMC1", "first_author": "Smith",
           "year": 2020, "title": "A {curly} title with 50% & $5 #1 under_score \\ back",
           "journal": "J Test", "pub_type": "case_report", "url": "https://example.org/a?b=1&c={2}",
           "language": "en", "extraction_date": "2026-01-01", "note": None}
    row.update(overrides)
    df = pd.DataFrame([row])
    df["year"] = pd.array(df["year"].tolist(), dtype="Int64")
    return df


def parse_bibtex(text: str) -> list[dict]:
    """A strict structural BibTeX reader (as BibTeX counts braces: backslashes do not escape them).

    Returns one dict per entry with ``type``, ``key`` and the fields; raises
    ValueError on any structural problem.
    """
    entries = []
    i, n = 0, len(text)
    while True:
        at = text.find("@", i)
        if at < 0:
            if text[i:].strip():
                raise ValueError(f"text outside entries: {text[i:]!r}")
            return entries
        if text[i:at].strip():
            raise ValueError(f"text between entries: {text[i:at]!r}")
        m = re.compile(r"@([a-zA-Z]+)\{([^,\s{}\"#%'()=]+),\s*").match(text, at)
        if not m:
            raise ValueError(f"bad entry head at {at}: {text[at:at + 40]!r}")
        entry = {"type": m.group(1).lower(), "key": m.group(2)}
        i = m.end()
        while True:
            if text[i] == "}":
                i += 1
                break
            fm = re.compile(r"([a-zA-Z]+)\s*=\s*\{").match(text, i)
            if not fm:
                raise ValueError(f"bad field at {i}: {text[i:i + 40]!r}")
            j, depth = fm.end(), 1
            while depth:
                if j >= n:
                    raise ValueError("unbalanced braces")
                depth += {"{": 1, "}": -1}.get(text[j], 0)
                j += 1
            name = fm.group(1).lower()
            if name in entry:
                raise ValueError(f"field {name} twice")
            entry[name] = text[fm.end():j - 1]
            i = j
            while i < n and text[i] in " \n":
                i += 1
            if text[i] == ",":
                i += 1
                while i < n and text[i] in " \n":
                    i += 1
        entries.append(entry)


def test_bibtex_parses_structurally_with_hostile_text():
    df = pd.concat([
        _sources(),
        _sources(source_id="x {bad} key, 2", title="Unbalanced { brace", first_author="O'Brien {", journal="}",
                 pmid=None, doi=None, pmcid=None, url="https://shmabstracts.org/a?b=1&c={2}"),
        _sources(source_id="smith2020", title="Same id twice", pub_type="conference_abstract"),
        _sources(source_id="nl", title="line\nbreak\r\n@article{injected,\n title={x}}", doi=None, url=None,
                 pmid=None, pmcid=None, first_author=None, journal=None, year=pd.NA),
    ], ignore_index=True)
    entries = parse_bibtex(to_bibtex(df))
    assert len(entries) == 4  # one entry per source, nothing injected
    assert [e["key"] for e in entries] == ["smith2020", "x__bad__key__2", "smith2020_2", "nl"]
    assert [e["type"] for e in entries] == ["article", "article", "inproceedings", "misc"]  # misc: no journal
    e0 = entries[0]
    assert e0["author"] == "Smith and others"
    assert e0["title"] == ("A {\\textbraceleft}curly{\\textbraceright} title with 50\\% \\& \\$5 \\#1 under\\_score "
                           "{\\textbackslash} back")
    assert e0["doi"] == "10.1000/x_y"  # verbatim: no LaTeX escapes in a DOI
    assert e0["url"] == "https://pubmed.ncbi.nlm.nih.gov/123/"  # PubMed, not the reading address
    assert entries[1]["url"] == "https://shmabstracts.org/a?b=1&c=%7B2%7D"  # a meeting's own page, verbatim
    assert e0["year"] == "2020" and e0["pmid"] == "123" and e0["journal"] == "J Test"
    assert entries[2]["booktitle"] == "J Test"
    assert entries[3]["title"] == ("line break @article{\\textbraceleft}injected, title={\\textbraceleft}x"
                                   "{\\textbraceright}{\\textbraceright}")
    assert "year" not in entries[3] and "author" not in entries[3]


def test_bibtex_of_the_shipped_sources_parses(shipped):
    entries = parse_bibtex(to_bibtex(shipped.sources))
    assert len(entries) == len(shipped.sources)
    assert len({e["key"] for e in entries}) == len(entries)


def test_bibtex_key_is_safe():
    assert bibtex_key("upload:my file (1).csv") == "upload:my_file__1_.csv"
    assert bibtex_key("") == "source"


def _ris_records(text: str) -> list[list[tuple[str, str]]]:
    records, current = [], None
    for line in text.splitlines():
        if not line.strip():
            continue
        m = re.fullmatch(r"([A-Z][A-Z0-9])  - (.*)", line)
        assert m, f"not a RIS line: {line!r}"
        tag, value = m.groups()
        if tag == "TY":
            assert current is None, "TY before the previous ER"
            current = [(tag, value)]
        else:
            assert current is not None, f"{tag} outside a record"
            current.append((tag, value))
            if tag == "ER":
                records.append(current)
                current = None
    assert current is None, "record without ER"
    return records


def test_ris_has_ty_and_er_per_record_and_one_line_values():
    df = pd.concat([
        _sources(),
        _sources(source_id="b", title="Title\nER  - \nTY  - JOUR", pub_type="conference_abstract"),
        _sources(source_id="c", first_author=None, doi=None, url=None, pmid=None, journal=None, year=pd.NA),
    ], ignore_index=True)
    recs = _ris_records(to_ris(df))
    assert len(recs) == 3
    assert [r[0] for r in recs] == [("TY", "JOUR"), ("TY", "CONF"), ("TY", "GEN")]  # GEN: no journal
    assert all(r[-1] == ("ER", "") for r in recs)
    first = dict(recs[0])
    assert first["AU"] == "Smith" and first["PY"] == "2020" and first["DO"] == "10.1000/x_y"
    assert first["AN"] == "PMID:123" and first["JO"] == "J Test" and first["ID"] == "smith2020"
    assert dict(recs[1])["TI"] == "Title ER  - TY  - JOUR"  # one line: cannot end the record
    assert dict(recs[1])["T2"] == "J Test"
    assert "PY" not in dict(recs[2]) and "AU" not in dict(recs[2])


def test_ris_of_the_shipped_sources(shipped):
    assert len(_ris_records(to_ris(shipped.sources))) == len(shipped.sources)


def test_uploaded_files_are_not_cited_unless_asked():
    df = pd.concat([_sources(), _sources(source_id="upload:f.csv", title="Uploaded file f.csv")], ignore_index=True)
    assert list(citable(df)["source_id"]) == ["smith2020"]
    assert len(parse_bibtex(to_bibtex(df))) == 1
    assert len(parse_bibtex(to_bibtex(df, include_uploaded=True))) == 2
    assert len(_ris_records(to_ris(df))) == 1


def test_empty_sources_give_empty_text():
    empty = _sources().iloc[0:0]
    assert to_bibtex(empty) == "" and to_ris(empty) == ""


# ---------------------------------------------------------------------------
# Every shipped source, parsed back: what a reference manager imports
# ---------------------------------------------------------------------------

def _csv_sources() -> list[dict]:
    from conftest import ROOT, read_rows

    return read_rows(ROOT / "data" / "sources.csv")


def _bib_names(field: str) -> list[str]:
    """A BibTeX author field split at " and " outside braces (as BibTeX splits it)."""
    names, depth, start, i = [], 0, 0, 0
    while i < len(field):
        ch = field[i]
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth == 0 and field.startswith(" and ", i):
            names.append(field[start:i])
            i += 5
            start = i
            continue
        i += 1
    names.append(field[start:])
    return [n.strip() for n in names]


def _unbrace(text: str) -> str:
    return text.replace("{", "").replace("}", "")


def test_bibtex_of_every_shipped_source_carries_its_bibliographic_fields(shipped):
    from lib.citations import citation_url, split_authors
    from lib.export import page_range

    entries = {e["key"]: e for e in parse_bibtex(to_bibtex(shipped.sources))}
    rows = _csv_sources()
    assert len(entries) == len(rows)
    for r in rows:
        e = entries[bibtex_key(r["source_id"])]
        listed = [a.strip() for a in r["authors"].split(";") if a.strip()]
        if listed:  # every author the source lists, in order, "Surname, I."
            names = _bib_names(e["author"])
            if "authors" in r["metadata_missing"].split(";"):  # a list the curators marked incomplete
                assert names[-1] == "others", r["source_id"]
                names = names[:-1]
            assert len(names) == len(listed), r["source_id"]
            for name, (surname, initials) in zip(names, split_authors(r["authors"])):
                expected = f"{surname}, " if initials else surname  # a group author (NICE) has no initials
                assert _unbrace(name).startswith(expected), (r["source_id"], name, surname)
        elif r["first_author"]:
            assert e["author"] == f"{r['first_author']} and others"
        else:
            assert "author" not in e
        assert e.get("year") == (r["year"] or None)
        assert e.get("volume") == (r["volume"] or None)
        assert e.get("number") == (r["issue"] or None)
        assert e.get("pmid") == (r["pmid"] or None)
        assert e.get("pmcid") == (r["pmcid"] or None)
        assert e.get("doi") == (r["doi"] or None)
        first, last = page_range(r["pages"])
        assert e.get("pages") == (None if first is None else f"{first}--{last}" if last else first)
        assert e.get("url") == citation_url(r), r["source_id"]  # PubMed, DOI, PMC or the publisher: never a proxy
        assert ("title" in e) == bool(r["title"])
        assert ("note" in e) == bool(r["metadata_missing"])  # an incomplete citation says so
        assert e["type"] == ("inproceedings" if r["pub_type"] == "conference_abstract"
                             else "article" if r["journal"] else "misc")


def test_ris_of_every_shipped_source_carries_its_bibliographic_fields(shipped):
    from lib.citations import citation_url, split_authors
    from lib.export import page_range

    recs = {dict(rec)["ID"]: rec for rec in _ris_records(to_ris(shipped.sources))}
    rows = _csv_sources()
    assert len(recs) == len(rows)
    for r in rows:
        rec = recs[r["source_id"]]
        tags = dict(rec)
        authors = [v for t, v in rec if t == "AU"]
        listed = split_authors(r["authors"])
        if listed:
            assert [a.split(",")[0] for a in authors] == [s for s, _ in listed], r["source_id"]
            for a, (surname, initials) in zip(authors, listed):  # "Lee, C. C. R."; a group author as named
                assert re.fullmatch(r"[^,]+, [A-Z]\.(?:[ -][A-Z]\.)*", a) if initials else a == surname, a
        else:
            assert authors == ([r["first_author"]] if r["first_author"] else [])
        first, last = page_range(r["pages"])
        for tag, expected in (("VL", r["volume"]), ("IS", r["issue"]), ("SP", first), ("EP", last),
                              ("PY", r["year"]), ("DO", r["doi"]), ("C2", r["pmcid"]),
                              ("AN", r["pmid"] and f"PMID:{r['pmid']}"), ("UR", citation_url(r))):
            assert tags.get(tag) == (expected or None), (r["source_id"], tag)
        assert rec[0] == ("TY", "CONF" if r["pub_type"] == "conference_abstract" else "JOUR" if r["journal"] else "GEN")
        for tag, value in rec:  # one tag per line, known tags only
            assert tag in {"TY", "AU", "TI", "T2", "JO", "VL", "IS", "SP", "EP", "PY", "DO", "AN", "C2", "UR", "ID",
                           "N1", "ER"}


@pytest.mark.parametrize("pages, expected", [
    ("2426-37", ("2426", "2437")),   # NLM abbreviated end written out
    ("401-8", ("401", "408")),
    ("23-7", ("23", "27")),
    ("e358-e367", ("e358", "e367")),
    ("117-123.e1", ("117", "123.e1")),
    ("e29102", ("e29102", None)),    # article number
    ("S13", ("S13", None)),
    ("", (None, None)),
    (None, (None, None)),
])
def test_page_range(pages, expected):
    from lib.export import page_range

    assert page_range(pages) == expected


def test_full_author_lists_and_group_authors_in_bibtex_and_ris():
    df = _sources(authors="van Royen-Kerkhoff A; Lee CCR; National Institute for Health and Care Excellence",
                  volume="360", issue="23", pages="2426-37")
    e = parse_bibtex(to_bibtex(df))[0]
    assert _bib_names(e["author"]) == ["van Royen-Kerkhoff, A.", "Lee, C. C. R.",
                                       "{National Institute for Health and Care Excellence}"]
    assert (e["volume"], e["number"], e["pages"]) == ("360", "23", "2426--2437")
    rec = _ris_records(to_ris(df))[0]
    assert [v for t, v in rec if t == "AU"] == ["van Royen-Kerkhoff, A.", "Lee, C. C. R.",
                                                "National Institute for Health and Care Excellence"]
    assert ("SP", "2426") in rec and ("EP", "2437") in rec


def test_percent_as_shown_rounds_as_the_chart_and_keeps_the_exact_values():
    import pandas as pd

    from lib.export import percent_as_shown

    df = pd.DataFrame({"label": ["MAS", "DIRA"], "response_pct": [0.8333333, 1.0], "n": [18, 3],
                       "response_ci_lower": [0.5858, None]})
    out = percent_as_shown(df, ("response_pct", "response_ci_lower", "not_there"))
    assert list(out.columns) == ["label", "response_percent", "response_proportion_exact", "n",
                                 "response_ci_lower_percent", "response_ci_lower_proportion_exact"]
    assert out["response_percent"].tolist() == [83.0, 100.0]  # as the chart shows: 83%, 100%
    assert out["response_proportion_exact"].tolist() == [0.8333333, 1.0]
    assert out["response_ci_lower_percent"].iloc[0] == 59.0 and pd.isna(out["response_ci_lower_percent"].iloc[1])
    assert percent_as_shown(df, ()) is df  # nothing to convert: unchanged
