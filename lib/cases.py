"""Tables of the Cases page, in words: a searchable case list, one case's detail, and its sources.

Every category is shown by its label (:mod:`lib.schema` ``*_LABELS``), every
study by its label (:func:`lib.citations.source_labels`), every patient by
:func:`lib.citations.patient_labels`; no schema code, column name or source id
reaches a cell. Missing text is ``None`` (the page shows it as "—"); numbers
stay numbers (NaN when not stated) so that columns sort. Pure pandas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib import schema
from lib.citations import (_CASE_NUMBER, TextInWords, _own_words, cohort_labels, patient_labels, patient_words,
                            source_labels, text_in_words)
from lib.data import is_blank, map_distinct, public_columns
from lib.dosing import dose_words
from lib.filters import FilteredView
from lib.links import doi_url, pubmed_url
from lib.wording import MISSING

TABLE_COLUMNS = [
    "Patient", "Study", "Condition", "Trigger", "Trigger as reported", "Age (years)", "Age as reported", "Sex",
    "Country", "Route", "Dose per administration", "Dose (mg/kg/day)", "Dose (mg/day)", "Response", "Survival",
    "PubMed", "DOI",
]
SOURCE_COLUMNS = ["Study", "Title", "Journal or meeting", "Year", "Volume, issue, pages", "PubMed", "DOI"]

SEX_LABELS = {"female": "Female", "male": "Male"}
ZYGOSITY_LABELS = {"homozygous": "Homozygous", "compound_heterozygous": "Compound heterozygous",
                   "heterozygous": "Heterozygous"}
START_DAY_REFERENCE_LABELS = {"diagnosis": "diagnosis", "admission": "admission", "symptom_onset": "symptom onset"}
ORIGIN_LABELS = {"shipped": "Published", "upload": "Uploaded (not published)"}
DEATH_LABELS = {True: "Died", False: "Alive"}
YES_NO = {True: "Yes", False: "No"}

# Case columns in the order the detail shows them, with the words that name them.
FIELD_LABELS = {
    "patient_label": "Patient, as the source describes them",
    "source_ids": "Reported in",
    "included_in_cohort": "Also counted in the group",
    "condition": "Condition",
    "trigger": "Trigger or background",
    "trigger_detail": "Trigger as reported",
    "age_years": "Age (years)",
    "age_as_reported": "Age as reported",
    "age_group": "Age group",
    "sex": "Sex",
    "country": "Country",
    "weight_kg": "Weight (kg)",
    "il1rn_variant_c": "IL1RN variant (HGVS c.)",
    "il1rn_variant_p": "IL1RN variant (HGVS p.)",
    "il1rn_transcript": "IL1RN reference transcript",
    "il1rn_zygosity": "IL1RN zygosity",
    "variant_as_reported": "Genetic finding as reported",
    "hlh_gene_variants": "HLH gene variants",
    "route": "Route of anakinra",
    "dose_amount": "Dose per administration",
    "dose_as_reported": "Dose as reported",
    "dose_mg_kg_day": "Highest daily dose (mg/kg/day)",
    "dose_mg_day": "Highest daily dose (mg/day)",
    "duration_days": "Days on anakinra",
    "escalated": "Dose escalated",
    "start_day": "First anakinra dose",
    "cotherapies": "Given with anakinra",
    "cotherapy_detail": "Given with anakinra, as reported",
    "prior_therapies": "Given before anakinra",
    "prior_therapy_detail": "Given before anakinra, as reported",
    "response": "Response",
    "response_as_reported": "Response as reported",
    "days_to_response": "Days from first dose to response",
    "days_to_defervescence": "Days from first dose to end of fever",
    "icu": "Intensive care",
    "ventilation": "Mechanical ventilation",
    "relapse": "Relapse or flare after response",
    "relapse_on_tapering": "Relapse while tapering or after stopping",
    "death": "Survival at last follow-up",
    "survival_as_reported": "Survival as reported",
    "followup_days": "Follow-up from first dose (days)",
    "adverse_event_types": "Adverse events",
    "adverse_events": "Adverse events as reported",
    "locator": "Where in the source",
    "note": "Curators' note",
    "derived_fields": "Values worked out by arithmetic",
    "extraction_date": "Extracted on",
}
# Shown inside another field's value, never on their own.
_FOLDED = {"case_id", "dose_amount_unit", "dose_interval_h", "start_day_reference"}

_CATEGORY_LABELS = {
    "condition": schema.CONDITION_LABELS,
    "trigger": schema.TRIGGER_LABELS,
    "age_group": schema.AGE_GROUP_LABELS,
    "sex": SEX_LABELS,
    "il1rn_zygosity": ZYGOSITY_LABELS,
    "response": schema.RESPONSE_LABELS,
}
_LIST_LABELS = {
    "route": schema.ROUTE_LABELS,
    "cotherapies": schema.COTHERAPY_LABELS,
    "prior_therapies": schema.COTHERAPY_LABELS,
    "adverse_event_types": schema.ADVERSE_EVENT_LABELS,
}


# ---------------------------------------------------------------------------
# Words for one value
# ---------------------------------------------------------------------------

def list_words(value, labels: dict[str, str]) -> str | None:
    """A ``;``-separated list of codes in words (``"sc;iv"`` -> ``"Subcutaneous, IV bolus"``); None when blank."""
    if is_blank(value):
        return None
    items = [v.strip() for v in str(value).split(";") if v.strip()]
    return ", ".join(labels.get(v, v.replace("_", " ")) for v in items) or None


def category_words(value, labels: dict[str, str]) -> str | None:
    """One code in words; None when blank."""
    if is_blank(value):
        return None
    return labels.get(str(value), str(value).replace("_", " "))


def _bool(value) -> bool | None:
    if is_blank(value):
        return None
    try:
        return bool(value)
    except (TypeError, ValueError):
        return None


def _num(value) -> str:
    return f"{float(value):g}"


def field_value(column: str, value, row=None, sources: pd.DataFrame | None = None,
                cohorts: pd.DataFrame | None = None, words: TextInWords | None = None) -> str | None:
    """One case value in words, for the detail table; None when not stated.

    ``row`` (the whole case) is needed for values shown together (the dose
    per administration with its unit and interval; the first dose's day with
    what it is counted from); ``sources``/``cohorts`` name the studies and the
    group that ``source_ids``/``included_in_cohort`` refer to; ``words``
    rewrites ids and codes in free text (:func:`lib.citations.text_in_words`).
    """
    get = (lambda k: row.get(k)) if row is not None else (lambda k: None)
    if column == "dose_amount":
        return dose_words(value, get("dose_amount_unit"), get("dose_interval_h"), get("route"))
    if is_blank(value):
        return None
    if column in _CATEGORY_LABELS:
        return category_words(value, _CATEGORY_LABELS[column])
    if column in _LIST_LABELS:
        return list_words(value, _LIST_LABELS[column])
    if column == "death":
        return DEATH_LABELS.get(_bool(value))
    if column in ("icu", "ventilation", "relapse", "relapse_on_tapering", "escalated"):
        return YES_NO.get(_bool(value))
    if column == "start_day":
        ref = category_words(get("start_day_reference"), START_DAY_REFERENCE_LABELS)
        day = float(value)
        when = f"day {day:g}" + (f" after {ref}" if ref and day >= 0 else f" (counted from {ref})" if ref else "")
        return when
    if column == "source_ids":
        labels = source_labels(sources) if sources is not None else {}
        return "; ".join(labels.get(s, "Unidentified publication") for s in str(value).split(";") if s)
    if column == "included_in_cohort":
        if words is not None and str(value) in words.labels:
            return words.labels[str(value)]
        if cohorts is not None and sources is not None:
            match = cohorts.loc[cohorts["cohort_id"] == value]
            if len(match):
                return str(cohort_labels(match, sources).iloc[0])
        return "A group row of the same study"
    if column == "derived_fields":
        names = [FIELD_LABELS.get(c.strip(), c.strip().replace("_", " ")) for c in str(value).split(";") if c.strip()]
        return "; ".join(names) or None
    col = schema.CASES.column(column) if column in schema.CASES.column_names else None
    if col is not None and col.type in ("float", "int"):
        return _num(value)
    text = " ".join(str(value).split())
    if words is not None:
        text = words(text)
    return text or None


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------

def search_cases(view: FilteredView, query: str = "") -> pd.DataFrame:
    """The cases in view that match the Cases search (all of them for an empty query).

    A plain case-insensitive substring match (no regular expressions, so any
    input is safe; at most 100 characters are used) over the text a reader
    sees or expects to find: the patient and study labels, every author of
    the study, trigger and condition in words and as reported, country,
    genetic findings, dose as reported, and the curators' note.
    """
    cases = view.cases
    query = (query or "").strip().lower()[:100]
    if not query or cases.empty:
        return cases
    src = view.sources.drop_duplicates("source_id").set_index("source_id")
    authors = src["authors"].to_dict() if "authors" in src.columns else {}
    first = src["first_author"].to_dict()
    canon = cases["_source_id"]
    text_cols = ["trigger_detail", "country", "variant_as_reported", "il1rn_variant_c", "il1rn_variant_p",
                 "dose_as_reported", "note", "patient_label", "age_as_reported"]
    parts = [_text_or_empty(cases[c]) for c in text_cols]
    parts.append(patient_labels(cases, view.sources).to_numpy(dtype=object))
    parts.append(map_distinct(lambda v: schema.CONDITION_LABELS.get(v, ""), cases["condition"]))
    parts.append(map_distinct(lambda v: schema.TRIGGER_LABELS.get(v, ""), cases["trigger"]))
    parts.append(map_distinct(lambda s: "" if is_blank(authors.get(s)) else str(authors.get(s)), canon))
    parts.append(map_distinct(lambda s: "" if is_blank(first.get(s)) else str(first.get(s)), canon))
    # one haystack per row, joined and searched column-wise (Python's str.lower and ``in`` on object
    # arrays: the same case folding and substring rule as a per-row join)
    hay = pd.Series(parts[0], dtype=object)
    for part in parts[1:]:
        hay = hay + " " + pd.Series(part, dtype=object)
    keep = hay.str.lower().str.contains(query, regex=False).to_numpy(dtype=bool)
    return cases.loc[keep]


def _text_or_empty(values: pd.Series) -> np.ndarray:
    """A text column as Python strings for searching: ``str(v)``, and "" where missing (an object array)."""
    return map_distinct(lambda v: "" if v is None else str(v), values)


def _words_for(view: FilteredView, words: TextInWords | None) -> TextInWords:
    return words if words is not None else text_in_words(view.sources, view.cases, view.cohorts)


def case_table(view: FilteredView, query: str = "", words: TextInWords | None = None) -> pd.DataFrame:
    """The cases in view matching ``query`` (:func:`search_cases`) as a display table in words.

    ``words`` rewrites ids and codes in the free-text columns; pass
    :func:`lib.citations.text_in_words` of the whole dataset (default: of
    the view).

    Returns
    -------
    DataFrame
        Columns :data:`TABLE_COLUMNS` (plus ``Origin`` second when shipped and
        uploaded cases are shown together), indexed by ``case_id`` (the page
        uses it to pick a case; it is not displayed). Text cells are words or
        None; ``Age (years)`` and the daily doses are numbers (NaN when not
        stated); ``PubMed``/``DOI`` are safe links or None.
    """
    cases = search_cases(view, query)
    src = view.sources.drop_duplicates("source_id").set_index("source_id")
    labels = source_labels(view.sources)
    canon = cases["_source_id"]
    pubmed = {k: pubmed_url(v) for k, v in src["pmid"].items()}
    doi = {k: doi_url(v) for k, v in src["doi"].items()}
    words = _words_for(view, words)

    # every cell below is made once per distinct value (or combination) of the columns it reads, not
    # once per row: at 10^6 cases a column has a few thousand distinct values at most (ids aside)
    def each(fn, *columns) -> list:
        return map_distinct(fn, *columns).tolist()  # a list: the column's dtype is inferred as before

    def category(labels_of):
        return lambda v: category_words(v, labels_of)

    table = pd.DataFrame({
        "Patient": patient_column(cases),
        "Study": map_distinct(lambda s: labels.get(s, "Unidentified publication"), canon),
        "Condition": each(category(schema.CONDITION_LABELS), cases["condition"]),
        "Trigger": each(category(schema.TRIGGER_LABELS), cases["trigger"]),
        "Trigger as reported": each(words, cases["trigger_detail"]),
        "Age (years)": cases["age_years"].to_numpy(dtype=float),
        "Age as reported": each(lambda v, g: str(v) if not is_blank(v) else category_words(g, schema.AGE_GROUP_LABELS),
                                cases["age_as_reported"], cases["age_group"]),
        "Sex": each(category(SEX_LABELS), cases["sex"]),
        "Country": each(words, cases["country"]),
        "Route": each(lambda v: list_words(v, schema.ROUTE_LABELS), cases["route"]),
        "Dose per administration": each(dose_words, cases["dose_amount"], cases["dose_amount_unit"],
                                        cases["dose_interval_h"], cases["route"]),
        "Dose (mg/kg/day)": cases["dose_mg_kg_day"].to_numpy(dtype=float),
        "Dose (mg/day)": cases["dose_mg_day"].to_numpy(dtype=float),
        "Response": each(category(schema.RESPONSE_LABELS), cases["response"]),
        "Survival": each(lambda v: DEATH_LABELS.get(_bool(v)), cases["death"]),
        "PubMed": map_distinct(lambda s: pubmed.get(s), canon),
        "DOI": map_distinct(lambda s: doi.get(s), canon),
    }, columns=TABLE_COLUMNS, index=pd.Index(cases["case_id"].to_numpy(dtype=object), name="case_id"))
    if "_origin" in cases.columns:
        table.insert(1, "Origin", each(category(ORIGIN_LABELS), cases["_origin"]))
    return table


def patient_column(cases: pd.DataFrame) -> list:
    """:func:`lib.citations.patient_words` of every case, column-wise (a list, one per row).

    The patient's own label is put in words once per distinct label; the others are named from
    their case number (``...-p3`` -> ``Patient 3``), found by one regular-expression pass with
    Python's ``re`` (the same pattern and rule as ``patient_words``).
    """
    if len(cases) == 0:
        return []
    labels = cases["patient_label"] if "patient_label" in cases.columns else pd.Series([None] * len(cases))
    own = map_distinct(_own_words, labels)
    missing = np.flatnonzero(pd.isna(own))
    if len(missing):
        ids = pd.Series(cases["case_id"].to_numpy(dtype=object)[missing], dtype=object)
        ids = ids.where(ids.notna(), "")
        if pd.api.types.infer_dtype(ids, skipna=False) not in ("string", "empty"):
            ids = ids.map(lambda v: str(v or ""))  # ids that are not text: str(case_id or "") as patient_words
        digits = ids.str.extract(_CASE_NUMBER.pattern, expand=False).astype(object)
        own[missing] = map_distinct(lambda d: "Patient" if d is None else f"Patient {int(d)}", digits)
    return own.tolist()


def case_options(table: pd.DataFrame) -> dict[str, str]:
    """``case_id -> "<patient>, <study>"`` for the case picker (ids stay in the link, words on screen)."""
    return {cid: f"{p} — {s}" for cid, p, s in zip(table.index, table["Patient"], table["Study"])}


def case_sources(view: FilteredView, case_ids) -> pd.DataFrame:
    """The sources (every one a case lists, not only the first) of the given cases, in the order of ``view.sources``."""
    ids = pd.Series(list(case_ids), dtype=object).unique()
    # object arrays: a hash look-up per row (an Arrow string column's ``isin`` converts every id one by one)
    listed = pd.Series(view.cases["case_id"].to_numpy(dtype=object), dtype=object).isin(ids).to_numpy(dtype=bool)
    wanted: set[str] = set()
    for sids in pd.Series(view.cases["source_ids"].to_numpy(dtype=object)[listed], dtype=object).unique():
        if not is_blank(sids):
            wanted.update(s for s in str(sids).split(";") if s)
    return view.sources.loc[view.sources["source_id"].isin(list(wanted)).to_numpy(dtype=bool)]


def case_title(view: FilteredView, case_id: str) -> str:
    """The heading of one case's detail: ``"<patient> — <study>"``."""
    row = view.cases.loc[view.cases["case_id"] == case_id]
    if row.empty:
        return "Case not in view"
    sid = str(row["source_ids"].iloc[0]).split(";")[0]
    study = source_labels(view.sources).get(sid, "Unidentified publication")
    return f"{patient_words(case_id, row['patient_label'].iloc[0])} — {study}"


def case_detail(view: FilteredView, case_id: str,
                words: TextInWords | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One case as a two-column table in words (``Item``, ``Value``), and the table of its sources.

    Only the items the source states are listed (an empty value is left
    out, never shown as "None"). The sources table has the columns
    :data:`SOURCE_COLUMNS`.
    """
    match = view.cases.loc[view.cases["case_id"] == case_id]
    if match.empty:
        return pd.DataFrame(columns=["Item", "Value"]), pd.DataFrame(columns=SOURCE_COLUMNS)
    rec = public_columns(match).iloc[0].to_dict()
    words = _words_for(view, words)
    items = []
    for column, label in FIELD_LABELS.items():
        if column not in rec or column in _FOLDED:
            continue
        value = field_value(column, rec.get(column), rec, view.sources, view.cohorts, words)
        if value is not None and value != MISSING:
            items.append((label, value))
    if "_origin" in match.columns:
        items.insert(0, ("Origin", category_words(match["_origin"].iloc[0], ORIGIN_LABELS) or MISSING))
    detail = pd.DataFrame(items, columns=["Item", "Value"])
    return detail, source_table(case_sources(view, [case_id]), view.sources)


def source_table(sources: pd.DataFrame, all_sources: pd.DataFrame | None = None) -> pd.DataFrame:
    """Sources as a display table (columns :data:`SOURCE_COLUMNS`); text None when not stated.

    ``all_sources`` (default ``sources``) is what the study labels are made
    from, so that a label reads the same as elsewhere on the page.
    """
    labels = source_labels(all_sources if all_sources is not None else sources)
    rows = []
    for s in sources.to_dict("records"):
        vip = [x for x in (s.get("volume"), s.get("issue"), s.get("pages")) if not is_blank(x)]
        where = None
        if vip:
            vol = "" if is_blank(s.get("volume")) else str(s.get("volume"))
            iss = "" if is_blank(s.get("issue")) else f"({s.get('issue')})"
            pag = "" if is_blank(s.get("pages")) else str(s.get("pages"))
            where = f"{vol}{iss}" + (f":{pag}" if pag and (vol or iss) else pag)
        rows.append({
            "Study": labels.get(s["source_id"], "Unidentified publication"),
            "Title": None if is_blank(s.get("title")) else str(s.get("title")),
            "Journal or meeting": None if is_blank(s.get("journal")) else str(s.get("journal")),
            "Year": None if is_blank(s.get("year")) else str(int(s.get("year"))),
            "Volume, issue, pages": where,
            "PubMed": pubmed_url(s.get("pmid")),
            "DOI": doi_url(s.get("doi")),
        })
    return pd.DataFrame(rows, columns=SOURCE_COLUMNS)
