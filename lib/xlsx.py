"""A strict, streaming reader of ``.xlsx`` workbooks (standard library; numpy and pyarrow for speed).

It reads what the file holds, never what the file claims:

* cells are placed by their own ``r`` reference (``B7``); the sheet's
  ``<dimension>`` and the order of ``<row>`` elements are ignored;
* a row or cell stored twice, a cell stored under another row, a formula
  without a saved value, an error value (``#DIV/0!``) and a reference to a
  shared string that does not exist are reported as :class:`CellProblem`,
  never dropped;
* merged ranges are returned, so the caller can refuse data that Excel shows
  in one cell but stores in one cell only;
* every column Excel allows (up to ``XFD``) is read: a value far to the right
  is returned like any other;
* each sheet's state (visible, hidden, very hidden) is returned.

Every part is parsed with :mod:`pyexpat` while it is decompressed, in
chunks, and the limits of :class:`Limits` (decompressed bytes, shared
strings, cells, rows, characters in one cell) are checked as the bytes and
elements arrive: reading stops at the first limit passed
(:class:`XlsxLimitError`), so a small zip that expands to millions of
strings is refused after reading at most the allowed amount. A part that
declares a DTD is refused (no entity can be defined, so none can expand).

Nothing is evaluated: formulas are reported with their saved value, macros
and external links are never opened.
"""

from __future__ import annotations

import datetime
import io
import math
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field

import numpy as np
import pyexpat

MAIN_NS = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
           "http://purl.oclc.org/ooxml/spreadsheetml/main")  # transitional, strict
REL_NS = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
          "http://purl.oclc.org/ooxml/officeDocument/relationships")
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
MAX_EXCEL_ROW = 1_048_576
MAX_EXCEL_COLUMN = 16_384  # column XFD
CHUNK = 1 << 16

# The grammar of a number stored in <v> (xsd:double as Excel writes it; ASCII only).
_XML_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_PLAIN_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]*[1-9])?\Z")
_CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})\Z")
_RANGE_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})(?::([A-Z]{1,3})([0-9]{1,7}))?\Z")
_ISO_DATE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:T00:00(?::00(?:\.0+)?)?Z?)?\Z")
# Number formats Excel knows by id that show a date or time (ECMA-376 part 1, 18.8.30; 27-36 and 50-58 are
# the East Asian date formats).
_BUILTIN_DATE_FORMATS = frozenset(range(14, 23)) | frozenset(range(27, 37)) | frozenset(range(45, 48)) \
    | frozenset(range(50, 59))
_FORMAT_LITERALS = re.compile(r'"[^"]*"|\\.|_.|\*.|\[(?!h\]|hh\]|m\]|mm\]|s\]|ss\])[^\]]*\]', re.IGNORECASE)


@dataclass(frozen=True)
class Limits:
    """What one workbook may hold; each is checked while the part is read.

    Attributes
    ----------
    max_members : int
        Parts in the zip archive.
    max_part_bytes : int
        Decompressed bytes of one part.
    max_total_bytes : int
        Decompressed bytes of all parts read, together.
    max_shared_strings : int
        Entries of the shared-strings table.
    max_cells : int
        ``<c>`` elements of one sheet, empty ones included.
    max_rows : int
        Rows of one sheet that hold at least one cell.
    max_cell_chars : int
        Characters of one cell or one shared string.
    """

    max_members: int = 1_000
    max_part_bytes: int = 250 * 1024 * 1024
    max_total_bytes: int = 250 * 1024 * 1024
    max_shared_strings: int = 1_000_000
    max_cells: int = 5_000_000
    max_rows: int = 1_048_576
    max_cell_chars: int = 1_000_000


class XlsxError(Exception):
    """The workbook cannot be read (damaged, or not a workbook). ``message`` is for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class XlsxLimitError(XlsxError):
    """A limit of :class:`Limits` was passed; reading stopped there.

    ``bytes_read`` is how many decompressed bytes of the part had been read
    when reading stopped.
    """

    def __init__(self, message: str, part: str = "", bytes_read: int = 0):
        super().__init__(message)
        self.part, self.bytes_read = part, bytes_read


@dataclass(frozen=True)
class SheetInfo:
    """A sheet as the workbook lists it (in tab order)."""

    name: str
    state: str  # "visible", "hidden" or "veryHidden"
    part: str   # path of its XML part inside the zip


@dataclass(frozen=True)
class CellProblem:
    """A cell (or row) that cannot be read as a value. ``row`` is 1-based, ``col`` 0-based."""

    row: int
    col: int | None
    message: str


@dataclass
class SheetCells:
    """The non-empty cells of one sheet, sorted by row then column.

    Attributes
    ----------
    name : str
    row : ndarray of int64
        Sheet row number (1-based) of each cell.
    col : ndarray of int64
        Column index (0 = ``A``) of each cell.
    value : ndarray of object
        The cell as text: shared and inline strings as stored, numbers in
        Python's shortest form (``6``, ``0.5``, ``1e+307``), booleans
        ``true``/``false``, dates in date-formatted cells as ``YYYY-MM-DD``
        (``YYYY-MM-DD HH:MM:SS`` when a time is stored). Cells with a
        :class:`CellProblem` are left out.
    problems : list of CellProblem
        At most ``MAX_PROBLEMS``; ``problems_dropped`` counts the rest.
    merges : list of tuple
        Merged ranges as ``(first_row, first_col, last_row, last_col)``.
    formulas : int
        Cells holding a formula with a saved value (the value is used).
    first_formula : tuple or None
        ``(row, col)`` of the first such cell.
    """

    name: str
    row: np.ndarray
    col: np.ndarray
    value: np.ndarray
    problems: list[CellProblem] = field(default_factory=list)
    problems_dropped: int = 0
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    formulas: int = 0
    first_formula: tuple[int, int] | None = None


MAX_PROBLEMS = 1_000
MAX_MERGES = 10_000


def column_letter(col: int) -> str:
    """Spreadsheet letters of a 0-based column index (0 -> ``A``, 27 -> ``AB``)."""
    n, out = col + 1, ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


_LETTERS: dict[str, int] = {}


def column_index(letters: str) -> int:
    """0-based index of spreadsheet column letters (``A`` -> 0); cached."""
    idx = _LETTERS.get(letters)
    if idx is None:
        idx = 0
        for ch in letters:
            idx = idx * 26 + ord(ch) - 64
        idx -= 1
        if len(_LETTERS) < 20_000 and 0 <= idx < MAX_EXCEL_COLUMN:
            _LETTERS[letters] = idx
    return idx


def _tags(*local: str, ns=MAIN_NS) -> dict[str, str]:
    return {f"{n} {name}": name for n in ns for name in local}


def _refuse_dtd(*_args) -> None:
    raise XlsxError("a part of the workbook declares a DTD (Excel never writes one); not read")


class _Budget:
    """Decompressed bytes read so far, against the limits."""

    def __init__(self, limits: Limits):
        self.limits, self.total = limits, 0


def _parse_part(zf: zipfile.ZipFile, part: str, budget: _Budget, setup, on_chunk=None) -> None:
    """Stream one part through expat, counting decompressed bytes against the limits.

    ``setup(parser)`` installs the handlers; ``on_chunk()`` runs after each
    chunk (for checks on what the handlers collected).
    """
    limits = budget.limits
    parser = pyexpat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    setup(parser)
    read = 0
    try:
        with zf.open(part) as f:
            while True:
                chunk = f.read(CHUNK)
                if not chunk:
                    break
                read += len(chunk)
                budget.total += len(chunk)
                if read > limits.max_part_bytes:
                    raise XlsxLimitError(f"the part {part} expands to more than {_mb(limits.max_part_bytes)} "
                                         "(possibly a zip bomb); reading stopped", part, read)
                if budget.total > limits.max_total_bytes:
                    raise XlsxLimitError(f"the workbook expands to more than {_mb(limits.max_total_bytes)} "
                                         "(possibly a zip bomb); reading stopped", part, read)
                parser.Parse(chunk, False)
                if on_chunk is not None:
                    on_chunk()
            parser.Parse(b"", True)
    except XlsxLimitError as exc:
        exc.part, exc.bytes_read = exc.part or part, exc.bytes_read or read
        raise
    except XlsxError:
        raise
    except pyexpat.ExpatError as exc:
        raise XlsxError(f"the part {part} is not well-formed XML ({pyexpat.ErrorString(exc.code)}, "
                        f"line {exc.lineno}); the file is damaged") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError) as exc:
        raise XlsxError(f"the part {part} cannot be decompressed ({exc.__class__.__name__}); "
                        "the file is damaged") from None


def _handlers(start=None, end=None):
    def setup(parser):
        if start is not None:
            parser.StartElementHandler = start
        if end is not None:
            parser.EndElementHandler = end
    return setup


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:,.0f} MB"


# ---------------------------------------------------------------------------
# The workbook
# ---------------------------------------------------------------------------

class Workbook:
    """An opened workbook: its sheets (with their states) and the means to read each.

    Parameters
    ----------
    data : bytes
        The ``.xlsx`` file.
    limits : Limits, optional

    Raises
    ------
    XlsxError
        When the file is not a readable workbook (message for the user).
    """

    def __init__(self, data: bytes, limits: Limits | None = None):
        self.limits = limits or Limits()
        self._budget = _Budget(self.limits)
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            raise XlsxError("the .xlsx file is damaged (its zip structure cannot be read); save it again "
                            "from Excel") from None
        if len(infos) > self.limits.max_members:
            raise XlsxLimitError(f"the .xlsx archive holds {len(infos):,} parts (at most "
                                 f"{self.limits.max_members:,}); not opened")
        self._names = {i.filename for i in infos}
        if "xl/workbook.xml" not in self._names:
            raise XlsxError("the file is a zip archive but not an Excel workbook (no xl/workbook.xml)")
        self.date1904 = False
        sheets, rels = self._read_workbook()
        self.sheets: list[SheetInfo] = []
        for name, state, rid in sheets:
            target = rels.get(rid)
            if target is None or target not in self._names:
                raise XlsxError(f"the sheet '{name[:30]}' has no XML part in the file; the file is damaged")
            self.sheets.append(SheetInfo(name, state, target))
        self._shared_part = next((t for t, kind in self._rel_types.items() if kind == "sharedStrings"),
                                 "xl/sharedStrings.xml" if "xl/sharedStrings.xml" in self._names else None)
        self._styles_part = next((t for t, kind in self._rel_types.items() if kind == "styles"),
                                 "xl/styles.xml" if "xl/styles.xml" in self._names else None)
        self._shared: list[str] | None = None
        self._date_styles: frozenset[int] | None = None

    # -- workbook.xml and its relationships --------------------------------

    def _read_workbook(self) -> tuple[list[tuple[str, str, str]], dict[str, str]]:
        sheets: list[tuple[str, str, str]] = []
        tags = _tags("sheet", "workbookPr")
        rid_names = tuple(f"{ns} id" for ns in REL_NS)

        def start(name, attrs):
            tag = tags.get(name)
            if tag == "sheet":
                if len(sheets) >= 10_000:
                    raise XlsxLimitError("the workbook lists more than 10,000 sheets; not opened")
                rid = next((attrs[k] for k in rid_names if k in attrs), "")
                sheets.append((attrs.get("name", ""), attrs.get("state", "visible"), rid))
            elif tag == "workbookPr":
                self.date1904 = attrs.get("date1904", "0").lower() in ("1", "true")

        _parse_part(self._zip, "xl/workbook.xml", self._budget, _handlers(start))
        rels: dict[str, str] = {}
        self._rel_types: dict[str, str] = {}
        rel_part = "xl/_rels/workbook.xml.rels"
        if rel_part in self._names:
            rel_tag = f"{PKG_REL_NS} Relationship"

            def rel_start(name, attrs):
                if name != rel_tag:
                    return
                if len(rels) >= 20_000:
                    raise XlsxLimitError("the workbook lists more than 20,000 relationships; not opened")
                if attrs.get("TargetMode") == "External":
                    return  # never followed
                target = attrs.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
                rels[attrs.get("Id", "")] = path
                self._rel_types[path] = attrs.get("Type", "").rsplit("/", 1)[-1]

            _parse_part(self._zip, rel_part, self._budget, _handlers(rel_start))
        elif sheets:
            raise XlsxError("the workbook has no xl/_rels/workbook.xml.rels part; the file is damaged")
        if not sheets:
            raise XlsxError("the workbook lists no sheet")
        return sheets, rels

    # -- shared strings and styles ------------------------------------------

    def shared_strings(self) -> list[str]:
        """The shared-strings table, read once (stops at ``max_shared_strings``)."""
        if self._shared is None:
            self._shared = []
            if self._shared_part is not None and self._shared_part in self._names:
                self._shared = _read_shared_strings(self._zip, self._shared_part, self._budget)
        return self._shared

    def date_styles(self) -> frozenset[int]:
        """Indices of the cell formats (``s`` attribute) that show a date or time."""
        if self._date_styles is not None:
            return self._date_styles
        if self._styles_part is None or self._styles_part not in self._names:
            self._date_styles = frozenset()
            return self._date_styles
        tags = _tags("numFmt", "cellXfs", "xf")
        custom: dict[int, str] = {}
        xfs: list[int] = []
        state = [False]

        def start(name, attrs):
            tag = tags.get(name)
            if tag == "numFmt":
                fid = attrs.get("numFmtId", "")
                if fid.isdigit() and len(custom) < 100_000:
                    custom[int(fid)] = attrs.get("formatCode", "")
            elif tag == "cellXfs":
                state[0] = True
            elif tag == "xf" and state[0]:
                if len(xfs) >= 100_000:
                    raise XlsxLimitError("the workbook defines more than 100,000 cell formats; not read")
                fid = attrs.get("numFmtId", "0")
                xfs.append(int(fid) if fid.isdigit() and len(fid) < 9 else 0)

        def end(name):
            if tags.get(name) == "cellXfs":
                state[0] = False

        _parse_part(self._zip, self._styles_part, self._budget, _handlers(start, end))
        self._date_styles = frozenset(i for i, fid in enumerate(xfs) if _is_date_format(fid, custom.get(fid)))
        return self._date_styles

    # -- one sheet --------------------------------------------------------------

    def read_sheet(self, sheet: SheetInfo) -> SheetCells:
        """Read every cell of ``sheet`` (see the module notes for what is reported).

        Raises
        ------
        XlsxLimitError
            When a limit is passed (reading stops there).
        XlsxError
            When the sheet's XML is damaged.
        """
        return _read_sheet(self, sheet)

    def close(self) -> None:
        self._zip.close()


def _is_date_format(fid: int, code: str | None) -> bool:
    if code is None:
        return fid in _BUILTIN_DATE_FORMATS
    text = _FORMAT_LITERALS.sub("", code.split(";")[0])
    return bool(re.search(r"[dmyhs]", text, re.IGNORECASE)) and "general" not in text.lower()


def _serial_to_text(serial: float, date1904: bool) -> str | None:
    """An Excel date serial as ``YYYY-MM-DD`` (or with ``HH:MM:SS``); None when out of range."""
    if not math.isfinite(serial) or serial < 0 or serial > 2_958_465.99999:
        return None
    days = math.floor(serial)
    if date1904:
        base = datetime.datetime(1904, 1, 1)
    elif days >= 61:
        base = datetime.datetime(1899, 12, 30)
    elif days == 60:
        return None  # 1900-02-29, a day that never was (Excel's Lotus leap-year bug)
    else:
        base = datetime.datetime(1899, 12, 31)
    seconds = round((serial - days) * 86400)
    moment = base + datetime.timedelta(days=days, seconds=seconds)
    if moment.year < 1 or moment.year > 9999:
        return None
    return moment.date().isoformat() if seconds == 0 else moment.isoformat(sep=" ")


def _number_text(v: str) -> str | None:
    """A <v> number in the shortest text that reads back the same (``1.0E+2`` -> ``100``), or None."""
    if not _XML_NUMBER.match(v):
        return None
    x = float(v)
    if not math.isfinite(x):
        return None
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


def _read_shared_strings(zf: zipfile.ZipFile, part: str, budget: _Budget) -> list[str]:
    """Read the shared-strings table; stop as soon as it holds more than ``max_shared_strings``.

    A plain entry (``<si><t>text</t></si>``) costs two Python calls: the text
    goes straight into a list by ``list.append`` installed as the character
    handler. End tags are followed only inside rich-text entries.
    """
    limits = budget.limits
    limit, max_chars = limits.max_shared_strings, limits.max_cell_chars
    strings: list[str] = []
    append = strings.append
    tags = _tags("sst", "si", "t", "r", "rPh")
    get = tags.get
    sink: list[str] = []
    sink_append = sink.append
    pieces: list[str] | None = None
    phonetic = False
    parser = None

    def finish() -> None:
        text = "".join(pieces)
        if len(text) > max_chars:
            raise XlsxLimitError(f"a shared string holds more than {max_chars:,} characters; reading stopped")
        strings.append(text)
        if len(strings) > limit:
            raise XlsxLimitError(f"the workbook holds more than {limit:,} shared strings (at most {limit:,}); "
                                 "reading stopped")

    def start(name, attrs):
        nonlocal pieces, phonetic
        tag = get(name)
        if tag == "t":
            if pieces is not None and not phonetic:
                parser.CharacterDataHandler = pieces.append
            else:
                parser.CharacterDataHandler = sink_append
        elif tag == "si":
            if pieces is not None:
                if len(pieces) == 1 and len(strings) < limit and len(pieces[0]) <= max_chars:
                    append(pieces[0])  # the common case, without a call
                else:
                    finish()
            pieces, phonetic = [], False
            parser.CharacterDataHandler = sink_append
            parser.EndElementHandler = None
        elif tag == "r":
            parser.EndElementHandler = end  # rich text: follow its end tags exactly
            parser.CharacterDataHandler = sink_append
        elif tag == "rPh":
            phonetic = True
            parser.CharacterDataHandler = sink_append
        elif tag == "sst":
            declared = attrs.get("uniqueCount", "")
            if declared.isdigit() and len(declared) < 12 and int(declared) > limit:
                raise XlsxLimitError(f"the workbook declares {int(declared):,} shared strings (at most {limit:,}); "
                                     "not read")
        else:
            parser.CharacterDataHandler = sink_append

    def end(name):
        nonlocal pieces
        tag = get(name)
        if tag == "t":
            parser.CharacterDataHandler = sink_append
        elif tag == "si":
            finish()
            pieces = None
            parser.EndElementHandler = None

    def setup(p):
        nonlocal parser
        parser = p
        p.StartElementHandler = start
        p.CharacterDataHandler = sink_append

    def on_chunk():
        if len(sink) > 64:
            sink.clear()
        if pieces and sum(map(len, pieces)) > max_chars:
            raise XlsxLimitError(f"a shared string holds more than {max_chars:,} characters; reading stopped")

    _parse_part(zf, part, budget, setup, on_chunk)
    if pieces is not None:
        finish()
    return strings


def _read_sheet(wb: Workbook, sheet: SheetInfo) -> SheetCells:
    """Read one sheet's cells (see :meth:`Workbook.read_sheet`): the column-wise reader for a sheet written
    in the common plain form, else (and whenever it has the least doubt) the cell-by-cell reader."""
    wb.date_styles()  # read before the sheet, as the cell-by-cell reader does (same order of the byte budget)
    if FAST_SHEETS:
        spent, cells = wb._budget.total, None
        try:
            cells = _read_sheet_plain(wb, sheet)
        except Exception:  # noqa: BLE001 - not the plain form (or damaged): the cell-by-cell reader decides
            wb._budget.total = spent
        if cells is not None:
            # outside the try: what the shared strings raise is raised as the cell-by-cell reader raises it
            return _collect(wb, sheet, *cells)
    return _read_sheet_cells(wb, sheet)


def _read_sheet_cells(wb: Workbook, sheet: SheetInfo) -> SheetCells:
    """Read one sheet's cells with expat, cell by cell (every form the format allows).

    A plain cell (``<c r="B2" t="s"><v>3</v></c>``) costs two Python calls:
    the start of ``<c>`` and of ``<v>``; the text goes into a list through
    ``list.append`` installed as the character handler, and the cell is
    finished when the next cell, row or sheet-level element starts. End tags
    are followed only inside inline strings.
    """
    limits = wb.limits
    date_styles = {str(i) for i in wb.date_styles()}  # compared with the s attribute as written
    date1904 = wb.date1904
    sname = sheet.name[:30]
    tags = _tags("row", "c", "v", "f", "is", "t", "r", "rPh", "mergeCell")
    get = tags.get
    letters_get = _LETTERS.get
    width = MAX_EXCEL_COLUMN
    keys: list[int] = []        # row * width + col of each value cell
    vals: list[str] = []
    skeys: list[int] = []       # the same for cells holding a shared-string index
    sidx: list[int] = []
    keys_append, vals_append, skeys_append, sidx_append = keys.append, vals.append, skeys.append, sidx.append
    problems: list[CellProblem] = []
    merges: list[tuple[int, int, int, int]] = []
    seen_rows: set[int] = set()
    rows_with_values: set[int] = set()
    sink: list[str] = []
    sink_append = sink.append
    max_chars, max_cells, max_rows = limits.max_cell_chars, limits.max_cells, limits.max_rows
    n_cells = n_dropped = n_formulas = merges_dropped = 0
    first_formula: tuple[int, int] | None = None
    # the open cell
    row, col, last_value_row, row_text = 0, -1, 0, "0"
    is_open = ref_ok = False
    in_is = phonetic = False
    ctype = cstyle = None
    vbuf: list[str] | None = None
    fbuf: list[str] | None = None
    isbuf: list[list[str]] | None = None
    parser = None

    def problem(r: int, c: int | None, message: str) -> None:
        nonlocal n_dropped
        if len(problems) < MAX_PROBLEMS:
            problems.append(CellProblem(r, c, message))
        else:
            n_dropped += 1

    def new_row_with_values() -> None:
        nonlocal last_value_row
        last_value_row = row
        if row not in rows_with_values:
            rows_with_values.add(row)
            if len(rows_with_values) > max_rows:
                raise XlsxLimitError(f"the sheet '{sname}' has more than {max_rows:,} rows with values; "
                                     "reading stopped")

    def finish() -> None:
        """Turn the open cell into a value or a problem."""
        nonlocal is_open, n_formulas, first_formula
        is_open = False
        if not ref_ok:
            return
        if vbuf is None:
            v = None
        else:
            v = vbuf[0] if len(vbuf) == 1 else "".join(vbuf)
        t = ctype
        if fbuf is not None:
            if not v or not v.strip():
                formula = "".join(fbuf).strip()[:60]
                shown = f" (={formula})" if formula else " (a shared formula)"
                problem(row, col, f"the cell holds a formula{shown} without a saved value (the file was not "
                                  "calculated by a spreadsheet program): type the value, or open and save the "
                                  "file in Excel")
                return
            n_formulas += 1
            if first_formula is None:
                first_formula = (row, col)
        if t == "s":
            if not v:
                return
            if not v.isdigit():
                v = v.strip()
                if not v:
                    return
                if not v.isdigit() or not v.isascii():
                    problem(row, col, f"the cell refers to the shared string '{v[:20]}', which is not a valid index")
                    return
            if row != last_value_row:
                new_row_with_values()
            skeys_append(row * width + col)
            sidx_append(int(v) if len(v) < 10 else 1 << 40)
            return
        if t is None or t == "n":
            if not v:
                return
            if cstyle is not None and cstyle in date_styles:
                v = v.strip()
                value = _serial_to_text(float(v), date1904) if _XML_NUMBER.match(v) else None
                if value is None:
                    problem(row, col, f"the date cell holds '{v[:20]}', which is no date Excel can show")
                    return
            elif _PLAIN_NUMBER.match(v):
                value = v  # already the shortest form (6, -0.25, 34.5)
            else:
                value = _number_text(v.strip())
                if value is None:
                    if not v.strip():
                        return
                    problem(row, col, f"the number cell holds '{v.strip()[:20]}', which is not a finite number")
                    return
        elif t == "inlineStr":
            value = "".join("".join(p) for p in isbuf) if isbuf is not None else (v or "")
        elif t == "str":
            value = v or ""
        elif t == "b":
            v = (v or "").strip()
            if not v:
                return
            if v not in ("0", "1"):
                problem(row, col, f"the cell is marked true/false but holds '{v[:20]}'")
                return
            value = "true" if v == "1" else "false"
        elif t == "e":
            problem(row, col, f"the cell holds the spreadsheet error {(v or '?').strip()[:20]}: type the value it "
                              "should hold")
            return
        elif t == "d":
            v = (v or "").strip()
            if not v:
                return
            m = _ISO_DATE.match(v)
            value = m.group(1) if m else v.replace("T", " ")
        else:
            problem(row, col, f"the cell has the unknown type '{t[:10]}'")
            return
        if value == "":
            return
        if row != last_value_row:
            new_row_with_values()
        keys_append(row * width + col)
        vals_append(value)

    def cell_ref(ref: str) -> None:
        """Place the cell by its reference (slow path: letters not seen yet, or a reference to another row)."""
        nonlocal col, ref_ok
        m = _CELL_REF.match(ref)
        if m is None:
            raise XlsxError(f"the sheet '{sname}' has a cell with the invalid reference '{ref[:20]}'; "
                            "the file is damaged")
        col = column_index(m.group(1))
        ref_ok = int(m.group(2)) == row
        if not ref_ok:
            problem(row, col, f"the cell {ref} is stored inside row {row} (a damaged or hand-made file): "
                              "where it belongs is unclear")

    def start(name, attrs):
        nonlocal n_cells, row, col, is_open, ref_ok, ctype, cstyle, vbuf, fbuf, isbuf, in_is, phonetic, row_text
        tag = get(name)
        if tag == "c":
            if in_is:
                raise XlsxError(f"the sheet '{sname}' has a cell inside a cell's text; the file is damaged")
            if is_open:
                finish()
            parser.CharacterDataHandler = sink_append
            n_cells += 1
            if n_cells > max_cells:
                raise XlsxLimitError(f"the sheet '{sname}' holds more than {max_cells:,} cells; reading stopped")
            ref = attrs.get("r")
            if ref is None:
                col += 1
                ref_ok = True
            else:
                c = letters_get(ref[:-len(row_text)]) if ref.endswith(row_text) else None
                if c is None:
                    cell_ref(ref)
                else:
                    col, ref_ok = c, True
            if col >= width:
                raise XlsxError(f"the sheet '{sname}' has a cell beyond Excel's last column XFD; the file is damaged")
            ctype = attrs.get("t")
            cstyle = attrs.get("s")
            vbuf = fbuf = isbuf = None
            is_open = True
        elif tag == "v":
            if is_open and not in_is:
                vbuf = []
                parser.CharacterDataHandler = vbuf.append
            else:
                parser.CharacterDataHandler = sink_append
        elif tag == "f":
            if is_open and not in_is:
                fbuf = []
                parser.CharacterDataHandler = fbuf.append
            else:
                parser.CharacterDataHandler = sink_append
        elif tag == "is":
            if is_open:
                isbuf, in_is, phonetic = [], True, False
                parser.CharacterDataHandler = sink_append
                parser.EndElementHandler = end_in_string
        elif tag == "t":
            if in_is and not phonetic:
                piece: list[str] = []
                isbuf.append(piece)
                parser.CharacterDataHandler = piece.append
            else:
                parser.CharacterDataHandler = sink_append
        elif tag == "rPh":
            phonetic = True
            parser.CharacterDataHandler = sink_append
        elif tag == "r" or in_is:
            parser.CharacterDataHandler = sink_append  # a rich-text run or its properties
        elif tag == "row":
            if is_open:
                finish()
            parser.CharacterDataHandler = sink_append
            ref = attrs.get("r")
            if ref is None:
                row += 1
            elif ref.isdigit() and ref.isascii() and len(ref) <= 7:
                row = int(ref)
            else:
                raise XlsxError(f"the sheet '{sname}' has a row with the invalid number '{ref[:20]}'; "
                                "the file is damaged")
            if not 1 <= row <= MAX_EXCEL_ROW:
                raise XlsxError(f"the sheet '{sname}' has a row numbered {row:,} (Excel's rows are 1 to "
                                f"{MAX_EXCEL_ROW:,}); the file is damaged")
            if row in seen_rows:
                problem(row, None, f"row {row} is stored twice in the sheet (a damaged or hand-made file): "
                                   "which values are meant is unclear")
            seen_rows.add(row)
            row_text = str(row)
            col = -1
        else:
            if is_open:
                finish()  # anything else ends the open cell (extLst inside a cell has no value to read)
            parser.CharacterDataHandler = sink_append
            if tag == "mergeCell":
                _merge(attrs.get("ref", ""))

    def end_in_string(name):
        nonlocal in_is
        tag = get(name)
        if tag == "t":
            parser.CharacterDataHandler = sink_append
        elif tag == "is":
            in_is = False
            parser.EndElementHandler = None

    def _merge(ref: str) -> None:
        nonlocal merges_dropped
        if len(merges) >= MAX_MERGES:
            merges_dropped += 1
            return
        m = _RANGE_REF.match(ref)
        if m is None:
            raise XlsxError(f"the sheet '{sname}' has an invalid merged range; the file is damaged")
        c1, r1 = column_index(m.group(1)), int(m.group(2))
        c2, r2 = (column_index(m.group(3)), int(m.group(4))) if m.group(3) else (c1, r1)
        merges.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))

    def setup(p):
        nonlocal parser
        parser = p
        p.StartElementHandler = start
        p.CharacterDataHandler = sink_append

    def on_chunk():
        if len(sink) > 64:
            sink.clear()
        if is_open:
            held = sum(map(len, vbuf or ())) + sum(map(len, fbuf or ())) + sum(sum(map(len, p)) for p in isbuf or ())
            if held > max_chars:
                raise XlsxLimitError(f"a cell of the sheet '{sname}' holds more than {max_chars:,} characters; "
                                     "reading stopped")

    _parse_part(wb._zip, sheet.part, wb._budget, setup, on_chunk)
    if is_open:
        finish()
    if merges_dropped:
        problem(merges[-1][0], None, f"the sheet has more than {MAX_MERGES:,} merged ranges; unmerge them")
    return _collect(wb, sheet, keys, vals, skeys, sidx, problems, n_dropped, merges, n_formulas, first_formula)


def _collect(wb, sheet, keys, vals, skeys, sidx, problems, n_dropped, merges, n_formulas, first_formula):
    """Resolve shared strings, sort the cells by row and column, report cells stored twice."""
    extra: list[CellProblem] = []
    key_a = np.asarray(keys, dtype=np.int64)
    value = np.empty(len(vals), dtype=object)
    value[:] = vals
    if len(skeys):
        strings = wb.shared_strings()
        skey_a = np.asarray(skeys, dtype=np.int64)
        idx = np.asarray(sidx, dtype=np.int64)
        bad = idx >= len(strings)
        for k in np.flatnonzero(bad)[:50]:
            r, c = divmod(int(skey_a[k]), MAX_EXCEL_COLUMN)
            extra.append(CellProblem(r, c, f"the cell refers to shared string number {idx[k]:,}, but the workbook "
                                           f"holds only {len(strings):,}; the file is damaged"))
        skey_a, idx = skey_a[~bad], idx[~bad]
        table = np.empty(len(strings), dtype=object)
        table[:] = strings
        svalue = table[idx]
        nonempty = svalue != ""
        key_a = np.concatenate([key_a, skey_a[nonempty]])
        value = np.concatenate([value, svalue[nonempty]])
    order = np.argsort(key_a, kind="stable")
    key_a, value = key_a[order], value[order]
    row_a, col_a = np.divmod(key_a, MAX_EXCEL_COLUMN)
    if len(key_a) > 1:
        same = np.flatnonzero(key_a[1:] == key_a[:-1])
        twice = {p.row for p in problems if p.col is None}
        for k in same[:200]:
            r, c = int(row_a[k + 1]), int(col_a[k + 1])
            if r not in twice:
                extra.append(CellProblem(r, c, f"the cell {column_letter(c)}{r} is stored twice in the sheet (a "
                                               "damaged or hand-made file): which value is meant is unclear"))
    room = max(MAX_PROBLEMS - len(problems), 0)
    problems = problems + extra[:room]
    return SheetCells(
        name=sheet.name, row=row_a, col=col_a, value=value, problems=problems,
        problems_dropped=n_dropped + max(len(extra) - room, 0), merges=merges, formulas=n_formulas,
        first_formula=first_formula,
    )


# ---------------------------------------------------------------------------
# The column-wise reader of a sheet in the plain form
# ---------------------------------------------------------------------------
#
# Excel, LibreOffice, openpyxl and XlsxWriter write a sheet's cells in one plain form:
# ``<row r="2" ...><c r="A2" s="1" t="s"><v>0</v></c>...</row>``. Reading such a sheet cell by cell costs
# two Python calls per cell (seconds at 50,000 rows); this reader checks that the whole <sheetData> is in
# that form with one RE2 match per batch of rows and then reads every cell with pyarrow compute kernels.
# It reads exactly what the cell-by-cell reader reads, and it gives up (that reader then reads the sheet,
# from the start) at the least doubt: any other form of cell or row (formulas, inline strings, errors,
# comments, entities in values, prefixed or redeclared namespaces), any cell or row the other reader would
# report as a problem, any limit passed, any part of the XML it cannot prove well-formed.

FAST_SHEETS = True  # False: every sheet is read cell by cell (the reference in the tests)
_BATCH = 1 << 22  # bytes of <sheetData> read into one batch (the batch ends at a </row>)
_AROUND = 1 << 22  # at most this many bytes before <sheetData> and after </sheetData>
_WS = r"[ \t\r\n]"
_ATTR_RE2 = _WS + r'+[A-Za-z_][A-Za-z0-9_.\-]*(?::[A-Za-z_][A-Za-z0-9_.\-]*)?="[^"<&>]*"'
_PLAIN_CELL_RE2 = (r'<c r="[A-Z]{1,3}[0-9]{1,7}"(?: s="[0-9]{1,9}")?(?: t="(?:s|n|b|str)")?' + _WS
                   + r'*(?:/>|>(?:<v>[^<&\r]*</v>)?</c>)')
_PLAIN_ROWS_RE2 = (r"^(?:" + _WS + r"*<row(?:" + _ATTR_RE2 + r")*" + _WS + r"*(?:/>|>(?:" + _WS + r"*"
                   + _PLAIN_CELL_RE2 + r")*" + _WS + r"*</row>))*" + _WS + r"*$")
_NOT_XML_CHAR_RE2 = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{fffe}\x{ffff}]"
_ROW_PIECE_RE2 = r'(?s)^(?P<attrs>[^>]*?)' + _WS + r'*(?P<end>/?)>(?P<cells>.*)$'
_ROW_NUMBER_RE2 = r'(?:^|' + _WS + r')r="(?P<r>[0-9]{1,7})"'
_CELL_PIECE_RE2 = (r'^r="(?P<l>[A-Z]{1,3})(?P<d>[0-9]{1,7})"(?: s="(?P<s>[0-9]{1,9})")?(?: t="(?P<t>s|n|b|str)")?'
                   + _WS + r'*(?:/>|>(?:<v>(?P<v>[^<]*)</v>)?</c>)')
_PLAIN_NUMBER_RE2 = r"^-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]*[1-9])?$"
_WHOLE_POINT_RE2 = r"^(?:0|-?[1-9][0-9]{0,14})\.0*$"
_TYPE_CODES = {"": 0, "n": 1, "s": 2, "b": 3, "str": 4}
_XML_DECL = re.compile(r"""\ufeff?<\?xml\s+version=(["'])1\.0\1(?:\s+encoding=(["'])(?i:utf-8)\2)?"""
                       r"""(?:\s+standalone=(["'])(?:yes|no)\3)?\s*\?>""")
_ROOT_TAG = re.compile(r"""\s*<worksheet((?:\s+[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?\s*=\s*(?:"[^"<&]*"|'[^'<&]*'))*)"""
                       r"""\s*>""")
_ROOT_ATTR = re.compile(r"""([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)\s*=\s*(?:"([^"<&]*)"|'([^'<&]*)')""")
_READ_TAGS = re.compile(r"<(?:[^\s/>!?]+:)?(?:c|row|v|f|is|t|r|rPh|mergeCell|sheetData)[\s/>]")
_MERGE_TAG = re.compile(r'<mergeCell ref="([A-Z]{1,3}[0-9]{1,7}(?::[A-Z]{1,3}[0-9]{1,7})?)"\s*/>')
_MERGE_ANY = re.compile(r"<(?:[^\s/>!?]+:)?mergeCell[\s/>]")


class _NotPlain(Exception):
    """The sheet is not in the plain form (internal: the cell-by-cell reader reads it)."""


def _plain(ok) -> None:
    if not ok:
        raise _NotPlain


def _chunks(zf: zipfile.ZipFile, part: str, budget: _Budget):
    """The decompressed chunks of ``part``, counted against the limits as :func:`_parse_part` counts them."""
    limits, read = budget.limits, 0
    with zf.open(part) as f:
        while True:
            chunk = f.read(CHUNK)
            if not chunk:
                return
            read += len(chunk)
            budget.total += len(chunk)
            _plain(read <= limits.max_part_bytes and budget.total <= limits.max_total_bytes)
            yield chunk


def _root_namespaces(prefix: str) -> dict[str, str]:
    """Check the text before <sheetData> (declaration, <worksheet> in the main namespace, elements that the
    sheet reader ignores) and return the namespace prefixes the root declares."""
    _plain("<!" not in prefix)
    m = _XML_DECL.match(prefix)
    rest = prefix[m.end():] if m else prefix.lstrip("\ufeff")
    _plain("<?" not in rest)
    root = _ROOT_TAG.match(rest)
    _plain(root is not None)
    names: dict[str, str] = {}
    for name, dq, sq in _ROOT_ATTR.findall(root.group(1)):
        _plain(name not in names)
        names[name] = dq if dq or not sq else sq
    _plain(names.get("xmlns") in MAIN_NS)
    inner = rest[root.end():]
    _plain("xmlns" not in inner and _READ_TAGS.search(inner) is None)
    return {n[6:]: uri for n, uri in names.items() if n.startswith("xmlns:")}


def _suffix_merges(suffix: str, sname: str) -> list[tuple[int, int, int, int]]:
    """The merged ranges after </sheetData>, when that text holds nothing else the sheet reader reads."""
    _plain("<!" not in suffix and "<?" not in suffix and "xmlns" not in suffix)
    merges = []
    found = _MERGE_TAG.findall(suffix)
    _plain(len(found) == len(_MERGE_ANY.findall(suffix)) and len(found) <= MAX_MERGES)
    _plain(_READ_TAGS.search(_MERGE_TAG.sub("", suffix)) is None)
    for ref in found:
        m = _RANGE_REF.match(ref)
        c1, r1 = column_index(m.group(1)), int(m.group(2))
        c2, r2 = (column_index(m.group(3)), int(m.group(4))) if m.group(3) else (c1, r1)
        merges.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))
    return merges


def _well_formed(prefix: str, suffix: str) -> None:
    """The workbook part with <sheetData/> in place of the rows (checked in the plain form) is well-formed."""
    parser = pyexpat.ParserCreate(namespace_separator=" ")
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.Parse((prefix + "<sheetData/>" + suffix).encode("utf-8"), True)


class _PlainRows:
    """The cells of the batches of plain rows read so far (as the cell-by-cell reader collects them).

    A batch is first matched as a whole against the plain form (one RE2 match); then every tag's place is
    known from the positions of ``<``, ``>`` and ``"`` alone, and the cells are read with numpy.
    """

    def __init__(self, wb: Workbook, namespaces: dict[str, str]):
        import pyarrow as pa  # imported here: the cell-by-cell reader needs neither
        import pyarrow.compute as pc

        self.pa, self.pc = pa, pc
        self.limits = wb.limits
        self.date_styles = {str(i) for i in wb.date_styles()}
        self.date1904 = wb.date1904
        self.namespaces = namespaces
        self.attr_sets: set[str] = set()
        self.shapes: dict[bytes, tuple[str, str, bool]] = {}
        self.rows: list[np.ndarray] = []
        self.value_rows: list[np.ndarray] = []
        self.keys: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.skeys: list[np.ndarray] = []
        self.sidx: list[np.ndarray] = []
        self.n_cells = 0

    def _check_attrs(self, heads) -> None:
        """Each distinct set of row attributes (its r value left out) as expat checks it: names unique once
        their namespace is resolved, every prefix declared by the root."""
        pc = self.pc
        for text in pc.unique(pc.replace_substring_regex(heads, _ROW_NUMBER_RE2, ' r=""')).to_pylist():
            if text in self.attr_sets:
                continue
            names = re.findall(r'([A-Za-z_][A-Za-z0-9_.\-]*(?::[A-Za-z_][A-Za-z0-9_.\-]*)?)="', text)
            expanded = set()
            for name in names:
                pre, _, local = name.rpartition(":")
                _plain(pre != "xmlns" and name != "xmlns" and (not pre or pre in self.namespaces))
                expanded.add((self.namespaces.get(pre, ""), local))
            _plain(len(expanded) == len(names))
            if len(self.attr_sets) < 1_000:
                self.attr_sets.add(text)

    def _strings(self, a: np.ndarray, starts: np.ndarray, ends: np.ndarray):
        """The byte ranges [start, end) of ``a`` as one pyarrow string array (valid UTF-8: the batch was
        decoded, and every range starts and ends next to an ASCII character)."""
        pa = self.pa
        lens = ends - starts
        offsets = np.zeros(len(lens) + 1, dtype=np.int64)
        np.cumsum(lens, out=offsets[1:])
        total = int(offsets[-1])
        if total:
            at = np.arange(total, dtype=np.int64) + np.repeat(starts - offsets[:-1], lens)
            data = a[at]
        else:
            data = np.zeros(0, dtype=np.uint8)
        return pa.LargeStringArray.from_buffers(len(lens), pa.py_buffer(offsets), pa.py_buffer(data.tobytes()))

    def _shape(self, key: bytes) -> tuple[str, str, bool]:
        """(s, t, self-closing) of a cell's tag after its reference, e.g. ``b' s="1" t="s">'``."""
        if key in self.shapes:
            return self.shapes[key]
        m = re.fullmatch(rb'(?: s="([0-9]{1,9})")?(?: t="(s|n|b|str)")?[ \t\r\n]*(/?)>', key.rstrip(b"\0"))
        _plain(m is not None)
        shape = (m.group(1) or b"").decode(), (m.group(2) or b"").decode(), bool(m.group(3))
        if len(self.shapes) < 1_000:
            self.shapes[key] = shape
        return shape

    def add(self, raw: bytes) -> None:
        pa, pc = self.pa, self.pc
        # one string of the batch's bytes (no copy); the cast checks that they are UTF-8
        batch = pa.Array.from_buffers(pa.large_binary(), 1, [None, pa.py_buffer(np.array([0, len(raw)], dtype=np.int64)),
                                                             pa.py_buffer(raw)]).cast(pa.large_string())
        _plain(pc.all(pc.match_substring_regex(batch, _PLAIN_ROWS_RE2)).as_py())
        a = np.frombuffer(raw, dtype=np.uint8)
        low = a < 32
        _plain(not ((low.any() and (low & (a != 9) & (a != 10) & (a != 13)).any()) or b"\xef\xbf\xbe" in raw
                    or b"\xef\xbf\xbf" in raw or b"]]>" in raw))  # characters XML refuses; U+FFFE, U+FFFF
        del batch
        lt = np.flatnonzero(a == 60)
        if not len(lt):
            return
        gt = np.flatnonzero(a == 62)
        quote = np.flatnonzero(a == 34)
        after = a[lt + 1]
        row_at = lt[after == 114]   # <row
        cell_at = lt[after == 99]   # <c
        # rows: the number in each start tag
        heads = self._strings(a, row_at, gt[np.searchsorted(gt, row_at)] + 1)
        self._check_attrs(heads)
        number = pc.extract_regex(heads, _ROW_NUMBER_RE2)
        _plain(number.null_count == 0)
        rows = pc.cast(number.field("r"), pa.int64()).to_numpy()
        _plain(bool(((rows >= 1) & (rows <= MAX_EXCEL_ROW)).all()))
        self.rows.append(rows)
        self.n_cells += len(cell_at)
        _plain(self.n_cells <= self.limits.max_cells)
        if not len(cell_at):
            return
        row = rows[np.searchsorted(row_at, cell_at) - 1]
        # the reference: <c r="AB12"
        ref0 = cell_at + 6
        ref1 = quote[np.searchsorted(quote, ref0)]
        width = ref1 - ref0
        _plain(bool(((width >= 2) & (width <= 10)).all()))
        wide = int(width.max())
        grid = a[np.minimum(ref0[:, None] + np.arange(wide), len(a) - 1)].astype(np.int64)
        letter = (grid >= 65) & (grid <= 90) & (np.arange(wide) < width[:, None])
        n_letters = letter.sum(axis=1)
        col = np.zeros(len(cell_at), dtype=np.int64)
        for i in range(min(3, wide)):
            col = np.where(i < n_letters, col * 26 + grid[:, i] - 64, col)
        col -= 1
        digits = np.zeros(len(cell_at), dtype=np.int64)
        for i in range(1, wide):
            digits = np.where((i >= n_letters) & (i < width), digits * 10 + grid[:, i] - 48, digits)
        _plain(bool((digits == row).all() and (col < MAX_EXCEL_COLUMN).all()))
        # the rest of the start tag (s, t, self-closing): a handful of distinct forms, each read once
        close = gt[np.searchsorted(gt, ref1)]
        size = close - ref1
        _plain(bool((size <= 24).all()))
        span = (int(size.max()) + 7) // 8 * 8  # 8, 16 or 24 bytes
        tail = a[np.minimum(ref1[:, None] + 1 + np.arange(span), len(a) - 1)] * (np.arange(span) < size[:, None])
        words = np.ascontiguousarray(tail).view(np.uint64)  # one to three 8-byte words per cell
        hashed = words[:, 0].copy()
        with np.errstate(over="ignore"):
            for w in range(1, words.shape[1]):
                hashed = hashed * np.uint64(1_000_003) + words[:, w]
        _, first, which = np.unique(hashed, return_index=True, return_inverse=True)
        _plain(bool((words == words[first[which]]).all()))  # no two forms share a hash
        shapes = [self._shape(tail[k].tobytes()) for k in first]
        dated_form = np.array([sh[0] in self.date_styles for sh in shapes], dtype=bool)
        ctype = np.array([_TYPE_CODES[sh[1]] for sh in shapes], dtype=np.int8)[which]
        closed = np.array([sh[2] for sh in shapes], dtype=bool)[which]
        # the value: <v>...</v> right after the start tag
        has_v = ~closed & (a[np.minimum(close + 2, len(a) - 1)] == 118)
        v0 = close + 4
        v1 = np.where(has_v, lt[np.minimum(np.searchsorted(lt, v0), len(lt) - 1)], v0)
        has_v &= v1 > v0
        # the other reader stops at a cell holding more than max_cell_chars (bytes >= characters)
        _plain(bool((v1 - v0 <= self.limits.max_cell_chars).all()))
        key = row * MAX_EXCEL_COLUMN + col
        is_s = has_v & (ctype == 2)
        is_b = has_v & (ctype == 3)
        is_str = has_v & (ctype == 4)
        is_num = has_v & (ctype <= 1)
        value = is_b | is_str | is_num
        if is_s.any():
            sv = self._strings(a, v0[is_s], v1[is_s])
            _plain(pc.all(pc.match_substring_regex(sv, "^[0-9]+$")).as_py())
            short = pc.less(pc.binary_length(sv), 10)
            idx = pc.cast(pc.if_else(short, sv, "0"), pa.int64()).to_numpy()
            self.skeys.append(key[is_s])
            self.sidx.append(np.where(short.to_numpy(zero_copy_only=False), idx, 1 << 40))
        pos = np.flatnonzero(value)
        v = self._strings(a, v0[pos], v1[pos])
        out = v.to_numpy(zero_copy_only=False)
        b = is_b[pos]
        if b.any():
            _plain(bool(np.isin(out[b], ["0", "1"]).all()))
            out[b] = np.where(out[b] == "1", "true", "false")
        num = is_num[pos]
        if num.any():
            plain = pc.match_substring_regex(v, _PLAIN_NUMBER_RE2).to_numpy(zero_copy_only=False)
            dated = dated_form[which[pos]] & num
            # a whole number written with a point (10.0, 7.): its shortest form is the part before the point
            whole = num & ~dated & ~plain & pc.match_substring_regex(v, _WHOLE_POINT_RE2).to_numpy(
                zero_copy_only=False)
            if whole.any():
                before = pc.list_element(pc.split_pattern(v.filter(pa.array(whole)), ".", max_splits=1), 0)
                out[whole] = before.to_numpy(zero_copy_only=False)
            keep = np.ones(len(pos), dtype=bool)
            for k in np.flatnonzero(num & (dated | ~(plain | whole))):  # one by one, as the other reader does
                text_v = out[k]
                if dated[k]:
                    text_v = text_v.strip()
                    x = _serial_to_text(float(text_v), self.date1904) if _XML_NUMBER.match(text_v) else None
                    _plain(x is not None)
                else:
                    x = _number_text(text_v.strip())
                    if x is None:
                        _plain(not text_v.strip())
                        keep[k] = False
                        continue
                out[k] = x
            pos, out = pos[keep], out[keep]
        self.keys.append(key[pos])
        self.vals.append(out)
        self.value_rows.append(np.concatenate([row[pos], row[is_s]]))

    def rows_ok(self) -> bool:
        """No row stored twice (the other reader reports it) and no more rows with values than allowed."""
        rows = np.concatenate(self.rows) if self.rows else np.zeros(0, dtype=np.int64)
        if len(np.unique(rows)) != len(rows):
            return False
        if len(rows) <= self.limits.max_rows:  # (each row with values is one of them)
            return True
        return len(np.unique(np.concatenate(self.value_rows))) <= self.limits.max_rows


def _joined(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


def _read_sheet_plain(wb: Workbook, sheet: SheetInfo) -> tuple:
    """Read a sheet in the plain form column-wise: the arguments of :func:`_collect` after the sheet (raises
    :class:`_NotPlain`, or any other error, when it is not in the plain form; see the notes above)."""
    head, state, prefix, reader = b"", "prefix", "", None
    pieces: list[bytes] = []  # the rows read since the last batch (joined once, never appended to)
    size, last = 0, b""
    for chunk in _chunks(wb._zip, sheet.part, wb._budget):
        if state == "prefix":
            head += chunk
            i = head.find(b"<sheetData")
            j = head.find(b">", i) if i >= 0 else -1
            if j < 0:
                _plain(len(head) < _AROUND)
                continue
            prefix, tag, chunk = head[:i].decode("utf-8"), head[i:j + 1], head[j + 1:]
            _plain(tag in (b"<sheetData>", b"<sheetData/>"))
            reader = _PlainRows(wb, _root_namespaces(prefix))
            head, state = b"", "rows" if tag == b"<sheetData>" else "after"
        if state == "rows":
            window = last + chunk
            last = window[-11:]  # "</sheetData>" may begin in an earlier chunk
            pieces.append(chunk)
            size += len(chunk)
            if b"</sheetData>" in window:
                rows = b"".join(pieces)
                end = rows.find(b"</sheetData>")
                reader.add(rows[:end])
                head, state, pieces = rows[end + len(b"</sheetData>"):], "after", []
            elif size >= _BATCH:
                rows = b"".join(pieces)
                cut = rows.rfind(b"</row>")
                _plain(cut >= 0 or size < 4 * _BATCH)
                if cut >= 0:
                    reader.add(rows[:cut + 6])
                    rows = rows[cut + 6:]
                pieces, size = [rows], len(rows)
        elif state == "after":
            head += chunk
            _plain(len(head) < _AROUND)
    _plain(state == "after" and reader.rows_ok())
    suffix = head.decode("utf-8")
    merges = _suffix_merges(suffix, sheet.name[:30])
    _well_formed(prefix, suffix)
    keys = _joined(reader.keys, np.int64)
    vals = _joined(reader.vals, object)
    return keys, vals, _joined(reader.skeys, np.int64), _joined(reader.sidx, np.int64), [], 0, merges, 0, None
