"""Doses of anakinra as the sources report them: tables, plot data and stated ranges.

Pure pandas (no streamlit). Nothing here recommends a dose: the functions only
collect what the data rows say. Column names never depend on arguments.

Dose columns (see :mod:`lib.schema`): cases carry ``dose_mg_kg_day`` and
``dose_mg_day`` (the maximum daily dose), the amount of one dose
(``dose_amount`` in ``dose_amount_unit``), the hours between doses
(``dose_interval_h``), ``duration_days`` and ``escalated``; cohorts carry
daily ranges ``dose_mg_kg_day_min``/``_max`` and ``dose_mg_day_min``/``_max``,
``dose_interval_h`` and ``duration_days``; both carry ``dose_as_reported``
(the source's own words) and ``route``.

"What dose" is answered in words by :func:`dose_words` ("2 mg/kg every 6 h",
"100 mg daily", "continuous infusion"), beside the daily dose in mg/kg/day
and in mg/day. When the filters leave no stated dose,
:func:`dose_without_each_filter` says how many rows would state one with
each active filter dropped in turn.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib import schema
from lib.data import is_blank, map_distinct
from lib.citations import cohort_labels, patient_labels, source_labels, subgroup_text
from lib.data import Dataset
from lib.filters import FilteredView, FilterState, apply_filters, describe_item
from lib.links import doi_url, pubmed_url
from lib.summaries import without_covered_subgroups

UNITS = ("mg_kg_day", "mg_day")
UNIT_LABELS = {"mg_kg_day": "mg/kg/day", "mg_day": "mg/day"}
GROUPINGS = ("condition", "trigger", "age_band")
GROUPING_LABELS = {"condition": "Condition", "trigger": "Trigger or background", "age_band": "Age group"}

CASE_OUTCOME_LABELS = {
    "complete": "Complete response",
    "partial": "Partial response",
    "improved": "Improved (not graded)",
    "none": "No response",
    None: "Response not stated",
}
COHORT_OUTCOME_LABELS = {
    "all": "Cohort: all responded",
    "some": "Cohort: some responded",
    None: "Cohort: responders not stated",
}
OUTCOME_ORDER = tuple(CASE_OUTCOME_LABELS.values()) + tuple(COHORT_OUTCOME_LABELS.values())

TABLE_COLUMNS = [
    "kind", "row_id", "row_label", "who", "condition", "trigger", "age_band", "route", "per_dose",
    "dose_as_reported", "dose_mg_kg_day", "dose_mg_kg_day_min", "dose_mg_kg_day_max", "dose_mg_day",
    "dose_mg_day_min", "dose_mg_day_max", "duration_days", "escalated", "n", "outcome", "source_id", "citation",
    "pubmed_url", "doi_url",
]
POINT_COLUMNS = [
    "kind", "row_id", "row_label", "condition", "condition_label", "route", "route_label", "x", "dose", "dose_low",
    "dose_high", "error_plus", "error_minus", "n", "outcome", "citation", "dose_as_reported", "source_id",
]
REGIMEN_COLUMNS = [
    "group", "label", "cases", "cases_with_dose", "cohorts", "cohorts_with_dose", "mg_kg_day_low",
    "mg_kg_day_high", "mg_day_low", "mg_day_high", "routes", "schedules", "as_reported",
]
RANGE_COLUMNS = ["source_id", "citation", "row_id", "row_label", "field", "fragment", "low", "high", "unit"]
RELAXED_COLUMNS = ["field", "value", "filter_label", "cases", "cohorts", "cases_with_dose", "cohorts_with_dose",
                   "rows_with_dose"]


def _first_source(ids) -> str | None:
    return None if is_blank(ids) else str(ids).split(";")[0]


def case_outcome(response) -> str:
    """Outcome category of a case for the plot's colour (its mapped response)."""
    return CASE_OUTCOME_LABELS.get(None if is_blank(response) else response, CASE_OUTCOME_LABELS[None])


def cohort_outcome(responders, n) -> str:
    """Outcome category of a cohort: all, some or an unstated number responded."""
    if is_blank(responders) or is_blank(n):
        return COHORT_OUTCOME_LABELS[None]
    return COHORT_OUTCOME_LABELS["all" if int(responders) >= int(n) else "some"]


def _has_dose_case(cases: pd.DataFrame) -> pd.Series:
    """A case states a dose: in words, as a daily dose (either unit) or as the amount of one dose."""
    has = cases["dose_as_reported"].notna() | cases["dose_mg_kg_day"].notna() | cases["dose_mg_day"].notna()
    if "dose_amount" in cases.columns:
        has |= cases["dose_amount"].notna()
    return has


def _has_dose_cohort(cohorts: pd.DataFrame) -> pd.Series:
    """A cohort states a dose: in words or as a daily range in either unit."""
    has = (cohorts["dose_as_reported"].notna() | cohorts["dose_mg_kg_day_min"].notna()
           | cohorts["dose_mg_kg_day_max"].notna())
    for col in ("dose_mg_day_min", "dose_mg_day_max"):
        if col in cohorts.columns:
            has |= cohorts[col].notna()
    return has


def _number(v) -> float | None:
    if is_blank(v):
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def interval_words(hours) -> str | None:
    """Hours between doses in words: 24 -> ``"daily"``, 6 -> ``"every 6 h"``, 168 -> ``"weekly"``; None when blank."""
    h = _number(hours)
    if h is None:
        return None
    if h == 24:
        return "daily"
    if h == 168:
        return "weekly"
    return f"every {h:g} h"


def dose_words(amount=None, unit=None, interval_h=None, route=None) -> str | None:
    """One administration and its schedule in words, as a prescriber writes it.

    ``(2, "mg/kg", 6)`` -> ``"2 mg/kg every 6 h"``; ``(100, "mg", 24)`` ->
    ``"100 mg daily"``; a route including ``iv_cont`` without an interval ->
    ``"continuous infusion"`` (with an amount after a semicolon when one is
    stated), with an interval (a bolus schedule on another route) ->
    ``"2 mg/kg every 6 h; continuous infusion"``. An amount without an interval reads ``"2 mg/kg per
    dose, interval not stated"``; an interval without an amount ``"every
    6 h, amount per dose not stated"``. None when nothing is stated.
    Numbers are the data's (``%g``), never converted or derived.
    """
    a, h = _number(amount), _number(interval_h)
    u = None if is_blank(unit) else str(unit).strip()
    routes = [] if is_blank(route) else str(route).split(";")
    amount_text = None if a is None else f"{a:g} {u}" if u else f"{a:g} (unit not stated)"
    every = interval_words(h)
    if amount_text and every:
        bolus = f"{amount_text} {every}"
    elif amount_text:
        bolus = f"{amount_text} per dose, interval not stated"
    elif every:
        bolus = f"{every}, amount per dose not stated"
    else:
        bolus = None
    if "iv_cont" in routes:
        if h is None:
            return "continuous infusion" + (f"; {bolus}" if bolus else "")
        return f"{bolus}; continuous infusion"  # a bolus schedule and an infusion, both given
    return bolus


@dataclass(frozen=True)
class DoseCoverage:
    """How many rows in view state a dose, and how.

    Attributes
    ----------
    cases, cohorts : int
        Rows in view.
    cases_with_dose, cohorts_with_dose : int
        Rows stating a dose in any form (words or numbers).
    cases_mg_kg_day, cases_mg_day, cohorts_mg_kg_day, cohorts_mg_day : int
        Rows with a numeric daily dose (cohorts: either end of a range) in that unit.
    cases_per_dose : int
        Cases stating the amount of one dose or the hours between doses.
    """

    cases: int
    cohorts: int
    cases_with_dose: int
    cohorts_with_dose: int
    cases_mg_kg_day: int
    cases_mg_day: int
    cohorts_mg_kg_day: int
    cohorts_mg_day: int = 0
    cases_per_dose: int = 0


def dose_coverage(view: FilteredView) -> DoseCoverage:
    """Counts of the rows in view that state a dose (see :class:`DoseCoverage`)."""
    c, k = view.cases, view.cohorts
    return DoseCoverage(
        cases=len(c), cohorts=len(k),
        cases_with_dose=int(_has_dose_case(c).sum()) if len(c) else 0,
        cohorts_with_dose=int(_has_dose_cohort(k).sum()) if len(k) else 0,
        cases_mg_kg_day=int(c["dose_mg_kg_day"].notna().sum()),
        cases_mg_day=int(c["dose_mg_day"].notna().sum()),
        cohorts_mg_kg_day=int((k["dose_mg_kg_day_min"].notna() | k["dose_mg_kg_day_max"].notna()).sum()) if len(k) else 0,
        cohorts_mg_day=int((k["dose_mg_day_min"].notna() | k["dose_mg_day_max"].notna()).sum()) if len(k) else 0,
        cases_per_dose=int((c["dose_amount"].notna() | c["dose_interval_h"].notna()).sum()) if len(c) else 0,
    )


def cohort_who(cohorts: pd.DataFrame) -> pd.Series:
    """Who a cohort row is, in words: its subgroup, or "all patients" for the whole study."""
    subs = cohorts["subgroup"] if "subgroup" in cohorts.columns else pd.Series([None] * len(cohorts), index=cohorts.index)
    return pd.Series([subgroup_text(v) or "all patients" for v in subs], dtype=object, index=cohorts.index)


def dose_table(view: FilteredView) -> pd.DataFrame:
    """Cases and cohorts that state a dose: per dose in words, daily doses in both units, and their citation.

    Returns
    -------
    DataFrame
        Columns :data:`TABLE_COLUMNS`. ``kind`` is ``"case"`` or ``"cohort"``;
        ``row_label`` names the row in words (``"Vincent 2020 (Rheumatology):
        Patient 1"``, a cohort's study label and subgroup); ``who`` is the
        patient or the group within its study; ``per_dose`` is
        :func:`dose_words` (None when not stated); a case's daily doses are in
        ``dose_mg_kg_day`` / ``dose_mg_day``, a cohort's ranges in the
        ``_min``/``_max`` columns; ``escalated`` is True/False/None; ``n`` is
        1 for a case; ``outcome`` is the plot's outcome category;
        ``citation`` is the study label; ``pubmed_url``/``doi_url`` are safe
        links or None. Rows without any dose are left out (see
        :func:`dose_coverage`). Cases first, then cohorts, each in data order.
    """
    labels = source_labels(view.sources)
    src = view.sources.set_index("source_id")

    def link(sid, col, fn):
        return fn(src.at[sid, col]) if sid in src.index and not is_blank(src.at[sid, col]) else None

    frames = []
    cases = view.cases.loc[_has_dose_case(view.cases)] if len(view.cases) else view.cases
    if len(cases):
        sids = pd.Series(map_distinct(_first_source, cases["source_ids"]), index=cases.index)
        pm = {sid: link(sid, "pmid", pubmed_url) for sid in sids.dropna().unique()}
        do = {sid: link(sid, "doi", doi_url) for sid in sids.dropna().unique()}
        resp = cases["response"].astype(object)
        row_labels = patient_labels(cases, view.sources)
        from lib.cases import patient_column  # here: lib.cases imports this module

        who = patient_column(cases)  # patient_words of every case, column-wise
        frames.append(pd.DataFrame({
            "kind": "case", "row_id": cases["case_id"].to_numpy(dtype=object),
            "row_label": row_labels.to_numpy(dtype=object), "who": who,
            "condition": cases["condition"].to_numpy(dtype=object), "trigger": cases["trigger"].to_numpy(dtype=object),
            "age_band": cases["_age_band"].to_numpy(dtype=object), "route": cases["route"].to_numpy(dtype=object),
            "per_dose": map_distinct(dose_words, cases["dose_amount"], cases["dose_amount_unit"],
                                     cases["dose_interval_h"], cases["route"]),
            "dose_as_reported": cases["dose_as_reported"].to_numpy(dtype=object),
            "dose_mg_kg_day": cases["dose_mg_kg_day"].to_numpy(dtype=float), "dose_mg_kg_day_min": np.nan,
            "dose_mg_kg_day_max": np.nan, "dose_mg_day": cases["dose_mg_day"].to_numpy(dtype=float),
            "dose_mg_day_min": np.nan, "dose_mg_day_max": np.nan,
            "duration_days": cases["duration_days"].to_numpy(dtype=float),
            "escalated": cases["escalated"].astype(object).to_numpy(), "n": 1,
            "outcome": map_distinct(case_outcome, resp),
            "source_id": sids.to_numpy(dtype=object),
            "citation": map_distinct(lambda x: x if x is None else labels.get(x, x), sids),
            "pubmed_url": map_distinct(lambda x: x if x is None else pm.get(x), sids),
            "doi_url": map_distinct(lambda x: x if x is None else do.get(x), sids),
        }, columns=TABLE_COLUMNS))
    cohorts = view.cohorts.loc[_has_dose_cohort(view.cohorts)] if len(view.cohorts) else view.cohorts
    if len(cohorts):
        sids = cohorts["source_id"].astype(object)
        frames.append(pd.DataFrame({
            "kind": "cohort", "row_id": cohorts["cohort_id"].to_numpy(dtype=object),
            "row_label": cohort_labels(cohorts, view.sources).to_numpy(dtype=object),
            "who": cohort_who(cohorts).to_numpy(dtype=object),
            "condition": cohorts["condition"].to_numpy(dtype=object),
            "trigger": cohorts["trigger"].to_numpy(dtype=object),
            "age_band": cohorts["_age_band"].to_numpy(dtype=object), "route": cohorts["route"].to_numpy(dtype=object),
            "per_dose": [dose_words(None, None, h, r) for h, r in zip(cohorts["dose_interval_h"], cohorts["route"])],
            "dose_as_reported": cohorts["dose_as_reported"].to_numpy(dtype=object),
            "dose_mg_kg_day": np.nan,
            "dose_mg_kg_day_min": cohorts["dose_mg_kg_day_min"].to_numpy(dtype=float),
            "dose_mg_kg_day_max": cohorts["dose_mg_kg_day_max"].to_numpy(dtype=float),
            "dose_mg_day": np.nan,
            "dose_mg_day_min": cohorts["dose_mg_day_min"].to_numpy(dtype=float),
            "dose_mg_day_max": cohorts["dose_mg_day_max"].to_numpy(dtype=float),
            "duration_days": cohorts["duration_days"].to_numpy(dtype=float),
            "escalated": None,
            "n": [None if is_blank(v) else int(v) for v in cohorts["n"]],
            "outcome": [cohort_outcome(r, n) for r, n in zip(cohorts["responders"], cohorts["n"])],
            "source_id": sids.to_numpy(dtype=object),
            "citation": sids.map(lambda x: labels.get(x, x)).to_numpy(dtype=object),
            "pubmed_url": [link(sid, "pmid", pubmed_url) for sid in sids],
            "doi_url": [link(sid, "doi", doi_url) for sid in sids],
        }, columns=TABLE_COLUMNS))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=TABLE_COLUMNS)
    for col in ("dose_mg_kg_day", "dose_mg_kg_day_min", "dose_mg_kg_day_max", "dose_mg_day", "dose_mg_day_min",
                "dose_mg_day_max", "duration_days"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    for col in ("per_dose", "escalated", "dose_as_reported", "pubmed_url", "doi_url"):
        values = out[col].astype(object)
        out[col] = values.where(values.notna(), None)
    out["n"] = pd.array(out["n"].tolist(), dtype="Int64")
    return out


def dose_points(view: FilteredView, unit: str = "mg_kg_day") -> pd.DataFrame:
    """One plot point per patient or cohort and route, for a dose-by-route chart.

    Parameters
    ----------
    view : FilteredView
    unit : {"mg_kg_day", "mg_day"}
        Cases use ``dose_mg_kg_day`` or ``dose_mg_day``; cohorts their range
        in that unit (``dose_mg_kg_day_min``/``_max`` or
        ``dose_mg_day_min``/``_max``).

    Returns
    -------
    DataFrame
        Columns :data:`POINT_COLUMNS`. A row with several routes gives one
        point per route; a row with no route stated is placed under
        ``route = "not_stated"``. For a cohort, ``dose`` is the middle of its
        range and ``error_plus``/``error_minus`` reach its ends (0 for a
        single value or a case); a cohort with only one end stated is drawn at
        that value. ``x`` is the route's position (0, 1, 2, 3 for sc, iv,
        iv_cont, not stated) plus a small deterministic offset that separates
        points with the same condition, route and dose. ``row_label`` names
        the patient or cohort in words. Subgroup rows whose whole-study row is
        also in view are left out, so a patient is drawn once.
    """
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, got {unit!r}")
    labels = source_labels(view.sources)
    columns = ["kind", "row_id", "row_label", "condition", "route", "dose", "dose_low", "dose_high", "n", "outcome",
               "citation", "dose_as_reported", "source_id"]
    parts = []
    col = "dose_mg_kg_day" if unit == "mg_kg_day" else "dose_mg_day"
    c = view.cases.loc[view.cases[col].notna()] if len(view.cases) else view.cases
    if len(c):
        sids = map_distinct(_first_source, c["source_ids"])
        dose = c[col].to_numpy(dtype=float)
        base = pd.DataFrame({
            "kind": "case", "row_id": c["case_id"].to_numpy(dtype=object),
            "row_label": patient_labels(c, view.sources).to_numpy(dtype=object),
            "condition": c["condition"].to_numpy(dtype=object),
            "route": map_distinct(_route_codes, c["route"]),
            "dose": dose, "dose_low": dose, "dose_high": dose, "n": 1,
            "outcome": map_distinct(case_outcome, c["response"]),
            "citation": map_distinct(lambda x: x if x is None else labels.get(x, x), sids),
            "dose_as_reported": c["dose_as_reported"].to_numpy(dtype=object),
            "source_id": sids,
        })
        take, route = _one_per_route(base["route"].to_numpy(dtype=object))
        base = base.iloc[take].reset_index(drop=True)
        base["route"] = route
        parts.append(base)
    if len(view.cohorts):
        recs = []
        k = without_covered_subgroups(view.cohorts)
        lo_col, hi_col = (("dose_mg_kg_day_min", "dose_mg_kg_day_max") if unit == "mg_kg_day"
                          else ("dose_mg_day_min", "dose_mg_day_max"))
        lo = k[lo_col].fillna(k[hi_col])
        hi = k[hi_col].fillna(k[lo_col])
        row_labels = cohort_labels(k, view.sources)
        for r, a, b, lab in zip(k.itertuples(index=False), lo, hi, row_labels):
            if is_blank(a):
                continue
            for route in _routes(r.route):
                recs.append(("cohort", r.cohort_id, lab, r.condition, route, (a + b) / 2, float(a), float(b),
                             int(r.n) if not is_blank(r.n) else None, cohort_outcome(r.responders, r.n),
                             labels.get(r.source_id, r.source_id), r.dose_as_reported, r.source_id))
        parts.append(pd.DataFrame(recs, columns=columns, dtype=object))
    # every column as one list of Python values: its dtype is inferred as from the rows (tuples) of old
    if sum(len(part) for part in parts):
        df = pd.DataFrame({name: _joined_lists(part[name] for part in parts) for name in columns}, columns=columns)
    else:
        df = pd.DataFrame([], columns=columns)  # no point: object columns, as from no rows
    df["condition_label"] = df["condition"].map(schema.CONDITION_LABELS)
    route_order = schema.ROUTES + ("not_stated",)
    df["route_label"] = df["route"].map({**schema.ROUTE_LABELS, "not_stated": "Not stated"})
    pos = df["route"].map({r: i for i, r in enumerate(route_order)}).astype(float)
    df["x"] = pos + _offsets(df)
    df["error_plus"] = df["dose_high"] - df["dose"]
    df["error_minus"] = df["dose"] - df["dose_low"]
    for c in ("dose", "dose_low", "dose_high", "x", "error_plus", "error_minus"):
        df[c] = df[c].astype("float64")
    df["n"] = pd.array(df["n"].tolist(), dtype="Int64")
    return df[POINT_COLUMNS].reset_index(drop=True)


def _one_per_route(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row once per route in its ``;``-joined route codes (as ``str.split`` then ``explode``), column-wise.

    Returns the row positions to take (each repeated by its number of routes) and the route of each
    resulting row. The codes are split once per distinct value, not once per row.
    """
    which, distinct = pd.factorize(pd.Series(codes, dtype=object), use_na_sentinel=False)
    split = [str(v).split(";") for v in distinct]
    table = np.empty((len(split), max(map(len, split), default=0)), dtype=object)
    for i, items in enumerate(split):
        table[i, :len(items)] = items
    repeat = np.array([len(items) for items in split], dtype=np.int64)[which]
    take = np.repeat(np.arange(len(codes)), repeat)
    nth = np.arange(len(take)) - np.repeat(np.cumsum(repeat) - repeat, repeat)  # 0, 1, ... within each row
    return take, table[which[take], nth]


def _joined_lists(columns) -> list:
    """The values of several columns, one after another, as one list of Python values."""
    out: list = []
    for values in columns:
        out.extend(values.tolist())
    return out


def _routes(value) -> list[str]:
    return ["not_stated"] if is_blank(value) else str(value).split(";")


def _route_codes(value) -> str:
    return ";".join(_routes(value))


def _interval_words(interval_h, route) -> str | None:
    """A cohort's schedule in words: its interval and route (cohorts state no amount per dose)."""
    return dose_words(None, None, interval_h, route)


def _offsets(df: pd.DataFrame, step: float = 0.12) -> np.ndarray:
    """Sideways offsets that separate points with the same condition, route and dose (vectorised)."""
    if df.empty:
        return np.zeros(0)
    keys = pd.DataFrame({"c": df["condition"].to_numpy(dtype=object), "r": df["route"].to_numpy(dtype=object),
                         "d": df["dose"].round(6).to_numpy(dtype=float)})
    grouped = keys.groupby(["c", "r", "d"], sort=False, dropna=False)
    j = grouped.cumcount().to_numpy(dtype=float)
    m = grouped["d"].transform("size").to_numpy(dtype=float)
    return np.clip((j - (m - 1) / 2) * step, -0.4, 0.4)


def covered_subgroups(view: FilteredView, unit: str = "mg_kg_day") -> int:
    """Subgroup rows with a dose in ``unit`` that :func:`dose_points` leaves out because their whole study is drawn."""
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, got {unit!r}")
    k = view.cohorts
    if k.empty:
        return 0
    lo_col, hi_col = (("dose_mg_kg_day_min", "dose_mg_kg_day_max") if unit == "mg_kg_day"
                      else ("dose_mg_day_min", "dose_mg_day_max"))
    kept = set(without_covered_subgroups(k)["cohort_id"])
    has = (k[lo_col].notna() | k[hi_col].notna()).to_numpy(dtype=bool)
    return int(sum(1 for cid, h in zip(k["cohort_id"], has) if h and cid not in kept))


def regimen_summary(view: FilteredView, by: str = "condition") -> pd.DataFrame:
    """The regimens reported, grouped by condition, trigger or age group.

    Parameters
    ----------
    view : FilteredView
    by : {"condition", "trigger", "age_band"}

    Returns
    -------
    DataFrame
        Columns :data:`REGIMEN_COLUMNS`, one row per group present (in the
        vocabulary's order; a ``"Not stated"`` group for a missing age):
        counts of cases and cohorts and of those stating a dose; the lowest
        and highest numeric daily dose in mg/kg/day and in mg/day (cases'
        doses and cohorts' range ends); the routes stated (``;`` separated
        codes); the distinct per-dose schedules in words (:func:`dose_words`)
        joined by ``"; "``; and the distinct ``dose_as_reported`` texts joined
        by `` | ``. Missing numbers stay NaN, missing text None.
    """
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {GROUPINGS}, got {by!r}")
    column = "_age_band" if by == "age_band" else by
    vocab, labels = {
        "condition": (schema.CONDITIONS, schema.CONDITION_LABELS),
        "trigger": (schema.COHORT_TRIGGERS, schema.TRIGGER_LABELS),
        "age_band": (schema.AGE_BANDS, schema.AGE_BAND_LABELS),
    }[by]
    cases, cohorts = view.cases, view.cohorts
    rows = []
    for value in tuple(vocab) + (None,):
        c = cases.loc[cases[column].isna()] if value is None else cases.loc[cases[column] == value]
        k = cohorts.loc[cohorts[column].isna()] if value is None else cohorts.loc[cohorts[column] == value]
        if c.empty and k.empty:
            continue
        kg = pd.concat([c["dose_mg_kg_day"], k["dose_mg_kg_day_min"], k["dose_mg_kg_day_max"]]).dropna()
        mg = pd.concat([c["dose_mg_day"], k["dose_mg_day_min"], k["dose_mg_day_max"]]).dropna()
        schedules = list(map_distinct(dose_words, c["dose_amount"], c["dose_amount_unit"], c["dose_interval_h"],
                                      c["route"]))
        schedules += list(map_distinct(_interval_words, k["dose_interval_h"], k["route"]))
        schedules = list(dict.fromkeys(x for x in schedules if x))
        routes = [r for r in schema.ROUTES if (c[f"_route__{r}"].any() if len(c) else False)
                  or (k[f"_route__{r}"].any() if len(k) else False)]
        texts = list(dict.fromkeys(pd.concat([c["dose_as_reported"], k["dose_as_reported"]]).dropna()))
        rows.append((
            value, "Not stated" if value is None else labels.get(value, value), len(c),
            int(_has_dose_case(c).sum()) if len(c) else 0, len(k), int(_has_dose_cohort(k).sum()) if len(k) else 0,
            float(kg.min()) if len(kg) else np.nan, float(kg.max()) if len(kg) else np.nan,
            float(mg.min()) if len(mg) else np.nan, float(mg.max()) if len(mg) else np.nan,
            ";".join(routes) or None, "; ".join(schedules) or None, " | ".join(texts) or None,
        ))
    out = pd.DataFrame(rows, columns=REGIMEN_COLUMNS)
    for col in ("mg_kg_day_low", "mg_kg_day_high", "mg_day_low", "mg_day_high"):
        out[col] = out[col].astype("float64")
    return out


# ---------------------------------------------------------------------------
# Ranges stated in the sources' words
# ---------------------------------------------------------------------------

_NUM = r"(\d+(?:\.\d+)?)"
_UNIT = (r"(mg/kg/d(?:ay)?|mg/kg per day|mg/kg/24 ?h|mg/kg|mg/m2(?:/d(?:ay)?)?|"
         r"mg/d(?:ay)?\b|mg per day|mg)")
_RANGE = re.compile(_NUM + r"\s*(?:-|–|to)\s*" + _NUM + r"\s*" + _UNIT, re.IGNORECASE)
_UPTO = re.compile(r"up to\s+" + _NUM + r"\s*" + _UNIT, re.IGNORECASE)
_CONTEXT = re.compile(r"anakinra|\bSC\b|\bIV\b|subcutan|intraven|infusion|dose", re.IGNORECASE)


def _normalise_unit(unit: str) -> str:
    u = unit.lower().replace(" per day", "/day").replace("/24 h", "/day").replace("/24h", "/day")
    if u in ("mg/kg/d", "mg/kg/day"):
        return "mg/kg/day"
    if u in ("mg/d", "mg/day"):
        return "mg/day"
    return u


def stated_ranges(view: FilteredView) -> pd.DataFrame:
    """Anakinra dose ranges written in the data rows, quoted, with their source.

    Searches ``dose_as_reported`` of every case and cohort in view, and the
    curators' ``note`` of the rows whose note also speaks of the drug or the
    dose, for a range "a-b unit" or "a to b unit" or "up to b unit" with a
    dose unit (mg/kg/day, mg/kg, mg/m2, mg/day, mg). Nothing is inferred or
    converted: a range is listed only where a source (through its row) states
    it, as cited text, not advice. Ranges of other quantities (days, years,
    counts) do not match because a dose unit must follow.

    Returns
    -------
    DataFrame
        Columns :data:`RANGE_COLUMNS`: ``row_label`` names the patient or
        cohort in words; ``field`` is ``"dose_as_reported"`` or
        ``"note"``; ``fragment`` the matched text; ``low`` is NaN for an
        "up to" statement; ``unit`` normalised (``mg/kg/day``, ``mg/day``,
        else as written, lower case). One row per distinct (source, low, high,
        unit): the first place it is found (``dose_as_reported`` before
        ``note``).
    """
    labels = source_labels(view.sources)
    names = dict(zip(view.cases["case_id"], patient_labels(view.cases, view.sources)))
    names.update(zip(view.cohorts["cohort_id"], cohort_labels(view.cohorts, view.sources)))
    recs = []
    seen = set()

    def scan(row_id, sid, field, text):
        if is_blank(text):
            return
        text = str(text)
        for m in _RANGE.finditer(text):
            lo, hi = float(m.group(1)), float(m.group(2))
            if lo > hi:
                continue
            add(row_id, sid, field, m.group(0), lo, hi, m.group(3))
        for m in _UPTO.finditer(text):
            add(row_id, sid, field, m.group(0), np.nan, float(m.group(1)), m.group(2))

    def add(row_id, sid, field, fragment, lo, hi, unit):
        key = (sid, None if math.isnan(lo) else lo, hi, _normalise_unit(unit))
        if key in seen:
            return
        seen.add(key)
        recs.append((sid, labels.get(sid, sid), row_id, names.get(row_id, row_id), field, fragment, lo, hi,
                     _normalise_unit(unit)))

    text_cases = view.cases.loc[view.cases["dose_as_reported"].notna() | view.cases["note"].notna()]
    for r in text_cases.itertuples(index=False):
        sid = _first_source(r.source_ids)
        scan(r.case_id, sid, "dose_as_reported", r.dose_as_reported)
        if not is_blank(r.note) and _CONTEXT.search(str(r.note)):
            scan(r.case_id, sid, "note", r.note)
    for r in view.cohorts.itertuples(index=False):
        scan(r.cohort_id, r.source_id, "dose_as_reported", r.dose_as_reported)
        if not is_blank(r.note) and _CONTEXT.search(str(r.note)):
            scan(r.cohort_id, r.source_id, "note", r.note)
    out = pd.DataFrame(recs, columns=RANGE_COLUMNS)
    out["low"] = out["low"].astype("float64")
    out["high"] = out["high"].astype("float64")
    return out


def thin_points(points: pd.DataFrame, max_points: int = 3000, seed: int = 0) -> pd.DataFrame:
    """At most ``max_points`` plot points: every cohort, and a random sample of patients.

    A browser cannot draw hundreds of thousands of markers usefully; above the
    cap, patient points are sampled (``numpy.random.default_rng(seed)``,
    deterministic) and every cohort point is kept. The page says when it
    thinned the points, and the chart's CSV download holds all of them.
    """
    if len(points) <= max_points:
        return points
    cohort = points.loc[points["kind"] == "cohort"]
    case = points.loc[points["kind"] != "cohort"]
    keep = max(max_points - len(cohort), 0)
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(len(case), size=min(keep, len(case)), replace=False))
    return pd.concat([case.iloc[idx], cohort]).reset_index(drop=True)


# ---------------------------------------------------------------------------
# When the filters leave no stated dose
# ---------------------------------------------------------------------------

def dose_without_each_filter(dataset: Dataset, state: FilterState) -> pd.DataFrame:
    """How many rows would state a dose with each active filter dropped in turn.

    Each active filter item (``state.active()``: one condition, one route,
    the dose minimum, ...) is removed on its own (``FilterState.without``)
    and the filters are applied again with :func:`lib.filters.apply_filters`.

    Returns
    -------
    DataFrame
        Columns :data:`RELAXED_COLUMNS`, one row per active item:
        ``filter_label`` is the item as the active-filter list shows it
        (:func:`lib.filters.describe_item`); ``cases``/``cohorts`` the rows
        in view without it; ``*_with_dose`` those stating a dose (as
        :func:`dose_coverage` counts); ``rows_with_dose`` their sum. Sorted by
        ``rows_with_dose``, most first (the first row is the narrowest
        filter: dropping it brings back the most doses); ties keep the order
        of ``state.active()``. Empty when no filter is active.
    """
    rows = []
    for field, value in state.active():
        relaxed = state.without(field, value)
        view = apply_filters(dataset, relaxed)
        cov = dose_coverage(view)
        rows.append((field, value, describe_item(field, value), cov.cases, cov.cohorts, cov.cases_with_dose,
                     cov.cohorts_with_dose, cov.cases_with_dose + cov.cohorts_with_dose))
    out = pd.DataFrame(rows, columns=RELAXED_COLUMNS)
    for col in RELAXED_COLUMNS[3:]:
        out[col] = out[col].astype("int64")
    return out.sort_values("rows_with_dose", ascending=False, kind="mergesort").reset_index(drop=True)
