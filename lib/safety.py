"""Adverse events and infections on anakinra, as the sources report them, by condition, route and dose.

Pure pandas (no streamlit); formatting is left to the page. Nothing here is
a rate of adverse events: case reports and cohorts report adverse events
selectively, and **a source that does not mention an adverse event is not
evidence that none occurred**. Every row therefore falls in one of these
categories (:data:`CATEGORIES`), from what its source states:

``infection``
    an infection on anakinra is reported (coded ``infection``, or for a
    cohort ``infections_n`` > 0);
``other_event``
    another adverse event is reported (injection-site reaction,
    hepatotoxicity, other; for a cohort also ``stopped_for_ae_n`` > 0);
``mentioned``
    the source speaks of adverse events in words the curators did not code
    (e.g. "well tolerated"), or a cohort gives only zero counts (no
    infections, none stopped): something is stated, but not that there were
    no adverse events at all;
``none_stated``
    the source states there were none (coded ``none``);
``not_stated``
    the source says nothing about adverse events.

Dose bands (:func:`dose_band`) use the highest daily dose a row states: in
mg/kg/day when stated (a cohort: the top of its range), with the Outcomes
page's bands (:data:`lib.outcomes.DOSE_BANDS`: below 2, 2 to below 5, 5 to
below 10, 10 or more), else in mg/day (up to 100, over 100 to 200, over 200
to 400, over 400). The edges are round numbers for reading, not thresholds
from a guideline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib import outcomes, schema
from lib.citations import cohort_labels, patient_labels, source_labels
from lib.data import is_blank, map_distinct
from lib.filters import FilteredView
from lib.summaries import primary_cohorts

CATEGORIES = ("infection", "other_event", "mentioned", "none_stated", "not_stated")
CATEGORY_LABELS = {
    "infection": "Infection reported",
    "other_event": "Other adverse event reported",
    "mentioned": "Mentioned, type not coded",
    "none_stated": "None, as the source states",
    "not_stated": "Not stated by the source",
}
GROUPINGS = ("condition", "route", "dose_band")
GROUPING_LABELS = {"condition": "Condition", "route": "Route", "dose_band": "Highest daily dose"}

MG_DAY_BANDS = ("mg_le100", "mg_100_200", "mg_200_400", "mg_gt400")
DOSE_BANDS = tuple(outcomes.DOSE_BANDS) + MG_DAY_BANDS + ("not_stated",)
DOSE_BAND_LABELS = {
    **outcomes.DOSE_BAND_LABELS,
    "mg_le100": "≤100 mg/day (no mg/kg/day stated)",
    "mg_100_200": ">100 to 200 mg/day (no mg/kg/day stated)",
    "mg_200_400": ">200 to 400 mg/day (no mg/kg/day stated)",
    "mg_gt400": ">400 mg/day (no mg/kg/day stated)",
    "not_stated": "Dose not stated",
}
ROUTE_NOT_STATED = "not_stated"
ROUTE_LABELS = {**schema.ROUTE_LABELS, ROUTE_NOT_STATED: "Route not stated"}
AE_TYPE_LABELS = {k: v for k, v in schema.ADVERSE_EVENT_LABELS.items()}

PATIENT_COLUMNS = ["case_id", "label", "study", "source_id", "condition", "routes", "dose_band", "category",
                   "ae_types", "ae_types_words", "adverse_events"]
COHORT_COLUMNS = ["cohort_id", "label", "study", "source_id", "condition", "routes", "dose_band", "n",
                  "infections_n", "stopped_for_ae_n", "category", "ae_types", "ae_types_words", "adverse_events",
                  "counted"]
PATIENT_COUNT_COLUMNS = ["group", "group_label", "category", "category_label", "patients", "group_patients"]
COHORT_COUNT_COLUMNS = ["group", "group_label", "cohorts", "patients", "cohorts_infections_stated", "infections",
                        "cohorts_stopped_stated", "stopped_for_ae", "cohorts_ae_stated", "cohorts_not_stated"]


# ---------------------------------------------------------------------------
# One row
# ---------------------------------------------------------------------------

def dose_band(mg_kg_day=None, mg_day=None) -> str:
    """The dose band (:data:`DOSE_BANDS`) of a highest daily dose: mg/kg/day first, else mg/day.

    mg/kg/day bands are the Outcomes page's (lower edge inclusive: 2 is
    "2 to <5"); mg/day bands include their upper edge (100 mg/day is "up to
    100").
    """
    if not is_blank(mg_kg_day):
        x = float(mg_kg_day)
        return outcomes.DOSE_BANDS[int(np.searchsorted(np.array(outcomes.DOSE_BAND_EDGES), x, side="right"))]
    if not is_blank(mg_day):
        x = float(mg_day)
        return "mg_le100" if x <= 100 else "mg_100_200" if x <= 200 else "mg_200_400" if x <= 400 else "mg_gt400"
    return "not_stated"


def _codes(value) -> list[str]:
    return [] if is_blank(value) else [v.strip() for v in str(value).split(";") if v.strip()]


def type_words(value) -> str | None:
    """Coded adverse events in words (``"infection;other"`` -> ``"Infection, Other"``); None when not coded."""
    codes = _codes(value)
    return ", ".join(AE_TYPE_LABELS.get(c, c.replace("_", " ")) for c in codes) or None


def patient_category(types, words) -> str:
    """The category (:data:`CATEGORIES`) of one patient from the coded types and the words as reported."""
    codes = set(_codes(types))
    if "infection" in codes:
        return "infection"
    if codes - {"none"}:
        return "other_event"
    if "none" in codes:
        return "none_stated"
    if not is_blank(words):
        return "mentioned"
    return "not_stated"


def cohort_category(types, words, infections_n, stopped_n) -> str:
    """The category of one cohort row: coded types and counts first, then words, else not stated.

    A positive ``infections_n`` is an infection reported; a positive
    ``stopped_for_ae_n`` without an infection is another adverse event;
    zero counts, or words without a coded type, are ``mentioned`` (never
    ``none_stated``, which needs the coded ``none``).
    """
    codes = set(_codes(types))
    inf = None if is_blank(infections_n) else int(infections_n)
    stop = None if is_blank(stopped_n) else int(stopped_n)
    if "infection" in codes or (inf or 0) > 0:
        return "infection"
    if codes - {"none"} or (stop or 0) > 0:
        return "other_event"
    if "none" in codes:
        return "none_stated"
    if not is_blank(words) or inf == 0 or stop == 0:
        return "mentioned"
    return "not_stated"


def _routes(value) -> list[str]:
    codes = _codes(value)
    return codes or [ROUTE_NOT_STATED]


# ---------------------------------------------------------------------------
# Rows in view
# ---------------------------------------------------------------------------

def patient_safety(view: FilteredView) -> pd.DataFrame:
    """One row per individually described patient in view, with what their source says about adverse events.

    Returns
    -------
    DataFrame
        Columns :data:`PATIENT_COLUMNS`: ``label`` the patient in words
        (:func:`lib.citations.patient_labels`), ``study`` the study label,
        ``routes`` the route codes (``;``, ``"not_stated"`` when none),
        ``dose_band`` (:func:`dose_band` of ``dose_mg_kg_day`` /
        ``dose_mg_day``), ``category`` (:data:`CATEGORIES`), ``ae_types`` the
        codes as stored, ``ae_types_words`` in words, ``adverse_events`` the
        source's words (None when not stated).
    """
    c = view.cases
    if c.empty:
        return pd.DataFrame(columns=PATIENT_COLUMNS)
    labels = source_labels(view.sources)
    sids = c["_source_id"].astype(object) if "_source_id" in c.columns else \
        c["source_ids"].map(lambda v: None if is_blank(v) else str(v).split(";")[0])
    words = c["adverse_events"].astype(object)
    types = c["adverse_event_types"]

    # each rule runs once per distinct value (or pair) of what it reads, not once per patient; the
    # results are lists, so each column's dtype is inferred as it was from per-row lists
    def each(fn, *columns) -> list:
        return map_distinct(fn, *columns).tolist()

    out = pd.DataFrame({
        "case_id": c["case_id"].to_numpy(dtype=object),
        "label": patient_labels(c, view.sources).to_numpy(dtype=object),
        "study": each(lambda s: labels.get(s, "Unidentified publication"), sids),
        "source_id": sids.to_numpy(dtype=object),
        "condition": c["condition"].to_numpy(dtype=object),
        "routes": each(lambda v: ";".join(_routes(v)), c["route"]),
        "dose_band": each(dose_band, c["dose_mg_kg_day"], c["dose_mg_day"]),
        "category": each(patient_category, types, words),
        "ae_types": types.astype(object).where(types.notna(), None).to_numpy(),
        "ae_types_words": each(type_words, types),
        "adverse_events": words.where(words.notna(), None).to_numpy(),
    }, columns=PATIENT_COLUMNS)
    return out


def cohort_safety(view: FilteredView) -> pd.DataFrame:
    """One row per cohort in view, with the adverse events, infections and stops for adverse events it reports.

    Returns
    -------
    DataFrame
        Columns :data:`COHORT_COLUMNS`. ``n``, ``infections_n`` and
        ``stopped_for_ae_n`` are Int64 (missing when not stated);
        ``dose_band`` uses the top of the cohort's range; ``counted`` is False
        for a subgroup row whose whole study is also in view and for a pooled
        review (:func:`lib.summaries.primary_cohorts`: their patients are
        already in another row, so counts by group leave them out).
    """
    k = view.cohorts
    if k.empty:
        out = pd.DataFrame(columns=COHORT_COLUMNS)
        for col in ("n", "infections_n", "stopped_for_ae_n"):
            out[col] = pd.array([], dtype="Int64")
        return out
    labels = source_labels(view.sources)
    kept = set(primary_cohorts(k)["cohort_id"])
    top_kg = k["dose_mg_kg_day_max"].fillna(k["dose_mg_kg_day_min"])
    top_mg = k["dose_mg_day_max"].fillna(k["dose_mg_day_min"])
    words = k["adverse_events"].astype(object)
    out = pd.DataFrame({
        "cohort_id": k["cohort_id"].to_numpy(dtype=object),
        "label": cohort_labels(k, view.sources).to_numpy(dtype=object),
        "study": [labels.get(s, "Unidentified publication") for s in k["source_id"]],
        "source_id": k["source_id"].to_numpy(dtype=object),
        "condition": k["condition"].to_numpy(dtype=object),
        "routes": [";".join(_routes(v)) for v in k["route"]],
        "dose_band": [dose_band(a, b) for a, b in zip(top_kg, top_mg)],
        "n": pd.array([None if is_blank(v) else int(v) for v in k["n"]], dtype="Int64"),
        "infections_n": pd.array([None if is_blank(v) else int(v) for v in k["infections_n"]], dtype="Int64"),
        "stopped_for_ae_n": pd.array([None if is_blank(v) else int(v) for v in k["stopped_for_ae_n"]], dtype="Int64"),
        "category": [cohort_category(t, w, i, s) for t, w, i, s in
                     zip(k["adverse_event_types"], words, k["infections_n"], k["stopped_for_ae_n"])],
        "ae_types": k["adverse_event_types"].astype(object).where(k["adverse_event_types"].notna(), None).to_numpy(),
        "ae_types_words": [type_words(t) for t in k["adverse_event_types"]],
        "adverse_events": words.where(words.notna(), None).to_numpy(),
        "counted": [cid in kept for cid in k["cohort_id"]],
    }, columns=COHORT_COLUMNS)
    return out


# ---------------------------------------------------------------------------
# Counts by group
# ---------------------------------------------------------------------------

def _groups(by: str) -> tuple[tuple[str, ...], dict[str, str]]:
    if by == "condition":
        return schema.CONDITIONS, schema.CONDITION_LABELS
    if by == "route":
        return schema.ROUTES + (ROUTE_NOT_STATED,), ROUTE_LABELS
    if by == "dose_band":
        return DOSE_BANDS, DOSE_BAND_LABELS
    raise ValueError(f"by must be one of {GROUPINGS}, got {by!r}")


def _explode(rows: pd.DataFrame, by: str) -> pd.DataFrame:
    """Rows with a ``group`` column; a row with several routes appears once per route."""
    if by == "route":
        out = rows.assign(group=rows["routes"].str.split(";")).explode("group")
    else:
        out = rows.assign(group=rows[by])
    return out


def patient_counts(patients: pd.DataFrame, by: str = "condition") -> pd.DataFrame:
    """Patients per group and category, for a stacked bar.

    Parameters
    ----------
    patients : DataFrame
        :func:`patient_safety`.
    by : {"condition", "route", "dose_band"}

    Returns
    -------
    DataFrame
        Columns :data:`PATIENT_COUNT_COLUMNS`: one row per group present (in
        the vocabulary's order) and category (in :data:`CATEGORIES` order,
        zeros included); ``group_patients`` is the group's n. By route, a
        patient given anakinra by two routes counts in both groups.
    """
    values, labels = _groups(by)
    if patients.empty:
        return pd.DataFrame(columns=PATIENT_COUNT_COLUMNS)
    rows_ = _explode(patients, by)
    recs = []
    for g in values:
        part = rows_.loc[rows_["group"] == g]
        if part.empty:
            continue
        counts = part["category"].value_counts()
        for cat in CATEGORIES:
            recs.append((g, labels.get(g, g), cat, CATEGORY_LABELS[cat], int(counts.get(cat, 0)), len(part)))
    out = pd.DataFrame(recs, columns=PATIENT_COUNT_COLUMNS)
    out["patients"] = out["patients"].astype("int64")
    out["group_patients"] = out["group_patients"].astype("int64")
    return out


def cohort_counts(cohorts: pd.DataFrame, by: str = "condition") -> pd.DataFrame:
    """Cohorts per group with the infections and stops for adverse events they report.

    Only rows with ``counted`` (no subgroup whose whole study is in view, no
    pooled review), so that a patient counts once. Sums run over the cohorts stating the
    count; ``cohorts_*_stated`` say how many that is.

    Returns
    -------
    DataFrame
        Columns :data:`COHORT_COUNT_COLUMNS`, one row per group present.
        ``cohorts_ae_stated``: cohorts whose category is not ``not_stated``;
        ``cohorts_not_stated``: the others.
    """
    values, labels = _groups(by)
    k = cohorts.loc[cohorts["counted"].astype(bool)] if len(cohorts) else cohorts
    if k.empty:
        return pd.DataFrame(columns=COHORT_COUNT_COLUMNS)
    rows_ = _explode(k, by)
    recs = []
    for g in values:
        part = rows_.loc[rows_["group"] == g]
        if part.empty:
            continue
        inf, stop = part["infections_n"], part["stopped_for_ae_n"]
        stated = int((part["category"] != "not_stated").sum())
        recs.append((g, labels.get(g, g), len(part), int(part["n"].fillna(0).sum()), int(inf.notna().sum()),
                     int(inf.fillna(0).sum()), int(stop.notna().sum()), int(stop.fillna(0).sum()), stated,
                     len(part) - stated))
    out = pd.DataFrame(recs, columns=COHORT_COUNT_COLUMNS)
    for col in COHORT_COUNT_COLUMNS[2:]:
        out[col] = out[col].astype("int64")
    return out


@dataclass(frozen=True)
class SafetyCoverage:
    """How many rows in view say anything about adverse events.

    Attributes
    ----------
    patients, cohorts : int
        Rows in view.
    patients_by_category, cohorts_by_category : dict
        ``category -> rows`` for every category in :data:`CATEGORIES` (zeros
        included). Cohorts: only the ``counted`` rows of :func:`cohort_safety`.
    cohort_patients : int
        Patients in the counted cohorts (sum of ``n``).
    """

    patients: int
    cohorts: int
    patients_by_category: dict
    cohorts_by_category: dict
    cohort_patients: int

    @property
    def patients_stated(self) -> int:
        return self.patients - self.patients_by_category["not_stated"]

    @property
    def cohorts_stated(self) -> int:
        return self.cohorts - self.cohorts_by_category["not_stated"]


def coverage(patients: pd.DataFrame, cohorts: pd.DataFrame) -> SafetyCoverage:
    """Counts per category of :func:`patient_safety` and of the ``counted`` :func:`cohort_safety` rows."""
    k = cohorts.loc[cohorts["counted"].astype(bool)] if len(cohorts) else cohorts
    pc = patients["category"].value_counts() if len(patients) else pd.Series(dtype="int64")
    kc = k["category"].value_counts() if len(k) else pd.Series(dtype="int64")
    return SafetyCoverage(
        patients=len(patients), cohorts=len(k),
        patients_by_category={c: int(pc.get(c, 0)) for c in CATEGORIES},
        cohorts_by_category={c: int(kc.get(c, 0)) for c in CATEGORIES},
        cohort_patients=int(k["n"].fillna(0).sum()) if len(k) else 0,
    )


def cohort_event_bars(cohorts: pd.DataFrame) -> pd.DataFrame:
    """Per cohort stating infections or stops for adverse events: counts and their share of n, long format.

    Returns
    -------
    DataFrame
        Columns ``label, n, measure, measure_label, patients, percent``: one
        row per cohort (every row, counted or not: each is its own group of
        patients) and stated measure (``infections`` /
        ``stopped_for_ae``); ``percent`` = 100 * patients / n (NaN without
        n). Cohorts stating neither count are absent.
    """
    cols = ["label", "n", "measure", "measure_label", "patients", "percent"]
    recs = []
    for r in cohorts.itertuples(index=False):
        for measure, label, value in (("infections", "Infections on anakinra", r.infections_n),
                                      ("stopped_for_ae", "Stopped anakinra for an adverse event", r.stopped_for_ae_n)):
            if is_blank(value):
                continue
            n = None if is_blank(r.n) else int(r.n)
            recs.append((r.label, n, measure, label, int(value), 100.0 * int(value) / n if n else np.nan))
    out = pd.DataFrame(recs, columns=cols)
    out["percent"] = out["percent"].astype("float64")
    out["n"] = pd.array(out["n"].tolist(), dtype="Int64")
    out["patients"] = out["patients"].astype("int64")
    return out
