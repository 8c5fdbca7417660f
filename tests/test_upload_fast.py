"""lib.upload: the fast paths read every file exactly as the reference paths do (issue 16).

Each file is parsed twice: with ``lib.upload.FAST_CSV`` and ``lib.xlsx.FAST_SHEETS`` off (CSV through the
csv module, every sheet cell by cell: the readers of issue 15, kept as the reference) and on. Everything
the page shows must be identical: the summary, every issue (level, file, row, column, message), the tables
read and the loaded data (values and dtypes). Files: the hostile corpus, the second review's files,
generated variants of line ends, blank and ragged rows, and 50,000 synthetic patients as CSV and XLSX.
"""

from __future__ import annotations

import csv
import datetime
import sys

import pandas as pd
import pytest

from conftest import ROOT
from lib import upload, xlsx

CORPUS = ROOT / "tests" / "upload_corpus"
sys.path.insert(0, str(CORPUS))
sys.path.insert(0, str(ROOT / "benchmarks"))
import make_corpus  # noqa: E402

MANIFEST = list(csv.DictReader(open(CORPUS / "manifest.csv", newline="", encoding="utf-8")))
TODAY = datetime.date(2026, 11, 23)


def _parse(monkeypatch, fast: bool, name: str, data: bytes, labs_name=None, labs_data=None, **kw):
    monkeypatch.setattr(upload, "FAST_CSV", fast)
    monkeypatch.setattr(xlsx, "FAST_SHEETS", fast)
    return upload.parse_upload(name, data, labs_name, labs_data, today=TODAY, **kw)


def assert_same(monkeypatch, name: str, data: bytes, labs_name=None, labs_data=None, **kw):
    old = _parse(monkeypatch, False, name, data, labs_name, labs_data, **kw)
    new = _parse(monkeypatch, True, name, data, labs_name, labs_data, **kw)
    assert new.summary == old.summary
    assert new.issues == old.issues
    assert new.issues_dropped == old.issues_dropped
    assert new.tables == old.tables
    assert (new.dataset is None) == (old.dataset is None)
    if old.dataset is not None:
        for table in ("sources", "cases", "cohorts", "labs", "screening", "verification"):
            pd.testing.assert_frame_equal(getattr(new.dataset, table), getattr(old.dataset, table), check_exact=True)
        assert new.dataset.meta == old.dataset.meta
    return new


@pytest.mark.parametrize("row", MANIFEST, ids=[r["file"] for r in MANIFEST])
def test_corpus_file_read_the_same(monkeypatch, row):
    labs = row["labs_file"]
    assert_same(monkeypatch, row["file"], (CORPUS / row["file"]).read_bytes(), labs or None,
                (CORPUS / labs).read_bytes() if labs else None)


@pytest.mark.parametrize("case", make_corpus.hostile_round2(), ids=lambda c: c[0])
def test_second_review_file_read_the_same(monkeypatch, case):
    name, content, *_ = case
    assert_same(monkeypatch, name, content)


HEADER = ["case_id", "condition", "trigger", "age_years", "sex", "dose_mg_kg_day", "cotherapies", "death"]
ROWS = [["p1", "mas", "sjia", "7", "female", "4", "glucocorticoids;ivig", "false"],
        ["p2", "SHLH", "ebv", "12.5", "male", "2,5", "", "TRUE"],
        ["p3", "dira", "genetic", "0.5", "", "1e1", "glucocorticoids", "no"]]


def _text(rows, sep=",", end="\n", header=HEADER) -> str:
    return end.join(sep.join(r) for r in [header, *rows]) + end


CSV_VARIANTS = {
    "lf": _text(ROWS),
    "crlf": _text(ROWS, end="\r\n"),
    "cr": _text(ROWS, end="\r"),
    "mixed_ends": "case_id,condition,trigger\r\np1,mas,sjia\rp2,mas,ebv\np3,mas,other",
    "no_final_end": _text(ROWS).rstrip("\n"),
    "blank_lines": "\n\n" + _text(ROWS).replace("\n", "\n\n", 2) + "\n   \n,,,\n\t\n",
    "title_above_header": "my study\n" + _text(ROWS),
    "short_rows": _text([r[:5] for r in ROWS]),
    "long_rows_blank": _text([r + ["", " "] for r in ROWS]),
    "long_rows_values": _text([r + ["x"] for r in ROWS]),
    "trailing_delimiter": _text([r + [""] for r in ROWS], header=HEADER + [""]),
    "semicolon_decimal_comma": _text([[c.replace(";", "|") for c in r] for r in ROWS], sep=";"),
    "semicolon_thousands": _text([["p1", "mas", "sjia", "1.000"]], sep=";", header=HEADER[:4]),
    "tab": _text([[c.replace(",", ".") for c in r] for r in ROWS], sep="\t"),
    "bar": _text([[c.replace(",", ".") for c in r] for r in ROWS], sep="|"),
    "unicode_separators": _text([["p1\u2028x", "mas", "sjia\x85", "7\x0b", "female\x0c", "4", "", "false"],
                                 ["p2\x1c", "mas", "sjia", "\u00a07", "female", "4", "", "false"]]),
    "whitespace_only_cells": _text([["p1", " ", "\u3000", "7", "\x1f", "4", "", "false"]]),
    "numbers": _text([["p1", "mas", "sjia", v, "female", "4", "", "false"] for v in
                      ["1_0", "٣", "７", "inf", "-nan", "1e400", "+5", "5.", ".5", "1 000", "1'000", "=1+1"]]),
    "quotes": '"case_id","condition",trigger\n"p1","mas","sj""ia"\n"p2","mas\nx",ebv\n',
    "unclosed_quote": 'case_id,condition,trigger\np1,"mas,sjia\n',
    "header_only": "case_id,condition,trigger\n",
    "long_cell": "case_id,condition,trigger,note\np1,mas,sjia," + "x" * 140_000 + "\n",
    "long_cell_under_limit": "case_id,condition,trigger,note\np1,mas,sjia," + "x" * 40_000 + "\n",
    "duplicate_ids": _text([ROWS[0], ROWS[0], ["upload:p1"] + ROWS[0][1:]]),
    "example_row": upload.template_csv().decode() + _text(ROWS[:1], header=[]).lstrip("\n"),
}


@pytest.mark.parametrize("name", sorted(CSV_VARIANTS))
def test_csv_variant_read_the_same(monkeypatch, name):
    assert_same(monkeypatch, f"{name}.csv", CSV_VARIANTS[name].encode("utf-8"))


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1252"])
def test_encodings_read_the_same(monkeypatch, encoding):
    assert_same(monkeypatch, "enc.csv", _text(ROWS + [["p4", "mas", "sjia", "7", "female", "4", "", "false"]])
                .replace("p4", "Zoë").encode(encoding))


def test_row_limit_the_same(monkeypatch):
    data = _text([[f"p{i}", "mas", "sjia", "7", "female", "4", "", "false"] for i in range(30)]).encode()
    for limit in (10, 29, 30, 31):
        assert_same(monkeypatch, "many.csv", data, max_rows=limit)


def test_fifty_thousand_synthetic_patients_read_the_same(monkeypatch):
    import upload_bench

    rows = upload_bench.synthetic_rows(50_000)
    res = assert_same(monkeypatch, "synthetic.csv", upload_bench.csv_bytes(rows))
    assert res.ok and len(res.dataset.cases) == 50_000
    res = assert_same(monkeypatch, "synthetic.xlsx", upload_bench.xlsx_bytes(rows))
    assert res.ok and len(res.dataset.cases) == 50_000


def test_csv_without_quotes_is_split_without_the_csv_module():
    """The variants above do take the fast path (when they hold no quote), else the csv module."""
    for name in ("lf", "crlf", "cr", "mixed_ends", "blank_lines", "short_rows", "long_rows_values", "unicode_separators"):
        assert upload._plain_lines(CSV_VARIANTS[name]) is not None, name
    for name in ("quotes", "unclosed_quote", "long_cell"):
        assert upload._plain_lines(CSV_VARIANTS[name]) is None, name
    assert upload._plain_lines("a,b\r\nc,d\re\n\nf") == ["a,b", "c,d", "e", "", "f"]
