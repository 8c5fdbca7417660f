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
# The same patients with numbers and booleans typed, as a spreadsheet stores them.
TYPED_ROWS = [[r[0], r[1], r[2], float(r[3]) if "." in r[3] else int(r[3]), r[4], int(r[5]), r[6], r[7] == "true",
               r[8]] for r in ROWS]
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
    add("ok_decimal_comma.csv", csv_text(HEADER, with_cell(2, "age_years", "0,5", rows=with_cell(0, "age_years", "2,5")),
                                         ";"), "ok", "decimal comma")
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
        "holds the spreadsheet error #DIV/0!")
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
    for name, content, outcome, fragment in hostile_round2():
        add(name, content, outcome, fragment)
    return items


def hostile_round2() -> list[tuple[str, bytes, str, str]]:
    """Files of the second hostile-input review (issue 15): (name, content, outcome, fragment).

    Each XLSX is written as raw XML so it says exactly what a crafted (or
    damaged) file can say; every one of them loaded silently wrong before.
    """
    import datetime

    strings = _Strings()
    head = row_xml(1, HEADER, strings)
    body = [row_xml(i + 2, r, strings) for i, r in enumerate(TYPED_ROWS)]
    items: list[tuple[str, bytes, str, str]] = []

    def book(name, sheets, outcome, fragment, shared_xml=None):
        items.append((name, raw_xlsx(sheets, strings, shared_xml), outcome, fragment))

    # rows lost or misplaced: the reader places cells by their own references
    book("xlsx_dimension_lie.xlsx", [("cases", sheet_xml(head + "".join(body), dimension="A1:I2"))],
         "ok", "loaded: 3 patient(s) (3 cases row(s) read, 3 loaded)")
    book("xlsx_rows_out_of_order.xlsx", [("cases", sheet_xml(body[2] + head + body[0] + body[1]))],
         "ok", "loaded: 3 patient(s) (3 cases row(s) read, 3 loaded)")
    book("xlsx_duplicate_row.xlsx", [("cases", sheet_xml(head + body[0] + body[1] + row_xml(3, ROWS[2], strings)))],
         "error", "row 3 is stored twice")
    twice = body[1].replace("</row>", '<c r="A3" t="s"><v>%d</v></c></row>' % strings("p9"))
    book("xlsx_cell_twice.xlsx", [("cases", sheet_xml(head + body[0] + twice + body[2]))], "error",
         "the cell A3 is stored twice")
    wrong_row = body[1].replace('<c r="D3"', '<c r="D7"')
    book("xlsx_cell_in_wrong_row.xlsx", [("cases", sheet_xml(head + body[0] + wrong_row + body[2]))], "error",
         "the cell D7 is stored inside row 3")
    book("xlsx_sheet_names_collide.xlsx", [("cases", sheet_xml(head + "".join(body))),
                                          ("CASES ", sheet_xml(head + body[0]))], "error",
         "same name once capitals and spaces are ignored")
    book("xlsx_very_hidden_cases.xlsx", [("Sheet1", sheet_xml(head + "".join(body))),
                                        ("cases", sheet_xml(head + body[0]), "veryHidden")], "error",
         "the sheet 'cases' is very hidden")
    book("xlsx_hidden_cases.xlsx", [("cases", sheet_xml(head + "".join(body)), "hidden"),
                                   ("notes", sheet_xml(row_xml(1, ["notes"], strings)))], "error",
         "the sheet 'cases' is hidden")
    book("xlsx_hidden_other_sheet.xlsx", [("cases", sheet_xml(head + "".join(body))),
                                         ("lookup", sheet_xml(row_xml(1, ["x"], strings)), "veryHidden")], "ok",
         "1 hidden sheet(s) not read")
    far = body[1].replace("</row>", '<c r="IP3" t="s"><v>%d</v></c></row>' % strings("far away"))
    book("xlsx_far_column.xlsx", [("cases", sheet_xml(head + body[0] + far + body[2]))], "error",
         "row 3: the row has values beyond the 9 named columns (first in column IP)")
    book("xlsx_merged_cells.xlsx", [("cases", sheet_xml(head + "".join(body), merges=["B2:B4"]))], "error",
         "the cells B2:B4 are merged")
    book("xlsx_merged_title_only.xlsx", [("cases", sheet_xml(row_xml(1, ["Registry export"], strings)
                                                             + row_xml(2, HEADER, strings)
                                                             + "".join(row_xml(i + 3, r, strings)
                                                                       for i, r in enumerate(TYPED_ROWS)),
                                                             merges=["A1:I1"]))], "ok",
         "row(s) above the header row 2 were skipped")
    rows = [list(r) for r in TYPED_ROWS]
    rows[0][3] = Formula("2*3")
    book("xlsx_uncached_formula.xlsx", [("cases", sheet_xml(head + "".join(row_xml(i + 2, r, strings)
                                                                             for i, r in enumerate(rows))))],
         "error", "holds a formula (=2*3) without a saved value")
    rows[0][3] = Formula("2*3", cached="6")
    book("xlsx_cached_formula.xlsx", [("cases", sheet_xml(head + "".join(row_xml(i + 2, r, strings)
                                                                           for i, r in enumerate(rows))))],
         "ok", "1 cell(s) hold formulas")
    book("xlsx_missing_shared_string.xlsx", [("cases", sheet_xml(head + body[0] + body[1]
                                                                 + '<row r="4"><c r="A4" t="s"><v>99999</v></c></row>'))],
         "error", "refers to shared string number 99,999")
    book("xlsx_dates_and_booleans.xlsx", [("cases", sheet_xml(row_xml(1, HEADER + ["extraction_date"], strings)
                                                              + "".join(row_xml(i + 2, r + [datetime.date(2024, 5, 1)],
                                                                                strings)
                                                                        for i, r in enumerate(TYPED_ROWS))))],
         "ok", "loaded: 3 patient(s)")
    dtd = raw_xlsx([("cases", sheet_xml(head + "".join(body)).replace(
        "<worksheet", '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]><worksheet', 1))], strings)
    items.append(("xlsx_dtd_entities.xlsx", dtd, "error", "declares a DTD"))
    # the file name decides nothing by itself, but an extension outside the accepted list is refused
    items.append(("macro_enabled.xlsm", raw_xlsx([("cases", sheet_xml(head + "".join(body)))], strings), "error",
                  "files of type .xlsm are not supported"))
    # numbers: one grammar, the file's dialect
    semi = lambda rows: csv_text(HEADER, rows, ";")  # noqa: E731
    items.append(("decimal_comma_then_point.csv", semi(with_cell(1, "age_years", "1.000",
                                                                 rows=with_cell(0, "age_years", "2,5"))).encode(),
                  "error", "'1.000' is not a number in this file: its numbers use the decimal comma"))
    items.append(("semicolon_thousands_point.csv", semi(with_cell(1, "age_years", "1.000")).encode(), "error",
                  "'1.000' is ambiguous"))
    items.append(("decimal_comma_in_comma_file.csv", csv_text(HEADER, with_cell(0, "age_years", "2,5")).encode(),
                  "error", "this file is comma-separated, so decimals are written with a point"))
    items.append(("underscore_number.csv", csv_text(HEADER, with_cell(0, "dose_mg_kg_day", "1_0")).encode(), "error",
                  "numbers may not hold underscores"))
    items.append(("arabic_indic_digits.csv", csv_text(HEADER, with_cell(1, "age_years", "\u0663\u0664")).encode(),
                  "error", "holds digits other than 0-9"))
    items.append(("fullwidth_digits.csv", csv_text(HEADER, with_cell(1, "age_years", "\uff13\uff14")).encode(),
                  "error", "holds digits other than 0-9"))
    items.append(("thousands_space.csv", csv_text(HEADER, with_cell(1, "dose_mg_kg_day", "1 000")).encode(), "error",
                  "may not hold spaces or thousands separators"))
    items.append(("overflow_number.csv", csv_text(HEADER, with_cell(1, "age_years", "1e400")).encode(), "error",
                  "'1e400' is not a finite number"))
    # ranges on the value the dashboard computes with, converted or not
    labs_head = ["lab_id", "entity_id", "analyte", "timepoint", "value_reported", "unit_reported"]

    def labs_book(name, lab_rows, outcome, fragment):
        book(name, [("cases", sheet_xml(head + "".join(body))),
                    ("labs", sheet_xml(row_xml(1, labs_head, strings)
                                       + "".join(row_xml(i + 2, r, strings) for i, r in enumerate(lab_rows))))],
             outcome, fragment)

    labs_book("labs_crp_1e307.xlsx", [["p1-crp", "p1", "crp", "before", 1e307, "mg/dL"]], "error",
              "1e+307 mg/dL is 1e+308 mg/L, outside the plausible range of crp (0-1000)")
    labs_book("labs_crp_overflow.xlsx", [["p1-crp", "p1", "crp", "before", 1.7e308, "mg/dL"]], "error",
              "is not a finite number once converted to mg/L")
    labs_book("labs_negative_ferritin.xlsx", [["p1-fer", "p1", "ferritin", "before", -5, "ng/mL"]], "error",
              "-5 ng/mL is -5 ng/mL, outside the plausible range of ferritin (0-500000)")
    labs_book("labs_unknown_unit.xlsx", [["p1-fer", "p1", "ferritin", "before", 800, "pmol/L"]], "ok",
              "cannot be converted to the analyte's standard unit")
    book("labs_group_statistic.xlsx", [("cases", sheet_xml(head + "".join(body))),
                                       ("labs", sheet_xml(row_xml(1, labs_head + ["statistic"], strings)
                                                          + row_xml(2, ["p1-crp", "p1", "crp", "before", 50, "mg/L",
                                                                        "mean"], strings)))],
         "error", "an upload holds one value per patient")
    items.append(("dose_per_kg_implausible.csv", csv_text(HEADER + ["dose_amount", "dose_amount_unit"],
                                                          [r + ["2", "mg/kg"] for r in ROWS[:2]]
                                                          + [ROWS[2] + ["400", "mg/kg"]]).encode(), "error",
                  "400 mg/kg per dose is above the plausible maximum 100 mg/kg"))
    # the template's example row
    example = ["EXAMPLE-delete-this-row", "mas", "sjia", "7", "female", "4", "complete", "false", ""]
    items.append(("template_example_kept.csv", csv_text(HEADER, [example] + ROWS).encode(), "ok",
                  "the template's example row (case_id EXAMPLE-delete-this-row) was left out"))
    items.append(("template_example_changed.csv",
                  csv_text(HEADER, [example[:3] + ["40"] + example[4:]] + ROWS).encode(), "error",
                  "is the template's example id, but this row was changed"))
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


def big_shared_strings_bomb(folder: Path, declare: bool = False) -> Path:
    """A 1.7 MB .xlsx whose shared-strings part holds 7,500,000 entries (135 MB of XML).

    A stored block of random bytes keeps the whole zip's compression ratio
    under the first check (about 80:1), as in the review's bomb; only the
    streaming limit on shared strings stops it. ``declare`` writes the count
    into ``uniqueCount`` (refused before reading any entry).
    """
    import random

    path = folder / ("shared_strings_bomb_declared.xlsx" if declare else "shared_strings_bomb.xlsx")
    count = 7_500_000
    strings = _Strings()
    head = row_xml(1, HEADER[:3], strings)
    sheet = sheet_xml(head + f'<row r="2"><c r="A2" t="s"><v>{count - 1}</v></c><c r="B2" t="s"><v>0</v></c>'
                             f'<c r="C2" t="s"><v>0</v></c></row>')
    attrs = f' count="{count}" uniqueCount="{count}"' if declare else ""
    book = raw_xlsx([("cases", sheet)], strings, shared_xml="")
    src = zipfile.ZipFile(io.BytesIO(book))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            if info.filename != "xl/sharedStrings.xml":
                z.writestr(info.filename, src.read(info.filename))
        with z.open("xl/sharedStrings.xml", "w") as f:
            f.write(f'<sst xmlns="{_MAIN}"{attrs}>'.encode())
            block = b"<si><t>x</t></si>" * 100_000
            for _ in range(count // 100_000):
                f.write(block)
            f.write(b"</sst>")
        z.writestr(zipfile.ZipInfo("xl/media/image1.bin"), random.Random(0).randbytes(1_600_000))
    return path


BIG = [
    # (maker, outcome, fragment); the size-limit file is made against a small limit in the test
    (big_million_rows, "error", "more than 200,000 rows"),
    (big_zip_bomb, "error", "zip bomb"),
    (big_ratio_bomb, "error", "zip bomb"),
    (big_long_line, "error", "longer than"),
    (big_many_columns, "error", "columns; at most"),
    (big_shared_strings_bomb, "error", "holds more than 1,000,000 shared strings"),
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



# --- workbooks written as raw XML (what Excel writes, and what a crafted file can say) -----------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


class Formula(str):
    """A formula cell for :func:`raw_xlsx`: ``Formula("A2*2", cached="12")`` (``cached=None``: no saved value)."""

    def __new__(cls, text: str, cached: str | None = None):
        obj = super().__new__(cls, text)
        obj.cached = cached
        return obj


def col_letter(i: int) -> str:
    n, out = i + 1, ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


class _Strings:
    def __init__(self):
        self.index: dict[str, int] = {}

    def __call__(self, s: str) -> int:
        return self.index.setdefault(s, len(self.index))

    def xml(self) -> str:
        items = "".join(f'<si><t xml:space="preserve">{_esc(s)}</t></si>' for s in self.index)
        return f'<sst xmlns="{_MAIN}" count="{len(self.index)}" uniqueCount="{len(self.index)}">{items}</sst>'


def cell_xml(ref: str, value, strings: _Strings) -> str:
    """One <c> element the way Excel writes it (text as a shared string, dates as serials with style 1)."""
    import datetime as _dt

    if value is None or value == "":
        return ""
    if isinstance(value, Formula):
        cached = "" if value.cached is None else f"<v>{_esc(value.cached)}</v>"
        return f'<c r="{ref}"><f>{_esc(str(value))}</f>{cached}</c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    if isinstance(value, _dt.date):
        return f'<c r="{ref}" s="1"><v>{(value - _dt.date(1899, 12, 30)).days}</v></c>'
    return f'<c r="{ref}" t="s"><v>{strings(str(value))}</v></c>'


def row_xml(number: int, values, strings: _Strings, start_col: int = 0) -> str:
    cells = "".join(cell_xml(f"{col_letter(start_col + j)}{number}", v, strings) for j, v in enumerate(values))
    return f'<row r="{number}">{cells}</row>'


def sheet_xml(rows_xml: str, dimension: str | None = None, merges=(), extra: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    merge = (f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merges)
             + "</mergeCells>") if merges else ""
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}" '
            f'xmlns:r="{_R}">{dim}<sheetData>{rows_xml}</sheetData>{merge}{extra}</worksheet>')


def raw_xlsx(sheets: list[tuple], strings: _Strings | None = None, shared_xml: str | None = None) -> bytes:
    """A workbook from raw sheet XML: ``sheets`` is a list of ``(name, sheet_xml)`` or ``(name, sheet_xml, state)``.

    Text cells refer to ``strings`` (the shared-strings table); ``shared_xml`` replaces that part as given.
    """
    strings = strings or _Strings()
    entries = []
    rels = []
    members = {}
    for i, item in enumerate(sheets, start=1):
        name, xml, state = (item + ("visible",))[:3]
        st = "" if state == "visible" else f' state="{state}"'
        entries.append(f'<sheet name="{_esc(name)}" sheetId="{i}"{st} r:id="rId{i}"/>')
        rels.append(f'<Relationship Id="rId{i}" Type="{_R}/worksheet" Target="worksheets/sheet{i}.xml"/>')
        members[f"xl/worksheets/sheet{i}.xml"] = xml.encode("utf-8")
    n = len(sheets)
    rels.append(f'<Relationship Id="rId{n + 1}" Type="{_R}/sharedStrings" Target="sharedStrings.xml"/>')
    rels.append(f'<Relationship Id="rId{n + 2}" Type="{_R}/styles" Target="styles.xml"/>')
    members["xl/workbook.xml"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_MAIN}" '
                                  f'xmlns:r="{_R}"><sheets>{"".join(entries)}</sheets></workbook>').encode()
    members["xl/_rels/workbook.xml.rels"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                             f'<Relationships xmlns="{_PKG}">{"".join(rels)}</Relationships>').encode()
    members["xl/sharedStrings.xml"] = (shared_xml if shared_xml is not None else strings.xml()).encode("utf-8")
    members["xl/styles.xml"] = (
        f'<styleSheet xmlns="{_MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
        '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>').encode()
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{ct}.worksheet+xml"/>'
                        for i in range(1, n + 1))
    members["[Content_Types].xml"] = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>{overrides}'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.sharedStrings+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{ct}.styles+xml"/></Types>').encode()
    members["_rels/.rels"] = (f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" Type="{_R}/officeDocument" '
                              'Target="xl/workbook.xml"/></Relationships>').encode()
    return _zip(members)


def simple_xlsx(sheets: dict[str, list[list]], states: dict[str, str] | None = None) -> bytes:
    """A workbook of plain tables (one row per list, from row 1), written like Excel writes it."""
    strings = _Strings()
    items = []
    for name, rows in sheets.items():
        body = "".join(row_xml(i, r, strings) for i, r in enumerate(rows, start=1))
        items.append((name, sheet_xml(body), (states or {}).get(name, "visible")))
    return raw_xlsx(items, strings)


if __name__ == "__main__":
    main()
