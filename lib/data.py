"""Loading and validating the dataset against :mod:`lib.schema`.

Everything here is pure pandas: no streamlit. The UI bridge (:mod:`lib.ui`)
wraps :func:`load_dataset` in a cache.

Validation never stops at the first problem: it collects
:class:`ValidationIssue` objects that name the file, the row (as a
spreadsheet user counts it: the header is row 1, the first record row 2),
the column and what is wrong.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from lib import schema
from lib.schema import Column, Table

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}


@dataclass(frozen=True)
class ValidationIssue:
    """One problem found in a file."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        return f"{location_text(self.file, self.row, self.column)}: {self.message}"


def location_text(file: str, row: int | None, column: str | None) -> str:
    """Where a problem is, as a spreadsheet user reads it: ``file, row 3, column 'age_years'``."""
    where = file
    if row is not None:
        where += f", row {row}"
    if column:
        where += f", column '{column}'"
    return where


class DataValidationError(ValueError):
    """Raised when a file of the dataset does not match the schema."""

    def __init__(self, issues: list[ValidationIssue]):
        self.issues = list(issues)
        shown = "\n".join(str(i) for i in self.issues[:20])
        more = f"\n... and {len(self.issues) - 20} more" if len(self.issues) > 20 else ""
        super().__init__(f"{len(self.issues)} problem(s) in the data:\n{shown}{more}")


@dataclass(frozen=True)
class Dataset:
    """The validated tables, typed, plus the dataset's metadata.

    ``cases`` and ``cohorts`` carry derived helper columns (prefixed with an
    underscore, never written back): ``_age_band``, ``_pub_year``,
    ``_pub_type`` and one boolean indicator per allowed value of each list
    column (``_route__sc``, ``_cotherapies__ivig``, ...).
    """

    sources: pd.DataFrame
    cases: pd.DataFrame
    cohorts: pd.DataFrame
    labs: pd.DataFrame
    screening: pd.DataFrame
    verification: pd.DataFrame
    meta: dict = field(default_factory=dict)
    label: str = "shipped"

    @property
    def version(self) -> str:
        return str(self.meta.get("version", "unversioned"))


# ---------------------------------------------------------------------------
# Cell parsing
# ---------------------------------------------------------------------------

def is_blank(v) -> bool:
    """True for a missing cell: None, NaN, pd.NA or text that is only white space."""
    return (v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))
            or (isinstance(v, str) and v.strip() == ""))



def _parse_cell(col: Column, raw: str):
    """Parse one non-blank cell; return (value, error message or None)."""
    text = raw.strip()
    if col.type == "str":
        if col.allowed and text not in col.allowed:
            return None, f"'{_short(text)}' is not allowed (allowed: {', '.join(col.allowed)})"
        return text, None
    if col.type == "list":
        items = [t.strip() for t in text.split(";") if t.strip()]
        if col.allowed:
            bad = [t for t in items if t not in col.allowed]
            if bad:
                return None, f"'{_short(bad[0])}' is not allowed (allowed: {', '.join(col.allowed)})"
        return ";".join(items), None
    if col.type in ("int", "float"):
        try:
            value = float(text)
        except ValueError:
            return None, f"'{_short(text)}' is not a number"
        if not math.isfinite(value):
            return None, f"'{_short(text)}' is not a finite number"
        if col.type == "int" and value != int(value):
            return None, f"'{_short(text)}' is not a whole number"
        if col.min is not None and value < col.min:
            return None, f"{text} is below the plausible minimum {col.min:g}{_unit(col)}"
        if col.max is not None and value > col.max:
            return None, f"{text} is above the plausible maximum {col.max:g}{_unit(col)}"
        return value, None
    if col.type == "bool":
        low = text.lower()
        if low in _TRUE:
            return True, None
        if low in _FALSE:
            return False, None
        return None, f"'{_short(text)}' is not true or false"
    if col.type == "date":
        try:
            if not _DATE.fullmatch(text):
                raise ValueError
            datetime.date.fromisoformat(text)
        except ValueError:
            return None, f"'{_short(text)}' is not a date (YYYY-MM-DD)"
        return text, None
    raise AssertionError(col.type)  # pragma: no cover


def _unit(col: Column) -> str:
    return f" {col.unit}" if col.unit else ""


def _short(text: str, n: int = 40) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def validate_table(raw: pd.DataFrame, table: Table, filename: str | None = None
                   ) -> tuple[pd.DataFrame, list[ValidationIssue]]:
    """Check a table of strings against the schema and convert its types.

    Parameters
    ----------
    raw : DataFrame
        The file as read, every cell a string or missing.
    table : Table
        The schema table it should follow.
    filename : str, optional
        Name used in messages (defaults to ``table.filename``).

    Returns
    -------
    typed : DataFrame
        Columns in schema order with pandas dtypes: ``str`` and ``list`` as
        object strings (missing = ``None``), ``int`` as ``Int64``, ``float``
        as ``float64`` (missing = NaN), ``bool`` as ``boolean``.
        Rows with an invalid cell keep the cell empty.
    issues : list of ValidationIssue
    """
    fname = filename or table.filename
    issues: list[ValidationIssue] = []
    cols = [str(c).strip() for c in raw.columns]
    raw = raw.copy(deep=False)  # only the header is renamed: the cells are shared (copy-on-write)
    raw.columns = cols
    missing = [c.name for c in table.columns if c.name not in cols]
    required_missing = [c for c in missing if table.column(c).required]
    for c in required_missing:
        issues.append(ValidationIssue(fname, None, c, "required column is missing"))
    unknown = [c for c in cols if c not in table.column_names]
    for c in unknown:
        issues.append(ValidationIssue(fname, 1, c, "unknown column (not in the data dictionary)"))
    dupes = {c for c in cols if cols.count(c) > 1}
    for c in sorted(dupes):
        issues.append(ValidationIssue(fname, 1, c, "column appears more than once"))
    if dupes:
        return _empty(table), issues

    out: dict[str, list] = {}
    n = len(raw)
    for col in table.columns:
        values: list = [None] * n
        if col.name in raw.columns:
            series = raw[col.name].tolist()
            for i, cell in enumerate(series):
                if is_blank(cell):
                    if col.required:
                        issues.append(ValidationIssue(fname, i + 2, col.name, "value is required"))
                    continue
                value, err = _parse_cell(col, str(cell))
                if err:
                    issues.append(ValidationIssue(fname, i + 2, col.name, err))
                else:
                    values[i] = value
        out[col.name] = values
    typed = pd.DataFrame(out, columns=list(table.column_names))
    typed = _apply_dtypes(typed, table)

    rule = _ROW_RULES.get(table.name)
    if rule is not None:
        issues.extend(rule(typed, fname, raw))

    # unique keys
    keys = typed[table.key]
    dup_mask = keys.notna() & keys.duplicated(keep="first")
    for i in np.flatnonzero(dup_mask.to_numpy()):
        issues.append(ValidationIssue(fname, int(i) + 2, table.key, f"duplicate id '{_short(keys.iloc[i])}'"))
    return typed, issues


def _source_metadata_rule(sources: pd.DataFrame, fname: str, raw: pd.DataFrame) -> list[ValidationIssue]:
    """A source may lack its year or title only when ``metadata_missing`` says so (CURATION.md)."""
    issues = []
    blank = {c: (raw[c].map(is_blank).tolist() if c in raw.columns else [True] * len(raw)) for c in ("year", "title")}
    for i, missing in enumerate(sources["metadata_missing"]):
        flagged = set((missing or "").split(";"))
        if blank["year"][i] and "year" not in flagged:
            issues.append(ValidationIssue(fname, i + 2, "year", "value is required (or list `year` in metadata_missing)"))
        if blank["title"][i] and "title" not in flagged:
            issues.append(ValidationIssue(fname, i + 2, "title", "value is required (or list `title` in metadata_missing)"))
    return issues


def _cohort_count_rule(cohorts: pd.DataFrame, fname: str, raw: pd.DataFrame) -> list[ValidationIssue]:
    """Counts of a cohort never exceed what they are counted in (n patients, or n_episodes)."""
    issues = []
    for i, row in enumerate(cohorts.itertuples(index=False)):
        if pd.isna(row.n):
            continue
        unit = row.counts_refer_to or "patients"
        limit = row.n_episodes if unit == "episodes" and not pd.isna(row.n_episodes) else row.n
        for col in ("responders", "complete_responders", "deaths", "relapses", "icu_n", "ventilated_n",
                    "infections_n", "stopped_for_ae_n"):
            v = getattr(row, col)
            if not pd.isna(v) and v > limit:
                issues.append(ValidationIssue(fname, i + 2, col, f"{v} is more than the {limit} {unit} of the group"))
        if not pd.isna(row.complete_responders) and not pd.isna(row.responders) and row.complete_responders > row.responders:
            issues.append(ValidationIssue(fname, i + 2, "complete_responders", "is more than responders"))
    return issues


_REASON_PART = re.compile(r"\s*([^:;]+?)\s*:\s*(\d+)\s*")


def parse_exclusion_reasons(cell) -> tuple[dict[str, int], str | None]:
    """Read a screening row's ``code: n; code: n`` cell.

    Returns
    -------
    counts : dict
        Records per reason code, in the order written (empty for a blank cell).
    error : str or None
        What is wrong when a part is not ``code: n``, names a code outside
        ``schema.EXCLUSION_REASONS`` or repeats a code (``counts`` then holds
        the parts read before it).
    """
    counts: dict[str, int] = {}
    if is_blank(cell):
        return counts, None
    for part in str(cell).split(";"):
        if not part.strip():
            continue
        m = _REASON_PART.fullmatch(part)
        if not m:
            return counts, f"'{_short(part.strip())}' is not of the form `reason: n`"
        code, n = m.group(1), int(m.group(2))
        if code not in schema.EXCLUSION_REASONS:
            return counts, f"'{_short(code)}' is not a reason code (allowed: {', '.join(schema.EXCLUSION_REASONS)})"
        if code in counts:
            return counts, f"reason '{code}' is listed twice"
        counts[code] = n
    return counts, None


_FLOW_COUNTS = ("records_found", "records_new", "screened", "included", "excluded")


def _screening_flow_rule(screening: pd.DataFrame, fname: str, raw: pd.DataFrame) -> list[ValidationIssue]:
    """Each look-up's numbers add up, as the methods page's flow diagram needs.

    ``records_new`` <= ``records_found``; ``screened`` = ``records_new`` (a new
    record is screened once, repeats are not); ``included`` + ``excluded`` =
    ``screened``; the reasons, all from ``schema.EXCLUSION_REASONS``, add up to
    ``excluded``. A count that is empty, or already reported as invalid, is not
    used in the sums.
    """
    issues = []
    blank = {c: (raw[c].map(is_blank).tolist() if c in raw.columns else [True] * len(raw)) for c in _FLOW_COUNTS}
    for i, row in enumerate(screening.itertuples(index=False)):
        line = i + 2
        for c in _FLOW_COUNTS[1:]:
            if blank[c][i]:
                issues.append(ValidationIssue(fname, line, c, "value is needed for the screening flow"))
        v = {c: (None if pd.isna(getattr(row, c)) else int(getattr(row, c))) for c in _FLOW_COUNTS}
        reasons, err = parse_exclusion_reasons(row.exclusion_reasons)
        if err:
            issues.append(ValidationIssue(fname, line, "exclusion_reasons", err))
        if v["records_new"] is not None and v["records_found"] is not None and v["records_new"] > v["records_found"]:
            issues.append(ValidationIssue(fname, line, "records_new",
                                          f"{v['records_new']} new records is more than the {v['records_found']} found"))
        if v["screened"] is not None and v["records_new"] is not None and v["screened"] != v["records_new"]:
            issues.append(ValidationIssue(fname, line, "screened",
                                          f"{v['screened']} screened, but {v['records_new']} new records "
                                          "(each new record is screened once; repeats are not)"))
        if None not in (v["included"], v["excluded"], v["screened"]) and v["included"] + v["excluded"] != v["screened"]:
            issues.append(ValidationIssue(fname, line, "excluded",
                                          f"included {v['included']} + excluded {v['excluded']} = "
                                          f"{v['included'] + v['excluded']}, but {v['screened']} were screened"))
        if not err and v["excluded"] is not None and sum(reasons.values()) != v["excluded"]:
            issues.append(ValidationIssue(fname, line, "exclusion_reasons",
                                          f"reasons add up to {sum(reasons.values())}, but excluded is {v['excluded']}"))
    return issues


_ROW_RULES = {"sources": _source_metadata_rule, "cohorts": _cohort_count_rule, "screening": _screening_flow_rule}


def _empty(table: Table) -> pd.DataFrame:
    return _apply_dtypes(pd.DataFrame({c: [] for c in table.column_names}), table)


def _apply_dtypes(df: pd.DataFrame, table: Table) -> pd.DataFrame:
    for col in table.columns:
        s = df[col.name]
        if col.type == "int":
            df[col.name] = pd.array([None if is_blank(v) else int(v) for v in s], dtype="Int64")
        elif col.type == "float":
            df[col.name] = pd.to_numeric(s, errors="coerce").astype("float64")
        elif col.type == "bool":
            df[col.name] = pd.array([None if v is None else bool(v) for v in s], dtype="boolean")
        else:
            df[col.name] = pd.Series([None if is_blank(v) else str(v) for v in s], dtype=object, index=df.index)
    return df


def read_csv_strings(path: Path | str) -> pd.DataFrame:
    """Read a CSV with every cell as a string (missing as NaN/None)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")


# ---------------------------------------------------------------------------
# Cross-table checks and enrichment
# ---------------------------------------------------------------------------

def cross_check(sources: pd.DataFrame, cases: pd.DataFrame, cohorts: pd.DataFrame,
                labs: pd.DataFrame) -> list[ValidationIssue]:
    """Referential checks: every case and cohort points to a source, every lab to an entity."""
    issues: list[ValidationIssue] = []
    source_ids = set(sources["source_id"].dropna())
    for i, ids in enumerate(cases["source_ids"].tolist()):
        if ids is None:
            continue
        for sid in ids.split(";"):
            if sid not in source_ids:
                issues.append(ValidationIssue("cases.csv", i + 2, "source_ids", f"source '{_short(sid)}' is not in sources.csv"))
    for i, sid in enumerate(cohorts["source_id"].tolist()):
        if sid is not None and sid not in source_ids:
            issues.append(ValidationIssue("cohorts.csv", i + 2, "source_id", f"source '{_short(sid)}' is not in sources.csv"))
    case_ids = set(cases["case_id"].dropna())
    cohort_ids = set(cohorts["cohort_id"].dropna())
    for i, cid in enumerate(cases["included_in_cohort"].tolist()):
        if cid is not None and cid not in cohort_ids:
            issues.append(ValidationIssue("cases.csv", i + 2, "included_in_cohort", f"cohort '{_short(cid)}' is not in cohorts.csv"))
    for i, (etype, eid) in enumerate(zip(labs["entity_type"].tolist(), labs["entity_id"].tolist())):
        if etype is None or eid is None:
            continue
        pool = case_ids if etype == "case" else cohort_ids
        if eid not in pool:
            issues.append(ValidationIssue("labs.csv", i + 2, "entity_id", f"{etype} '{_short(eid)}' is not in {etype}s.csv" if etype == "case" else f"cohort '{_short(eid)}' is not in cohorts.csv"))
    issues.extend(check_lab_units(labs, "labs.csv"))
    return issues


def check_lab_units(labs: pd.DataFrame, fname: str) -> list[ValidationIssue]:
    """Standardised lab values must be in the analyte's standard unit and plausible range."""
    issues = []
    for i, row in enumerate(labs.itertuples(index=False)):
        if row.analyte is None or pd.isna(row.value_std):
            continue
        std_unit = schema.ANALYTE_UNITS[row.analyte]
        if row.unit_std is not None and row.unit_std != std_unit:
            issues.append(ValidationIssue(fname, i + 2, "unit_std", f"'{_short(row.unit_std)}' is not the standard unit of {row.analyte} ({std_unit})"))
        lo, hi = schema.ANALYTE_RANGES[row.analyte]
        if row.statistic in ("mean_change",):
            continue
        if not (lo <= row.value_std <= hi):
            issues.append(ValidationIssue(fname, i + 2, "value_std", f"{row.value_std:g} {std_unit} is outside the plausible range of {row.analyte} ({lo:g}-{hi:g})"))
    return issues


def enrich(cases: pd.DataFrame, cohorts: pd.DataFrame, sources: pd.DataFrame
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add the derived helper columns used by filtering (see :class:`Dataset`).

    The inputs are not modified: the results are shallow copies (pandas copy-on-write), so the
    input columns are shared, not duplicated (at 10^6 patients a deep copy doubled the memory).
    """
    cases = cases.copy(deep=False)
    canonical = _first_source(cases["source_ids"])
    cases["_source_id"] = canonical
    cases["_pub_year"], cases["_pub_type"] = _source_lookup(sources, canonical, cases.index)
    cases["_age_band"] = age_bands(cases["age_years"])
    _add_indicators(cases, "route", schema.ROUTES)
    _add_indicators(cases, "cotherapies", schema.COTHERAPIES)

    cohorts = cohorts.copy(deep=False)
    cohorts["_source_id"] = cohorts["source_id"]
    cohorts["_pub_year"], cohorts["_pub_type"] = _source_lookup(sources, cohorts["source_id"], cohorts.index)
    cohorts["_age_band"] = age_bands(cohorts["age_median_years"])
    _add_indicators(cohorts, "route", schema.ROUTES)
    _add_indicators(cohorts, "cotherapies", schema.COTHERAPIES)
    return compact_text(cases), compact_text(cohorts)


# Text columns stored as pandas categoricals (one small integer code per row instead of an 8-byte
# pointer): see :func:`compact_text`. Empty for now: every text column stays object with None, the
# dtype the page code is written for. Measured at 10^6 synthetic patients, categoricals for the
# low-cardinality columns (condition, trigger, sex, route, response, ..., the ``_age_band`` /
# ``_pub_type`` / ``_source_id`` helpers, the labs' analyte, timepoint, ...) cut the registry from
# 664 to 521 MB and left every page of the AppTest sweep identical, but code outside this module
# still relies on object columns: ``.map(labels).fillna("")`` (a categorical refuses a new value),
# ``.to_numpy(dtype=object)`` / ``.tolist()`` expecting None (a categorical gives NaN), the
# concatenation of the shipped and the uploaded data (differing categories fall back to ``str``
# with NaN), ``value_counts()`` listing zero-count categories after filtering. Turn columns on here
# once their readers accept categoricals.
CATEGORICAL_COLUMNS: frozenset[str] = frozenset()


def compact_text(df: pd.DataFrame, columns=None) -> pd.DataFrame:
    """``df`` with its low-cardinality text columns as categoricals (a shallow copy; ``df`` unchanged).

    Why: at 10^6 rows an object column costs 8 MB of pointers even when every cell is blank; a
    categorical costs 1 MB. Only the columns named in ``columns`` (default
    :data:`CATEGORICAL_COLUMNS`) that are object dtype are converted; the categories are the
    distinct values in sorted order (so sorting by the column gives the order the strings give).
    """
    names = [c for c in (CATEGORICAL_COLUMNS if columns is None else columns)
             if c in df.columns and df[c].dtype == object]
    if not names:
        return df
    df = df.copy(deep=False)
    for c in names:
        df[c] = pd.Categorical(df[c].to_numpy(dtype=object))
    return df


def _first_source(source_ids: pd.Series) -> pd.Series:
    """The first id of each ``;``-separated ``source_ids`` cell (None where it is missing); no per-row Python.

    The distinct cells are split once and mapped back, so 10^6 rows citing a few hundred
    publications cost a few hundred splits.
    """
    codes, uniques = pd.factorize(source_ids.astype(object), use_na_sentinel=True)
    firsts = np.array([u.split(";")[0] if isinstance(u, str) else None for u in uniques] + [None], dtype=object)
    return pd.Series(firsts[codes], dtype=object, index=source_ids.index)  # code -1 (missing) -> None


def _source_lookup(sources: pd.DataFrame, source_id: pd.Series, index) -> tuple[pd.Series, pd.Series]:
    """Each row's publication year (Int64) and publication type (object) from its source id."""
    pos = pd.Index(sources["source_id"].astype(object)).get_indexer(source_id.astype(object).to_numpy())
    found = pos >= 0
    years = pd.Series(pd.array(sources["year"], dtype="Int64"), index=range(len(sources)))
    year = years.reindex(pos).array  # position -1 (no such source) -> <NA>
    types = np.append(sources["pub_type"].to_numpy(dtype=object), None)
    ptype = types[np.where(found, pos, len(types) - 1)]
    return (pd.Series(pd.array(year, dtype="Int64"), index=index),
            pd.Series(ptype, dtype=object, index=index))


def link_labs(labs: pd.DataFrame, cases: pd.DataFrame, cohorts: pd.DataFrame) -> pd.DataFrame:
    """Add ``_case_pos`` / ``_cohort_pos``: the row position of each lab's case or cohort (-1 if none).

    Filtering then selects lab rows with one array lookup instead of string matching. ``labs`` is
    not modified (a shallow copy under copy-on-write: its columns are shared, not duplicated).
    """
    labs = labs.copy(deep=False)
    ent = labs["entity_id"].to_numpy(dtype=object)
    etype = labs["entity_type"].to_numpy(dtype=object)
    cpos = pd.Index(cases["case_id"].to_numpy(dtype=object)).get_indexer(ent) if len(labs) else np.zeros(0, dtype=np.int64)
    kpos = pd.Index(cohorts["cohort_id"].to_numpy(dtype=object)).get_indexer(ent) if len(labs) else np.zeros(0, dtype=np.int64)
    labs["_case_pos"] = np.where(etype == "case", cpos, -1).astype(np.int64)
    labs["_cohort_pos"] = np.where(etype == "cohort", kpos, -1).astype(np.int64)
    return compact_text(labs)


def age_bands(age: pd.Series) -> pd.Series:
    """Vectorised :func:`lib.schema.age_band`."""
    a = pd.to_numeric(age, errors="coerce").to_numpy(dtype=float)
    # the band's position; a missing age falls through to the last slot (None). The cells share the
    # label objects: a ``<U`` array turned into objects would make one str per row.
    pos = np.select([a < 1, a < 12, a < 18, a < 65, a >= 65], list(range(len(schema.AGE_BANDS))),
                    default=len(schema.AGE_BANDS))
    labels = np.array(list(schema.AGE_BANDS) + [None], dtype=object)
    return pd.Series(labels[pos], dtype=object, index=age.index)


def _add_indicators(df: pd.DataFrame, column: str, values: tuple[str, ...]) -> None:
    s = df[column].fillna("").astype(str)
    padded = ";" + s + ";"
    for v in values:
        df[f"_{column}__{v}"] = padded.str.contains(f";{v};", regex=False).to_numpy(dtype=bool)


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------

def load_dataset(data_dir: Path | str = DATA_DIR) -> Dataset:
    """Load and validate every table of ``data_dir``.

    Raises
    ------
    DataValidationError
        Naming file, row and column of every problem found.
    """
    data_dir = Path(data_dir)
    typed: dict[str, pd.DataFrame] = {}
    issues: list[ValidationIssue] = []
    for name, table in schema.TABLES.items():
        path = data_dir / table.filename
        if not path.exists():
            issues.append(ValidationIssue(table.filename, None, None, "file is missing"))
            typed[name] = _empty(table)
            continue
        try:
            raw = read_csv_strings(path)
        except (UnicodeDecodeError, pd.errors.ParserError) as exc:
            issues.append(ValidationIssue(table.filename, None, None, f"cannot be read as UTF-8 CSV ({exc.__class__.__name__})"))
            typed[name] = _empty(table)
            continue
        df, found = validate_table(raw, table)
        typed[name] = df
        issues.extend(found)
    issues.extend(cross_check(typed["sources"], typed["cases"], typed["cohorts"], typed["labs"]))
    if issues:
        raise DataValidationError(issues)
    meta_path = data_dir / "dataset.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    cases, cohorts = enrich(typed["cases"], typed["cohorts"], typed["sources"])
    return Dataset(
        sources=typed["sources"],
        cases=cases,
        cohorts=cohorts,
        labs=link_labs(typed["labs"], cases, cohorts),
        screening=typed["screening"],
        verification=typed["verification"],
        meta=meta,
    )


def map_distinct(fn, *columns) -> np.ndarray:
    """``[fn(*row) for row in zip(*columns)]``, calling ``fn`` once per distinct combination of values.

    A per-row rule over a few low-cardinality columns (a dose, its unit and interval, a route)
    then costs one call per combination, not one per row: at 10^6 rows a few thousand calls.
    Missing values (None, NaN, pd.NA) reach ``fn`` as None. Returns an object array.
    """
    n = len(columns[0]) if columns else 0
    if n == 0:
        return np.empty(0, dtype=object)
    codes = []
    uniques = []
    for col in columns:
        c, u = pd.factorize(pd.Series(col).astype(object), use_na_sentinel=True)
        codes.append(c.astype(np.int64) + 1)  # 0 = missing
        uniques.append(np.append(np.array([None], dtype=object), np.asarray(u, dtype=object)))
    key = codes[0]
    for c, u in zip(codes[1:], uniques[1:]):
        key = pd.factorize(key)[0].astype(np.int64) * len(u) + c  # compact first: no overflow
    combo, first = np.unique(key, return_index=True)
    values = np.empty(len(combo), dtype=object)
    for i, row in enumerate(first):
        values[i] = fn(*(u[c[row]] for c, u in zip(codes, uniques)))
    return values[np.searchsorted(combo, key)]


def approx_nbytes(value, _depth: int = 0) -> int:
    """About how many bytes ``value`` holds, cheaply: for bounding a memo of results by memory.

    Frames, series and arrays count their buffers (an object column its pointers, not the str
    objects, which are mostly shared with the dataset); tuples, lists, dicts and dataclass-like
    objects their items, a few levels deep; anything else ``sys.getsizeof``. Cost: one pass over
    the containers, never over the cells.
    """
    import sys

    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(index=True, deep=False).sum())
    if isinstance(value, (pd.Series, pd.Index)):
        return int(value.memory_usage(deep=False))
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    size = sys.getsizeof(value)
    if _depth >= 4:
        return size
    if isinstance(value, dict):
        return size + sum(approx_nbytes(k, _depth + 1) + approx_nbytes(v, _depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return size + sum(approx_nbytes(v, _depth + 1) for v in value)
    fields = getattr(value, "__dict__", None)
    if isinstance(fields, dict):
        return size + sum(approx_nbytes(v, _depth + 1) for v in fields.values())
    return size


def public_columns(df: pd.DataFrame) -> pd.DataFrame:
    """Drop the derived helper columns (those starting with ``_``)."""
    return df[[c for c in df.columns if not str(c).startswith("_")]]
