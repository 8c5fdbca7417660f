"""lib.xlsx: the column-wise reader of sheets in the plain form reads exactly what the cell-by-cell reader reads.

Each case is read twice, with ``lib.xlsx.FAST_SHEETS`` on and off (off: every sheet is read cell by cell,
the reader of issue 15, kept as the reference), and the results must be identical: cells, values, problems,
merges, formulas, or the same error with the same message. The cases are the plain form and every way out of
it we could think of (each must be read as the cell-by-cell reader reads it, usually by that reader).
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from conftest import ROOT
from lib import xlsx

sys.path.insert(0, str(ROOT / "tests" / "upload_corpus"))
import make_corpus as mc  # noqa: E402

MAIN = mc._MAIN
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
ROOT_TAG = (f'<worksheet xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
            'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">')
HEADER_ROW = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>'
              '<c r="D1" t="s"><v>3</v></c></row>')
SHARED = (f'<sst xmlns="{MAIN}"><si><t>case_id</t></si><si><t>condition</t></si><si><t>trigger</t></si>'
          '<si><t>age_years</t></si><si><t>p1</t></si><si><t></t></si><si><t>mas</t></si></sst>')


def _sheet(rows: str, before: str = "", after: str = "", head: str = HEAD, root: str = ROOT_TAG,
           end: str = "</worksheet>") -> str:
    return f"{head}{root}{before}<sheetData>{HEADER_ROW}{rows}</sheetData>{after}{end}"


def _row(r, cells: str, attrs: str = "") -> str:
    return f'<row r="{r}"{attrs}>{cells}</row>'


def _read(xml: str, shared: str = SHARED, limits: xlsx.Limits | None = None):
    """What reading the sheet gives: its fields, or the error's class and message."""
    book = mc.raw_xlsx([("cases", xml)], shared_xml=shared)
    try:
        wb = xlsx.Workbook(book, limits)
        c = wb.read_sheet(wb.sheets[0])
    except xlsx.XlsxError as exc:
        return ("error", type(exc).__name__, exc.message)
    return ("cells", c.name, c.row.tolist(), c.col.tolist(), [type(v).__name__ + ":" + v for v in c.value.tolist()],
            [(p.row, p.col, p.message) for p in c.problems], c.problems_dropped, c.merges, c.formulas,
            c.first_formula, c.row.dtype, c.col.dtype, c.value.dtype)


def _both(monkeypatch, xml: str, **kw):
    monkeypatch.setattr(xlsx, "FAST_SHEETS", False)
    old = _read(xml, **kw)
    monkeypatch.setattr(xlsx, "FAST_SHEETS", True)
    new = _read(xml, **kw)
    return old, new


def _plain_used(monkeypatch) -> list:
    """Record whether the column-wise reader finished (True) or gave up (False)."""
    seen = []
    orig = xlsx._read_sheet_plain

    def spy(wb, sheet):
        try:
            out = orig(wb, sheet)
        except Exception:
            seen.append(False)
            raise
        seen.append(True)
        return out

    monkeypatch.setattr(xlsx, "_read_sheet_plain", spy)
    return seen


C = '<c r="{ref}"{attrs}><v>{v}</v></c>'


def _cells(r: int, values: list[tuple[str, str]]) -> str:
    """(attributes, value) per column, from A."""
    return "".join(C.format(ref=f"{mc.col_letter(j)}{r}", attrs=a, v=v) for j, (a, v) in enumerate(values))


PLAIN_CASES = {
    "text_numbers_booleans": _row(2, _cells(2, [(' t="s"', "4"), (' t="s"', "6"), (' t="str"', "sjia"),
                                                ("", "7")]) + '<c r="E2" t="b"><v>1</v></c><c r="F2" t="b"><v>0</v></c>'),
    "numbers": "".join(_row(r, _cells(r, [("", v)])) for r, v in enumerate(
        ["10.0", "7.", "-0.0", "0.0", "1E3", "1.5e-3", " 5 ", "0.30000000000000004", "-0", "00012",
         "12345678901234567", "123456789012345.0", "1234567890123456.0", "-12.50", "0.1", "-7", "5.000"], start=2)),
    "number_not_finite": _row(2, _cells(2, [("", "1e400")])),
    "number_text": _row(2, _cells(2, [("", "abc")])),
    "number_blank": _row(2, _cells(2, [("", "   ")])),
    "dates": "".join(_row(r, _cells(r, [(' s="1"', v)])) for r, v in enumerate(
        ["45413", "60", "59", "61", "45413.5", "0", " 45413 ", "2958465"], start=2)),
    "dates_ok": "".join(_row(r, _cells(r, [(' s="1"', v)])) for r, v in enumerate(
        ["45413", "59", "61", "45413.5", " 45413 ", "2958465", "1.25"], start=2)),
    "date_bad": _row(2, _cells(2, [(' s="1"', "-1")])),
    "date_text": _row(2, _cells(2, [(' s="1" t="n"', "abc")])),
    "style_not_date": _row(2, _cells(2, [(' s="0"', "45413"), (' s="01"', "45413")])),
    "bool_odd": _row(2, _cells(2, [(' t="b"', "2")])),
    "bool_space": _row(2, _cells(2, [(' t="b"', " 1 ")])),
    "shared_space": _row(2, _cells(2, [(' t="s"', " 4 ")])),
    "shared_blank": _row(2, _cells(2, [(' t="s"', "  ")])),
    "shared_empty_string": _row(2, _cells(2, [(' t="s"', "5")])),
    "shared_beyond": _row(2, _cells(2, [(' t="s"', "99")]) + '<c r="B2" t="s"><v>99999999999</v></c>'),
    "shared_not_index": _row(2, _cells(2, [(' t="s"', "1.5")])),
    "str_empty": _row(2, '<c r="A2" t="str"><v></v></c><c r="B2" t="str"/><c r="C2" t="str"><v>x</v></c>'),
    "empty_cells": _row(2, '<c r="A2"/><c r="B2" s="1"/><c r="C2" t="s"/><c r="D2" t="b"></c><c r="E2"><v></v></c>'),
    "non_ascii_text": _row(2, _cells(2, [(' t="str"', "Zürich ‘x’ 日本 \U0001F600"), (' t="str"', 'a "q" > b')])),
    "whitespace_between": "\n  " + _row(2, "\n    " + _cells(2, [("", "1"), ("", "2")]) + "\n  ") + "\r\n",
    "self_closing_row": '<row r="2" spans="1:4"/>' + _row(3, _cells(3, [("", "1")])),
    "row_attributes": _row(2, _cells(2, [("", "1")]), ' spans="1:4" ht="20" customHeight="1" x14ac:dyDescent="0.25"'),
    "row_attribute_gt": _row(2, _cells(2, [("", "1")]), ' note="a>b"'),
    "row_attribute_undeclared_prefix": _row(2, _cells(2, [("", "1")]), ' zz:foo="1"'),
    "row_attribute_twice": _row(2, _cells(2, [("", "1")]), ' spans="1:4" spans="1:5"'),
    "row_attribute_twice_by_namespace": _row(2, _cells(2, [("", "1")]), ' r:foo="1" r:foo="2"'),
    "row_r_twice": '<row r="2" r="3">' + _cells(2, [("", "1")]) + "</row>",
    "row_without_number": "<row>" + _cells(2, [("", "1")]) + "</row>",
    "row_zero": _row(0, ""),
    "row_far": _row(1048577, ""),
    "row_last": _row(1048576, _cells(1048576, [("", "1")])),
    "row_twice": _row(2, _cells(2, [("", "1")])) + _row(2, _cells(2, [("", "2")])),
    "rows_out_of_order": _row(5, _cells(5, [("", "5")])) + _row(3, _cells(3, [("", "3")])),
    "cell_twice": _row(2, _cells(2, [("", "1")]) + C.format(ref="A2", attrs="", v="2")),
    "cells_out_of_order": _row(2, C.format(ref="C2", attrs="", v="3") + C.format(ref="A2", attrs=' t="s"', v="4")),
    "cell_in_other_row": _row(2, C.format(ref="A3", attrs="", v="3")),
    "cell_ref_leading_zero": _row(2, C.format(ref="A02", attrs="", v="3")),
    "cell_without_ref": _row(2, "<c><v>1</v></c><c><v>2</v></c>"),
    "cell_ref_lower_case": _row(2, C.format(ref="a2", attrs="", v="3")),
    "cell_beyond_xfd": _row(2, C.format(ref="XFE2", attrs="", v="3")),
    "cell_at_xfd": _row(2, C.format(ref="XFD2", attrs="", v="3")),
    "cell_far_column": _row(2, C.format(ref="AAA2", attrs="", v="3")),
    "cell_attributes_other_order": _row(2, '<c t="s" r="A2"><v>4</v></c>'),
    "cell_attribute_extra": _row(2, '<c r="A2" cm="1"><v>4</v></c>'),
    "cell_space_before_close": _row(2, '<c r="A2" t="s" ><v>4</v></c>'),
    "formula": _row(2, '<c r="A2"><f>1+1</f><v>2</v></c>'),
    "formula_without_value": _row(2, '<c r="A2"><f>1+1</f></c>'),
    "error_cell": _row(2, '<c r="A2" t="e"><v>#DIV/0!</v></c>'),
    "inline_string": _row(2, '<c r="A2" t="inlineStr"><is><t>p9</t></is></c>'),
    "date_type": _row(2, '<c r="A2" t="d"><v>2024-05-01T00:00:00Z</v></c>'),
    "unknown_type": _row(2, '<c r="A2" t="zz"><v>1</v></c>'),
    "entity_in_value": _row(2, '<c r="A2" t="str"><v>a &amp; b</v></c>'),
    "char_ref_in_value": _row(2, '<c r="A2"><v>&#49;</v></c>'),
    "cdata": _row(2, '<c r="A2" t="str"><v><![CDATA[x]]></v></c>'),
    "comment_in_rows": "<!-- a comment -->" + _row(2, _cells(2, [("", "1")])),
    "comment_in_cell": _row(2, '<c r="A2"><!-- c --><v>1</v></c>'),
    "processing_instruction": "<?pi x?>" + _row(2, _cells(2, [("", "1")])),
    "control_character": _row(2, '<c r="A2" t="str"><v>a\x01b</v></c>'),
    "cdata_end_in_text": _row(2, '<c r="A2" t="str"><v>a]]>b</v></c>'),
    "carriage_return_in_value": _row(2, '<c r="A2" t="str"><v>a\r\nb</v></c>'),
    "tab_newline_in_value": _row(2, '<c r="A2" t="str"><v>a\tb\nc</v></c>'),
    "noncharacter": _row(2, '<c r="A2" t="str"><v>a\ufffeb</v></c>'),
    "unclosed_cell": "<row r=\"2\"><c r=\"A2\"><v>1</v></row>",
    "other_element_in_row": _row(2, '<extLst/>' + _cells(2, [("", "1")])),
    "merge_inside_rows": _row(2, _cells(2, [("", "1")])) + '<mergeCell ref="A2:B2"/>',
    "long_text": _row(2, '<c r="A2" t="str"><v>' + "x" * 40_000 + "</v></c>"),
    "many_rows": "".join(_row(r, _cells(r, [(' t="s"', "4"), ("", str(r)), (' t="b"', str(r % 2)),
                                            ("", f"{r}.5")])) for r in range(2, 3000)),
}

AROUND_CASES = {
    "merges": dict(after='<mergeCells count="2"><mergeCell ref="A2:B3"/><mergeCell ref="C5"/></mergeCells>'),
    "merge_invalid": dict(after='<mergeCells count="1"><mergeCell ref="A2-B3"/></mergeCells>'),
    "merge_reversed": dict(after='<mergeCells count="1"><mergeCell ref="B3:A2"/></mergeCells>'),
    "merge_extra_attribute": dict(after='<mergeCells count="1"><mergeCell ref="A2:B3" x="1"/></mergeCells>'),
    "merge_before_rows": dict(before='<mergeCells count="1"><mergeCell ref="A2:B3"/></mergeCells>'),
    "dimension_and_views": dict(before='<dimension ref="A1:D2"/><sheetViews><sheetView workbookViewId="0">'
                                       '<selection activeCell="A1" sqref="A1"/></sheetView></sheetViews>'
                                       '<sheetFormatPr defaultRowHeight="15"/><cols><col min="1" max="1" width="9"/>'
                                       '</cols>'),
    "page_setup_after": dict(after='<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
                                   'footer="0.3"/>'),
    "cell_after_rows": dict(after='<c r="A9"><v>9</v></c>'),
    "value_after_rows": dict(after='<v>99</v>'),
    "prefixed_value_after_rows": dict(after='<r:v>99</r:v>'),
    "row_after_rows": dict(after='<row r="9"><c r="A9"><v>9</v></c></row>'),
    "row_before_rows": dict(before='<row r="9"><c r="A9"><v>9</v></c></row>'),
    "comment_before": dict(before="<!-- <sheetData> -->"),
    "comment_after": dict(after="<!-- x -->"),
    "default_namespace_redeclared": dict(before='<sheetPr xmlns="urn:other"/>'),
    "namespace_in_suffix": dict(after='<extLst xmlns="urn:other"><v>1</v></extLst>'),
    "no_declaration": dict(head=""),
    "bom": dict(head="\ufeff" + HEAD),
    "declaration_single_quotes": dict(head="<?xml version='1.0' encoding='utf-8'?>"),
    "declaration_latin1": dict(head='<?xml version="1.0" encoding="ISO-8859-1"?>'),
    "dtd": dict(head=HEAD + '<!DOCTYPE worksheet [<!ENTITY x "y">]>'),
    "strict_namespace": dict(root=f'<worksheet xmlns="{xlsx.MAIN_NS[1]}">'),
    "other_namespace": dict(root='<worksheet xmlns="urn:not-excel">'),
    "prefixed_root": dict(root=f'<x:worksheet xmlns:x="{MAIN}">', end="</x:worksheet>"),
    "root_attribute_twice": dict(root=f'<worksheet xmlns="{MAIN}" a="1" a="2">'),
    "unclosed_root": dict(end=""),
    "junk_after_root": dict(end="</worksheet><x/>"),
    "text_after_root": dict(end="</worksheet>trailing"),
}


@pytest.mark.parametrize("name", sorted(PLAIN_CASES))
def test_rows_read_as_cell_by_cell(monkeypatch, name):
    old, new = _both(monkeypatch, _sheet(PLAIN_CASES[name]))
    assert new == old


@pytest.mark.parametrize("name", sorted(AROUND_CASES))
def test_text_around_rows_read_as_cell_by_cell(monkeypatch, name):
    kw = dict(AROUND_CASES[name])
    rows = kw.pop("rows", _row(2, _cells(2, [(' t="s"', "4"), ("", "12")])))
    old, new = _both(monkeypatch, _sheet(rows, **kw))
    assert new == old


def test_empty_sheet_data(monkeypatch):
    xml = f"{HEAD}{ROOT_TAG}<sheetData/></worksheet>"
    old, new = _both(monkeypatch, xml)
    assert new == old


@pytest.mark.parametrize("chunk,batch", [(7, 50), (64, 300), (1000, 4096)])
def test_small_chunks_and_batches(monkeypatch, chunk, batch):
    """Tags and the end of <sheetData> split over chunks, rows over batches."""
    monkeypatch.setattr(xlsx, "CHUNK", chunk)
    monkeypatch.setattr(xlsx, "_BATCH", batch)
    seen = _plain_used(monkeypatch)
    last = _row(5000, _cells(5000, [("", "1")]), ' spans="1:4" x14ac:dyDescent="0.25"')
    xml = _sheet(PLAIN_CASES["many_rows"][:20_000].rsplit("<row", 1)[0] + last,
                 after='<mergeCells count="1"><mergeCell ref="A2:B3"/></mergeCells>')
    old, new = _both(monkeypatch, xml)
    assert new == old and new[0] == "cells"
    assert seen == [True]


def test_limits_read_as_cell_by_cell(monkeypatch):
    xml = _sheet(PLAIN_CASES["many_rows"])
    for limits in (xlsx.Limits(max_cells=500), xlsx.Limits(max_rows=100), xlsx.Limits(max_part_bytes=5_000),
                   xlsx.Limits(max_total_bytes=5_000), xlsx.Limits(max_cell_chars=3),
                   xlsx.Limits(max_shared_strings=3), xlsx.Limits(max_total_bytes=len(xml) + 100)):
        old, new = _both(monkeypatch, xml, limits=limits)
        assert new == old, limits


def test_plain_form_is_read_column_wise(monkeypatch):
    """The forms Excel and openpyxl write are read by the column-wise reader (the point of it)."""
    seen = _plain_used(monkeypatch)
    for name in ("text_numbers_booleans", "numbers", "dates_ok", "row_attributes", "self_closing_row",
                 "whitespace_between", "many_rows", "empty_cells", "cells_out_of_order", "cell_twice"):
        assert _read(_sheet(PLAIN_CASES[name]))[0] == "cells"
    assert all(seen), seen
    seen.clear()
    for name in ("formula", "inline_string", "row_twice", "comment_in_rows", "entity_in_value", "cell_in_other_row",
                 "date_bad", "bool_odd"):
        _read(_sheet(PLAIN_CASES[name]))
    assert not any(seen), seen


def test_workbooks_of_openpyxl_and_the_template(monkeypatch):
    """Workbooks written by openpyxl (styles, dates, booleans, text) and the page's own template."""
    import datetime
    import io

    import openpyxl

    from lib import upload

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "cases"
    ws.append(["case_id", "condition", "age_years", "death", "extraction_date", "note"])
    for i in range(200):
        ws.append([f"p{i}", "mas", i / 7, i % 3 == 0, datetime.date(2020, 1, 1) + datetime.timedelta(days=i),
                   None if i % 4 else f"note {i} & <x>"])
    buf = io.BytesIO()
    wb.save(buf)
    for book in (buf.getvalue(), upload.template_xlsx()):
        results = []
        for fast in (False, True):
            monkeypatch.setattr(xlsx, "FAST_SHEETS", fast)
            w = xlsx.Workbook(book)
            results.append([(c.row.tolist(), c.col.tolist(), c.value.tolist(), c.problems, c.merges)
                            for c in (w.read_sheet(s) for s in w.sheets)])
        assert results[0] == results[1]


def test_shared_strings_bomb_refused_as_by_the_cell_by_cell_reader(monkeypatch):
    """The shared strings are read after the sheet by both readers: a bomb is refused with the same message."""
    strings = "".join(f"<si><t>s{i}</t></si>" for i in range(50))
    shared = f'<sst xmlns="{MAIN}" count="50" uniqueCount="50">{strings}</sst>'
    for limits in (xlsx.Limits(max_shared_strings=10), xlsx.Limits(max_shared_strings=50)):
        old, new = _both(monkeypatch, _sheet(PLAIN_CASES["text_numbers_booleans"]), shared=shared, limits=limits)
        assert new == old
    assert old[0] == "cells"
    assert _both(monkeypatch, _sheet(""), shared=shared, limits=xlsx.Limits(max_shared_strings=10))[1][0] == "error"
