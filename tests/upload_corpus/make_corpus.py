"""Write the hostile-upload corpus (small files, committed) and list what each must produce.

Run ``python tests/upload_corpus/make_corpus.py`` to regenerate the files and
``manifest.csv`` (columns: file, labs_file, outcome, fragment). The outcome is
``ok`` (the upload is loaded) or ``error`` (rejected); ``fragment`` must occur
in the messages. Large files (a million rows, a file over the size limit, a
zip bomb, a 200,000-character cell, 10,000 columns) are NOT committed: the
functions ``big_*`` below make them at test time in a temporary folder.

Every file is synthetic (made up here, not patients).
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

HEADER = ["case_id", "condition", "trigger", "age_years", "sex", "dose_mg_kg_day", "response", "death", "note"]
ROWS = [
    ["p1", "mas", "sjia", "6", "female", "4", "complete", "false", "synthetic row"],
    ["p2", "shlh", "ebv", "34", "male", "8", "partial", "false", ""],
    ["p3", "dira", "genetic", "0.5", "male", "2", "complete", "false", ""],
]
LABS_HEADER = ["lab_id", "entity_type", "entity_id", "analyte", "timepoint", "statistic", "value_reported",
               "unit_reported", "value_std", "unit_std"]
LABS_ROWS = [
    ["p1-ferritin-before", "case", "p1", "ferritin", "before", "value", "25000", "ng/mL", "25000", "ng/mL"],
    ["p1-ferritin-after", "case", "p1", "ferritin", "after", "value", "900", "ng/mL", "900", "ng/mL"],
]


def csv_text(header, rows, delimiter=",", newline="\n") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def with_cell(row_i: int, col: str, value: str, header=HEADER, rows=ROWS) -> list[list[str]]:
    out = [list(r) for r in rows]
    out[row_i][header.index(col)] = value
    return out


def xlsx(sheets: dict[str, list[list]]) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def corpus() -> list[tuple[str, bytes, str, str, str]]:
    """(file name, content, labs file name or "", outcome, fragment) for every committed file."""
    good = csv_text(HEADER, ROWS)
    items: list[tuple[str, bytes, str, str, str]] = []

    def add(name, content, outcome, fragment, labs=""):
        if isinstance(content, str):
            content = content.encode("utf-8")
        items.append((name, content, labs, outcome, fragment))

    # --- accepted, with the right warning ------------------------------------------------
    add("ok_minimal.csv", good, "ok", "loaded: 3 patient(s)")
    add("ok_bom.csv", b"\xef\xbb\xbf" + good.encode(), "ok", "loaded: 3 patient(s)")
    add("ok_semicolon.csv", csv_text(HEADER, ROWS, ";"), "ok", "semicolon")
    add("ok_tab.csv", csv_text(HEADER, ROWS, "\t"), "ok", "separated by tab")
    add("ok_pipe.txt", csv_text(HEADER, ROWS, "|"), "ok", "vertical bar")
    add("ok_latin1.csv", csv_text(HEADER + ["country"], [r + ["São Tomé"] for r in ROWS]).encode("latin-1"),
        "ok", "Latin-1")
    add("ok_crlf_lf_mix.csv", "case_id,condition,trigger\r\np1,mas,sjia\np2,shlh,ebv\r\np3,dira,genetic\r",
        "ok", "loaded: 3 patient(s)")
    add("ok_cr_only.csv", "case_id,condition,trigger\rp1,mas,sjia\rp2,shlh,ebv\r", "ok", "loaded: 2 patient(s)")
    add("ok_decimal_comma.csv", csv_text(HEADER, with_cell(0, "age_years", "2,5"), ";"), "ok", "decimal comma")
    add("ok_uppercase_vocab.csv", csv_text(HEADER, with_cell(0, "condition", "MAS")), "ok", "capitals")
    add("ok_formula_cells.csv", csv_text(HEADER + ["trigger_detail"], [
        ROWS[0] + ['=HYPERLINK("http://evil.example","click")'],
        ROWS[1] + ["+cmd|' /C calc'!A0"],
        ROWS[2] + ["@SUM(1+1)*cmd|' /C calc'!A0"],
    ]), "ok", "loaded: 3 patient(s)")
    add("ok_html_script.csv", csv_text(HEADER, with_cell(0, "note", "<script>alert('x')</script><img src=x onerror=alert(1)>")),
        "ok", "loaded: 3 patient(s)")
    add("ok_markdown_link.csv", csv_text(HEADER, with_cell(0, "note", "[click me](javascript:alert(1)) **bold**")),
        "ok", "loaded: 3 patient(s)")
    add("ok_nul_bytes.csv", good.replace("synthetic", "syn\x00thetic"), "ok", "NUL byte(s) removed")
    add("ok_control_chars.csv", csv_text(HEADER, with_cell(0, "note", "bell\x07 and \u202eright-to-left")),
        "ok", "control characters")
    add("ok_multiline_cell.csv", csv_text(HEADER, with_cell(0, "note", "line one\nline two")), "ok", "line breaks")
    add("ok_source_ids_given.csv", csv_text(HEADER + ["source_ids"], [r + ["smith2020"] for r in ROWS]), "ok",
        "kept at the start of each note")
    add("ok_unknown_column.csv", csv_text(HEADER + ["hospital_number"], [r + ["123"] for r in ROWS]), "ok",
        "unknown column")
    add("ok_header_spelling.csv", csv_text(["Case ID", " Condition ", "TRIGGER", "age-years"],
                                           [r[:4] for r in ROWS]), "ok", "normalised")
    add("ok_short_rows.csv", "case_id,condition,trigger,age_years,sex\np1,mas,sjia\np2,shlh,ebv,30,male\n", "ok",
        "fewer values")
    add("ok_blank_lines.csv", "\n" + good.replace("\np2", "\n\n,,,\np2"), "ok", "loaded: 3 patient(s)")
    add("ok_utf16.csv", ("\ufeff" + csv_text(HEADER, ROWS, "\t")).encode("utf-16-le"), "ok", "UTF-16")
    add("ok_prefixed_ids.csv", csv_text(HEADER, with_cell(0, "case_id", "upload:p1")), "ok", "loaded: 3 patient(s)")
    add("ok_trailing_delimiters.csv", good.replace("\n", ",,\n").replace("note,,", "note,,"), "ok",
        "loaded: 3 patient(s)")
    add("ok_with_labs.xlsx", xlsx({"cases": [HEADER] + ROWS, "labs": [LABS_HEADER] + LABS_ROWS}), "ok",
        "2 lab value(s)")
    add("ok_single_sheet.xlsx", xlsx({"Sheet1": [HEADER] + ROWS}), "ok", "the only sheet")
    add("ok_xlsx_named_csv.csv", xlsx({"cases": [HEADER] + ROWS}), "ok", "read as an Excel workbook")
    add("ok_xlsx_typed_cells.xlsx", xlsx({"cases": [HEADER + ["extraction_date", "relapse"]] + [
        [r[0], r[1], r[2], float(r[3]), r[4], int(r[5]), r[6], False, r[8], __import__("datetime").datetime(2024, 5, 1), True]
        for r in ROWS]}), "ok", "loaded: 3 patient(s)")
    add("ok_cases_plus_labs.csv", good, "ok", "2 lab value(s)", labs="ok_labs_for_cases.csv")
    add("ok_labs_for_cases.csv", csv_text(LABS_HEADER, LABS_ROWS), "error", "looks like a labs table")

    # --- rejected, with a message naming what is wrong ------------------------------------
    add("empty.csv", b"", "error", "the file is empty")
    add("whitespace_only.csv", "\n\n   \r\n", "error", "the file is empty")
    add("bom_only.csv", b"\xef\xbb\xbf", "error", "the file is empty")
    add("header_only.csv", ",".join(HEADER) + "\n", "error", "header but no data rows")
    add("missing_required_columns.csv", csv_text(["case_id", "age_years"], [["p1", "4"]]), "error",
        "required column is missing")
    add("missing_id_value.csv", csv_text(HEADER, with_cell(1, "case_id", "")), "error", "value is required")
    add("wrong_types.csv", csv_text(HEADER, with_cell(0, "age_years", "three")), "error", "is not a number")
    add("infinite_age.csv", csv_text(HEADER, with_cell(0, "age_years", "inf")), "error", "not a finite number")
    add("impossible_age.csv", csv_text(HEADER, with_cell(2, "age_years", "250")), "error",
        "above the plausible maximum")
    add("negative_dose.csv", csv_text(HEADER, with_cell(0, "dose_mg_kg_day", "-4")), "error",
        "below the plausible minimum")
    add("bad_vocabulary.csv", csv_text(HEADER, with_cell(0, "condition", "influenza")), "error", "is not allowed")
    add("bad_list_vocabulary.csv", csv_text(HEADER + ["route"], [r + ["sc;oral"] for r in ROWS]), "error",
        "'oral' is not allowed")
    add("bad_boolean.csv", csv_text(HEADER, with_cell(0, "death", "maybe")), "error", "is not true or false")
    add("bad_date.csv", csv_text(HEADER + ["extraction_date"], [r + ["2024-13-45"] for r in ROWS]), "error",
        "is not a date")
    add("duplicate_ids.csv", csv_text(HEADER, with_cell(2, "case_id", "p1")), "error", "duplicate id 'p1'")
    add("duplicate_ids_prefix.csv", csv_text(HEADER, with_cell(2, "case_id", "upload:p1")), "error",
        "same patient")
    add("duplicate_column.csv", csv_text(HEADER + ["condition"], [r + ["mas"] for r in ROWS]), "error",
        "column appears more than once")
    add("no_known_header.csv", "name,dob,diagnosis\nAlice,2001-01-01,MAS\n", "error",
        "no column name of the template")
    add("wrong_delimiter_in_rows.csv", ",".join(HEADER) + "\n" + "\n".join(";".join(r) for r in ROWS) + "\n",
        "error", "value is required")
    add("extra_values.csv", good.replace("synthetic row", "synthetic row,surplus,values"), "error",
        "values but the header has")
    add("unclosed_quote.csv", good.replace("synthetic row", '"synthetic row'), "error", "never closed")
    add("stray_quote.csv", good.replace("synthetic row", '"synthetic" row'), "error", "must be doubled")
    add("many_nul_bytes.csv", good.encode("utf-16-le"), "error", "NUL bytes: it is a binary file")
    add("long_cell_40k.csv", csv_text(HEADER, with_cell(0, "note", "x" * 40_000)), "error", "characters (at most")
    add("labs_as_main_file.csv", csv_text(LABS_HEADER, LABS_ROWS), "error", "looks like a labs table")
    add("cases_given_as_labs.csv", good, "error", "does not hold a labs table", labs="ok_minimal.csv")
    add("not_really.xlsx", good, "error", "is not an Excel workbook")
    add("html_named.xlsx", "<html><body>Not a workbook</body></html>", "error", "is not an Excel workbook")
    ok_book = xlsx({"cases": [HEADER] + ROWS})
    add("truncated.xlsx", ok_book[: len(ok_book) // 2], "error", "damaged")
    add("corrupt_member.xlsx", _corrupt_member(ok_book), "error", "damaged")
    add("zip_not_workbook.xlsx", _zip({"readme.txt": b"hello"}), "error", "no xl/workbook.xml")
    add("xlsx_no_header.xlsx", xlsx({"cases": [["Patient list 2024"], ["name", "dob"], ["A", "2001"]]}), "error",
        "no column name of the template")
    add("far_away_cell.xlsx", _far_cell(), "error", "row 1000000: the row has values beyond the 9 named columns")
    add("no_cases_sheet.xlsx", xlsx({"patients": [HEADER] + ROWS, "notes": [["x"]]}), "error",
        "no sheet named 'cases'")
    add("empty_cases_sheet.xlsx", xlsx({"cases": [], "labs": [LABS_HEADER]}), "error", "is empty")
    add("cases_sheet_header_only.xlsx", xlsx({"cases": [HEADER]}), "error", "header but no data rows")
    add("xlsx_error_cells.xlsx", xlsx({"cases": [HEADER] + with_cell(0, "age_years", "#DIV/0!")}), "error",
        "is not a number")
    add("xlsx_cases_sheet_is_labs.xlsx", xlsx({"cases": [LABS_HEADER] + LABS_ROWS}), "error",
        "does not look like the cases table")
    add("labs_bad_entity.xlsx", xlsx({"cases": [HEADER] + ROWS,
                                      "labs": [LABS_HEADER] + [with_cell(0, "entity_id", "p99", LABS_HEADER, LABS_ROWS)[0]]}),
        "error", "is not in the uploaded cases")
    add("labs_cohort_entity.xlsx", xlsx({"cases": [HEADER] + ROWS,
                                         "labs": [LABS_HEADER] + with_cell(0, "entity_type", "cohort", LABS_HEADER, LABS_ROWS)}),
        "error", "patients only")
    add("labs_wrong_unit.xlsx", xlsx({"cases": [HEADER] + ROWS,
                                      "labs": [LABS_HEADER] + with_cell(0, "unit_std", "ug/L", LABS_HEADER, LABS_ROWS)}),
        "error", "is not the standard unit")
    add("labs_implausible.xlsx", xlsx({"cases": [HEADER] + ROWS,
                                       "labs": [LABS_HEADER] + with_cell(0, "value_std", "9000000", LABS_HEADER, LABS_ROWS)}),
        "error", "outside the plausible range")
    add("old_excel.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "error", "Excel 97-2003")
    add("pdf_named.csv", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "error", "PDF")
    add("binary_garbage.csv", bytes(range(256)) * 8, "error", "does not look like text")
    add("picture.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "error", "not supported")
    add("html_page.csv", "<!DOCTYPE html><html><head><title>Login</title></head><body>case_id</body></html>\n",
        "error", "no column name of the template")
    return items


def _far_cell() -> bytes:
    """A small workbook with one stray cell at row 1,000,000, column 200 (openpyxl yields every empty row)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "cases"
    for r in [HEADER] + ROWS:
        ws.append(r)
    ws.cell(row=1_000_000, column=200, value="far away")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _corrupt_member(book: bytes) -> bytes:
    """A workbook whose sheet XML is replaced by broken XML (valid zip, invalid workbook part)."""
    src = zipfile.ZipFile(io.BytesIO(book))
    members = {i.filename: src.read(i.filename) for i in src.infolist()}
    members["xl/worksheets/sheet1.xml"] = b"<worksheet><sheetData><row><c r='A1' t='s'><v>0</v>"
    members["xl/workbook.xml"] = b"<workbook><sheets><sheet name='cases' sheetId='1' r:id='rId1'"
    return _zip(members)


# --- big files, made at test time --------------------------------------------------------

def big_million_rows(folder: Path) -> Path:
    """1,000,000 data rows (about 9 MB, under the size limit, over the row limit)."""
    path = folder / "million_rows.csv"
    line = b"p,mas,sjia\n"
    with open(path, "wb") as f:
        f.write(b"case_id,condition,trigger\n")
        f.write(line * 1_000_000)
    return path


def big_over_size_limit(folder: Path, limit: int) -> Path:
    path = folder / "over_limit.csv"
    with open(path, "wb") as f:
        f.write(b"case_id,condition,trigger,note\n")
        row = b"p,mas,sjia," + b"x" * 1000 + b"\n"
        f.write(row * (limit // len(row) + 2))
    return path


def big_zip_bomb(folder: Path) -> Path:
    """A .xlsx whose sheet expands from about 0.3 MB to 300 MB of zeros."""
    path = folder / "zip_bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        z.writestr("xl/workbook.xml", b"<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            block = b"0" * (1024 * 1024)
            for _ in range(300):
                f.write(block)
    return path


def big_ratio_bomb(folder: Path) -> Path:
    """A small .xlsx (under the size cap) compressed far beyond any real workbook (about 1000:1)."""
    path = folder / "ratio_bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", b"<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b" " * (20 * 1024 * 1024))
    return path


def big_long_line(folder: Path) -> Path:
    """One cell of 200,000 characters (over the CSV reader's field limit)."""
    path = folder / "long_line.csv"
    path.write_text("case_id,condition,trigger,note\np1,mas,sjia," + "y" * 200_000 + "\n", encoding="utf-8")
    return path


def big_many_columns(folder: Path) -> Path:
    path = folder / "many_columns.csv"
    header = ["case_id", "condition", "trigger"] + [f"c{i}" for i in range(10_000)]
    path.write_text(",".join(header) + "\n" + ",".join(["p1", "mas", "sjia"] + ["1"] * 10_000) + "\n",
                    encoding="utf-8")
    return path


BIG = [
    # (maker, outcome, fragment); the size-limit file is made against a small limit in the test
    (big_million_rows, "error", "more than 200,000 rows"),
    (big_zip_bomb, "error", "zip bomb"),
    (big_ratio_bomb, "error", "zip bomb"),
    (big_long_line, "error", "longer than"),
    (big_many_columns, "error", "columns; at most"),
]


def main() -> None:
    items = corpus()
    for old in HERE.iterdir():
        if old.name not in ("make_corpus.py", "manifest.csv", "README.md") and old.is_file():
            old.unlink()
    with open(HERE / "manifest.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["file", "labs_file", "outcome", "fragment"])
        for name, content, labs, outcome, fragment in items:
            (HERE / name).write_bytes(content)
            w.writerow([name, labs, outcome, fragment])
    print(f"{len(items)} files written to {HERE}")


if __name__ == "__main__":
    main()
