"""Reading a research group's own patient-level file (CSV or XLSX) into a :class:`Dataset`.

Pure functions, no streamlit: the page passes the uploaded bytes (kept in the
browser session's memory only) and shows the :class:`UploadResult`.

What an upload may hold
-----------------------
* The ``cases`` table of :mod:`lib.schema` (one row per patient), as a CSV or
  as the sheet ``cases`` of an ``.xlsx`` workbook (a workbook with a single
  visible sheet is read as ``cases``).
* Optionally the ``labs`` table, as a second file or as the sheet ``labs``.
  Lab rows belong to an uploaded patient (``entity_type`` = ``case``) and
  hold one value each (``statistic`` = ``value``); both columns may be left
  out and are then filled so.

Rules applied to an upload (documented on the page and in the README)
--------------------------------------------------------------------
* **Sources are synthesised.** An upload is not a publication, so the columns
  ``source_ids``, ``locator``, ``extraction_date`` (and every other curation
  column) are optional. Every uploaded patient is attributed to ONE
  synthesised source, ``upload:<file name>``, titled "Uploaded file <name>";
  its ``pub_type`` is ``case_series`` (``case_report`` for a single patient).
  Any ``source_ids`` written in the file are kept, as text, at the start of
  the patient's ``note`` (never matched to the shipped sources).
* **Every id is prefixed** with ``upload:`` (``case_id``, ``lab_id``, the
  labs' ``entity_id``) so an upload can never collide with shipped rows.
* **The file is read as it is, never guessed.** An XLSX sheet is read cell
  by cell from its own references (:mod:`lib.xlsx`); what cannot be read as
  one value (a formula without a saved value, an error value, a merged
  range over the table, a row or cell stored twice, a value beyond the named
  columns, a hidden ``cases`` sheet, two sheets whose names differ only in
  capitals or spaces) rejects the file with its place named.
* **One number grammar:** ASCII digits, an optional sign, at most one
  decimal separator and an optional exponent (``-2.5``, ``1e3``). The
  separator is the point, except in a ``;``-separated CSV whose number cells
  use the decimal comma (``2,5``); then a point in a number (``1.000``) is
  refused as ambiguous. Underscores, spaces, thousands separators and
  non-ASCII digits are refused. The dialect is stated in the result
  (:class:`TableReport`).
* **Ranges on every value computed with:** each numeric column has the
  plausible range of :mod:`lib.schema`; a lab value is checked in its
  analyte's standard unit (``value_std``, or ``value_reported`` converted
  by :func:`lib.units.to_standard`) against ``ANALYTE_RANGES``. No
  non-finite number is ever loaded.
* **Cells are cleaned, and each cleaning is reported:** control characters
  are removed (line breaks and tabs become spaces), vocabulary values are
  compared case-insensitively (``MAS`` -> ``mas``).
* **Any invalid cell rejects the file** (with every problem listed by row
  and column): an empty cell means "not stated", so silently emptying an
  invalid value would change the data. The previous good upload stays in use.
* **Rows read and rows loaded are both reported** for each table; the only
  row ever left out of a loaded upload is the template's unchanged example
  row (:data:`EXAMPLE_ID`), with a warning.
* Text that looks like a spreadsheet formula (``=...``) is kept as text; the
  CSV exports neutralise it (:func:`lib.export.safe_csv`).

Limits (each gives a clear message, never an exception): file size
(:data:`MAX_BYTES`, the server's limit), rows (:data:`MAX_ROWS`), columns
(:data:`MAX_COLUMNS`), cell length (:data:`MAX_CELL_CHARS`); for XLSX the
number of zip members, the decompressed size of each part and of all parts
(:data:`MAX_UNCOMPRESSED`), shared strings (:data:`MAX_SHARED_STRINGS`) and
cells per sheet (:data:`MAX_CELLS`), checked while the parts are streamed
(reading stops at the first limit passed), after a first check of the sizes
the zip declares and of its compression ratio (:data:`MAX_RATIO`).

Speed: cleaning and typing are column-wise (pyarrow compute kernels and
numpy); Python runs per row only to build the message of a problem.
"""

from __future__ import annotations

import csv
import ctypes
import datetime
import gc
import hashlib
import io
import itertools
import math
import re
import threading
import weakref
import zipfile
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lib import schema, xlsx
from lib.data import Dataset, enrich, link_labs, location_text, validate_table
from lib.methods import data_dictionary
from lib.units import to_standard

MAX_BYTES = 20 * 1024 * 1024  # the server's limit (.streamlit/config.toml maxUploadSize = 20)
MAX_ROWS = 200_000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_UNCOMPRESSED = 250 * 1024 * 1024
MAX_RATIO = 200
MAX_ZIP_MEMBERS = 1_000
MAX_SHARED_STRINGS = 1_000_000
MAX_CELLS = 5_000_000
MAX_ISSUES = 1_000  # issues kept in a result (the rest are counted)
PREFIX = "upload:"
TRIM_AT_ROWS = 10_000  # an uploaded dataset this large hands its memory back to the system when it is freed
TRIM_DELAY_S = 1.0  # ... this long after, so the garbage collector has freed the rest of it first
TRIM_WHEN_FREED = True  # (False only to measure the difference: benchmarks/upload_bench.py)
FAST_CSV = True  # a CSV without quotes is split without the csv module (False: always the csv module; tests)
EXTENSIONS = ("csv", "tsv", "txt", "xlsx")  # what the page accepts; anything else gets a message
# Columns an upload may leave out (filled by the rules above).
UPLOAD_OPTIONAL = ("source_ids", "locator", "extraction_date")
LABS_FILLED = {"entity_type": "case", "statistic": "value"}
EXAMPLE_ID = "EXAMPLE-delete-this-row"
EXAMPLE_LAB_ID = EXAMPLE_ID + "-ferritin-before"
EXAMPLE_NOTE = "FICTIONAL EXAMPLE, not a patient: delete this row"
# What a research group fills in: the template's columns (every other column stays optional; the data
# dictionary lists them all). Curation columns (the source's own wording, locator, note, dates) are left out.
TEMPLATE_COLUMNS = {
    "cases": (
        "case_id", "condition", "trigger", "trigger_detail", "age_years", "age_group", "sex", "country",
        "weight_kg", "il1rn_variant_c", "il1rn_variant_p", "il1rn_zygosity", "hlh_gene_variants", "route",
        "dose_mg_kg_day", "dose_mg_day", "dose_amount", "dose_amount_unit", "dose_interval_h", "duration_days",
        "escalated", "start_day", "start_day_reference", "cotherapies", "prior_therapies", "response",
        "days_to_response", "days_to_defervescence", "icu", "ventilation", "relapse", "relapse_on_tapering",
        "death", "followup_days", "adverse_event_types",
    ),
    "labs": ("lab_id", "entity_id", "analyte", "timepoint", "day", "value_reported", "unit_reported"),
}
# The one example row of each template (fictional; the parser leaves it out with a warning).
EXAMPLE_ROWS = {
    "cases": {
        "case_id": EXAMPLE_ID, "condition": "mas", "trigger": "sjia", "trigger_detail": EXAMPLE_NOTE,
        "age_years": 7, "sex": "female", "weight_kg": 22, "route": "sc", "dose_mg_kg_day": 4,
        "dose_amount": 2, "dose_amount_unit": "mg/kg", "dose_interval_h": 12, "duration_days": 30,
        "escalated": False, "start_day": 1, "start_day_reference": "admission",
        "cotherapies": "glucocorticoids;ciclosporin", "response": "complete", "days_to_response": 3,
        "icu": False, "death": False, "followup_days": 180, "adverse_event_types": "none",
    },
    "labs": {
        "lab_id": EXAMPLE_LAB_ID, "entity_id": EXAMPLE_ID, "analyte": "ferritin", "timepoint": "before",
        "day": -1, "value_reported": 12000, "unit_reported": "ng/mL",
    },
}

Level = Literal["error", "warning"]

_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon (;)", "\t": "tab", "|": "vertical bar (|)"}
# Control characters, C1 controls, zero-width and bidirectional-override characters (Python and RE2 spelling).
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
_INVISIBLE_RE2 = (r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x{9f}\x{200b}-\x{200f}\x{202a}-\x{202e}\x{2060}"
                  r"\x{2066}-\x{2069}\x{feff}]")
_BREAKS = re.compile(r"[\t\r\n]+")
_BREAKS_RE2 = r"[\t\r\n]+"
_LINE_ENDS = re.compile(r"\r\n|\r|\n")  # where io.StringIO(text, newline="") ends a line
_CONTROL_RE2 = _INVISIBLE_RE2[:-1] + r"\t\r\n]"  # either of the two above
_HEADER_CLEAN = re.compile(r"[\s\-]+")
# The number grammar (RE2, ASCII digits only): point or comma as the one decimal separator.
_NUMBER_POINT = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
_NUMBER_COMMA = r"^[+-]?(?:[0-9]+(?:,[0-9]*)?|,[0-9]+)(?:[eE][+-]?[0-9]+)?$"
# In a ;-separated file read with the decimal point, "1.000" may be one thousand written the European way.
_THOUSANDS_LIKE = r"^[+-]?[1-9][0-9]{0,2}\.[0-9]{3}$"
_NOT_FINITE = re.compile(r"[+-]?(?:inf|infinity|nan)\Z", re.IGNORECASE)
_DATE_RE2 = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_TRUE = ("true", "yes", "1")  # as lib.data reads the shipped files
_FALSE = ("false", "no", "0")


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
class TableReport:
    """How one table of an upload was read.

    Attributes
    ----------
    file : str
        The file (and sheet) it was read from, as named in the issues.
    table : str
        ``"cases"`` or ``"labs"``.
    read_as : str
        The format and dialect, e.g. ``CSV, UTF-8, separated by semicolon
        (;), decimal comma`` or ``XLSX, sheet 'cases'``.
    rows_read : int
        Non-empty data rows found in the file (header and blank rows not counted).
    rows_loaded : int
        Rows that became patients or lab values (0 when the upload was rejected).
    """

    file: str
    table: str
    read_as: str
    rows_read: int
    rows_loaded: int


@dataclass(frozen=True)
class UploadResult:
    """What :func:`parse_upload` found.

    Attributes
    ----------
    dataset : Dataset or None
        The uploaded data (``label="upload"``), or ``None`` when the file was
        rejected (then at least one issue has level ``error``).
    issues : tuple of UploadIssue
        Errors and warnings, at most :data:`MAX_ISSUES` (``issues_dropped``
        counts the rest).
    summary : str
        One plain sentence for the page (no markup). It says "no problems
        found" only when there is no issue and every row read was loaded.
    issues_dropped : int
    tables : tuple of TableReport
        One per table read (empty when the file could not be read at all).
    """

    dataset: Dataset | None
    issues: tuple[UploadIssue, ...] = field(default_factory=tuple)
    summary: str = ""
    issues_dropped: int = 0
    tables: tuple[TableReport, ...] = field(default_factory=tuple)

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
    """Collects issues, keeping at most MAX_ISSUES (the rest are counted)."""

    def __init__(self) -> None:
        self.items: list[UploadIssue] = []
        self.dropped = 0

    def add(self, level: Level, file: str, row: int | None, column: str | None, message: str) -> None:
        if len(self.items) < MAX_ISSUES:
            self.items.append(UploadIssue(level, file, row, column, message))
        else:
            self.dropped += 1

    def room(self) -> int:
        return max(MAX_ISSUES - len(self.items), 0)

    def add_cells(self, level: Level, file: str, rows: np.ndarray, column: str | None, positions: np.ndarray,
                  message) -> None:
        """One issue per position (``message(k)`` builds its text), only as many as there is room for."""
        shown = positions[: self.room()]
        for k in shown:
            self.add(level, file, int(rows[k]), column, message(int(k)))
        self.dropped += len(positions) - len(shown)

    @property
    def n_errors(self) -> int:
        return sum(1 for i in self.items if i.level == "error")

    @property
    def has_errors(self) -> bool:
        return any(i.level == "error" for i in self.items)


@dataclass
class _Raw:
    """A table as read: each named column a pyarrow string array (null = empty cell).

    ``rows`` holds each record's spreadsheet row number.
    """

    table: str
    columns: dict[str, pa.Array]
    rows: np.ndarray
    file: str
    header_row: int = 1
    read_as: str = ""
    delimiter: str | None = None

    def __len__(self) -> int:
        return len(self.rows)


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
    finally:
        _release_arrow()  # pyarrow's allocator keeps freed memory per thread: release it in the parsing thread


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
        reports = tuple(_report(r, 0) for r in tables.values())
        return _result(None, issues, f"{exc.file or fname} was not loaded: {exc.message}.", reports)

    source_id = PREFIX + _id_safe(fname)
    cases = _prepare_cases(tables["cases"], source_id, today, issues)
    labs = _prepare_labs(tables["labs"], cases, today, issues) if "labs" in tables else _empty_typed(schema.LABS)
    if issues.has_errors or cases is None or labs is None:
        reports = tuple(_report(r, 0) for r in tables.values())
        n_err = issues.n_errors + issues.dropped
        read = _rows_text(reports)
        return _result(None, issues, f"{fname} was not loaded: {n_err} problem(s) to fix (listed by row and "
                                     f"column); {read}, none loaded. Nothing of it is used.", reports)
    reports = (_report(tables["cases"], len(cases)),) + ((_report(tables["labs"], len(labs)),) if "labs" in tables else ())

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
    if len(cases) + len(labs) >= TRIM_AT_ROWS:
        # when the session that holds it ends (or drops it), give the freed memory back to the system
        weakref.finalize(ds, _trim_when_freed)
    n_warn = len(issues.items) + issues.dropped
    complete = all(r.rows_read == r.rows_loaded for r in reports)
    loaded = f"{n} patient(s)" + (f" and {len(labs)} lab value(s)" if "labs" in tables else "")
    if n_warn == 0 and complete:
        tail = "; no problems found."
    elif complete:
        tail = f"; {n_warn} warning(s) about changes made while reading."
    else:
        left = sum(r.rows_read - r.rows_loaded for r in reports)
        tail = f"; {left} row(s) read but not loaded, and {n_warn} warning(s): see the messages."
    summary = f"{fname} loaded: {loaded} ({_rows_text(reports)}, {_loaded_text(reports)}){tail}"
    return _result(ds, issues, summary, reports)


def _report(raw: _Raw, loaded: int) -> TableReport:
    return TableReport(raw.file, raw.table, raw.read_as, len(raw), loaded)


def _rows_text(reports) -> str:
    return " and ".join(f"{r.rows_read:,} {r.table} row(s) read" for r in reports) or "no rows read"


def _loaded_text(reports) -> str:
    return " and ".join(f"{r.rows_loaded:,} loaded" for r in reports)


def _result(ds: Dataset | None, issues: _Issues, summary: str, reports=()) -> UploadResult:
    return UploadResult(dataset=ds, issues=tuple(issues.items), summary=summary, issues_dropped=issues.dropped,
                        tables=tuple(reports))


def refused(name: str, message: str) -> UploadResult:
    """A rejected result for a file that could not even be taken (e.g. the upload widget failed)."""
    fname = _display_name(name)
    return UploadResult(None, (UploadIssue("error", fname, None, None, message),), f"{fname} was not loaded: {message}.")


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


def tables_frame(result: UploadResult) -> pd.DataFrame:
    """How each table was read: columns ``file``, ``table``, ``read_as``, ``rows_read``, ``rows_loaded``."""
    return pd.DataFrame([(t.file, t.table, t.read_as, t.rows_read, t.rows_loaded) for t in result.tables],
                        columns=["file", "table", "read_as", "rows_read", "rows_loaded"])


def release_memory() -> None:
    """Give freed memory back to the operating system (after an upload is removed or replaced).

    Runs the garbage collector, asks pyarrow's allocator to release unused
    memory and, on glibc, calls ``malloc_trim(0)`` (without it the server
    process keeps the freed arenas of a large upload). Never raises.

    A dataset of :data:`TRIM_AT_ROWS` rows or more also calls it by itself
    when it is freed, e.g. when its browser session closes.
    """
    gc.collect()
    _trim()


def _trim_when_freed() -> None:
    """Called when a large uploaded dataset is freed: run :func:`release_memory` a moment later, in the
    background (its frames are partly freed by the garbage collector, after this call)."""
    if TRIM_WHEN_FREED:
        timer = threading.Timer(TRIM_DELAY_S, lambda: release_memory())
        timer.daemon = True
        timer.start()


def _release_arrow() -> None:
    try:
        pa.default_memory_pool().release_unused()
    except Exception:  # noqa: BLE001 - best effort
        pass


def _trim() -> None:
    _release_arrow()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl): nothing to trim
        pass


# ---------------------------------------------------------------------------
# Reading bytes into raw string tables
# ---------------------------------------------------------------------------

def _display_name(name: str) -> str:
    """The file's base name, cleaned for messages (no path, no control characters, at most 80 chars)."""
    base = re.split(r"[\\/]", str(name or "upload"))[-1]
    base = _INVISIBLE.sub("", _BREAKS.sub(" ", base)).strip() or "upload"
    if len(base) <= 80:
        return base
    stem, dot, ext = base.rpartition(".")
    ext = "." + ext if dot and 0 < len(ext) <= 10 else ""
    return base[: 79 - len(ext)] + "…" + ext  # shortened, but the extension still decides how it is read


def _id_safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:60].strip("_") or "file"


def extension_problem(name: str) -> str | None:
    """Why a file name is not accepted (its extension is not one of :data:`EXTENSIONS`), or None.

    The page checks names itself (the upload widget accepts any name) so a
    crafted name gets this message, never an exception.
    """
    fname = _display_name(name)
    ext = fname.rsplit(".", 1)[-1].lower() if "." in fname else ""
    if ext in EXTENSIONS:
        return None
    allowed = ", ".join("." + e for e in EXTENSIONS)
    if ext in ("xlsm", "xlsb", "xltx", "xltm", "xls", "ods", "numbers"):
        return (f"files of type .{ext} are not supported; save the workbook as an Excel workbook (.xlsx) or as "
                f"CSV UTF-8 (accepted: {allowed})")
    shown = f"files of type .{_short(ext, 10)}" if ext else "files without an extension"
    return f"{shown} are not supported; upload a CSV or .xlsx file (accepted: {allowed})"


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
    if ext not in EXTENSIONS and ext != "":
        raise _Reject(extension_problem(fname) or "this type of file is not read")
    if ext == "xlsx":
        if not is_zip:
            raise _Reject(f"this file is named .{ext} but is not an Excel workbook (an .xlsx file is a zip "
                          "archive and this one does not start like one); save it again from Excel as .xlsx, "
                          "or upload it as CSV")
        return _read_xlsx(fname, data, max_rows, issues, want)
    if is_zip:
        issues.add("warning", fname, None, None, "the file is a zip archive, read as an Excel workbook (.xlsx)")
        return _read_xlsx(fname, data, max_rows, issues, want)
    return [_read_csv(fname, data, max_rows, issues, want)]


def _decode(fname: str, data: bytes, issues: _Issues) -> tuple[str, str]:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise _Reject("the file starts like UTF-16 text but cannot be decoded; save it as CSV UTF-8") from None
        issues.add("warning", fname, None, None, "read as UTF-16 text (Excel 'Unicode text'); CSV UTF-8 is preferred")
        return text, "UTF-16"
    try:
        return data.decode("utf-8-sig"), "UTF-8"
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
    return text, enc


def _read_csv(fname: str, data: bytes, max_rows: int, issues: _Issues, want: str) -> _Raw:
    text, encoding = _decode(fname, data, issues)
    nul = text.count("\x00")
    if nul:
        if nul > max(10, len(text) // 100):
            raise _Reject(f"the file holds {nul:,} NUL bytes: it is a binary file, not a text CSV")
        text = text.replace("\x00", "")
        issues.add("warning", fname, None, None, f"{nul} NUL byte(s) removed from the file")
    controls = sum(1 for ch in text[:20000] if ch < " " and ch not in "\t\r\n")
    if controls > 200:
        raise _Reject("the file does not look like text (too many control characters); upload a CSV or .xlsx file")
    header_line = next((ln for ln in io.StringIO(text) if ln.strip()), "")
    delimiter = _guess_delimiter(header_line)
    lines = _plain_lines(text) if FAST_CSV else None
    records: list[list[str]] | None = None
    if lines is not None:  # no quote anywhere: each line is one record, its cells split at the delimiter
        del text
        filled = [bool(ln.replace(delimiter, "").strip()) for ln in lines]  # "".join(cells).strip()
        if sum(filled) > max_rows + 1:
            raise _Reject(f"the file has more than {max_rows:,} rows; split it or remove rows (at most "
                          f"{max_rows:,} patients or lab values per file)")
    else:
        records, filled = _csv_records(text, delimiter, max_rows)
        del text
    nonblank = np.array(filled, dtype=bool)
    filled_at = np.flatnonzero(nonblank)
    if not len(filled_at):
        raise _Reject("the file is empty")
    h = int(filled_at[0])
    header = records[h] if records is not None else lines[h].split(delimiter)
    if len(header) > MAX_COLUMNS:
        raise _Reject(f"the header has {len(header):,} columns; at most {MAX_COLUMNS} are read", row=h + 1)
    keep = filled_at[1:]
    rows = keep + 1  # spreadsheet row numbers: record 0 is row 1
    width = len(header)
    columns = None
    if records is None:
        body_lines = list(itertools.compress(itertools.islice(lines, h + 1, None), filled[h + 1:]))
        del lines
        cells = pc.split_pattern(pa.array(body_lines, type=pa.string()), delimiter)
        if len(body_lines) and bool((pc.list_value_length(cells).to_numpy() == width).all()):
            columns = [pc.list_element(cells, j) for j in range(width)]  # every row as wide as the header
        else:
            body = [ln.split(delimiter) for ln in body_lines]
        del cells, body_lines
    else:
        body = list(itertools.compress(itertools.islice(records, h + 1, None), filled[h + 1:]))
        del records
    if columns is None:
        columns = _columns(fname, body, rows, width, issues)
        del body
    if delimiter != ",":
        issues.add("warning", fname, None, None, f"values are separated by {_DELIMITER_NAMES[delimiter]}, not comma; "
                                                 "read accordingly")
    raw = _finish_table(fname, header, columns, rows, issues, h + 1)
    raw.delimiter = delimiter
    raw.read_as = f"CSV, {encoding}, separated by {_DELIMITER_NAMES[delimiter]}"
    return raw


def _plain_lines(text: str) -> list[str] | None:
    """The file's lines when it can be read without the csv module: no quote character anywhere and no line
    longer than the csv module's field limit (the csv module refuses such a field). Lines end at ``\r\n``,
    ``\r`` or ``\n``, as ``io.StringIO(text, newline="")`` splits them for the csv module. None otherwise."""
    if '"' in text:
        return None
    lines = _LINE_ENDS.split(text)
    if lines and lines[-1] == "":
        lines.pop()  # the text ends with a line end (or is empty): no record after it
    if lines and max(map(len, lines)) > csv.field_size_limit():
        return None
    return lines


def _csv_records(text: str, delimiter: str, max_rows: int) -> tuple[list[list[str]], list[bool]]:
    """Every record of the text, read by the csv module (strict), and whether each holds anything but
    white space."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[list[str]] = []
    filled: list[bool] = []  # whether each record holds anything but white space
    try:
        while True:
            chunk = list(itertools.islice(reader, 50_000))
            if not chunk:
                break
            records.extend(chunk)
            filled.extend(map(bool, map(str.strip, map("".join, chunk))))
            if sum(filled) > max_rows + 1:
                raise _Reject(f"the file has more than {max_rows:,} rows; split it or remove rows (at most "
                              f"{max_rows:,} patients or lab values per file)")
    except csv.Error as exc:
        msg = str(exc)
        if "field larger than field limit" in msg:
            msg = f"a cell is longer than {csv.field_size_limit():,} characters (often an unclosed quote \")"
        elif "unexpected end of data" in msg:
            msg = "a quoted cell is never closed (a \" without its closing \")"
        elif "expected after" in msg:
            msg = f"a quote \" inside a quoted cell must be doubled (\"\"); {msg}"
        raise _Reject(f"cannot be read as CSV: {_short(msg, 120)}", row=reader.line_num) from None
    return records, filled


def _columns(fname: str, body: list[list[str]], rows: np.ndarray, width: int, issues: _Issues) -> list[pa.Array]:
    """The records' cells as one string array per column: values beyond the header's width are errors
    (unless blank), missing trailing cells are read as empty (with one warning)."""
    lens = np.fromiter(map(len, body), dtype=np.int64, count=len(body))
    for k in np.flatnonzero(lens > width):
        rec = body[k]
        if any(c.strip() for c in rec[width:]):
            issues.add("error", fname, int(rows[k]), None, f"the row has {len(rec)} values but the header has "
                                                           f"{width} columns (a delimiter inside an unquoted cell?)")
        body[k] = rec[:width]
    short = np.flatnonzero(lens < width)
    for k in short:
        body[k] = body[k] + [""] * (width - len(body[k]))
    if len(short):
        issues.add("warning", fname, None, None, f"{len(short)} row(s) have fewer values than the header; the "
                                                 "missing trailing cells are read as empty")
    if not body:
        return [pa.array([], type=pa.string()) for _ in range(width)]
    return [pa.array(list(col), type=pa.string()) for col in zip(*body)]  # (a list converts 4x faster than a tuple)


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


def _finish_table(fname: str, header: list, columns: list[pa.Array], rows: np.ndarray, issues: _Issues,
                  header_row: int = 1) -> _Raw:
    """Name the columns, detect which table it is, drop unnamed empty columns."""
    names = [_norm_header(h) for h in header]
    renamed = [str(h) for h, n in zip(header, names) if n and str(h) != n]
    if renamed:
        issues.add("warning", fname, header_row, None, f"{len(renamed)} column name(s) were normalised to the "
                                                       f"template's spelling (e.g. '{_short(renamed[0], 30)}')")
    named: dict[str, pa.Array] = {}
    dupes: list[str] = []
    for j, n in enumerate(names):
        col = columns[j] if j < len(columns) else pa.nulls(len(rows), pa.string())
        if not n:
            if pc.any(pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(col)), 0)).as_py():
                issues.add("warning", fname, header_row, f"column {j + 1}", "column without a name; its values are ignored")
            continue
        if n in named:
            dupes.append(n)
        named[n] = col
    if dupes:
        raise _Reject("column appears more than once (each column may occur once)", row=header_row, column=dupes[0])
    cases_known = len(set(named) & set(schema.CASES.column_names))
    labs_known = len(set(named) & set(schema.LABS.column_names) - {"locator", "note", "extraction_date", "derived_fields"})
    if cases_known == 0 and labs_known == 0:
        shown = ", ".join(f"'{_short(n, 20)}'" for n in names[:5] if n)
        raise _Reject("the first row holds no column name of the template (e.g. case_id, condition, trigger); "
                      f"is the first row the header? Found: {shown or 'nothing'}", row=header_row)
    table = "labs" if ("lab_id" in named or "analyte" in named) and "case_id" not in named else "cases"
    if not len(rows):
        raise _Reject(f"the {table} table has a header but no data rows")
    return _Raw(table=table, columns=named, rows=np.asarray(rows, dtype=np.int64), file=fname, header_row=header_row)


# ---------------------------------------------------------------------------
# XLSX
# ---------------------------------------------------------------------------

def _xlsx_limits(max_rows: int) -> xlsx.Limits:
    return xlsx.Limits(max_members=MAX_ZIP_MEMBERS, max_part_bytes=MAX_UNCOMPRESSED,
                       max_total_bytes=MAX_UNCOMPRESSED, max_shared_strings=MAX_SHARED_STRINGS,
                       max_cells=MAX_CELLS, max_rows=max_rows + 11, max_cell_chars=10 * MAX_CELL_CHARS)


def _read_xlsx(fname: str, data: bytes, max_rows: int, issues: _Issues, want: str) -> list[_Raw]:
    # A first look at what the zip declares (cheap; the streaming limits hold even when it lies).
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
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
    try:
        wb = xlsx.Workbook(data, _xlsx_limits(max_rows))
    except xlsx.XlsxError as exc:
        raise _Reject(_xlsx_message(exc)) from None
    try:
        out = []
        for table, sheet in _pick_sheets(fname, wb, want, issues):
            try:
                cells = wb.read_sheet(sheet)
            except xlsx.XlsxError as exc:
                raise _Reject(_xlsx_message(exc, max_rows), file=_sheet_label(fname, sheet.name)) from None
            out.append(_sheet_to_raw(fname, sheet.name, cells, max_rows, issues, table))
        return out
    finally:
        wb.close()


def _xlsx_message(exc: xlsx.XlsxError, max_rows: int | None = None) -> str:
    msg = exc.message
    if isinstance(exc, xlsx.XlsxLimitError) and "rows with values" in msg and max_rows is not None:
        return (f"the sheet has more than {max_rows:,} rows; split it or remove rows (at most {max_rows:,} rows "
                "per table); reading stopped")
    if isinstance(exc, xlsx.XlsxLimitError) and "zip bomb" not in msg:
        msg += ": possibly a zip bomb, or a table far larger than this app reads"
    return msg


def _sheet_label(fname: str, sheet: str) -> str:
    return f"{fname} [{_short(_INVISIBLE.sub('', sheet), 30)}]"


def _norm_sheet(name: str) -> str:
    return re.sub(r"\s+", " ", _INVISIBLE.sub("", name)).strip().lower()


def _pick_sheets(fname: str, wb: xlsx.Workbook, want: str, issues: _Issues) -> list[tuple[str, xlsx.SheetInfo]]:
    """Which sheet holds which table; refuses hidden and ambiguously named sheets."""
    by_name: dict[str, xlsx.SheetInfo] = {}
    for s in wb.sheets:
        key = _norm_sheet(s.name)
        if key in by_name:
            raise _Reject(f"two sheets have the same name once capitals and spaces are ignored ("
                          f"'{_short(_INVISIBLE.sub('', by_name[key].name), 30)}' and "
                          f"'{_short(_INVISIBLE.sub('', s.name), 30)}'): which one to read is unclear; rename or "
                          "delete one of them")
        by_name[key] = s
    visible = [s for s in wb.sheets if s.state == "visible"]

    def shown(s: xlsx.SheetInfo) -> xlsx.SheetInfo:
        if s.state != "visible":
            how = ("very hidden (Excel does not even list it under Unhide)" if s.state == "veryHidden"
                   else "hidden")
            raise _Reject(f"the sheet '{_short(_INVISIBLE.sub('', s.name), 30)}' is {how}: a hidden sheet is never "
                          "read, so that what is analysed is what you see. Unhide it (or delete it) and upload again")
        return s

    picked: list[tuple[str, xlsx.SheetInfo]] = []
    if want == "labs":
        if "labs" in by_name:
            picked.append(("labs", shown(by_name["labs"])))
        elif len(visible) == 1:
            picked.append(("labs", visible[0]))
        else:
            raise _Reject(f"no sheet named 'labs' (sheets: {_sheet_list(wb.sheets)})")
    else:
        if "cases" in by_name:
            picked.append(("cases", shown(by_name["cases"])))
        elif len(visible) == 1:
            only = visible[0]
            which = "only sheet" if len(wb.sheets) == 1 else "only visible sheet"
            issues.add("warning", fname, None, None, f"no sheet named 'cases'; the {which} "
                                                     f"'{_short(_INVISIBLE.sub('', only.name), 30)}' is read")
            picked.append(("cases", only))
        else:
            raise _Reject(f"no sheet named 'cases' (sheets: {_sheet_list(wb.sheets)}); name the patients' sheet 'cases'")
        if "labs" in by_name and by_name["labs"] is not picked[0][1]:
            picked.append(("labs", shown(by_name["labs"])))
    used = {id(s) for _, s in picked}
    hidden = [s for s in wb.sheets if s.state != "visible" and id(s) not in used]
    if hidden:
        issues.add("warning", fname, None, None, f"{len(hidden)} hidden sheet(s) not read ("
                                                 f"{_sheet_list(hidden)}); only visible sheets are read")
    return picked


def _sheet_list(sheets) -> str:
    names = [s.name if isinstance(s, xlsx.SheetInfo) else str(s) for s in sheets]
    shown = ", ".join(f"'{_short(_INVISIBLE.sub('', n), 30)}'" for n in names[:10])
    return shown + (" ..." if len(names) > 10 else "")


def _sheet_to_raw(fname: str, sheet_name: str, cells: xlsx.SheetCells, max_rows: int, issues: _Issues,
                  want: str) -> _Raw:
    """Find the header row, report what cannot be read as one value, and build the columns."""
    label = _sheet_label(fname, sheet_name)
    short_name = _short(_INVISIBLE.sub("", sheet_name), 30)
    row, col, val = cells.row, cells.col, cells.value
    if len(val):
        arr = pa.array(val, type=pa.string())
        filled = pc.fill_null(pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(arr)), 0), False)
        mask = filled.to_numpy(zero_copy_only=False)
        row, col, val = row[mask], col[mask], val[mask]
    urows, starts = np.unique(row, return_index=True)
    bounds = np.append(starts, len(row))
    known = set(schema.CASES.column_names) | set(schema.LABS.column_names)
    header: list | None = None
    header_row = 1
    skipped: list[int] = []
    for k in range(min(len(urows), 11)):
        line = dict(zip(col[bounds[k]:bounds[k + 1]].tolist(), val[bounds[k]:bounds[k + 1]].tolist()))
        if not any(_norm_header(v) in known for v in line.values()):
            skipped.append(int(urows[k]))  # a title or note above the header
            if len(skipped) >= 10:
                break
            continue
        header_row = int(urows[k])
        width = max(line) + 1
        if width > MAX_COLUMNS:
            raise _Reject(f"the sheet has more than {MAX_COLUMNS} columns (a value in column "
                          f"{xlsx.column_letter(width - 1)})", row=header_row, file=label)
        header = [line.get(j) for j in range(width)]
        break
    names = [_norm_header(h) for h in header] if header is not None else []

    def where(c: int | None) -> str | None:
        if c is None:
            return None
        return names[c] if c < len(names) and names[c] else xlsx.column_letter(c)

    for p in cells.problems:
        issues.add("error", label, p.row, where(p.col), p.message)
    issues.dropped += cells.problems_dropped
    if header is None and skipped:
        raise _Reject(f"the sheet '{short_name}' holds no column name of the template (e.g. case_id, "
                      f"condition, trigger) in its first {len(skipped)} non-empty row(s)", row=skipped[0], file=label)
    if header is None:
        raise _Reject(f"the sheet '{short_name}' is empty", file=label)
    if skipped:
        issues.add("warning", label, skipped[0], None, f"{len(skipped)} row(s) above the header row {header_row} were "
                   "skipped (a title or notes?)")
    width = len(header)
    merged = [m for m in cells.merges if m[2] >= header_row and (m[0] != m[2] or m[1] != m[3])]
    for r1, c1, r2, c2 in merged[:20]:
        ref = f"{xlsx.column_letter(c1)}{r1}:{xlsx.column_letter(c2)}{r2}"
        others = (r2 - r1 + 1) * (c2 - c1 + 1) - 1
        issues.add("error", label, r1, where(c1), f"the cells {ref} are merged: a spreadsheet keeps the value in "
                   f"{xlsx.column_letter(c1)}{r1} only, so the other {others} cell(s) would be read as empty (not "
                   "stated); unmerge them and type the value in each cell")
    if len(merged) > 20:
        issues.add("error", label, None, None, f"{len(merged) - 20} more merged range(s) over the table")
    if cells.formulas:
        fr, fc = cells.first_formula
        issues.add("warning", label, fr, where(fc), f"{cells.formulas} cell(s) hold formulas; the values last "
                   "calculated and saved with the file were read (first one here)")
    data = row > header_row
    drow, dcol, dval = row[data], col[data], val[data]
    drows = np.unique(drow)
    if len(drows) > max_rows:
        raise _Reject(f"the sheet has more than {max_rows:,} rows; split it or remove rows (at most "
                      f"{max_rows:,} rows per table)", file=label)
    beyond = dcol >= width
    if beyond.any():
        brow, first = np.unique(drow[beyond], return_index=True)
        bcol = dcol[beyond][first]
        issues.add_cells("error", label, brow, None, np.arange(len(brow)),
                         lambda k: f"the row has values beyond the {width} named columns (first in column "
                                   f"{xlsx.column_letter(int(bcol[k]))})")
    pos = np.searchsorted(drows, drow)
    inside = ~beyond
    pos, dcol, dval = pos[inside], dcol[inside], dval[inside]
    order = np.argsort(dcol, kind="stable")
    pos, dcol, dval = pos[order], dcol[order], dval[order]
    edges = np.searchsorted(dcol, np.arange(width + 1))
    n = len(drows)
    columns = []
    for j in range(width):
        a, b = edges[j], edges[j + 1]
        if a == b:
            columns.append(pa.nulls(n, pa.string()))
            continue
        full = np.full(n, None, dtype=object)
        full[pos[a:b]] = dval[a:b]
        columns.append(pa.array(full, type=pa.string()))
    raw = _finish_table(label, [h or "" for h in header], columns, drows, issues, header_row)
    if raw.table != want:
        raise _Reject(f"the sheet '{short_name}' does not look like the {want} table (see the template)", file=label)
    raw.read_as = f"XLSX, sheet '{short_name}'"
    return raw


# ---------------------------------------------------------------------------
# Cleaning and typing, column by column
# ---------------------------------------------------------------------------

def _decimal(raw: _Raw, table: schema.Table) -> str:
    """The file's decimal separator: ``,`` only in a ``;``-separated CSV whose number cells use it."""
    if raw.delimiter != ";":
        return "."
    comma = r"^\s*[+-]?(?:[0-9]*,[0-9]+|[0-9]+,)(?:[eE][+-]?[0-9]+)?\s*$"
    for c in table.columns:
        arr = raw.columns.get(c.name)
        if arr is not None and c.type in ("int", "float") and pc.any(pc.match_substring_regex(arr, comma)).as_py():
            return ","
    return "."


def _number_problem(text: str, decimal: str, delimiter: str | None) -> str:
    """Why a cell does not follow the number grammar, in the user's terms."""
    shown = _short(text)
    if _NOT_FINITE.match(text):
        return f"'{shown}' is not a finite number"
    if any(ch.isdigit() and not ch.isascii() for ch in text):
        return f"'{shown}' is not a number: it holds digits other than 0-9 (write it with the digits 0-9)"
    if "_" in text:
        return f"'{shown}' is not a number: numbers may not hold underscores (write 10, not 1_0)"
    if decimal == "," and "." in text:
        return (f"'{shown}' is not a number in this file: its numbers use the decimal comma (e.g. 2,5), so a point "
                "is ambiguous (a thousands separator?); write it without thousands separators (1000) or with a "
                "decimal comma")
    if "," in text:
        why = "this file is comma-separated, so " if delimiter == "," else ""
        return (f"'{shown}' is not a number: {why}decimals are written with a point (e.g. 2.5) and numbers without "
                "thousands separators")
    if any(ch in text for ch in " \u00a0\u202f'’"):
        return f"'{shown}' is not a number: numbers may not hold spaces or thousands separators"
    return f"'{shown}' is not a number"


class _Counts:
    """How many cells each cleaning changed, and where the first one is."""

    def __init__(self) -> None:
        self.items: dict[str, list] = {}

    def note(self, kind: str, changed: pa.Array, rows: np.ndarray, column: str) -> None:
        if not pc.any(changed).as_py():
            return
        mask = pc.fill_null(changed, False).to_numpy(zero_copy_only=False)
        hits = np.flatnonzero(mask)
        entry = self.items.setdefault(kind, [0, None])
        entry[0] += len(hits)
        entry[1] = entry[1] or (int(rows[hits[0]]), column)

    def report(self, file: str, issues: _Issues) -> None:
        msgs = {
            "ctrl": "cell(s) held line breaks, tabs or invisible control characters: replaced by spaces or removed",
            "case": "vocabulary value(s) written in capitals were read in lower case",
            "comma": "number(s) with a decimal comma were read with a decimal point",
        }
        for kind, (n, first) in self.items.items():
            issues.add("warning", file, first[0], first[1], f"{n} {msgs[kind]} (first one here)")


def _clean_column(arr: pa.Array, col: schema.Column, raw: _Raw, issues: _Issues, counts: _Counts) -> pa.Array:
    """Overlong cells are errors; breaks become spaces, invisible characters go; trimmed; blank -> null."""
    lengths = pc.utf8_length(arr)
    long = pc.fill_null(pc.greater(lengths, MAX_CELL_CHARS), False)
    if pc.any(long).as_py():
        hits = np.flatnonzero(long.to_numpy(zero_copy_only=False))
        sizes = lengths.to_numpy(zero_copy_only=False)
        issues.add_cells("error", raw.file, raw.rows, col.name, hits[:50],
                         lambda k: f"the cell holds {int(sizes[k]):,} characters (at most {MAX_CELL_CHARS:,})")
        arr = pc.if_else(long, pa.scalar(None, pa.string()), arr)
    trimmed = pc.utf8_trim_whitespace(arr)
    if pc.any(pc.match_substring_regex(arr, _CONTROL_RE2)).as_py():  # most columns hold none: one pass only
        cleaned = pc.utf8_trim_whitespace(
            pc.replace_substring_regex(pc.replace_substring_regex(arr, _BREAKS_RE2, " "), _INVISIBLE_RE2, ""))
        counts.note("ctrl", pc.not_equal(cleaned, trimmed), raw.rows, col.name)
        trimmed = cleaned
    out = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)
    if col.allowed and col.type in ("str", "list"):
        low = pc.utf8_lower(out)
        counts.note("case", pc.not_equal(low, out), raw.rows, col.name)
        out = low
    return out


def _missing(col: schema.Column, n: int):
    if col.type == "float":
        return np.full(n, np.nan)
    if col.type == "int":
        return pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))
    if col.type == "bool":
        return pd.arrays.BooleanArray(np.zeros(n, dtype=bool), np.ones(n, dtype=bool))
    return np.full(n, None, dtype=object)


def _typed_column(arr: pa.Array, col: schema.Column, raw: _Raw, issues: _Issues, decimal: str, counts: _Counts):
    """The column in its schema type (as :func:`lib.data.validate_table` types it); problems become errors."""
    file, rows, n, name = raw.file, raw.rows, len(raw), col.name
    valid = pc.is_valid(arr).to_numpy(zero_copy_only=False)
    if col.required:
        issues.add_cells("error", file, rows, name, np.flatnonzero(~valid), lambda k: "value is required")

    def text(k: int) -> str:
        return arr[k].as_py()

    allowed = ", ".join(col.allowed)
    if col.type == "str":
        if col.allowed:
            ok = pc.is_in(arr, value_set=pa.array(col.allowed)).to_numpy(zero_copy_only=False)
            issues.add_cells("error", file, rows, name, np.flatnonzero(valid & ~ok),
                             lambda k: f"'{_short(text(k))}' is not allowed (allowed: {allowed})")
        return arr.to_numpy(zero_copy_only=False)
    if col.type == "list":
        parts = pc.split_pattern(arr, ";")
        flat = pc.utf8_trim_whitespace(pc.list_flatten(parts))
        parent = pc.list_parent_indices(parts).to_numpy(zero_copy_only=False)
        keep = pc.greater(pc.utf8_length(flat), 0).to_numpy(zero_copy_only=False)
        if col.allowed:
            ok = pc.is_in(flat, value_set=pa.array(col.allowed)).to_numpy(zero_copy_only=False)
            bad = np.flatnonzero(keep & ~ok)
            if len(bad):
                bad_rows, first = np.unique(parent[bad], return_index=True)
                items = dict(zip(bad_rows.tolist(), flat.take(pa.array(bad[first])).to_pylist()))
                issues.add_cells("error", file, rows, name, bad_rows,
                                 lambda k: f"'{_short(items[k])}' is not allowed (allowed: {allowed})")
        sizes = np.bincount(parent[keep], minlength=n)
        offsets = pa.array(np.concatenate([[0], np.cumsum(sizes)]).astype(np.int32), type=pa.int32())
        joined = pc.binary_join(pa.ListArray.from_arrays(offsets, flat.filter(pa.array(keep))), ";")
        joined = pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), joined)
        return joined.to_numpy(zero_copy_only=False)
    if col.type in ("int", "float"):
        grammar = _NUMBER_COMMA if decimal == "," else _NUMBER_POINT
        ok = pc.fill_null(pc.match_substring_regex(arr, grammar), False).to_numpy(zero_copy_only=False)
        issues.add_cells("error", file, rows, name, np.flatnonzero(valid & ~ok),
                         lambda k: _number_problem(text(k), decimal, raw.delimiter))
        if raw.delimiter == ";" and decimal == ".":
            like = pc.fill_null(pc.match_substring_regex(arr, _THOUSANDS_LIKE), False).to_numpy(zero_copy_only=False)
            issues.add_cells("error", file, rows, name, np.flatnonzero(like),
                             lambda k: f"'{_short(text(k))}' is ambiguous in a semicolon-separated file: a point "
                                       "followed by three digits may be a thousands separator; write it without "
                                       "thousands separators (1000), or with fewer decimals (1.0) if it is a decimal")
            ok &= ~like
        source = arr
        if decimal == ",":
            counts.note("comma", pc.match_substring(arr, ","), rows, name)
            source = pc.replace_substring(arr, ",", ".")
        good = valid & ok
        values = np.full(n, np.nan)
        if good.any():
            values[good] = _to_float(source.filter(pa.array(good)))
        finite = np.isfinite(values)
        issues.add_cells("error", file, rows, name, np.flatnonzero(good & ~finite),
                         lambda k: f"'{_short(text(k))}' is not a finite number")
        good &= finite
        if col.type == "int":
            whole = values == np.floor(values)
            issues.add_cells("error", file, rows, name, np.flatnonzero(good & ~whole),
                             lambda k: f"'{_short(text(k))}' is not a whole number")
            good &= whole
        unit = f" {col.unit}" if col.unit else ""
        if col.min is not None:
            issues.add_cells("error", file, rows, name, np.flatnonzero(good & (values < col.min)),
                             lambda k: f"{_short(text(k))} is below the plausible minimum {col.min:g}{unit}")
        if col.max is not None:
            issues.add_cells("error", file, rows, name, np.flatnonzero(good & (values > col.max)),
                             lambda k: f"{_short(text(k))} is above the plausible maximum {col.max:g}{unit}")
        values[~good] = np.nan
        if col.type == "int":
            return pd.arrays.IntegerArray(np.where(good, values, 0).astype(np.int64), ~good)
        return values
    if col.type == "bool":
        low = pc.utf8_lower(arr)
        yes = pc.fill_null(pc.is_in(low, value_set=pa.array(_TRUE)), False).to_numpy(zero_copy_only=False)
        no = pc.fill_null(pc.is_in(low, value_set=pa.array(_FALSE)), False).to_numpy(zero_copy_only=False)
        issues.add_cells("error", file, rows, name, np.flatnonzero(valid & ~yes & ~no),
                         lambda k: f"'{_short(text(k))}' is not true or false")
        return pd.arrays.BooleanArray(yes, ~(yes | no))
    if col.type == "date":
        texts = arr.to_numpy(zero_copy_only=False)
        shaped = pc.fill_null(pc.match_substring_regex(arr, _DATE_RE2), False).to_numpy(zero_copy_only=False)
        real = np.zeros(n, dtype=bool)
        if shaped.any():
            parsed = pd.to_datetime(pd.Series(texts[shaped], dtype=object), format="%Y-%m-%d", errors="coerce")
            real[shaped] = parsed.notna().to_numpy()
            for k in np.flatnonzero(shaped & ~real):  # outside pandas' range (before 1678, after 2261)
                try:
                    datetime.date.fromisoformat(texts[k])
                    real[k] = True
                except ValueError:
                    pass
        issues.add_cells("error", file, rows, name, np.flatnonzero(valid & ~real),
                         lambda k: f"'{_short(texts[k])}' is not a date (YYYY-MM-DD)")
        return texts
    raise AssertionError(col.type)  # pragma: no cover


def _to_float(arr: pa.Array) -> np.ndarray:
    """Cells that follow the number grammar (point as separator) as floats, as Python's ``float`` reads them.

    pyarrow's cast reads them in C, correctly rounded like ``float`` (overflow gives inf, checked after);
    should it refuse one, the cells are read by numpy from Python strings instead."""
    try:
        return pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return arr.to_numpy(zero_copy_only=False).astype(np.float64)


def _type_table(raw: _Raw, table: schema.Table, issues: _Issues, optional=(), decimal: str = ".") -> pd.DataFrame:
    """Clean and type every column of ``raw`` against ``table``; columns in schema order, dtypes as
    :func:`lib.data.validate_table` gives them (``str``/``list``/``date`` object with None, ``float64``,
    ``Int64``, ``boolean``)."""
    n = len(raw)
    for c in table.columns:
        if c.required and c.name not in raw.columns and c.name not in optional:
            issues.add("error", raw.file, None, c.name, "required column is missing")
    for name in raw.columns:
        if name not in table.column_names:
            issues.add("warning", raw.file, raw.header_row, name, "unknown column (not in the data dictionary): ignored")
    counts = _Counts()
    out = {}
    for c in table.columns:
        arr = raw.columns.get(c.name)
        if arr is None:
            values = _missing(c, n)
        else:
            values = _typed_column(_clean_column(arr, c, raw, issues, counts), c, raw, issues, decimal, counts)
        if c.type in ("str", "list", "date"):
            values = pd.Series(values, dtype=object)
        out[c.name] = values
    counts.report(raw.file, issues)
    return pd.DataFrame(out, columns=list(table.column_names))


def _fill(df: pd.DataFrame, raw: _Raw, col: str, value: str, issues: _Issues, why: str) -> None:
    """Fill ``col`` with ``value``: silently where the column was left out, with a warning for blank cells."""
    blank = df[col].isna().to_numpy()
    if not blank.any():
        return
    df.loc[blank, col] = value
    if col in raw.columns:
        issues.add("warning", raw.file, None, col, f"{int(blank.sum())} empty cell(s) filled with '{value}' ({why})")


def _fill_provenance(df: pd.DataFrame, raw: _Raw, today: datetime.date, issues: _Issues) -> None:
    for col, value in (("locator", "uploaded file"), ("extraction_date", today.isoformat())):
        _fill(df, raw, col, value, issues, "an upload has no publication to point to")


def _prefixed(ids: pd.Series) -> pd.Series:
    """``upload:`` + id, unless the id already starts with it (missing stays missing)."""
    arr = pa.array(ids.to_numpy(dtype=object), type=pa.string())
    out = pc.if_else(pc.fill_null(pc.starts_with(arr, PREFIX), False), arr,
                     pc.binary_join_element_wise(PREFIX, arr, ""))
    return pd.Series(out.to_numpy(zero_copy_only=False), index=ids.index, dtype=object)


def _example_mask(df: pd.DataFrame, raw: _Raw, table: str, key: str, example_id: str, issues: _Issues) -> np.ndarray:
    """Rows that are the template's example row; unchanged ones are left out (warning), changed ones are errors.

    Unchanged means: every column the file holds has the template's example value in that row.
    """
    lowered = pc.utf8_lower(pa.array(df[key].to_numpy(dtype=object), type=pa.string()))
    hit = pc.fill_null(pc.is_in(lowered, value_set=pa.array([example_id.lower(), (PREFIX + example_id).lower()])),
                       False).to_numpy(zero_copy_only=False)
    drop = np.zeros(len(df), dtype=bool)
    if not hit.any():
        return drop
    example = _example_typed(table)
    for k in np.flatnonzero(hit):
        same = all(_same(df[c].iloc[k], example[c].iloc[0]) for c in raw.columns
                   if c in example.columns and c != key and c not in UPLOAD_OPTIONAL and c not in LABS_FILLED)
        if same:
            drop[k] = True
            issues.add("warning", raw.file, int(raw.rows[k]), key, f"the template's example row ({key} "
                       f"{example_id}) was left out: it is fictional. Delete it from your file")
        else:
            issues.add("error", raw.file, int(raw.rows[k]), key, f"'{example_id}' is the template's example id, "
                       f"but this row was changed: give it an id of its own (or delete the example row)")
    return drop


def _same(a, b) -> bool:
    a_missing = a is None or a is pd.NA or (isinstance(a, float) and math.isnan(a))
    b_missing = b is None or b is pd.NA or (isinstance(b, float) and math.isnan(b))
    if a_missing or b_missing:
        return a_missing and b_missing
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    return bool(a == b)


def _example_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_EXAMPLE_TYPED: dict[str, pd.DataFrame] = {}


def _example_typed(table: str) -> pd.DataFrame:
    """The template's example row, typed like an upload (computed once)."""
    if table not in _EXAMPLE_TYPED:
        cols = {c: pa.array([_example_text(v)], type=pa.string()) for c, v in EXAMPLE_ROWS[table].items()}
        raw = _Raw(table=table, columns=cols, rows=np.array([2]), file="template")
        _EXAMPLE_TYPED[table] = _type_table(raw, schema.TABLES[table], _Issues(),
                                            optional=UPLOAD_OPTIONAL + tuple(LABS_FILLED))
    return _EXAMPLE_TYPED[table]


def _drop_rows(df: pd.DataFrame, raw: _Raw, drop: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    if not drop.any():
        return df, raw.rows
    return df.loc[~drop].reset_index(drop=True), raw.rows[~drop]


def _duplicates(ids: pd.Series, written: pd.Series, rows: np.ndarray, file: str, column: str,
                issues: _Issues) -> bool:
    dup = ids.duplicated(keep="first").to_numpy()
    if not dup.any():
        return False
    first_of = dict(zip(ids[~dup], written[~dup]))

    def message(k: int) -> str:
        mine, other = written.iloc[k], first_of.get(ids.iloc[k])
        text = f"duplicate id '{_short(mine)}'"
        if mine != other:
            text += f" (the same patient as '{_short(other)}': ids with and without the '{PREFIX}' prefix are the same)"
        return text

    issues.add_cells("error", file, rows, column, np.flatnonzero(dup), message)
    return True


def _prepare_cases(raw: _Raw, source_id: str, today: datetime.date, issues: _Issues) -> pd.DataFrame | None:
    decimal = _decimal(raw, schema.CASES)
    raw.read_as += ", decimal comma" if decimal == "," else ", decimal point"
    typed = _type_table(raw, schema.CASES, issues, optional=UPLOAD_OPTIONAL, decimal=decimal)
    if issues.has_errors:
        return None
    drop = _example_mask(typed, raw, "cases", "case_id", EXAMPLE_ID, issues)
    typed, rows = _drop_rows(typed, raw, drop)
    if issues.has_errors:
        return None
    if not len(typed):
        issues.add("error", raw.file, None, None, "the file holds only the template's example row: nothing to load")
        return None
    _fill_provenance(typed, raw, today, issues)
    given = typed["source_ids"]
    if given.notna().any():
        note = typed["note"]
        has = given.notna().to_numpy()
        lead = "Uploaded source_ids: " + given[has].astype(str) + "."
        old = note[has]
        typed.loc[has, "note"] = (lead + np.where(old.notna(), " " + old.fillna("").astype(str), "")).astype(object)
        issues.add("warning", raw.file, None, "source_ids", "every uploaded patient is attributed to the uploaded file "
                   f"('{source_id}'); the source_ids written in the file are kept at the start of each note")
    typed["source_ids"] = pd.Series([source_id] * len(typed), dtype=object)
    # a dose per administration in mg/kg above the highest plausible daily dose per kg is no dose
    limit = schema.CASES.column("dose_mg_kg_day").max
    per_kg = ((typed["dose_amount_unit"] == "mg/kg") & (typed["dose_amount"] > limit)).to_numpy(dtype=bool)
    issues.add_cells("error", raw.file, rows, "dose_amount", np.flatnonzero(per_kg),
                     lambda k: f"{typed['dose_amount'].iloc[k]:g} mg/kg per dose is above the plausible maximum "
                               f"{limit:g} mg/kg")
    written = typed["case_id"].copy()
    typed["case_id"] = _prefixed(typed["case_id"])
    _duplicates(typed["case_id"], written, rows, raw.file, "case_id", issues)
    return None if issues.has_errors else typed


def _prepare_labs(raw: _Raw, cases: pd.DataFrame | None, today: datetime.date, issues: _Issues) -> pd.DataFrame | None:
    decimal = _decimal(raw, schema.LABS)
    raw.read_as += ", decimal comma" if decimal == "," else ", decimal point"
    typed = _type_table(raw, schema.LABS, issues, optional=UPLOAD_OPTIONAL + tuple(LABS_FILLED), decimal=decimal)
    if issues.has_errors or cases is None:
        return None
    drop = _example_mask(typed, raw, "labs", "lab_id", EXAMPLE_LAB_ID, issues)
    typed, rows = _drop_rows(typed, raw, drop)
    if issues.has_errors:
        return None
    for col, value in LABS_FILLED.items():
        _fill(typed, raw, col, value, issues, "an upload holds one value per patient")
    _fill_provenance(typed, raw, today, issues)
    written = typed["lab_id"].copy()
    typed["lab_id"] = _prefixed(typed["lab_id"])
    typed["entity_id"] = _prefixed(typed["entity_id"])
    file = raw.file
    not_case = (typed["entity_type"] != "case").to_numpy(dtype=bool)
    issues.add_cells("error", file, rows, "entity_type", np.flatnonzero(not_case),
                     lambda k: "an upload holds patients only: use 'case'")
    unknown = ~not_case & ~typed["entity_id"].isin(set(cases["case_id"])).to_numpy()
    issues.add_cells("error", file, rows, "entity_id", np.flatnonzero(unknown),
                     lambda k: f"patient '{_short(typed['entity_id'].iloc[k])}' is not in the uploaded cases")
    not_value = (typed["statistic"] != "value").to_numpy(dtype=bool)
    issues.add_cells("error", file, rows, "statistic", np.flatnonzero(not_value),
                     lambda k: f"'{typed['statistic'].iloc[k]}' is a summary of a group: an upload holds one value "
                               "per patient (statistic 'value')")
    _check_lab_values(typed, rows, file, issues)
    _duplicates(typed["lab_id"], written, rows, file, "lab_id", issues)
    return None if issues.has_errors else typed


def _check_lab_values(labs: pd.DataFrame, rows: np.ndarray, file: str, issues: _Issues) -> None:
    """Every lab value the dashboard computes with, in the analyte's standard unit, against its plausible range.

    The value used is ``value_std`` where given, else ``value_reported`` converted by
    :func:`lib.units.to_standard` (as :func:`lib.labs.standardised_values` does). Both are checked when
    both can be had; a value that cannot be converted is reported as a warning (it is not used).
    """
    analyte = labs["analyte"].astype(object)
    std_unit = analyte.map(schema.ANALYTE_UNITS).astype(object)
    lo = analyte.map({a: r[0] for a, r in schema.ANALYTE_RANGES.items()}).to_numpy(dtype=float)
    hi = analyte.map({a: r[1] for a, r in schema.ANALYTE_RANGES.items()}).to_numpy(dtype=float)
    unit_std = labs["unit_std"].astype(object)
    wrong_unit = (unit_std.notna() & (unit_std != std_unit)).to_numpy(dtype=bool)
    issues.add_cells("error", file, rows, "unit_std", np.flatnonzero(wrong_unit),
                     lambda k: f"'{_short(unit_std.iloc[k])}' is not the standard unit of {analyte.iloc[k]} "
                               f"({std_unit.iloc[k]})")
    unit = labs["unit_reported"].astype(object)
    pairs = pd.DataFrame({"analyte": analyte, "unit": unit}).reset_index(drop=True)
    known = pairs.dropna().drop_duplicates()
    known["factor"] = [to_standard(a, 1.0, u) for a, u in zip(known["analyte"], known["unit"])]  # per unit, not row
    factor = pairs.merge(known, on=["analyte", "unit"], how="left")["factor"].to_numpy(dtype=float, na_value=np.nan)
    reported = labs["value_reported"].to_numpy(dtype=float)
    given = labs["value_std"].to_numpy(dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        converted = reported * factor
    has_std = ~np.isnan(given)
    convertible = ~np.isnan(factor) & ~np.isnan(reported)
    finite = np.isfinite(converted)
    issues.add_cells("error", file, rows, "value_reported", np.flatnonzero(convertible & ~finite),
                     lambda k: f"{reported[k]:g} {unit.iloc[k]} is not a finite number once converted to "
                               f"{std_unit.iloc[k]}")
    out_std = has_std & ((given < lo) | (given > hi))
    issues.add_cells("error", file, rows, "value_std", np.flatnonzero(out_std),
                     lambda k: f"{given[k]:g} {std_unit.iloc[k]} is outside the plausible range of "
                               f"{analyte.iloc[k]} ({lo[k]:g}-{hi[k]:g})")
    out_conv = convertible & finite & ((converted < lo) | (converted > hi))
    issues.add_cells("error", file, rows, "value_reported", np.flatnonzero(out_conv),
                     lambda k: f"{reported[k]:g} {unit.iloc[k]} is {converted[k]:g} {std_unit.iloc[k]}, outside "
                               f"the plausible range of {analyte.iloc[k]} ({lo[k]:g}-{hi[k]:g})")
    unusable = np.flatnonzero(~has_std & ~np.isnan(reported) & np.isnan(factor))
    if len(unusable):
        k = unusable[0]
        issues.add("warning", file, int(rows[k]), "unit_reported", f"{len(unusable)} lab value(s) have a unit that "
                   f"cannot be converted to the analyte's standard unit (first: '{_short(unit.iloc[k])}' for "
                   f"{analyte.iloc[k]}); they are not used in lab comparisons. Give value_std, or a unit of the "
                   "data dictionary")
    both = has_std & convertible & finite & ~out_std & ~out_conv
    differ = np.flatnonzero(both & (np.abs(converted - given) > 0.02 * np.maximum(np.abs(given), 1e-9) + 1e-9))
    if len(differ):
        k = differ[0]
        issues.add("warning", file, int(rows[k]), "value_std", f"{len(differ)} lab value(s) have a value_std that "
                   f"differs from value_reported converted (first: {reported[k]:g} {unit.iloc[k]} is "
                   f"{converted[k]:g} {std_unit.iloc[k]}, value_std {given[k]:g}); value_std is used")


_EMPTY: dict[str, pd.DataFrame] = {}


def _empty_typed(table: schema.Table) -> pd.DataFrame:
    """An empty, typed table (a fresh copy each time)."""
    if table.name not in _EMPTY:
        _EMPTY[table.name], _ = validate_table(pd.DataFrame({c: pd.Series(dtype=object) for c in table.column_names}),
                                               table)
    return _EMPTY[table.name].copy()


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
    """The template of an uploadable table (``"cases"`` or ``"labs"``) as UTF-8 CSV bytes.

    The columns a research group fills (:data:`TEMPLATE_COLUMNS`) and ONE
    fictional example row (id :data:`EXAMPLE_ID`), which :func:`parse_upload`
    leaves out with a warning if it is uploaded unchanged.
    """
    if table not in schema.UPLOADABLE:
        raise ValueError(f"{table!r} is not uploadable ({', '.join(schema.UPLOADABLE)})")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(TEMPLATE_COLUMNS[table])
    writer.writerow([_example_text(EXAMPLE_ROWS[table].get(c)) for c in TEMPLATE_COLUMNS[table]])
    return buf.getvalue().encode("utf-8")


def upload_dictionary() -> pd.DataFrame:
    """The data dictionary of the uploadable tables (every column), with ``required_in_upload`` and ``in_template``.

    ``required_in_upload`` differs from ``required`` for the columns an upload
    may leave out (:data:`UPLOAD_OPTIONAL`, and the labs' ``entity_type`` and
    ``statistic``, filled as ``case`` and ``value``); ``in_template`` says
    whether the template carries the column.
    """
    dd = data_dictionary()
    dd = dd.loc[dd["table"].isin(schema.UPLOADABLE)].reset_index(drop=True)
    filled = dd["column"].isin(UPLOAD_OPTIONAL) | ((dd["table"] == "labs") & dd["column"].isin(list(LABS_FILLED)))
    dd.insert(dd.columns.get_loc("required") + 1, "required_in_upload", dd["required"] & ~filled)
    dd["in_template"] = [c in TEMPLATE_COLUMNS[t] for t, c in zip(dd["table"], dd["column"])]
    return dd


def dictionary_csv() -> bytes:
    """:func:`upload_dictionary` as UTF-8 CSV bytes (formula-safe)."""
    from lib.export import safe_csv

    return safe_csv(upload_dictionary())


def template_xlsx() -> bytes:
    """A workbook with the sheets ``cases`` and ``labs`` (template columns, one example row) and ``dictionary``."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "cases"
    for table, sheet in (("cases", ws), ("labs", wb.create_sheet("labs"))):
        sheet.append(list(TEMPLATE_COLUMNS[table]))
        sheet.append([EXAMPLE_ROWS[table].get(c) for c in TEMPLATE_COLUMNS[table]])
    dd = upload_dictionary()
    wd = wb.create_sheet("dictionary")
    wd.append(list(dd.columns))
    for rec in dd.itertuples(index=False):
        wd.append(list(rec))
    for sheet in (ws, wb["labs"], wd):
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, never a formula
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
