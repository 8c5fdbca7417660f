"""Reading a research group's own patient-level file (CSV or XLSX) into a :class:`Dataset`.

Pure functions, no streamlit: the page passes the uploaded bytes (kept in the
browser session's memory only) and shows the :class:`UploadResult`.

What an upload may hold
-----------------------
* The ``cases`` table of :mod:`lib.schema` (one row per patient), as a CSV or
  as the sheet ``cases`` of an ``.xlsx`` workbook (a workbook with a single
  sheet is read as ``cases``).
* Optionally the ``labs`` table, as a second file or as the sheet ``labs``.
  Lab rows must belong to an uploaded patient (``entity_type`` = ``case``).

Rules applied to an upload (documented on the page and in the README)
--------------------------------------------------------------------
* **Sources are synthesised.** An upload is not a publication, so the columns
  ``source_ids``, ``locator`` and ``extraction_date`` are optional. Every
  uploaded patient is attributed to ONE synthesised source,
  ``upload:<file name>``, titled "Uploaded file <name>"; its ``pub_type`` is
  ``case_series`` (``case_report`` for a single patient): individually
  described, uncontrolled patients whose selection we cannot check, so we do
  not claim the design of a cohort study. Its year is the upload year. Any
  ``source_ids`` written in the file are kept, as text, at the start of the
  patient's ``note`` (they are never matched to the shipped sources, so the
  two datasets never mix).
* **Every id is prefixed** with ``upload:`` (``case_id``, ``lab_id``, the
  labs' ``entity_id``) so an upload can never collide with shipped rows.
* **Cells are cleaned, never guessed:** control characters are removed
  (line breaks and tabs become spaces), vocabulary values are compared
  case-insensitively (``MAS`` -> ``mas``), and in a ``;``-delimited file a
  decimal comma in a number column is read as a decimal point (``2,5`` ->
  ``2.5``). Each such change is reported as a warning.
* **Any invalid cell rejects the file** (with every problem listed by row
  and column): an empty cell means "not stated", so silently emptying an
  invalid value would change the data. The previous good upload stays in use.
* Text that looks like a spreadsheet formula (``=...``) is kept as text; the
  CSV exports neutralise it (:func:`lib.export.safe_csv`).

Limits (each gives a clear message, never an exception): file size
(:data:`MAX_BYTES`, the server's limit), rows (:data:`MAX_ROWS`), columns
(:data:`MAX_COLUMNS`), cell length (:data:`MAX_CELL_CHARS`), and for XLSX the
zip's total uncompressed size (:data:`MAX_UNCOMPRESSED`), compression ratio
(:data:`MAX_RATIO`) and number of members, all checked before the workbook is
opened.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from lib import schema
from lib.data import Dataset, ValidationIssue, check_lab_units, enrich, link_labs, location_text, validate_table
from lib.methods import data_dictionary

MAX_BYTES = 20 * 1024 * 1024  # the server's limit (.streamlit/config.toml maxUploadSize = 20)
MAX_ROWS = 200_000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_UNCOMPRESSED = 250 * 1024 * 1024
MAX_RATIO = 200
MAX_ZIP_MEMBERS = 1_000
MAX_ISSUES = 1_000  # issues kept in a result (the rest are counted)
PREFIX = "upload:"
# Columns an upload may leave out (filled by the rules above).
UPLOAD_OPTIONAL = ("source_ids", "locator", "extraction_date")

Level = Literal["error", "warning"]

_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon (;)", "\t": "tab", "|": "vertical bar (|)"}
# Control characters, C1 controls, zero-width and bidirectional-override characters.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
_BREAKS = re.compile(r"[\t\r\n]+")
_DECIMAL_COMMA = re.compile(r"^\s*[-+]?\d+,\d+\s*$")
_HEADER_CLEAN = re.compile(r"[\s\-]+")


@dataclass(frozen=True)
class UploadIssue:
    """One problem or warning about an upload: where it is and what is wrong.

    ``row`` counts like a spreadsheet: the header is row 1, the first record
    row 2 (``None`` when the issue concerns the whole file).
    """

    level: Level
    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {location_text(self.file, self.row, self.column)}: {self.message}"


@dataclass(frozen=True)
class UploadResult:
    """What :func:`parse_upload` found.

    Attributes
    ----------
    dataset : Dataset or None
        The uploaded data (``label="upload"``), or ``None`` when the file was
        rejected (then at least one issue has level ``error``).
    issues : tuple of UploadIssue
        Errors and warnings, in file order, at most :data:`MAX_ISSUES`
        (``issues_dropped`` counts the rest).
    summary : str
        One plain sentence for the page (no markup).
    issues_dropped : int
    """

    dataset: Dataset | None
    issues: tuple[UploadIssue, ...] = field(default_factory=tuple)
    summary: str = ""
    issues_dropped: int = 0

    @property
    def ok(self) -> bool:
        return self.dataset is not None

    @property
    def errors(self) -> tuple[UploadIssue, ...]:
        return tuple(i for i in self.issues if i.level == "error")

    @property
    def warnings(self) -> tuple[UploadIssue, ...]:
        return tuple(i for i in self.issues if i.level == "warning")


class _Reject(Exception):
    """The whole file cannot be used (internal; becomes an error issue)."""

    def __init__(self, message: str, row: int | None = None, column: str | None = None,
                 file: str | None = None):
        super().__init__(message)
        self.message, self.row, self.column, self.file = message, row, column, file


class _Issues:
    """Collects issues, keeping at most MAX_ISSUES."""

    def __init__(self) -> None:
        self.items: list[UploadIssue] = []
        self.dropped = 0

    def add(self, level: Level, file: str, row: int | None, column: str | None, message: str) -> None:
        if len(self.items) < MAX_ISSUES:
            self.items.append(UploadIssue(level, file, row, column, message))
        else:
            self.dropped += 1

    @property
    def has_errors(self) -> bool:
        return any(i.level == "error" for i in self.items)


@dataclass
class _Raw:
    """A table as read: every cell a string or None, with each record's spreadsheet row number."""

    table: str
    frame: pd.DataFrame
    rows: list[int]
    file: str
    delimiter: str | None = None


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------

def parse_upload(name: str, data: bytes, labs_name: str | None = None, labs_data: bytes | None = None,
                 max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS,
                 today: datetime.date | None = None) -> UploadResult:
    """Read, clean and validate an uploaded cases file (and optional labs file).

    Never raises on bad input: every problem becomes an :class:`UploadIssue`.

    Parameters
    ----------
    name : str
        The file name as uploaded (only its extension and its text are used;
        nothing is written to disk).
    data : bytes
        The file's content.
    labs_name, labs_data : str and bytes, optional
        A second file holding the ``labs`` table.
    max_bytes, max_rows : int
        Limits (defaults :data:`MAX_BYTES`, :data:`MAX_ROWS`).
    today : date, optional
        The upload date (fills ``extraction_date`` and the source's year);
        defaults to today.

    Returns
    -------
    UploadResult
    """
    try:
        return _parse_upload(name, data, labs_name, labs_data, max_bytes, max_rows, today)
    except Exception as exc:  # noqa: BLE001 - last safety net: a bad file must never stop the app
        fname = _display_name(name)
        issue = UploadIssue("error", fname, None, None, f"unexpected problem while reading the file "
                                                        f"({exc.__class__.__name__}); nothing of it is used")
        return UploadResult(None, (issue,), f"{fname} was not loaded: unexpected problem while reading it.")


def _parse_upload(name, data, labs_name, labs_data, max_bytes, max_rows, today) -> UploadResult:
    today = today or datetime.date.today()
    fname = _display_name(name)
    issues = _Issues()
    tables: dict[str, _Raw] = {}
    try:
        for raw in _read_file(fname, data, max_bytes, max_rows, issues):
            tables[raw.table] = raw
        if "cases" not in tables:
            raise _Reject("this looks like a labs table (it has lab_id, analyte, ...); upload the cases table "
                          "as the first file and the labs as the second file", file=fname)
        if labs_data is not None:
            lname = _display_name(labs_name or "labs")
            if lname == fname:
                lname += " (labs)"
            found = _read_file(lname, labs_data, max_bytes, max_rows, issues, want="labs")
            labs_raw = next((r for r in found if r.table == "labs"), None)
            if labs_raw is None:
                raise _Reject("this does not hold a labs table (expected columns such as lab_id, entity_id, "
                              "analyte, timepoint)", file=lname)
            if "labs" in tables:
                issues.add("warning", lname, None, None, f"these labs replace the 'labs' sheet of {fname}")
            tables["labs"] = labs_raw
    except _Reject as exc:
        issues.add("error", exc.file or fname, exc.row, exc.column, exc.message)
        return _result(None, issues, f"{exc.file or fname} was not loaded: {exc.message}.")

    if "cases" not in tables:
        issues.add("error", fname, None, None, "no cases table found")
        return _result(None, issues, f"{fname} was not loaded: no cases table found.")

    source_id = PREFIX + _id_safe(fname)
    cases = _prepare_cases(tables["cases"], source_id, today, issues)
    labs = _prepare_labs(tables.get("labs"), cases, today, issues) if "labs" in tables else _empty_typed(schema.LABS)
    if issues.has_errors or cases is None or labs is None:
        n_err = sum(1 for i in issues.items if i.level == "error") + issues.dropped
        return _result(None, issues, f"{fname} was not loaded: {n_err} problem(s) to fix (listed by row and "
                                     "column). Nothing of it is used.")

    n = len(cases)
    sources = pd.DataFrame([{
        "source_id": source_id, "pmid": None, "doi": None, "pmcid": None, "first_author": None,
        "year": today.year, "title": f"Uploaded file {fname}", "journal": None,
        "pub_type": "case_report" if n == 1 else "case_series", "url": None, "language": None,
        "extraction_date": today.isoformat(),
        "note": "Synthesised for an upload: not a publication. Lives in this browser session only.",
    }], columns=list(schema.SOURCES.column_names))
    # Issues are ignored on purpose: ``url`` stays empty (an upload has no address).
    sources, _ = validate_table(sources.astype(object).where(sources.notna(), None), schema.SOURCES)
    cohorts = _empty_typed(schema.COHORTS)
    cases_e, cohorts_e = enrich(cases, cohorts, sources)
    cases_e["_origin"] = "upload"
    cohorts_e["_origin"] = pd.Series(dtype=object)
    digest = hashlib.sha256(data + b"\0" + (labs_data or b"")).hexdigest()[:12]
    ds = Dataset(
        sources=sources, cases=cases_e, cohorts=cohorts_e, labs=link_labs(labs, cases_e, cohorts_e),
        screening=_empty_typed(schema.SCREENING), verification=_empty_typed(schema.VERIFICATION),
        meta={"version": f"upload-{digest}", "date": today.isoformat(), "file": fname,
              "citation": f"Uploaded file {fname} (not a publication; this session only)."},
        label="upload",
    )
    n_warn = len(issues.items)
    summary = (f"{fname} loaded: {n} patient(s)" + (f" and {len(labs)} lab value(s)" if len(labs) else "")
               + (f"; {n_warn} warning(s) about changes made while reading." if n_warn else "; no problems found."))
    return _result(ds, issues, summary)


def _result(ds: Dataset | None, issues: _Issues, summary: str) -> UploadResult:
    return UploadResult(dataset=ds, issues=tuple(issues.items), summary=summary, issues_dropped=issues.dropped)


def issues_frame(result: UploadResult) -> pd.DataFrame:
    """The issues as a table: columns ``level``, ``file``, ``row``, ``column``, ``message``.

    ``row`` is a nullable integer (missing when the issue concerns the whole file).
    """
    df = pd.DataFrame(
        [(i.level, i.file, i.row, i.column, i.message) for i in result.issues],
        columns=["level", "file", "row", "column", "message"],
    )
    df["row"] = pd.array(df["row"].tolist(), dtype="Int64")
    return df


# ---------------------------------------------------------------------------
# Reading bytes into raw string tables
# ---------------------------------------------------------------------------

def _display_name(name: str) -> str:
    """The file's base name, cleaned for messages (no path, no control characters, at most 80 chars)."""
    base = re.split(r"[\\/]", str(name or "upload"))[-1]
    base = _INVISIBLE.sub("", _BREAKS.sub(" ", base)).strip() or "upload"
    return base if len(base) <= 80 else base[:79] + "…"


def _id_safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:60].strip("_") or "file"


def _read_file(fname: str, data: bytes, max_bytes: int, max_rows: int, issues: _Issues,
               want: str = "cases") -> list[_Raw]:
    try:
        return _read_any(fname, data, max_bytes, max_rows, issues, want)
    except _Reject as exc:
        exc.file = exc.file or fname
        raise


def _read_any(fname: str, data: bytes, max_bytes: int, max_rows: int, issues: _Issues, want: str) -> list[_Raw]:
    if not isinstance(data, (bytes, bytearray)):
        raise _Reject("the upload is not a file")
    if len(data) > max_bytes:
        raise _Reject(f"the file is {len(data) / 1024 / 1024:.1f} MB, above the limit of "
                      f"{max_bytes / 1024 / 1024:.0f} MB")
    if len(data) == 0 or not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise _Reject("the file is empty")
    ext = fname.rsplit(".", 1)[-1].lower() if "." in fname else ""
    is_zip = data[:4] == b"PK\x03\x04"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _Reject("this is an old Excel 97-2003 (.xls) or other OLE file; save it as .xlsx or CSV (UTF-8)")
    if data[:5] == b"%PDF-":
        raise _Reject("this is a PDF, not a table; upload a CSV or .xlsx file")
    if ext in ("xlsx", "xlsm"):
        if not is_zip:
            raise _Reject(f"this file is named .{ext} but is not an Excel workbook (an .xlsx file is a zip "
                          "archive and this one does not start like one); save it again from Excel as .xlsx, "
                          "or upload it as CSV")
        return _read_xlsx(fname, data, max_rows, issues, want)
    if is_zip:
        issues.add("warning", fname, None, None, "the file is a zip archive, read as an Excel workbook (.xlsx)")
        return _read_xlsx(fname, data, max_rows, issues, want)
    if ext not in ("csv", "txt", "tsv", ""):
        raise _Reject(f"files of type .{_short(ext, 10)} are not supported; upload a CSV or .xlsx file")
    return [_read_csv(fname, data, max_rows, issues, want)]


def _decode(fname: str, data: bytes, issues: _Issues) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise _Reject("the file starts like UTF-16 text but cannot be decoded; save it as CSV UTF-8") from None
        issues.add("warning", fname, None, None, "read as UTF-16 text (Excel 'Unicode text'); CSV UTF-8 is preferred")
        return text
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
        enc = "Windows-1252 (Latin-1)"
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        enc = "Latin-1 (ISO-8859-1)"
    issues.add("warning", fname, None, None, f"the file is not UTF-8; read as {enc}. Check accented letters, "
                                             "or save it as 'CSV UTF-8'")
    return text


def _read_csv(fname: str, data: bytes, max_rows: int, issues: _Issues, want: str) -> _Raw:
    text = _decode(fname, data, issues)
    nul = text.count("\x00")
    if nul:
        if nul > max(10, len(text) // 100):
            raise _Reject(f"the file holds {nul:,} NUL bytes: it is a binary file, not a text CSV")
        text = text.replace("\x00", "")
        issues.add("warning", fname, None, None, f"{nul} NUL byte(s) removed from the file")
    controls = sum(1 for ch in text[:20000] if ch < " " and ch not in "\t\r\n")
    if controls > 200:
        raise _Reject("the file does not look like text (too many control characters); upload a CSV or .xlsx file")
    header_line = next((ln for ln in text.splitlines() if ln.strip()), "")
    delimiter = _guess_delimiter(header_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[list[str]] = []
    numbers: list[int] = []
    header: list[str] | None = None
    try:
        for i, rec in enumerate(reader, start=1):
            if header is None:
                if not any(c.strip() for c in rec):
                    continue  # blank lines before the header
                header = rec
                header_row = i
                if len(header) > MAX_COLUMNS:
                    raise _Reject(f"the header has {len(header):,} columns; at most {MAX_COLUMNS} are read", row=i)
                continue
            if not any(c.strip() for c in rec):
                continue  # blank line
            if len(records) >= max_rows:
                raise _Reject(f"the file has more than {max_rows:,} rows; split it or remove rows (at most "
                              f"{max_rows:,} patients or lab values per file)")
            records.append(rec)
            numbers.append(i)
    except csv.Error as exc:
        msg = str(exc)
        if "field larger than field limit" in msg:
            msg = f"a cell is longer than {csv.field_size_limit():,} characters (often an unclosed quote \")"
        elif "unexpected end of data" in msg:
            msg = "a quoted cell is never closed (a \" without its closing \")"
        elif "expected after" in msg:
            msg = f"a quote \" inside a quoted cell must be doubled (\"\"); {msg}"
        raise _Reject(f"cannot be read as CSV: {_short(msg, 120)}", row=reader.line_num) from None
    if header is None:
        raise _Reject("the file is empty")
    if delimiter != ",":
        issues.add("warning", fname, None, None, f"values are separated by {_DELIMITER_NAMES[delimiter]}, not comma; "
                                                 "read accordingly")
    width = len(header)
    short_rows = 0
    rows: list[list[str | None]] = []
    for rec, rownum in zip(records, numbers):
        if len(rec) > width:
            extra = [c for c in rec[width:] if c.strip()]
            if extra:
                issues.add("error", fname, rownum, None, f"the row has {len(rec)} values but the header has {width} "
                                                         "columns (a delimiter inside an unquoted cell?)")
            rec = rec[:width]
        elif len(rec) < width:
            short_rows += 1
            rec = rec + [""] * (width - len(rec))
        rows.append(rec)
    if short_rows:
        issues.add("warning", fname, None, None, f"{short_rows} row(s) have fewer values than the header; the "
                                                 "missing trailing cells are read as empty")
    frame = pd.DataFrame(rows, columns=range(width), dtype=object) if rows else pd.DataFrame(columns=range(width), dtype=object)
    raw = _finish_table(fname, header, frame, numbers, issues, header_row)
    raw.delimiter = delimiter
    return raw


def _guess_delimiter(header_line: str) -> str:
    """The delimiter that splits the header into the most known column names (comma on a tie)."""
    known = set(schema.CASES.column_names) | set(schema.LABS.column_names)
    best, best_score = ",", -1
    for d in _DELIMITERS:
        try:
            names = next(csv.reader([header_line], delimiter=d))
        except (csv.Error, StopIteration):
            continue
        score = sum(1 for n in names if _norm_header(n) in known)
        if score > best_score:
            best, best_score = d, score
    return best


def _norm_header(name) -> str:
    text = "" if name is None else str(name)
    text = _INVISIBLE.sub("", text).strip().lower()
    return _HEADER_CLEAN.sub("_", text)


def _finish_table(fname: str, header: list, frame: pd.DataFrame, rows: list[int], issues: _Issues,
                  header_row: int = 1) -> _Raw:
    """Name the columns, detect which table it is, drop unnamed empty columns."""
    names = [_norm_header(h) for h in header]
    renamed = [str(h) for h, n in zip(header, names) if n and str(h) != n]
    if renamed:
        issues.add("warning", fname, header_row, None, f"{len(renamed)} column name(s) were normalised to the "
                                                       f"template's spelling (e.g. '{_short(renamed[0], 30)}')")
    keep = []
    for j, n in enumerate(names):
        if n:
            keep.append(j)
            continue
        col = frame[j] if j in frame.columns else pd.Series(dtype=object)
        if col.fillna("").astype(str).str.strip().ne("").any():
            issues.add("warning", fname, header_row, f"column {j + 1}", "column without a name; its values are ignored")
    frame = frame[keep]
    frame.columns = [names[j] for j in keep]
    kept = [names[j] for j in keep]
    dupes = sorted({n for n in kept if kept.count(n) > 1})
    if dupes:
        raise _Reject("column appears more than once (each column may occur once)", row=header_row, column=dupes[0])
    cases_known = len(set(frame.columns) & set(schema.CASES.column_names))
    labs_known = len(set(frame.columns) & set(schema.LABS.column_names) - {"locator", "note", "extraction_date", "derived_fields"})
    if cases_known == 0 and labs_known == 0:
        shown = ", ".join(f"'{_short(n, 20)}'" for n in names[:5] if n)
        raise _Reject("the first row holds no column name of the template (e.g. case_id, condition, trigger); "
                      f"is the first row the header? Found: {shown or 'nothing'}", row=header_row)
    table = "labs" if ("lab_id" in frame.columns or "analyte" in frame.columns) and "case_id" not in frame.columns else "cases"
    if not len(frame):
        raise _Reject(f"the {table} table has a header but no data rows")
    frame.index = range(len(frame))
    return _Raw(table=table, frame=frame, rows=list(rows), file=fname)


def _read_xlsx(fname: str, data: bytes, max_rows: int, issues: _Issues, want: str) -> list[_Raw]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _Reject("the .xlsx file is damaged (its zip structure cannot be read); save it again from Excel") from None
    if len(infos) > MAX_ZIP_MEMBERS:
        raise _Reject(f"the .xlsx archive holds {len(infos):,} parts (at most {MAX_ZIP_MEMBERS:,}); not opened")
    total = sum(max(i.file_size, 0) for i in infos)
    packed = sum(max(i.compress_size, 0) for i in infos)
    if total > MAX_UNCOMPRESSED:
        raise _Reject(f"the .xlsx file would expand to {total / 1024 / 1024:,.0f} MB (at most "
                      f"{MAX_UNCOMPRESSED / 1024 / 1024:.0f} MB): possibly a zip bomb; not opened")
    if total > 1_000_000 and total / max(packed, 1) > MAX_RATIO:
        raise _Reject(f"the .xlsx file is compressed {total / max(packed, 1):,.0f} times (at most {MAX_RATIO}): "
                      "possibly a zip bomb; not opened")
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        raise _Reject("the file is a zip archive but not an Excel workbook (no xl/workbook.xml)")
    try:
        import openpyxl

        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types on damaged files
        raise _Reject(f"the .xlsx file is damaged and cannot be opened ({exc.__class__.__name__}); "
                      "save it again from Excel") from None
    try:
        sheets = {str(s).strip().lower(): s for s in wb.sheetnames}
        out: list[_Raw] = []
        if want == "labs":
            key = "labs" if "labs" in sheets else (next(iter(sheets)) if len(sheets) == 1 else None)
            if key is None:
                raise _Reject(f"no sheet named 'labs' (sheets: {_sheet_list(wb.sheetnames)})")
            out.append(_read_sheet(fname, wb[sheets[key]], max_rows, issues, "labs"))
            return out
        if "cases" in sheets:
            out.append(_read_sheet(fname, wb[sheets["cases"]], max_rows, issues, "cases"))
        elif len(sheets) == 1:
            only = wb.sheetnames[0]
            issues.add("warning", fname, None, None, f"no sheet named 'cases'; the only sheet '{_short(only, 30)}' is read")
            out.append(_read_sheet(fname, wb[only], max_rows, issues, "cases"))
        else:
            raise _Reject(f"no sheet named 'cases' (sheets: {_sheet_list(wb.sheetnames)}); name the patients' sheet 'cases'")
        if "labs" in sheets:
            out.append(_read_sheet(fname, wb[sheets["labs"]], max_rows, issues, "labs"))
        return out
    finally:
        wb.close()


def _sheet_list(names) -> str:
    shown = ", ".join(f"'{_short(_INVISIBLE.sub('', str(n)), 30)}'" for n in list(names)[:10])
    return shown + (" ..." if len(names) > 10 else "")


def _read_sheet(fname: str, ws, max_rows: int, issues: _Issues, want: str) -> _Raw:
    label = f"{fname} [{_short(_INVISIBLE.sub('', ws.title), 30)}]"
    header: list | None = None
    header_row = 1
    records: list[list[str | None]] = []
    numbers: list[int] = []
    skipped: list[int] = []
    known = set(schema.CASES.column_names) | set(schema.LABS.column_names)
    width = 0
    try:
        for i, values in enumerate(ws.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1), start=1):
            if values.count(None) == len(values):
                continue  # fast path: openpyxl yields a row of None for every gap in the sheet
            cells = [_xl_str(v) for v in values]
            if header is None:
                if not any(c for c in cells):
                    continue
                while cells and not cells[-1]:
                    cells.pop()
                if not any(_norm_header(c) in known for c in cells):
                    skipped.append(i)  # a title or note above the header
                    if len(skipped) >= 10:
                        break
                    continue
                if len(cells) > MAX_COLUMNS:
                    raise _Reject(f"the sheet has more than {MAX_COLUMNS} columns", row=i)
                header, header_row, width = cells, i, len(cells)
                if skipped:
                    issues.add("warning", label, skipped[0], None, f"{len(skipped)} row(s) above the header row "
                               f"{i} were skipped (a title or notes?)")
                continue
            if not any(c for c in cells):
                continue
            if len(records) >= max_rows:
                raise _Reject(f"the sheet has more than {max_rows:,} rows; split it or remove rows (at most "
                              f"{max_rows:,} rows per table)")
            if any(c for c in cells[width:]):
                issues.add("error", label, i, None, f"the row has values beyond the {width} named columns")
            cells = (cells + [None] * width)[:width]
            records.append(cells)
            numbers.append(i)
    except _Reject:
        raise
    except Exception as exc:  # noqa: BLE001 - damaged sheet XML
        raise _Reject(f"the sheet '{_short(ws.title, 30)}' is damaged and cannot be read ({exc.__class__.__name__})") from None
    if header is None and skipped:
        raise _Reject(f"the sheet '{_short(ws.title, 30)}' holds no column name of the template (e.g. case_id, "
                      f"condition, trigger) in its first {len(skipped)} non-empty row(s)", row=skipped[0])
    if header is None:
        raise _Reject(f"the sheet '{_short(ws.title, 30)}' is empty")
    frame = pd.DataFrame(records, columns=range(width), dtype=object) if records else pd.DataFrame(columns=range(width), dtype=object)
    raw = _finish_table(label, [h or "" for h in header], frame, numbers, issues, header_row)
    if raw.table != want:
        raise _Reject(f"the sheet '{_short(ws.title, 30)}' does not look like the {want} table "
                      f"(see the template)", file=label)
    return raw


def _xl_str(v) -> str | None:
    """An Excel cell value as the text a CSV would hold."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime.datetime):
        return v.date().isoformat() if v.time() == datetime.time(0) else v.isoformat(sep=" ")
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, int):
        return str(v)
    text = str(v)
    return text if text.strip() else None


# ---------------------------------------------------------------------------
# Cleaning and validating
# ---------------------------------------------------------------------------

def _clean_cells(raw: _Raw, table: schema.Table, issues: _Issues) -> pd.DataFrame:
    """Remove control characters, normalise vocabulary case and decimal commas; report each kind once."""
    df = raw.frame.copy()
    known = {c.name: c for c in table.columns}
    counts = {"ctrl": [0, None], "case": [0, None], "comma": [0, None]}

    def note(kind: str, changed: pd.Series, col: str) -> None:
        hits = changed.to_numpy(dtype=bool).nonzero()[0]
        if len(hits):
            counts[kind][0] += len(hits)
            counts[kind][1] = counts[kind][1] or (raw.rows[hits[0]], col)

    for col in df.columns:
        s = df[col].astype(object)
        present = s.notna()
        if not present.any():
            continue
        s = s.where(~present, s.astype(str))
        text = s.fillna("")
        long = text.str.len() > MAX_CELL_CHARS
        for k in long.to_numpy().nonzero()[0][:50]:
            issues.add("error", raw.file, raw.rows[k], col, f"the cell holds {len(text.iloc[k]):,} characters "
                       f"(at most {MAX_CELL_CHARS:,})")
        cleaned = text.str.replace(_BREAKS, " ", regex=True).str.replace(_INVISIBLE, "", regex=True)
        note("ctrl", cleaned.str.strip() != text.str.strip(), col)
        text = cleaned
        spec = known.get(col)
        if spec is not None and spec.allowed and spec.type in ("str", "list"):
            low = text.str.strip().str.lower()
            note("case", low != text.str.strip(), col)
            text = low
        if spec is not None and spec.type in ("float", "int") and raw.delimiter == ";":
            comma = text.str.match(_DECIMAL_COMMA)
            note("comma", comma, col)
            text = text.where(~comma, text.str.replace(",", ".", regex=False))
        out = text.where(text.str.strip() != "", None).where(~long, None)
        df[col] = pd.Series(out.to_numpy(dtype=object), index=df.index, dtype=object)
    msgs = {
        "ctrl": "cell(s) held line breaks, tabs or invisible control characters: replaced by spaces or removed",
        "case": "vocabulary value(s) written in capitals were read in lower case",
        "comma": "number(s) with a decimal comma were read with a decimal point",
    }
    for kind, (n, first) in counts.items():
        if n:
            issues.add("warning", raw.file, first[0], first[1], f"{n} {msgs[kind]} (first one here)")
    return df


def _fill_provenance(df: pd.DataFrame, fname: str, today: datetime.date, issues: _Issues) -> pd.DataFrame:
    """Fill the provenance columns an upload may leave out (``locator``, ``extraction_date``).

    A column left out is filled silently (the page says so); blank cells in a
    column that is present are filled with a warning.
    """
    df = df.copy()
    for col, value in (("locator", "uploaded file"), ("extraction_date", today.isoformat())):
        if col not in df.columns:
            df[col] = value
            continue
        blank = df[col].isna().to_numpy() | df[col].fillna("").astype(str).str.strip().eq("").to_numpy()
        if blank.any():
            df.loc[blank, col] = value
            issues.add("warning", fname, None, col, f"{int(blank.sum())} empty cell(s) filled with '{value}' "
                       "(an upload has no publication to point to)")
    return df


def _convert(found: list[ValidationIssue], raw: _Raw, issues: _Issues) -> None:
    """Move validate_table's issues over, with spreadsheet row numbers; unknown columns are warnings."""
    for v in found:
        row = v.row
        if row is not None and row >= 2 and row - 2 < len(raw.rows):
            row = raw.rows[row - 2]
        if v.message.startswith("unknown column"):
            issues.add("warning", raw.file, row, v.column, "unknown column (not in the data dictionary): ignored")
        else:
            issues.add("error", raw.file, row, v.column, v.message)


def _prepare_cases(raw: _Raw, source_id: str, today: datetime.date, issues: _Issues) -> pd.DataFrame | None:
    df = _clean_cells(raw, schema.CASES, issues)
    df = _fill_provenance(df, raw.file, today, issues)
    if "source_ids" in df.columns and df["source_ids"].notna().any():
        given = df["source_ids"]
        note = df["note"] if "note" in df.columns else pd.Series([None] * len(df), dtype=object, index=df.index)
        df["note"] = [
            (f"Uploaded source_ids: {g}." + (f" {n}" if isinstance(n, str) and n else "")) if isinstance(g, str) else n
            for g, n in zip(given, note)
        ]
        issues.add("warning", raw.file, None, "source_ids", "every uploaded patient is attributed to the uploaded file "
                   f"('{source_id}'); the source_ids written in the file are kept at the start of each note")
    df["source_ids"] = source_id
    typed, found = validate_table(df, schema.CASES, raw.file)
    _convert(found, raw, issues)
    if any(i.level == "error" for i in issues.items):
        return None
    typed["case_id"] = typed["case_id"].map(_prefixed)
    dup = typed["case_id"].duplicated(keep="first").to_numpy()
    for k in dup.nonzero()[0]:
        issues.add("error", raw.file, raw.rows[k], "case_id", f"duplicate id '{_short(typed['case_id'].iloc[k])}' "
                   f"(ids with and without the '{PREFIX}' prefix are the same patient)")
    return None if dup.any() else typed


def _prepare_labs(raw: _Raw, cases: pd.DataFrame | None, today: datetime.date, issues: _Issues) -> pd.DataFrame | None:
    df = _clean_cells(raw, schema.LABS, issues)
    df = _fill_provenance(df, raw.file, today, issues)
    typed, found = validate_table(df, schema.LABS, raw.file)
    _convert(found, raw, issues)
    if any(i.level == "error" for i in issues.items) or cases is None:
        return None
    typed["lab_id"] = typed["lab_id"].map(_prefixed)
    typed["entity_id"] = typed["entity_id"].map(_prefixed)
    case_ids = set(cases["case_id"])
    for k, (etype, eid) in enumerate(zip(typed["entity_type"], typed["entity_id"])):
        if etype != "case":
            issues.add("error", raw.file, raw.rows[k], "entity_type", "an upload holds patients only: use 'case'")
        elif eid not in case_ids:
            issues.add("error", raw.file, raw.rows[k], "entity_id", f"patient '{_short(eid)}' is not in the uploaded cases")
    for v in check_lab_units(typed, raw.file):
        issues.add("error", raw.file, raw.rows[v.row - 2] if v.row else None, v.column, v.message)
    dup = typed["lab_id"].duplicated(keep="first").to_numpy()
    for k in dup.nonzero()[0]:
        issues.add("error", raw.file, raw.rows[k], "lab_id", f"duplicate id '{_short(typed['lab_id'].iloc[k])}'")
    if any(i.level == "error" for i in issues.items):
        return None
    return typed


def _prefixed(value):
    if value is None or (isinstance(value, float) and value != value):
        return value
    value = str(value)
    return value if value.startswith(PREFIX) else PREFIX + value


def _empty_typed(table: schema.Table) -> pd.DataFrame:
    typed, _ = validate_table(pd.DataFrame({c: pd.Series(dtype=object) for c in table.column_names}), table)
    return typed


def _short(text, n: int = 40) -> str:
    text = _INVISIBLE.sub("?", str(text))
    return text if len(text) <= n else text[: n - 1] + "…"


# ---------------------------------------------------------------------------
# Combining, templates
# ---------------------------------------------------------------------------

def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    non_empty = [f for f in frames if len(f)]
    if not non_empty:
        return frames[0].copy()
    out = pd.concat(non_empty, ignore_index=True, sort=False)
    return out[[c for c in frames[0].columns if c in out.columns] + [c for c in out.columns if c not in frames[0].columns]]


def combine(shipped: Dataset, uploaded: Dataset) -> Dataset:
    """The shipped and the uploaded data side by side (``label="both"``).

    ``cases`` and ``cohorts`` get an ``_origin`` column (``"shipped"`` or
    ``"upload"``) so pages can label them. Neither input is modified.

    Raises
    ------
    ValueError
        If an id occurs in both (cannot happen with :func:`parse_upload`'s
        ``upload:`` prefix).
    """
    for attr, key in (("cases", "case_id"), ("sources", "source_id"), ("labs", "lab_id")):
        clash = set(getattr(shipped, attr)[key].dropna()) & set(getattr(uploaded, attr)[key].dropna())
        if clash:
            raise ValueError(f"{attr}: ids in both datasets, e.g. {sorted(clash)[0]!r}")

    def origin(df: pd.DataFrame, value: str) -> pd.DataFrame:
        df = df.copy()
        df["_origin"] = pd.Series([value] * len(df), dtype=object, index=df.index)
        return df

    cases = _concat([origin(shipped.cases, "shipped"), origin(uploaded.cases, "upload")])
    cohorts = _concat([origin(shipped.cohorts, "shipped"), origin(uploaded.cohorts, "upload")])
    labs = _concat([shipped.labs, uploaded.labs])
    labs = link_labs(labs.drop(columns=[c for c in ("_case_pos", "_cohort_pos") if c in labs.columns]), cases, cohorts)
    meta = dict(shipped.meta)
    meta["version"] = f"{shipped.version}+{uploaded.version}"
    meta["upload"] = dict(uploaded.meta)
    return Dataset(
        sources=_concat([shipped.sources, uploaded.sources]),
        cases=cases,
        cohorts=cohorts,
        labs=labs,
        screening=shipped.screening,
        verification=shipped.verification,
        meta=meta,
        label="both",
    )


def template_csv(table: str = "cases") -> bytes:
    """The header row of an uploadable table (``"cases"`` or ``"labs"``) as UTF-8 CSV bytes."""
    if table not in schema.UPLOADABLE:
        raise ValueError(f"{table!r} is not uploadable ({', '.join(schema.UPLOADABLE)})")
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow(schema.TABLES[table].column_names)
    return buf.getvalue().encode("utf-8")


def upload_dictionary() -> pd.DataFrame:
    """The data dictionary of the uploadable tables, with ``required_in_upload``.

    ``required_in_upload`` differs from ``required`` for :data:`UPLOAD_OPTIONAL`
    (filled for an upload, see the module notes).
    """
    dd = data_dictionary()
    dd = dd.loc[dd["table"].isin(schema.UPLOADABLE)].reset_index(drop=True)
    dd.insert(dd.columns.get_loc("required") + 1, "required_in_upload",
              dd["required"] & ~dd["column"].isin(UPLOAD_OPTIONAL))
    return dd


def dictionary_csv() -> bytes:
    """:func:`upload_dictionary` as UTF-8 CSV bytes (formula-safe)."""
    from lib.export import safe_csv

    return safe_csv(upload_dictionary())


def template_xlsx() -> bytes:
    """An empty workbook with the sheets ``cases`` and ``labs`` (header rows) and ``dictionary``."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "cases"
    ws.append(list(schema.CASES.column_names))
    wb.create_sheet("labs").append(list(schema.LABS.column_names))
    dd = upload_dictionary()
    wd = wb.create_sheet("dictionary")
    wd.append(list(dd.columns))
    for rec in dd.itertuples(index=False):
        wd.append(list(rec))
    for row in wd.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
