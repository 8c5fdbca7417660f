"""lib.upload: reading a research group's file, and the hostile-upload corpus.

All files are synthetic (tests/upload_corpus/make_corpus.py makes them; the
large ones are made at run time in a temporary folder, never committed).
"""

from __future__ import annotations

import csv
import datetime
import io
import math
import sys
import time

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT, read_rows
from lib import schema
from lib.filters import FilterState, apply_filters
from lib.upload import (
    EXAMPLE_ID,
    MAX_BYTES,
    MAX_SHARED_STRINGS,
    TEMPLATE_COLUMNS,
    UploadResult,
    combine,
    dictionary_csv,
    extension_problem,
    issues_frame,
    parse_upload,
    release_memory,
    tables_frame,
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
    assert _parse_file("ok_decimal_comma.csv").dataset.cases["age_years"].tolist() == [2.5, 34.0, 0.5]


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


CURATION = ("source_ids", "patient_label", "locator", "note", "extraction_date", "derived_fields",
            "included_in_cohort", "age_as_reported", "dose_as_reported", "response_as_reported",
            "survival_as_reported", "variant_as_reported")


def test_template_holds_the_columns_a_group_fills_and_one_example_row():
    rows = list(csv.reader(io.StringIO(template_csv().decode("utf-8"))))
    assert rows[0] == list(TEMPLATE_COLUMNS["cases"])
    assert set(rows[0]) <= set(schema.CASES.column_names)
    assert not set(rows[0]) & set(CURATION)  # curation columns stay optional and out of the template
    assert len(rows) == 2 and rows[1][0] == EXAMPLE_ID
    assert "FICTIONAL" in ",".join(rows[1])
    labs = list(csv.reader(io.StringIO(template_csv("labs").decode("utf-8"))))
    assert labs[0][:3] == ["lab_id", "entity_id", "analyte"] and len(labs) == 2
    assert labs[1][1] == EXAMPLE_ID
    with pytest.raises(ValueError):
        template_csv("sources")


def test_template_with_the_example_row_and_one_patient_loads_the_patient_only():
    text = template_csv().decode()
    row = {c: "" for c in TEMPLATE_COLUMNS["cases"]}
    row.update(case_id="x1", condition="mas", trigger="sjia")
    data = text + ",".join(row[c] for c in TEMPLATE_COLUMNS["cases"]) + "\r\n"
    res = parse_upload("t.csv", data.encode())
    assert res.ok and list(res.dataset.cases["case_id"]) == ["upload:x1"]
    assert "example row (case_id EXAMPLE-delete-this-row) was left out" in _messages(res)
    assert (res.tables[0].rows_read, res.tables[0].rows_loaded) == (2, 1)
    assert "no problems found" not in res.summary and "read but not loaded" in res.summary


def test_the_template_uploaded_unchanged_loads_nothing():
    for name, data in (("template.csv", template_csv()), ("template.xlsx", template_xlsx())):
        res = parse_upload(name, data)
        assert res.dataset is None
        assert "holds only the template's example row" in _messages(res), name
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(template_xlsx()))
    assert wb.sheetnames == ["cases", "labs", "dictionary"]
    assert [c.value for c in wb["cases"][1]] == list(TEMPLATE_COLUMNS["cases"])
    assert wb["cases"].max_row == 2 and wb["labs"].max_row == 2
    negative = [c for c in wb["dictionary"]["F"] if isinstance(c.value, str) and c.value.startswith("-")]
    assert negative and all(c.data_type == "s" for c in negative)  # e.g. "-3650 to 36500": text, as written


def test_the_example_row_is_recognised_in_any_case_and_with_the_prefix():
    rows = "case_id,condition,trigger,age_years\nupload:example-DELETE-this-row,mas,sjia,7\np1,mas,sjia,4\n"
    res = parse_upload("e.csv", rows.encode())
    assert res.ok and len(res.dataset.cases) == 1
    assert res.warnings[0].row == 2


def test_dictionary_marks_what_an_upload_may_leave_out():
    dd = upload_dictionary()
    assert set(dd["table"]) == {"cases", "labs"}
    # the dictionary still lists every column, the template only some
    for name in ("cases", "labs"):
        assert list(dd.loc[dd["table"] == name, "column"]) == list(schema.TABLES[name].column_names)
        assert set(dd.loc[(dd["table"] == name) & dd["in_template"], "column"]) == set(TEMPLATE_COLUMNS[name])
    req = dict(zip(dd.loc[dd["table"] == "cases", "column"], dd.loc[dd["table"] == "cases", "required_in_upload"]))
    assert req["case_id"] and req["condition"] and not req["source_ids"] and not req["locator"]
    labs = dict(zip(dd.loc[dd["table"] == "labs", "column"], dd.loc[dd["table"] == "labs", "required_in_upload"]))
    assert labs["lab_id"] and not labs["entity_type"] and not labs["statistic"]
    text = dictionary_csv().decode("utf-8")
    assert text.startswith("table,column,type,unit,allowed_values,plausible_range,required,required_in_upload")


@pytest.mark.slow
def test_a_large_valid_upload_is_read_whole():
    # speed is measured in benchmarks/upload_bench.py; this checks that nothing is lost on the way
    n = 50_000
    rows = [[f"p{i}", "mas", "sjia", i % 90, "female", i % 10, "complete", False, ""] for i in range(n)]
    text = make_corpus.csv_text(make_corpus.HEADER, [[str(v).lower() if isinstance(v, bool) else str(v) for v in r]
                                                     for r in rows])
    book = make_corpus.simple_xlsx({"cases": [make_corpus.HEADER] + rows})
    for name, data in (("big.csv", text.encode()), ("big.xlsx", book)):
        res = parse_upload(name, data)
        assert res.ok and len(res.dataset.cases) == n, name
        assert (res.tables[0].rows_read, res.tables[0].rows_loaded) == (n, n)
        assert res.dataset.cases["age_years"].sum() == sum(i % 90 for i in range(n))
        assert res.dataset.cases["case_id"].iloc[-1] == f"upload:p{n - 1}"


# ---------------------------------------------------------------------------
# Issue 15: hostile inputs that were read silently wrong
# ---------------------------------------------------------------------------

def test_every_report_states_rows_read_and_rows_loaded():
    res = _parse_file("ok_minimal.csv")
    assert res.summary == ("ok_minimal.csv loaded: 3 patient(s) (3 cases row(s) read, 3 loaded); "
                           "no problems found.")
    assert list(tables_frame(res).columns) == ["file", "table", "read_as", "rows_read", "rows_loaded"]
    res = _parse_file("ok_with_labs.xlsx")
    assert [(t.table, t.rows_read, t.rows_loaded) for t in res.tables] == [("cases", 3, 3), ("labs", 2, 2)]
    res = _parse_file("impossible_age.csv")
    assert "3 cases row(s) read, none loaded" in res.summary
    assert [(t.rows_read, t.rows_loaded) for t in res.tables] == [(3, 0)]


@pytest.mark.parametrize("name,patients", [("xlsx_dimension_lie.xlsx", 3), ("xlsx_rows_out_of_order.xlsx", 3),
                                           ("xlsx_dates_and_booleans.xlsx", 3)])
def test_xlsx_rows_are_placed_by_their_references(name, patients):
    res = _parse_file(name)
    cases = res.dataset.cases
    assert list(cases["case_id"]) == ["upload:p1", "upload:p2", "upload:p3"]  # sheet order, whatever the file order
    assert cases["age_years"].tolist() == [6.0, 34.0, 0.5]
    assert cases["death"].tolist() == [False, False, False]
    assert len(cases) == patients
    if name == "xlsx_dates_and_booleans.xlsx":
        assert set(cases["extraction_date"]) == {"2024-05-01"}


def test_a_cached_formula_value_is_used_with_a_warning_and_an_uncached_one_is_an_error():
    res = _parse_file("xlsx_cached_formula.xlsx")
    assert res.dataset.cases["age_years"].iloc[0] == 6.0
    (w,) = [i for i in res.warnings if "formulas" in i.message]
    assert (w.row, w.column) == (2, "age_years")
    (err,) = _parse_file("xlsx_uncached_formula.xlsx").errors
    assert (err.row, err.column) == (2, "age_years") and "without a saved value" in err.message


def test_merged_cells_over_the_table_are_named_and_a_merged_title_is_not():
    (err,) = _parse_file("xlsx_merged_cells.xlsx").errors
    assert (err.row, err.column) == (2, "condition") and "the other 2 cell(s) would be read as empty" in err.message
    assert _parse_file("xlsx_merged_title_only.xlsx").ok


@pytest.mark.parametrize("text,fragment", [
    ("1_0", "underscores"), ("\u0663\u0664", "digits other than 0-9"), ("\uff13\uff14", "digits other than 0-9"),
    ("1 000", "spaces or thousands separators"), ("1,5", "decimals are written with a point"), ("NaN", "not a finite"),
    ("-inf", "not a finite"), ("1e999", "not a finite"), ("0x1A", "is not a number"), ("1.2.3", "is not a number"),
    ("\u20121", "is not a number"), ("", None), ("  6  ", None), ("+6", None), ("6.", None), (".5e1", None),
    ("6E0", None),
])
def test_numbers_follow_one_grammar(text, fragment):
    rows = make_corpus.with_cell(0, "age_years", text)
    res = parse_upload("n.csv", make_corpus.csv_text(make_corpus.HEADER, rows).encode())
    if fragment is None:
        assert res.ok, _messages(res)
    else:
        (err,) = res.errors
        assert (err.file, err.row, err.column) == ("n.csv", 2, "age_years")
        assert fragment in err.message


def test_the_dialect_is_stated_and_decides_the_decimal_separator():
    res = _parse_file("ok_decimal_comma.csv")
    assert res.tables[0].read_as == "CSV, UTF-8, separated by semicolon (;), decimal comma"
    assert _parse_file("ok_minimal.csv").tables[0].read_as == "CSV, UTF-8, separated by comma, decimal point"
    assert _parse_file("ok_semicolon.csv").tables[0].read_as.endswith("semicolon (;), decimal point")
    errors = _parse_file("decimal_comma_then_point.csv").errors  # 2,5 then 1.000 and 0.5 in one column
    assert [(e.row, e.column) for e in errors] == [(3, "age_years"), (4, "age_years")]  # 1.000 is never 1.0
    (err,) = _parse_file("semicolon_thousands_point.csv").errors
    assert "ambiguous" in err.message


def test_lab_values_are_checked_in_the_standard_unit_whether_converted_or_given():
    (err,) = _parse_file("labs_crp_1e307.xlsx").errors
    assert (err.row, err.column) == (2, "value_reported")
    assert _parse_file("labs_crp_overflow.xlsx").dataset is None
    (err,) = _parse_file("labs_negative_ferritin.xlsx").errors
    assert "outside the plausible range of ferritin" in err.message
    res = _parse_file("labs_unknown_unit.xlsx")  # loaded, but said: the value is not used
    assert res.ok and any("not used in lab comparisons" in w.message for w in res.warnings)


def test_no_loaded_lab_value_is_non_finite_or_implausible(shipped):
    from lib.labs import standardised_values

    for name in ("ok_with_labs.xlsx", "labs_unknown_unit.xlsx"):
        labs = _parse_file(name).dataset.labs
        std = standardised_values(labs).dropna()
        lo = labs.loc[std.index, "analyte"].map(lambda a: schema.ANALYTE_RANGES[a][0])
        hi = labs.loc[std.index, "analyte"].map(lambda a: schema.ANALYTE_RANGES[a][1])
        assert std.map(math.isfinite).all() and (std >= lo).all() and (std <= hi).all()


def test_a_group_statistic_or_another_entity_type_is_refused_in_an_upload():
    assert "one value per patient" in _messages(_parse_file("labs_group_statistic.xlsx"))
    assert "patients only" in _messages(_parse_file("labs_cohort_entity.xlsx"))


def test_labs_without_entity_type_and_statistic_columns_are_filled_as_patient_values():
    ds = _parse_file("labs_unknown_unit.xlsx").dataset
    assert set(ds.labs["entity_type"]) == {"case"} and set(ds.labs["statistic"]) == {"value"}


def test_shared_strings_bomb_is_refused_while_streaming(tmp_path):
    path = make_corpus.big_shared_strings_bomb(tmp_path)
    res = parse_upload(path.name, path.read_bytes())
    assert res.dataset is None
    assert f"holds more than {MAX_SHARED_STRINGS:,} shared strings" in _messages(res)
    assert "reading stopped" in _messages(res)
    path = make_corpus.big_shared_strings_bomb(tmp_path, declare=True)
    assert "declares 7,500,000 shared strings" in _messages(parse_upload(path.name, path.read_bytes()))


@pytest.mark.parametrize("name", ["macro.xlsm", "x.xlsb", "x.exe", "x.XLSM", "x", "a\x00.csv.xlsm", "x.csv.xlsm"])
def test_names_outside_the_accepted_extensions_get_a_message(name):
    problem = extension_problem(name)
    assert problem and "not supported" in problem
    res = parse_upload(name, (CORPUS / "ok_with_labs.xlsx").read_bytes())
    if name != "x":  # a name without an extension is read by its content (the page refuses it first)
        assert res.dataset is None and problem in _messages(res)
    assert extension_problem("ok.csv") is None and extension_problem("B.XLSX") is None


def test_a_large_upload_hands_its_memory_back_when_freed(monkeypatch):
    import gc
    import threading

    import lib.upload

    done = threading.Event()
    calls = []
    monkeypatch.setattr(lib.upload, "release_memory", lambda: (calls.append(1), done.set()))
    monkeypatch.setattr(lib.upload, "TRIM_DELAY_S", 0.0)
    rows = "".join(f"p{i},mas,sjia\n" for i in range(lib.upload.TRIM_AT_ROWS))
    res = parse_upload("big.csv", ("case_id,condition,trigger\n" + rows).encode())
    assert res.ok and calls == []
    del res
    gc.collect()
    assert done.wait(10) and calls == [1]  # as when the session holding it closes
    small = parse_upload("small.csv", b"case_id,condition,trigger\np1,mas,sjia\n")
    del small
    gc.collect()
    time.sleep(0.2)
    assert calls == [1]


def test_release_memory_never_raises(monkeypatch):
    import ctypes

    release_memory()

    def missing(*a, **k):
        raise OSError("no libc here")

    monkeypatch.setattr(ctypes, "CDLL", missing)
    release_memory()


def test_column_typing_matches_the_shipped_loader():
    """Regression guard: the vectorised typing of uploads gives what lib.data.validate_table gives."""
    from lib.data import validate_table
    from lib.upload import _Issues, _Raw, _type_table

    shipped_rows = read_rows(ROOT / "data" / "cases.csv")[:300]
    frame = pd.DataFrame(shipped_rows, dtype=object).replace("", None)
    expected, found = validate_table(frame, schema.CASES)
    assert not found
    import pyarrow as pa

    raw = _Raw("cases", {c: pa.array(frame[c].tolist(), type=pa.string()) for c in frame.columns},
               np.arange(2, len(frame) + 2), "cases.csv")
    issues = _Issues()
    typed = _type_table(raw, schema.CASES, issues)
    assert not issues.has_errors, issues.items[:3]
    pd.testing.assert_frame_equal(typed, expected)

