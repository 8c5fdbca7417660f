"""What a page shows in words: find schema codes, raw column names, source ids and "None" cells in an AppTest.

Used by the page tests of Safety, Dosing, Cases and Genetics (issue 14). The
vocabularies come from :mod:`lib.schema` (every table's allowed values and
column names) and the source ids from data/sources.csv read with the csv
module, so the check follows the schema and the data as they grow.

What counts as a problem
------------------------
* a ``snake_case`` token that is a schema code or a column name
  (``other_infection``, ``not_stated``, ``iv_cont``, ``dose_mg_kg_day``)
  anywhere in the visible text;
* a lower-case code that is not an English word (``shlh``, ``sjia``,
  ``dira``, ``ivig``, ...) as a whole word, case-sensitive;
* a table cell that is exactly a schema code (``female``, ``sc``,
  ``complete``): categories must be shown by their labels;
* a source id as a whole word, case-sensitive (``pedrheum2008s13``; a case
  id such as ``vincent2020-p1`` contains one);
* a cell holding ``"None"``/``"nan"``/``"<NA>"`` text, or a missing cell in a
  table shown without a placeholder (Streamlit then draws "None");
* a shown column whose header is a raw column name (no label configured and
  the name is ``snake_case``).

Text quoted from the sources ("as reported" columns) is checked like any
other text except for the English-looking short codes (``sc``, ``iv``,
``mg``), which sources write themselves ("100 mg sc daily").
"""

from __future__ import annotations

import json
import math
import re

import pandas as pd

from conftest import ROOT, read_rows
from lib import filters, schema

_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_BAD_TEXT = {"None", "nan", "NaN", "<NA>", "NaT"}
# lower-case codes that are not words a clinician writes in lower case
_ACRONYM_CODES = {"dira", "shlh", "phlh", "sjia", "aosd", "ebv", "covid19", "ivig", "hb", "esr", "crp", "ldh",
                  "il6", "sil2r", "wbc"}


def schema_codes() -> set[str]:
    """Every allowed value of every schema column, and the filter vocabularies."""
    codes: set[str] = set()
    for table in schema.TABLES.values():
        for col in table.columns:
            codes.update(col.allowed)
    for _, allowed in filters.MULTI_KEYS.values():
        codes.update(allowed)
    codes.update(schema.AGE_BANDS)
    codes.add("not_stated")
    return codes


def column_names() -> set[str]:
    names: set[str] = set()
    for table in schema.TABLES.values():
        names.update(table.column_names)
    return names


def source_ids() -> set[str]:
    return {r["source_id"] for r in read_rows(ROOT / "data" / "sources.csv")}


def _main_texts(at) -> list[str]:
    """Markdown, captions, titles, headers, alerts, plain text and widget labels/options of the main area."""
    m = at.main
    out = [x.value for x in m.markdown] + [x.value for x in m.caption] + [x.value for x in m.title]
    out += [x.value for x in m.header] + [x.value for x in m.subheader] + [x.value for x in m.text]
    out += [getattr(x, "value", "") for x in m.info] + [getattr(x, "value", "") for x in m.warning]
    out += [getattr(x, "value", "") for x in m.error] + [getattr(x, "value", "") for x in m.success]
    for w in list(m.selectbox) + list(m.radio) + list(m.multiselect):
        out.append(w.label)
        out.extend(str(o) for o in w.options)
    out += [b.label for b in m.button] + [b.proto.label for b in m.get("download_button")]
    out += [t.label for t in m.text_input]
    return [str(x) for x in out if x]


def _config(df_element) -> dict:
    try:
        return json.loads(df_element.proto.columns or "{}")
    except ValueError:
        return {}


def _is_link(conf: dict) -> bool:
    return (conf.get("type_config") or {}).get("type") == "link"


def table_cells(at) -> list[tuple[int, str, object, dict]]:
    """Every shown dataframe cell: (table number, column, value, column config)."""
    cells = []
    for i, d in enumerate(at.main.dataframe):
        conf = _config(d)
        df = d.value
        for col in df.columns:
            c = conf.get(str(col), {})
            for v in df[col].tolist():
                cells.append((i, str(col), v, c))
    return cells


def _missing(v) -> bool:
    if v is None or v is pd.NA:
        return True
    try:
        return isinstance(v, float) and math.isnan(v)
    except TypeError:
        return False


class Checker:
    """Finds codes, raw names and source ids in text (see the module docstring)."""

    def __init__(self, extra_ids=frozenset()):
        self.codes = schema_codes()
        self.snake_codes = {c for c in self.codes if "_" in c} | {c for c in column_names() if "_" in c}
        ids = source_ids() | set(extra_ids)
        self.id_pattern = re.compile(r"(?<![A-Za-z0-9])(" + "|".join(sorted(map(re.escape, ids), key=len, reverse=True))
                                     + r")(?![A-Za-z0-9])") if ids else None

    def text(self, where: str, text: str, quoted: bool = False) -> list[str]:
        out = []
        # a name shown as code on purpose (`case_id` in the upload instructions) is documentation
        text = re.sub(r"`[^`]*`", "", text)
        for tok in _SNAKE.findall(text):
            if tok in self.snake_codes:
                out.append(f"{where}: schema code or column name {tok!r} in {text[:80]!r}")
        for tok in re.findall(r"\b[a-z0-9]+\b", text):
            if tok in _ACRONYM_CODES and not quoted:
                out.append(f"{where}: code {tok!r} in {text[:80]!r}")
        if self.id_pattern is not None:
            m = self.id_pattern.search(text)
            if m:
                out.append(f"{where}: source id {m.group(1)!r} in {text[:80]!r}")
        return out

    def frame(self, where: str, df: pd.DataFrame, headers: dict | None = None, placeholder: str | None = None,
              skip: frozenset = frozenset()) -> list[str]:
        """Cells and headers of a table shown with ``headers`` (column -> label) and ``placeholder``."""
        out = []
        headers = headers or {}
        for col in df.columns:
            header = headers.get(str(col)) or str(col)
            if header == str(col) and _SNAKE.fullmatch(str(col)):
                out.append(f"{where}: raw column name {col!r} as a header")
            out += self.text(f"{where} header", header)
            if str(col) in skip:
                continue
            low = header.lower()
            quoted = "reported" in low or "note" in low or low.startswith("text") or "words" in low
            for v in df[col].tolist():
                if _missing(v):
                    if placeholder in (None, "None"):
                        out.append(f"{where} column {header!r}: missing cell shown as 'None'")
                    continue
                text = str(v)
                if text in _BAD_TEXT:
                    out.append(f"{where} column {header!r}: cell {text!r}")
                if isinstance(v, str) and v in self.codes and not quoted:
                    out.append(f"{where} column {header!r}: cell is the code {v!r}")
                out += self.text(f"{where} column {header!r}", text, quoted=quoted)
        return out


# the curators' logs and the data dictionary on Data and methods: records and the reference of the codes,
# shown as they are on purpose
RAW_LOG_COLUMNS = {"Query id", "Check id", "Allowed values (codes)"}


def problems(at, extra_ids: set[str] = frozenset()) -> list[str]:
    """Every code, raw name, source id or "None" the page shows (an empty list when it reads in words).

    The screening and verification logs on the Data and methods page are the
    curators' records, shown as they are (ids included, which is what makes
    them checkable); only their empty cells are checked there.
    """
    check = Checker(extra_ids)
    out: list[str] = []
    for text in _main_texts(at):
        out += check.text("text", text)
    for i, d in enumerate(at.main.dataframe):
        shown_names = set(map(str, d.value.columns)) | {v.get("label") for v in _config(d).values() if v.get("label")}
        if RAW_LOG_COLUMNS & shown_names:
            placeholder = d.proto.placeholder if d.proto.HasField("placeholder") else None
            if placeholder in (None, "None") and d.value.isna().any().any():
                out.append(f"table {i}: a log shows missing cells as 'None'")
            continue
        conf = _config(d)
        placeholder = d.proto.placeholder if d.proto.HasField("placeholder") else None
        headers = {k: v.get("label") for k, v in conf.items() if v.get("label")}
        links = frozenset(k for k, v in conf.items() if _is_link(v))
        out += check.frame(f"table {i}", d.value, headers, placeholder, skip=links)
    return sorted(set(out))
