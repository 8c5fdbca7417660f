"""lib.upload: reading a research group's file, and the hostile-upload corpus.

All files are synthetic (tests/upload_corpus/make_corpus.py makes them; the
large ones are made at run time in a temporary folder, never committed).
"""

from __future__ import annotations

import csv
import datetime
import io
import sys
import time

import pandas as pd
import pytest

from conftest import ROOT
from lib import schema
from lib.filters import FilterState, apply_filters
from lib.upload import (
    MAX_BYTES,
    UploadResult,
    combine,
    dictionary_csv,
    issues_frame,
    parse_upload,
    template_csv,
    template_xlsx,
    upload_dictionary,
)

CORPUS = ROOT / "tests" / "upload_corpus"
sys.path.insert(0, str(CORPUS))
import make_corpus  # noqa: E402

MANIFEST = list(csv.DictReader(open(CORPUS / "manifest.csv", newline="", encoding="utf-8")))
TODAY = datetime.date(2026, 11, 23)


def _fingerprint(ds) -> tuple:
    return tuple(int(pd.util.hash_pandas_object(getattr(ds, t).astype(str), index=True).sum())
                 for t in ("sources", "cases", "cohorts", "labs"))


def _messages(res: UploadResult) -> str:
    return res.summary + "\n" + "\n".join(str(i) for i in res.issues)


def _parse_file(name: str, labs: str = "", **kw) -> UploadResult:
    return parse_upload(name, (CORPUS / name).read_bytes(), labs or None,
                        (CORPUS / labs).read_bytes() if labs else None, today=TODAY, **kw)


# ---------------------------------------------------------------------------
# The corpus
# ---------------------------------------------------------------------------

def test_corpus_has_at_least_50_files_and_every_file_is_listed():
    files = {p.name for p in CORPUS.iterdir() if p.is_file()} - {"make_corpus.py", "manifest.csv"}
    listed = {r["file"] for r in MANIFEST}
    assert files == listed
    assert len(listed) + len(make_corpus.BIG) + 1 >= 50  # +1: the over-the-size-limit file
    assert sum(r["outcome"] == "error" for r in MANIFEST) >= 30


def test_corpus_files_match_the_generator():
    for name, content, *_ in make_corpus.corpus():
        if content[:2] == b"PK":
            continue  # workbooks carry their creation time
        assert (CORPUS / name).read_bytes() == content, f"{name}: run tests/upload_corpus/make_corpus.py"


@pytest.mark.parametrize("row", MANIFEST, ids=[r["file"] for r in MANIFEST])
def test_corpus_file_gives_its_specific_message(row, shipped):
    before = _fingerprint(shipped)
    res = _parse_file(row["file"], row["labs_file"])
    text = _messages(res)
    assert row["fragment"] in text, text
    if row["outcome"] == "ok":
        assert res.ok and not res.errors, text
        assert res.dataset.label == "upload"
        both = combine(shipped, res.dataset)
        assert len(both.cases) == len(shipped.cases) + len(res.dataset.cases)
    else:
        assert res.dataset is None and res.errors, text
        assert "not loaded" in res.summary.lower()
    assert _fingerprint(shipped) == before  # the shipped dataset is untouched


@pytest.mark.parametrize("maker,outcome,fragment", make_corpus.BIG, ids=[m.__name__ for m, _, _ in make_corpus.BIG])
def test_big_hostile_files_made_at_test_time(maker, outcome, fragment, tmp_path, shipped):
    before = _fingerprint(shipped)
    path = maker(tmp_path)
    start = time.perf_counter()
    res = parse_upload(path.name, path.read_bytes(), today=TODAY)
    assert time.perf_counter() - start < 20
    assert res.dataset is None
    assert fragment in _messages(res), _messages(res)
    assert _fingerprint(shipped) == before


def test_file_over_the_size_limit(tmp_path):
    path = make_corpus.big_over_size_limit(tmp_path, limit=2 * 1024 * 1024)
    res = parse_upload(path.name, path.read_bytes(), max_bytes=2 * 1024 * 1024)
    assert res.dataset is None
    assert "above the limit of 2 MB" in _messages(res)


def test_default_size_limit_is_the_servers():
    text = (ROOT / ".streamlit" / "config.toml").read_text()
    assert "maxUploadSize = 20" in text
    assert MAX_BYTES == 20 * 1024 * 1024


def test_row_cap_applies_to_xlsx_sheets():
    book = make_corpus.xlsx({"cases": [make_corpus.HEADER] + make_corpus.ROWS})
    res = parse_upload("book.xlsx", book, max_rows=2)
    assert res.dataset is None and "more than 2 rows" in _messages(res)


# ---------------------------------------------------------------------------
# What a good upload becomes
# ---------------------------------------------------------------------------

def test_ids_are_prefixed_and_one_source_is_synthesised():
    res = _parse_file("ok_minimal.csv")
    ds = res.dataset
    assert list(ds.cases["case_id"]) == ["upload:p1", "upload:p2", "upload:p3"]
    assert len(ds.sources) == 1
    src = ds.sources.iloc[0]
    assert src["source_id"] == "upload:ok_minimal.csv"
    assert src["title"] == "Uploaded file ok_minimal.csv"
    assert src["pub_type"] == "case_series"  # several patients, uncontrolled: not claimed as a cohort
    assert int(src["year"]) == 2026
    assert set(ds.cases["source_ids"]) == {"upload:ok_minimal.csv"}
    assert set(ds.cases["_pub_type"]) == {"case_series"}
    assert set(ds.cases["_origin"]) == {"upload"}
    assert set(ds.cases["locator"]) == {"uploaded file"}
    assert set(ds.cases["extraction_date"]) == {"2026-11-23"}
    assert ds.cohorts.empty and ds.screening.empty


def test_a_single_patient_is_a_case_report():
    text = "case_id,condition,trigger\nonly,mas,sjia\n"
    ds = parse_upload("one.csv", text.encode(), today=TODAY).dataset
    assert ds.sources.iloc[0]["pub_type"] == "case_report"


def test_typed_values_and_missing_values_stay_missing():
    ds = _parse_file("ok_minimal.csv").dataset
    assert ds.cases["age_years"].tolist()[:2] == [6.0, 34.0]
    assert ds.cases["death"].tolist() == [False, False, False]
    assert ds.cases["weight_kg"].isna().all()  # not in the file: missing, never 0
    assert list(ds.cases["_age_band"]) == ["child", "adult", "infant"]


def test_uploaded_source_ids_are_kept_in_the_note_not_linked_to_shipped_sources():
    ds = _parse_file("ok_source_ids_given.csv").dataset
    assert ds.cases["note"].iloc[0].startswith("Uploaded source_ids: smith2020.")
    assert ds.cases["note"].iloc[0].endswith("synthetic row")
    assert list(ds.sources["source_id"]) == ["upload:ok_source_ids_given.csv"]


def test_formula_and_script_text_is_kept_as_text():
    ds = _parse_file("ok_formula_cells.csv").dataset
    assert ds.cases["trigger_detail"].iloc[0].startswith("=HYPERLINK(")
    ds = _parse_file("ok_html_script.csv").dataset
    assert "<script>" in ds.cases["note"].iloc[0]


def test_control_characters_are_removed_and_breaks_become_spaces():
    ds = _parse_file("ok_control_chars.csv").dataset
    assert ds.cases["note"].iloc[0] == "bell and right-to-left"
    ds = _parse_file("ok_multiline_cell.csv").dataset
    assert ds.cases["note"].iloc[0] == "line one line two"


def test_encodings_and_delimiters_give_the_same_values():
    expected = _parse_file("ok_minimal.csv").dataset.cases["age_years"].tolist()
    for name in ("ok_bom.csv", "ok_semicolon.csv", "ok_tab.csv", "ok_pipe.txt", "ok_utf16.csv", "ok_latin1.csv"):
        assert _parse_file(name).dataset.cases["age_years"].tolist() == expected, name
    assert _parse_file("ok_latin1.csv").dataset.cases["country"].iloc[0] == "São Tomé"
    assert _parse_file("ok_decimal_comma.csv").dataset.cases["age_years"].iloc[0] == 2.5


def test_messages_name_the_spreadsheet_row_and_column():
    res = _parse_file("impossible_age.csv")
    (err,) = res.errors
    assert (err.row, err.column) == (4, "age_years")  # header row 1, third patient on row 4
    res = _parse_file("ok_blank_lines.csv")
    assert res.ok
    text = "case_id,condition,trigger\n\np1,mas,sjia\n\np2,flu,sjia\n"
    (err,) = parse_upload("gaps.csv", text.encode()).errors
    assert (err.row, err.column) == (5, "condition")  # blank lines still count as rows


def test_xlsx_row_numbers_are_the_sheets():
    book = make_corpus.xlsx({"cases": [["title row"], [], make_corpus.HEADER] + make_corpus.with_cell(1, "sex", "x")})
    res = parse_upload("b.xlsx", book)
    assert res.dataset is None
    assert [(e.row, e.column) for e in res.errors] == [(5, "sex")]  # title row 1, blank row 2, header row 3
    assert "1 row(s) above the header row 3 were skipped" in _messages(res)


def test_xlsx_with_labs_sheet_links_labs_to_prefixed_cases():
    ds = _parse_file("ok_with_labs.xlsx").dataset
    assert list(ds.labs["entity_id"]) == ["upload:p1", "upload:p1"]
    assert list(ds.labs["lab_id"]) == ["upload:p1-ferritin-before", "upload:p1-ferritin-after"]
    assert ds.labs["value_std"].tolist() == [25000.0, 900.0]


def test_an_uploaded_dataset_filters_like_the_shipped_one():
    ds = _parse_file("ok_minimal.csv").dataset
    view = apply_filters(ds, FilterState(conditions=("mas",)))
    assert list(view.cases["case_id"]) == ["upload:p1"]
    assert list(view.sources["source_id"]) == ["upload:ok_minimal.csv"]
    view = apply_filters(ds, FilterState(pub_types=("case_series",), year_min=2026))
    assert view.n_patients == 3


def test_issues_frame_has_fixed_columns():
    df = issues_frame(_parse_file("duplicate_ids.csv"))
    assert list(df.columns) == ["level", "file", "row", "column", "message"]
    assert str(df["row"].dtype) == "Int64"
    assert "duplicate id 'p1'" in " ".join(df["message"])


def test_issue_list_is_capped_with_a_count():
    rows = "\n".join(f"p{i},flu,sjia" for i in range(1500))
    res = parse_upload("many.csv", ("case_id,condition,trigger\n" + rows + "\n").encode())
    assert len(res.issues) == 1000 and res.issues_dropped == 500
    assert "1500 problem(s)" in res.summary


def test_result_is_frozen():
    res = _parse_file("ok_minimal.csv")
    with pytest.raises(Exception):
        res.dataset = None  # type: ignore[misc]


def test_parse_upload_does_not_touch_the_disk(tmp_path, monkeypatch):
    import builtins

    def no_open(*a, **k):
        raise AssertionError("parse_upload opened a file")

    data = (CORPUS / "ok_with_labs.xlsx").read_bytes()
    monkeypatch.setattr(builtins, "open", no_open)
    assert parse_upload("ok_with_labs.xlsx", data).ok


# ---------------------------------------------------------------------------
# combine, templates
# ---------------------------------------------------------------------------

def test_combine_labels_origin_and_keeps_inputs(shipped):
    up = _parse_file("ok_with_labs.xlsx").dataset
    before_s, before_u = _fingerprint(shipped), _fingerprint(up)
    both = combine(shipped, up)
    assert both.label == "both"
    assert (both.cases["_origin"] == "shipped").sum() == len(shipped.cases)
    assert (both.cases["_origin"] == "upload").sum() == 3
    assert set(both.cohorts["_origin"]) == {"shipped"} and len(both.cohorts) == len(shipped.cohorts)
    assert len(both.sources) == len(shipped.sources) + 1
    assert len(both.labs) == len(shipped.labs) + 2
    assert "_origin" not in shipped.cases.columns
    assert _fingerprint(shipped) == before_s and _fingerprint(up) == before_u
    assert both.cases["age_years"].dtype == "float64"
    assert str(both.cases["death"].dtype) == "boolean"
    view = apply_filters(both, FilterState(conditions=("dira",)))
    assert "upload:p3" in set(view.cases["case_id"])
    assert not set(view.labs["entity_id"]) & {"upload:p1"}  # p1 is MAS: its labs are filtered out
    view = apply_filters(both, FilterState(conditions=("mas",)))
    assert list(view.labs.loc[view.labs["entity_id"] == "upload:p1", "value_std"]) == [25000.0, 900.0]


def test_combine_refuses_clashing_ids(shipped):
    with pytest.raises(ValueError, match="ids in both"):
        combine(shipped, shipped)


def test_template_is_the_cases_header():
    text = template_csv().decode("utf-8")
    assert next(csv.reader(io.StringIO(text))) == list(schema.CASES.column_names)
    assert template_csv("labs").decode().startswith("lab_id,entity_type")
    with pytest.raises(ValueError):
        template_csv("sources")


def test_template_round_trip_with_one_row():
    header = template_csv().decode().strip()
    row = {c: "" for c in schema.CASES.column_names}
    row.update(case_id="x1", condition="mas", trigger="sjia")
    data = header + "\r\n" + ",".join(row[c] for c in schema.CASES.column_names) + "\r\n"
    assert parse_upload("t.csv", data.encode()).ok


def test_xlsx_template_reads_back_as_header_only():
    res = parse_upload("template.xlsx", template_xlsx())
    assert "header but no data rows" in _messages(res)
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(template_xlsx()))
    assert wb.sheetnames == ["cases", "labs", "dictionary"]
    negative = [c for c in wb["dictionary"]["F"] if isinstance(c.value, str) and c.value.startswith("-")]
    assert negative and all(c.data_type == "s" for c in negative)  # e.g. "-3650 to 36500": text, as written


def test_dictionary_marks_what_an_upload_may_leave_out():
    dd = upload_dictionary()
    assert set(dd["table"]) == {"cases", "labs"}
    req = dict(zip(dd.loc[dd["table"] == "cases", "column"], dd.loc[dd["table"] == "cases", "required_in_upload"]))
    assert req["case_id"] and req["condition"] and not req["source_ids"] and not req["locator"]
    text = dictionary_csv().decode("utf-8")
    assert text.startswith("table,column,type,unit,allowed_values,plausible_range,required,required_in_upload")


@pytest.mark.slow
def test_a_large_valid_upload_is_read_in_reasonable_time():
    n = 50_000
    rows = "".join(f"p{i},mas,sjia,{i % 90},female,{i % 10},complete,false\n" for i in range(n))
    data = ("case_id,condition,trigger,age_years,sex,dose_mg_kg_day,response,death\n" + rows).encode()
    start = time.perf_counter()
    res = parse_upload("big.csv", data)
    assert res.ok and len(res.dataset.cases) == n
    assert time.perf_counter() - start < 20
