"""Counts and tables the pages show (pure pandas; formatting is left to the pages)."""

from __future__ import annotations

import pandas as pd

from lib import schema
from lib.filters import FilteredView
from lib.stats import proportion_ci

_VOCAB = {
    "condition": (schema.CONDITIONS, schema.CONDITION_LABELS),
    "trigger": (schema.COHORT_TRIGGERS, schema.TRIGGER_LABELS),
    "route": (schema.ROUTES, schema.ROUTE_LABELS),
    "_age_band": (schema.AGE_BANDS, schema.AGE_BAND_LABELS),
    "cotherapies": (schema.COTHERAPIES, schema.COTHERAPY_LABELS),
}


def counts_by(view: FilteredView, column: str) -> pd.DataFrame:
    """Patients and cohorts per value of ``column``.

    Returns
    -------
    DataFrame
        Columns ``value, label, patients, cohorts, cohort_patients``; one row
        per value present, plus a ``not stated`` row (value ``None``) when
        some rows lack the value. List columns (route, co-therapies) count a
        row once under each of its values.
    """
    values, labels = _VOCAB[column]
    rows = []
    for value in values:
        cm = _matches(view.cases, column, value)
        km = _matches(view.cohorts, column, value)
        p, k = int(cm.sum()), int(km.sum())
        if p or k:
            rows.append((value, labels.get(value, value), p, k, int(view.cohorts.loc[km, "n"].fillna(0).sum())))
    p_missing = int(_missing(view.cases, column).sum())
    k_missing_mask = _missing(view.cohorts, column)
    if p_missing or k_missing_mask.any():
        rows.append((None, "Not stated", p_missing, int(k_missing_mask.sum()),
                     int(view.cohorts.loc[k_missing_mask, "n"].fillna(0).sum())))
    return pd.DataFrame(rows, columns=["value", "label", "patients", "cohorts", "cohort_patients"])


def _matches(df: pd.DataFrame, column: str, value: str) -> pd.Series:
    if df.empty:
        return pd.Series([], dtype=bool)
    if column in ("route", "cotherapies"):
        return df[f"_{column}__{value}"].astype(bool)
    return (df[column] == value).fillna(False).astype(bool)


def _missing(df: pd.DataFrame, column: str) -> pd.Series:
    if df.empty:
        return pd.Series([], dtype=bool)
    return df[column].isna()


def evidence_map(view: FilteredView) -> pd.DataFrame:
    """Condition x trigger x route: patients, cohorts and publications in each cell.

    Columns ``condition, trigger, route, patients, cohorts, publications``. A
    patient or cohort with several routes appears under each; with no route
    stated, under ``not stated``.
    """
    records = []
    for kind, df in (("case", view.cases), ("cohort", view.cohorts)):
        if df.empty:
            continue
        sid = df["_source_id"]
        for route in schema.ROUTES + (None,):
            if route is None:
                mask = df["route"].isna()
            else:
                mask = df[f"_route__{route}"].astype(bool)
            sub = df.loc[mask]
            for cond, trig, s in zip(sub["condition"], sub["trigger"], sid[mask]):
                records.append((cond, trig, route or "not_stated", kind, s))
    if not records:
        return pd.DataFrame(columns=["condition", "trigger", "route", "patients", "cohorts", "publications"])
    df = pd.DataFrame(records, columns=["condition", "trigger", "route", "kind", "source_id"])
    out = df.groupby(["condition", "trigger", "route"], sort=True).agg(
        patients=("kind", lambda k: int((k == "case").sum())),
        cohorts=("kind", lambda k: int((k == "cohort").sum())),
        publications=("source_id", "nunique"),
    ).reset_index()
    return out


def response_counts(cases: pd.DataFrame) -> dict[str, int]:
    """Counts of mapped responses among cases, plus how many are not stated."""
    r = cases["response"]
    out = {v: int((r == v).sum()) for v in schema.RESPONSES}
    out["not_stated"] = int(r.isna().sum())
    return out


def headline_counts(view: FilteredView) -> pd.DataFrame:
    """The headline outcomes among patient-level rows: events k of n with a stated value.

    Columns ``measure, k, n, missing, estimate, ci_lower, ci_upper``:
    complete response, any response (complete or partial) and death, each
    among the cases where the source states it, with the exact
    (Clopper-Pearson) 95% interval of :func:`lib.stats.proportion_ci`; the
    estimate and limits are NaN when no case states the outcome.
    """
    cases = view.cases
    resp = cases["response"]
    has_resp = resp.notna()
    death = cases["death"]
    has_death = death.notna()
    rows = [
        ("complete_response", int((resp == "complete").sum()), int(has_resp.sum()), int((~has_resp).sum())),
        ("any_response", int(resp.isin(["complete", "partial"]).sum()), int(has_resp.sum()), int((~has_resp).sum())),
        ("death", int(death.fillna(False).astype(bool).sum()), int(has_death.sum()), int((~has_death).sum())),
    ]
    out = pd.DataFrame(rows, columns=["measure", "k", "n", "missing"])
    cis = [proportion_ci(k, n) if n else None for k, n in zip(out["k"], out["n"])]
    out["estimate"] = [ci.estimate if ci else float("nan") for ci in cis]
    out["ci_lower"] = [ci.ci_lower if ci else float("nan") for ci in cis]
    out["ci_upper"] = [ci.ci_upper if ci else float("nan") for ci in cis]
    return out


def sources_for(view: FilteredView, ids) -> pd.DataFrame:
    return view.sources.loc[view.sources["source_id"].isin(list(ids))]


def without_covered_subgroups(cohorts: pd.DataFrame) -> pd.DataFrame:
    """The cohort rows minus the subgroup rows whose whole-study row (same source, empty ``subgroup``) is present.

    Used wherever cohorts are counted or drawn, so that a study's patients
    are not counted once for the study and again for its subgroups.
    """
    if cohorts.empty:
        return cohorts
    whole = set(cohorts.loc[cohorts["subgroup"].isna(), "source_id"])
    covered = cohorts["subgroup"].notna() & cohorts["source_id"].isin(whole)
    return cohorts.loc[~covered.to_numpy(dtype=bool)]


def primary_cohorts(cohorts: pd.DataFrame) -> pd.DataFrame:
    """Cohort rows that count distinct patients once.

    Drops pooled reviews (``design == "pooled_review"``: their patients are
    published elsewhere) and subgroup rows whose whole-study row (same source,
    empty subgroup) is also present.
    """
    if cohorts.empty:
        return cohorts
    not_review = (cohorts["design"].fillna("") != "pooled_review").to_numpy(dtype=bool)
    return without_covered_subgroups(cohorts.loc[not_review])


def distinct_patients(view: FilteredView) -> dict[str, int]:
    """How many distinct patients the view holds, counting each once.

    Returns ``cases`` (individually described), ``cases_in_cohorts`` (cases
    whose cohort row is also in view), ``cohort_patients`` (sum of n over
    :func:`primary_cohorts`) and ``total`` = cases - cases_in_cohorts +
    cohort_patients. Patients published twice in different primary reports
    cannot be detected from aggregates, so ``total`` is an upper bound.
    """
    prim = primary_cohorts(view.cohorts)
    in_view = set(prim["cohort_id"])
    inc = view.cases["included_in_cohort"]
    cases_in = int(inc.isin(in_view).sum()) if len(view.cases) else 0
    cohort_n = int(prim["n"].fillna(0).sum()) if len(prim) else 0
    return {"cases": len(view.cases), "cases_in_cohorts": cases_in, "cohort_patients": cohort_n,
            "total": len(view.cases) - cases_in + cohort_n}
