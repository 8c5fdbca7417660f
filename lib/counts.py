"""Counts every page and the evidence summary share (pure pandas).

Which rows count which patients
-------------------------------
* **Individually described patients** (``cases``): one row per patient; a
  patient published twice is one row with both sources.
* **Primary cohorts** (:func:`primary_cohorts`): cohort rows that are not
  pooled reviews, minus subgroup rows whose whole-study row is in view.
  Patients described individually *and* counted in such a cohort
  (``included_in_cohort``) are counted once.
* **Pooled reviews** (``design == "pooled_review"``) pool published patients;
  how many of theirs are also in the primary reports cannot be told from
  aggregates, so they are counted apart, as "up to M more who may overlap".

:func:`patient_count` is the one distinct-patient count; the Overview, the
other pages and the evidence summary all use it and its wording
(:func:`patient_count_text`), which is true as a bound: primary reports hold
``primary`` patients, and the view holds at most ``primary + review_patients``
distinct patients.

Formatting is left to the pages, except :func:`patient_count_text`, the one
sentence the Overview and the evidence summary share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib import schema
from lib.filters import FilteredView
from lib.wording import plural

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
    """Counts of each response category among cases (``complete``, ``partial``, ``improved``, ``none``), plus ``not_stated``."""
    r = cases["response"]
    out = {v: int((r == v).sum()) for v in schema.RESPONSES}
    out["not_stated"] = int(r.isna().sum())
    return out


def sources_for(view: FilteredView, ids) -> pd.DataFrame:
    return view.sources.loc[view.sources["source_id"].isin(list(ids))]


# ---------------------------------------------------------------------------
# Cohort rows: design, denominators, which rows count patients once
# ---------------------------------------------------------------------------

#: Design of a cohort row in words (tables show it beside every cohort).
DESIGN_KINDS = ("cohort", "series", "pooled_review")
DESIGN_KIND_LABELS = {"cohort": "Cohort", "series": "Case series", "pooled_review": "Pooled review"}
_DESIGN_DETAIL = {"retrospective": "retrospective", "prospective": "prospective",
                  "trial_reanalysis": "trial re-analysis", "survey": "survey"}


def design_kinds(cohorts: pd.DataFrame, sources: pd.DataFrame) -> pd.Series:
    """Design of each cohort row as one of :data:`DESIGN_KINDS`.

    ``pooled_review`` when ``design`` says so; ``series`` when the source is
    a case series or case report (``pub_type``); otherwise ``cohort``.
    Same index as ``cohorts``.
    """
    ptype = dict(zip(sources["source_id"], sources["pub_type"])) if len(sources) else {}
    out = []
    for d, sid in zip(cohorts["design"], cohorts["source_id"]):
        if d == "pooled_review":
            out.append("pooled_review")
        elif ptype.get(sid) in ("case_series", "case_report"):
            out.append("series")
        else:
            out.append("cohort")
    return pd.Series(out, dtype=object, index=cohorts.index)


def design_labels(cohorts: pd.DataFrame, sources: pd.DataFrame) -> pd.Series:
    """Design of each cohort row in words: "Cohort (retrospective)", "Case series (prospective)", "Pooled review"."""
    kinds = design_kinds(cohorts, sources)
    out = []
    for kind, d in zip(kinds, cohorts["design"]):
        text = DESIGN_KIND_LABELS[kind]
        if kind != "pooled_review" and d in _DESIGN_DETAIL:
            text += f" ({_DESIGN_DETAIL[d]})"
        out.append(text)
    return pd.Series(out, dtype=object, index=cohorts.index)


def count_denominators(cohorts: pd.DataFrame) -> pd.Series:
    """The denominator of each cohort's outcome counts: ``n_episodes`` where the counts refer to episodes, else ``n``.

    Returns a float Series (NaN where the counts refer to episodes and the
    number of episodes is not stated). Same index as ``cohorts``.
    """
    if cohorts.empty:
        return pd.Series([], dtype=float, index=cohorts.index)
    n = pd.to_numeric(cohorts["n"], errors="coerce").astype(float)
    episodes = pd.to_numeric(cohorts["n_episodes"], errors="coerce").astype(float)
    by_episode = (cohorts["counts_refer_to"] == "episodes").fillna(False).to_numpy(dtype=bool)
    return pd.Series(np.where(by_episode, episodes.to_numpy(), n.to_numpy()), index=cohorts.index, dtype=float)


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


# ---------------------------------------------------------------------------
# The one distinct-patient count
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class PatientCount:
    """How many patients a set of rows holds, each counted once where the data can tell.

    Attributes
    ----------
    cases : int
        Individually described patients.
    cases_in_cohorts : int
        Of them, patients whose cohort row (``included_in_cohort``, or the
        whole-study row of that subgroup) is among the primary cohorts: they
        are counted in the cohort, not again.
    cohort_patients : int
        Sum of ``n`` over :func:`primary_cohorts`.
    cohorts : int
        Number of primary cohort rows.
    review_patients : int
        Sum of ``n`` over pooled reviews (may overlap with everything else).
    reviews : int
        Number of pooled-review rows.
    """

    cases: int
    cases_in_cohorts: int
    cohort_patients: int
    cohorts: int
    review_patients: int
    reviews: int

    @property
    def cases_only(self) -> int:
        """Individually described patients not counted in a primary cohort."""
        return self.cases - self.cases_in_cohorts

    @property
    def primary(self) -> int:
        """Patients in primary reports: cases_only + cohort_patients."""
        return self.cases_only + self.cohort_patients

    @property
    def upper(self) -> int:
        """An upper bound on distinct patients: primary + review_patients."""
        return self.primary + self.review_patients


def patient_count(cases: pd.DataFrame, cohorts: pd.DataFrame) -> PatientCount:
    """The distinct-patient count of a set of case and cohort rows (see the module docstring).

    Parameters
    ----------
    cases, cohorts : DataFrame
        Rows in view (schema ``cases`` and ``cohorts``).

    Returns
    -------
    PatientCount
        ``primary`` is every patient of the primary reports counted once as
        far as the sources link them (a patient published in two unlinked
        primary reports would be counted twice, so it does not undercount);
        ``upper`` adds every pooled-review patient, so it bounds the number
        of distinct patients from above.
    """
    prim = primary_cohorts(cohorts)
    prim_ids = set(prim["cohort_id"]) if len(prim) else set()
    # a case linked to a subgroup row counts in that study's whole-study row when that row is primary
    whole_source = set(prim.loc[prim["subgroup"].isna(), "source_id"]) if len(prim) else set()
    sub_source = dict(zip(cohorts["cohort_id"], cohorts["source_id"])) if len(cohorts) else {}
    sub_rows = set(cohorts.loc[cohorts["subgroup"].notna(), "cohort_id"]) if len(cohorts) else set()
    cases_in = 0
    for cid in cases["included_in_cohort"].tolist() if len(cases) else []:
        if not isinstance(cid, str):
            continue
        if cid in prim_ids or (cid in sub_rows and sub_source.get(cid) in whole_source):
            cases_in += 1
    reviews = cohorts.loc[(cohorts["design"] == "pooled_review").fillna(False).to_numpy(dtype=bool)] \
        if len(cohorts) else cohorts
    return PatientCount(
        cases=int(len(cases)),
        cases_in_cohorts=int(cases_in),
        cohort_patients=int(prim["n"].fillna(0).sum()) if len(prim) else 0,
        cohorts=int(len(prim)),
        review_patients=int(reviews["n"].fillna(0).sum()) if len(reviews) else 0,
        reviews=int(len(reviews)),
    )


def view_patient_count(view: FilteredView) -> PatientCount:
    """:func:`patient_count` of everything in view."""
    return patient_count(view.cases, view.cohorts)


def patient_count_text(pc: PatientCount) -> str:
    """The count in words, true as a bound (the Overview and the evidence summary use this sentence).

    Examples: "86 patients in primary reports (30 described individually,
    56 in 12 cohorts; 4 described individually and also in their cohort are
    counted once); pooled reviews add up to 290 more who may overlap with
    them, so at most 376 distinct patients."
    """
    parts = []
    if pc.cases:
        parts.append(f"{pc.cases_only:,} described individually")
    if pc.cohorts:
        parts.append(f"{pc.cohort_patients:,} in {plural(pc.cohorts, 'cohort')}")
    detail = ", ".join(parts)
    if pc.cases_in_cohorts:
        detail += (f"; {pc.cases_in_cohorts:,} described individually and also in their cohort "
                   f"{'is' if pc.cases_in_cohorts == 1 else 'are'} counted once")
    text = f"{plural(pc.primary, 'patient')} in primary reports"
    if detail:
        text += f" ({detail})"
    if pc.reviews:
        text += (f"; {plural(pc.reviews, 'pooled review')} add{'s' if pc.reviews == 1 else ''} up to "
                 f"{pc.review_patients:,} more who may overlap with them, so at most {pc.upper:,} distinct patients")
    return text + "."


# ---------------------------------------------------------------------------
# Headlines per condition
# ---------------------------------------------------------------------------

HEADLINE_COLUMNS = [
    "condition", "label", "primary_patients", "review_patients", "upper_patients", "n",
    "complete", "partial", "improved", "none", "not_stated", "n_stated", "responders",
    "response_pct", "response_ci_lower", "response_ci_upper", "response_if_none", "response_if_all",
    "died", "alive", "death_not_stated", "death_n_stated", "death_pct", "death_ci_lower", "death_ci_upper",
    "death_if_none", "death_if_all",
]


def condition_headlines(view: FilteredView) -> pd.DataFrame:
    """The headline outcomes of individually described patients, one row per condition in view.

    Returns
    -------
    DataFrame
        Columns :data:`HEADLINE_COLUMNS`, conditions in vocabulary order
        (only those with a case or a cohort in view): the condition's
        :class:`PatientCount` (``primary_patients``, ``review_patients``,
        ``upper_patients``), ``n`` individually described patients, the
        response columns of :func:`lib.outcomes.response_by` and the death
        columns of :func:`lib.outcomes.deaths_by` (``death_not_stated`` and
        ``death_n_stated`` are its ``not_stated`` and ``n_stated``), both by
        condition. Rates are fractions; exact Clopper-Pearson limits (R
        ``binom.test``) over the patients with the outcome stated; the
        ``*_if_none``/``*_if_all`` columns are the range over the patients
        without it (denominator: all ``n``).
    """
    from lib import outcomes

    resp = outcomes.response_by(view.cases, "condition").set_index("group") if len(view.cases) else None
    dead = outcomes.deaths_by(view.cases, "condition").set_index("group") if len(view.cases) else None
    rows = []
    for cond in schema.CONDITIONS:
        cases = view.cases.loc[(view.cases["condition"] == cond).to_numpy(dtype=bool)]
        cohorts = view.cohorts.loc[(view.cohorts["condition"] == cond).to_numpy(dtype=bool)]
        if cases.empty and cohorts.empty:
            continue
        pc = patient_count(cases, cohorts)
        rec = {"condition": cond, "label": schema.CONDITION_LABELS[cond], "primary_patients": pc.primary,
               "review_patients": pc.review_patients, "upper_patients": pc.upper, "n": len(cases)}
        if resp is not None and cond in resp.index:
            r, d = resp.loc[cond], dead.loc[cond]
            for c in ("complete", "partial", "improved", "none", "not_stated", "n_stated", "responders",
                      "response_pct", "response_ci_lower", "response_ci_upper", "response_if_none",
                      "response_if_all"):
                rec[c] = r[c]
            for c in ("died", "alive", "death_pct", "death_ci_lower", "death_ci_upper", "death_if_none",
                      "death_if_all"):
                rec[c] = d[c]
            rec["death_not_stated"] = d["not_stated"]
            rec["death_n_stated"] = d["n_stated"]
        else:
            for c in ("complete", "partial", "improved", "none", "not_stated", "n_stated", "responders", "died",
                      "alive", "death_not_stated", "death_n_stated"):
                rec[c] = 0
        rows.append(rec)
    out = pd.DataFrame(rows, columns=HEADLINE_COLUMNS)
    for c in ("primary_patients", "review_patients", "upper_patients", "n", "complete", "partial", "improved",
              "none", "not_stated", "n_stated", "responders", "died", "alive", "death_not_stated",
              "death_n_stated"):
        out[c] = out[c].astype("int64")
    for c in HEADLINE_COLUMNS:
        if c.endswith(("_pct", "_lower", "_upper", "_if_none", "_if_all")):
            out[c] = out[c].astype(float)
    return out
