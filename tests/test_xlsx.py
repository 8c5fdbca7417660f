"""lib.xlsx: the streaming workbook reader, on workbooks written as raw XML (tests/upload_corpus/make_corpus.py).

Expected values are what the XML says (ECMA-376 Part 1, SpreadsheetML: a cell's ``r`` reference places it;
``<dimension>`` is only a hint; ``t="s"`` indexes the shared-strings table; dates are serials counted from
1899-12-30 in the 1900 date system, Excel's 1900-02-29 included). These are regression tests of our reader,
not comparisons with another library.
"""

from __future__ import annotations

import datetime
import io
import sys
import zipfile

import pytest

from conftest import ROOT
from lib import xlsx

sys.path.insert(0, str(ROOT / "tests" / "upload_corpus"))
import make_corpus as mc  # noqa: E402


def _book(rows_xml: str, *, strings=None, merges=(), state="visible", extra_sheets=(), shared_xml=None) -> bytes:
    return mc.raw_xlsx([("cases", mc.sheet_xml(rows_xml, merges=merges), state), *extra_sheets],
                       strings, shared_xml)


def _cells(data: bytes, limits: xlsx.Limits | None = None, sheet: int = 0) -> xlsx.SheetCells:
    wb = xlsx.Workbook(data, limits)
    return wb.read_sheet(wb.sheets[sheet])


def _grid(cells: xlsx.SheetCells) -> dict[str, str]:
    return {f"{xlsx.column_letter(int(c))}{int(r)}": v for r, c, v in zip(cells.row, cells.col, cells.value)}


def test_column_letters_round_trip():
    for i, letters in ((0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA"), (16383, "XFD")):
        assert xlsx.column_letter(i) == letters and xlsx.column_index(letters) == i


def test_cells_are_placed_by_reference_not_by_dimension_or_order():
    s = mc._Strings()
    rows = mc.row_xml(3, ["c", 3], s) + mc.row_xml(1, ["a", 1], s) + mc.row_xml(2, ["b", 2], s)
    data = mc.raw_xlsx([("cases", mc.sheet_xml(rows, dimension="A1:A1"))], s)
    cells = _cells(data)
    assert _grid(cells) == {"A1": "a", "B1": "1", "A2": "b", "B2": "2", "A3": "c", "B3": "3"}
    assert cells.row.tolist() == [1, 1, 2, 2, 3, 3]  # sorted by row, then column
    assert not cells.problems


def test_cells_and_rows_without_references_follow_the_previous_one():
    data = _book('<row><c t="inlineStr"><is><t>a</t></is></c><c><v>5</v></c></row>'
                 '<row><c r="C2"><v>7</v></c><c><v>8</v></c></row>')
    assert _grid(_cells(data)) == {"A1": "a", "B1": "5", "C2": "7", "D2": "8"}


def test_value_types_are_read_as_text_the_way_a_csv_holds_them():
    s = mc._Strings()
    row = (mc.row_xml(1, ["text", 6, 0.5, True, False, datetime.date(2024, 5, 1), 1e307, -0.25], s)
           + '<row r="2"><c r="A2" t="str"><f>A1</f><v>text</v></c><c r="B2" t="d"><v>2024-05-01T00:00:00</v></c>'
             '<c r="C2" s="1"><v>45413.5</v></c><c r="D2"><v>1.0E+2</v></c><c r="E2" t="n"><v>007</v></c></row>')
    grid = _grid(_cells(mc.raw_xlsx([("cases", mc.sheet_xml(row))], s)))
    assert grid == {"A1": "text", "B1": "6", "C1": "0.5", "D1": "true", "E1": "false", "F1": "2024-05-01",
                    "G1": "1e+307", "H1": "-0.25", "A2": "text", "B2": "2024-05-01", "C2": "2024-05-01 12:00:00",
                    "D2": "100", "E2": "7"}


def test_excel_date_serials_follow_the_1900_and_1904_systems():
    assert xlsx._serial_to_text(1, False) == "1900-01-01"
    assert xlsx._serial_to_text(59, False) == "1900-02-28"
    assert xlsx._serial_to_text(60, False) is None  # 1900-02-29 never existed (Excel's Lotus bug)
    assert xlsx._serial_to_text(61, False) == "1900-03-01"
    assert xlsx._serial_to_text(45413, False) == "2024-05-01"
    assert xlsx._serial_to_text(0, True) == "1904-01-01"
    assert xlsx._serial_to_text(-1, False) is None and xlsx._serial_to_text(3e6, False) is None


@pytest.mark.parametrize("code,is_date", [("yyyy-mm-dd", True), ("d/m/yy h:mm", True), ('0.00" days"', False),
                                          ("[Red]0.00", False), ("[h]:mm", True), ("#,##0", False),
                                          ("General", False), ("0.00E+00", False), ('"Date: "@', False)])
def test_custom_number_formats_are_dates_when_they_show_date_parts(code, is_date):
    assert xlsx._is_date_format(200, code) is is_date


def test_rich_and_phonetic_text_and_whitespace_between_elements():
    shared = (f'<sst xmlns="{mc._MAIN}"><si><r><t>ab</t></r>\n  <r><rPr><b/></rPr><t xml:space="preserve">c </t></r>'
              '<rPh sb="0" eb="1"><t>PHONETIC</t></rPh></si>\n<si><t>plain</t></si></sst>')
    rows = ('<row r="1">\n  <c r="A1" t="s">\n    <v>0</v>\n  </c>\n  <c r="B1" t="s"><v>1</v></c>'
            '<c r="C1" t="inlineStr"><is><r><t>in</t></r>\n<r><t>line</t></r><rPh><t>X</t></rPh></is></c></row>')
    grid = _grid(_cells(_book(rows, shared_xml=shared)))
    assert grid == {"A1": "abc ", "B1": "plain", "C1": "inline"}


def test_a_prefixed_namespace_is_read_like_the_default_one():
    ns = mc._MAIN
    sheet = (f'<x:worksheet xmlns:x="{ns}"><x:sheetData><x:row r="1"><x:c r="A1"><x:v>4</x:v></x:c></x:row>'
             '</x:sheetData></x:worksheet>')
    assert _grid(_cells(mc.raw_xlsx([("cases", sheet)]))) == {"A1": "4"}


def test_elements_of_other_namespaces_are_not_cells():
    sheet = (f'<worksheet xmlns="{mc._MAIN}" xmlns:o="urn:other"><sheetData><row r="1"><c r="A1"><v>4</v></c>'
             '<o:c r="B1"><o:v>9</o:v></o:c></row></sheetData></worksheet>')
    assert _grid(_cells(mc.raw_xlsx([("cases", sheet)]))) == {"A1": "4"}


def test_what_cannot_be_one_value_is_reported_with_its_place():
    rows = ('<row r="1"><c r="A1"><f>1+1</f></c><c r="B1" t="e"><v>#N/A</v></c><c r="C1" t="s"><v>5</v></c>'
            '<c r="D1" t="b"><v>2</v></c><c r="E1"><v>1_0</v></c><c r="F7"><v>1</v></c></row>'
            '<row r="2"><c r="A2"><v>1</v></c><c r="A2"><v>2</v></c></row>'
            '<row r="3"><c r="A3"><v>1</v></c></row><row r="3"><c r="B3"><v>2</v></c></row>')
    cells = _cells(_book(rows))
    found = {(p.row, p.col): p.message for p in cells.problems}
    assert "formula (=1+1) without a saved value" in found[(1, 0)]
    assert "spreadsheet error #N/A" in found[(1, 1)]
    assert "shared string number 5" in found[(1, 2)]
    assert "marked true/false" in found[(1, 3)]
    assert "not a finite number" in found[(1, 4)]
    assert "F7 is stored inside row 1" in found[(1, 5)]
    assert "A2 is stored twice" in found[(2, 0)]
    assert "row 3 is stored twice" in found[(3, None)]
    assert _grid(cells).get("F1") is None and _grid(cells).get("F7") is None  # never placed by guess


def test_merged_ranges_and_formulas_with_saved_values_are_returned():
    s = mc._Strings()
    rows = mc.row_xml(1, ["a", mc.Formula("1+1", cached="2")], s) + mc.row_xml(2, ["b"], s)
    cells = _cells(mc.raw_xlsx([("cases", mc.sheet_xml(rows, merges=["A1:A2", "C5"]))], s))
    assert cells.merges == [(1, 0, 2, 0), (5, 2, 5, 2)]
    assert cells.formulas == 1 and cells.first_formula == (1, 1) and _grid(cells)["B1"] == "2"


def test_a_far_column_is_read_and_a_column_beyond_xfd_is_refused():
    assert _grid(_cells(_book('<row r="1"><c r="XFD1"><v>1</v></c></row>'))) == {"XFD1": "1"}
    with pytest.raises(xlsx.XlsxError, match="beyond Excel's last column XFD"):
        _cells(_book('<row r="1"><c r="XFE1"><v>1</v></c></row>'))
    with pytest.raises(xlsx.XlsxError, match="invalid reference"):
        _cells(_book('<row r="1"><c r="A1B"><v>1</v></c></row>'))
    with pytest.raises(xlsx.XlsxError, match="numbered 1,048,577"):
        _cells(_book('<row r="1048577"><c r="A1048577"><v>1</v></c></row>'))


def test_sheet_states_and_order_are_listed():
    s = mc._Strings()
    data = mc.raw_xlsx([("one", mc.sheet_xml(""), "visible"), ("two", mc.sheet_xml(""), "hidden"),
                        ("three", mc.sheet_xml(""), "veryHidden")], s)
    wb = xlsx.Workbook(data)
    assert [(x.name, x.state) for x in wb.sheets] == [("one", "visible"), ("two", "hidden"), ("three", "veryHidden")]


def test_a_cell_inside_a_cells_text_is_refused():
    with pytest.raises(xlsx.XlsxError, match="a cell inside a cell's text"):
        _cells(_book('<row r="1"><c r="A1" t="inlineStr"><is><c r="B1"><v>1</v></c><t>a</t></is></c></row>'))


def test_a_dtd_is_refused():
    sheet = mc.sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>&a;</t></is></c></row>')
    bomb = sheet.replace("<worksheet", '<!DOCTYPE w [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><worksheet', 1)
    with pytest.raises(xlsx.XlsxError, match="declares a DTD"):
        _cells(mc.raw_xlsx([("cases", bomb)]))


def test_damaged_parts_are_errors_not_exceptions():
    good = _book('<row r="1"><c r="A1"><v>1</v></c></row>')
    src = zipfile.ZipFile(io.BytesIO(good))
    members = {i.filename: src.read(i.filename) for i in src.infolist()}
    members["xl/worksheets/sheet1.xml"] = b"<worksheet><sheetData><row"
    with pytest.raises(xlsx.XlsxError, match="not well-formed XML"):
        _cells(mc._zip(members))
    del members["xl/_rels/workbook.xml.rels"]
    with pytest.raises(xlsx.XlsxError, match="damaged"):
        xlsx.Workbook(mc._zip(members))
    with pytest.raises(xlsx.XlsxError, match="zip structure"):
        xlsx.Workbook(b"PK\x03\x04 not really")


def test_limits_stop_reading_where_they_are_passed():
    rows = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c><c r="B{i}"><v>{i}</v></c></row>' for i in range(1, 101))
    data = _book(rows)
    with pytest.raises(xlsx.XlsxLimitError, match="more than 50 cells"):
        _cells(data, xlsx.Limits(max_cells=50))
    with pytest.raises(xlsx.XlsxLimitError, match="more than 10 rows"):
        _cells(data, xlsx.Limits(max_rows=10))
    with pytest.raises(xlsx.XlsxLimitError, match="expands to more than"):
        _cells(data, xlsx.Limits(max_part_bytes=1000))
    long = _book('<row r="1"><c r="A1" t="inlineStr"><is><t>' + "x" * 5000 + "</t></is></c></row>")
    with pytest.raises(xlsx.XlsxLimitError, match="more than 1,000 characters"):
        _cells(long, xlsx.Limits(max_cell_chars=1000))


def test_the_shared_strings_bomb_stops_after_the_limit(tmp_path):
    """7.5 million entries in 1.7 MB: reading stops at the limit, long before the end of the part."""
    path = mc.big_shared_strings_bomb(tmp_path)
    assert path.stat().st_size < 2_000_000
    part = zipfile.ZipFile(path).getinfo("xl/sharedStrings.xml").file_size
    wb = xlsx.Workbook(path.read_bytes(), xlsx.Limits(max_shared_strings=100_000))
    with pytest.raises(xlsx.XlsxLimitError, match="more than 100,000 shared strings") as err:
        wb.read_sheet(wb.sheets[0])
    assert err.value.part == "xl/sharedStrings.xml"
    # stopped after about 100,000 of the 7.5 million 17-byte entries (one 64 kB chunk more at most)
    assert err.value.bytes_read < 100_001 * 17 + 70_000 < part / 50
    declared = mc.big_shared_strings_bomb(tmp_path, declare=True)
    wb = xlsx.Workbook(declared.read_bytes())
    with pytest.raises(xlsx.XlsxLimitError, match="declares 7,500,000 shared strings") as err:
        wb.shared_strings()
    assert err.value.bytes_read <= 65536  # refused on the first chunk
