"""Random-effects pooling of cohort proportions (response, mortality) for the Pooled evidence page.

Which rows go into a pool
-------------------------
Only rows of ``cohorts`` (study groups reported in aggregate) are pooled.
Individually described cases are never pooled as "studies": a case report is
a study of one selected patient, and many of them are also counted in the
reviews. For one outcome, every cohort row in view is tested in this order:

1. ``pooled_review``: the row's ``design`` is ``pooled_review`` (a review
   that pools published patients). Its patients are the published cases and
   cohorts themselves, so pooling it would count them twice. Left out.
2. ``outcome_not_reported``: the outcome count (``responders`` or
   ``deaths``) is empty. An empty cell means *not stated*, never 0. Left out.
3. ``inconsistent_counts``: the count is above ``n``. Left out.
4. ``subgroup_of_whole_study``: the row is a subgroup (``subgroup`` is
   filled) and the same source also has a whole-study row (``subgroup``
   empty) that passes 1-3 for this outcome. The whole-study row already holds
   these patients. Left out.
5. ``included``: everything else. A subgroup row is therefore pooled when its
   study's whole-study row is not in view (filtered out, or never reported),
   or does not report the outcome.

A pooled estimate needs at least :data:`MIN_STUDIES` studies.

Statistics come from :func:`lib.stats.pool_proportions` (logit-transformed
proportions, random effects; REML or DerSimonian-Laird; matches
``metafor::rma(measure = "PLO")``). Nothing here is rounded or formatted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib import schema
from lib.citations import cohort_labels
from lib.data import is_blank
from lib.stats import PooledProportionResult, pool_proportions

OUTCOMES = ("response", "mortality")
OUTCOME_COLUMNS = {"response": "responders", "mortality": "deaths"}
OUTCOME_LABELS = {"response": "Response", "mortality": "Mortality"}
SUBGROUPS = ("none", "condition", "trigger", "route")
SUBGROUP_LABELS = {
    "none": "No subgroups",
    "condition": "Condition",
    "trigger": "Trigger or background",
    "route": "Route",
}
METHODS = ("REML", "DL")
METHOD_LABELS = {"REML": "REML (restricted maximum likelihood)", "DL": "DerSimonian-Laird"}
MIN_STUDIES = 2

REASONS = ("included", "pooled_review", "outcome_not_reported", "inconsistent_counts",
           "subgroup_of_whole_study")
REASON_LABELS = {
    "included": "Pooled",
    "pooled_review": "Not pooled: pooled review (its patients are already in the primary reports)",
    "outcome_not_reported": "Not pooled: outcome not reported",
    "inconsistent_counts": "Not pooled: count above n",
    "subgroup_of_whole_study": "Not pooled: subgroup of a study whose whole-study row is pooled",
}
NOT_STATED = "not_stated"

_ROWS_COLUMNS = ["cohort_id", "source_id", "label", "year", "subgroup", "condition", "trigger",
                 "route", "design", "group", "group_label", "events", "total", "included", "reason"]
_SUBGROUP_COLUMNS = ["group", "group_label", "k", "events", "total", "estimate", "ci_lower",
                     "ci_upper", "pred_lower", "pred_upper", "tau2", "i2", "q", "q_df",
                     "q_p_value", "pooled"]
_FOREST_COLUMNS = ["order", "kind", "group", "group_label", "label", "events", "total",
                   "estimate", "ci_lower", "ci_upper", "weight_percent"]


def _int_array(s: pd.Series) -> pd.arrays.IntegerArray:
    """A count column as a nullable Int64 array (missing stays missing)."""
    return pd.array([None if is_blank(v) else int(v) for v in s.tolist()], dtype="Int64")


def source_labels(cohorts: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Short study labels: ``"<first author> <year>"`` plus the subgroup when there is one.

    Returns
    -------
    DataFrame
        Same index as ``cohorts``; columns ``label`` (str) and ``year``
        (Int64, missing when the source is not in ``sources``). The source id
        stands in for an unknown author.
    """
    year = dict(zip(sources["source_id"], sources["year"]))
    years = [None if is_blank(year.get(sid)) else int(year.get(sid)) for sid in cohorts["source_id"]]
    return pd.DataFrame({"label": cohort_labels(cohorts, sources),
                         "year": pd.array(years, dtype="Int64")}, index=cohorts.index)


def eligibility(cohorts: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Which cohort rows enter the pool of ``outcome``, and why the others do not.

    Parameters
    ----------
    cohorts : DataFrame
        Rows of the cohorts table (e.g. ``view.cohorts``).
    outcome : {"response", "mortality"}

    Returns
    -------
    DataFrame
        One row per cohort, in input order: ``cohort_id, source_id, events``
        (Int64, missing when not reported), ``total`` (Int64), ``included``
        (bool) and ``reason`` (one of :data:`REASONS`; see the module
        docstring for the rule).
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {OUTCOMES}, got {outcome!r}")
    col = OUTCOME_COLUMNS[outcome]
    events = _int_array(cohorts[col])
    total = _int_array(cohorts["n"])
    design = cohorts["design"].tolist()
    subgroup = cohorts["subgroup"].tolist()
    source = cohorts["source_id"].tolist()

    reasons: list[str] = []
    for d, e, n in zip(design, events, total):
        if d == "pooled_review":
            reasons.append("pooled_review")
        elif e is pd.NA or n is pd.NA:
            reasons.append("outcome_not_reported")
        elif int(e) > int(n) or int(e) < 0:
            reasons.append("inconsistent_counts")
        else:
            reasons.append("included")
    whole_included = {s for s, sub, r in zip(source, subgroup, reasons) if is_blank(sub) and r == "included"}
    for i, (s, sub) in enumerate(zip(source, subgroup)):
        if reasons[i] == "included" and not is_blank(sub) and s in whole_included:
            reasons[i] = "subgroup_of_whole_study"
    return pd.DataFrame({
        "cohort_id": cohorts["cohort_id"].to_numpy(dtype=object),
        "source_id": cohorts["source_id"].to_numpy(dtype=object),
        "events": events,
        "total": total,
        "included": np.array([r == "included" for r in reasons], dtype=bool),
        "reason": pd.Series(reasons, dtype=object).to_numpy(),
    })


def subgroup_values(cohorts: pd.DataFrame, by: str) -> pd.DataFrame:
    """The subgroup of every cohort for ``by``, with its label and sort rank.

    ``route`` groups by the exact combination of routes (``iv;sc`` is its own
    group), so that each study is in exactly one subgroup. A missing value is
    the group ``not_stated``.

    Returns
    -------
    DataFrame
        Same index as ``cohorts``; columns ``group``, ``group_label``, ``rank``.
    """
    if by not in SUBGROUPS:
        raise ValueError(f"by must be one of {SUBGROUPS}, got {by!r}")
    n = len(cohorts)
    if by == "none":
        return pd.DataFrame({"group": ["all"] * n, "group_label": ["All studies"] * n, "rank": [0] * n},
                            index=cohorts.index)
    if by == "condition":
        vocab, labels = schema.CONDITIONS, schema.CONDITION_LABELS
    elif by == "trigger":
        vocab, labels = schema.COHORT_TRIGGERS, schema.TRIGGER_LABELS
    else:
        vocab, labels = schema.ROUTES, schema.ROUTE_LABELS
    groups, glabels, ranks = [], [], []
    for v in cohorts[by].tolist():
        if is_blank(v):
            groups.append(NOT_STATED)
            glabels.append("Not stated")
            ranks.append(10**6)
            continue
        parts = [p for p in str(v).split(";") if p]
        groups.append(";".join(parts))
        glabels.append(" + ".join(labels.get(p, p) for p in parts))
        # single values in vocabulary order, then combinations after them
        idx = [vocab.index(p) if p in vocab else len(vocab) for p in parts]
        ranks.append(idx[0] if len(idx) == 1 else len(vocab) * (len(idx)) + sum(idx))
    return pd.DataFrame({"group": groups, "group_label": glabels, "rank": ranks}, index=cohorts.index)


@dataclass(frozen=True, eq=False)
class PoolAnalysis:
    """The pool of one outcome over the cohorts in view.

    Attributes
    ----------
    outcome : str
        ``"response"`` or ``"mortality"``.
    method : str
        ``"REML"`` or ``"DL"``.
    by : str
        Subgroup variable (``"none"`` for none).
    conf : float
        Confidence level of every interval.
    rows : DataFrame
        Every cohort in view with columns ``cohort_id, source_id, label,
        year, subgroup, condition, trigger, route, design, group,
        group_label, events, total, included, reason``.
    k : int
        Number of studies pooled.
    overall : PooledProportionResult or None
        The pooled estimate over all included studies; ``None`` when fewer
        than :data:`MIN_STUDIES` are included.
    subgroups : DataFrame
        One row per subgroup with an included study (empty when ``by ==
        "none"``): ``group, group_label, k, events, total, estimate,
        ci_lower, ci_upper, pred_lower, pred_upper, tau2, i2, q, q_df,
        q_p_value, pooled``. Estimates are NaN (and ``pooled`` False) for a
        subgroup with fewer than :data:`MIN_STUDIES` studies.
    forest : DataFrame
        Rows of the forest plot, top to bottom: ``order, kind, group,
        group_label, label, events, total, estimate, ci_lower, ci_upper,
        weight_percent``. ``kind`` is ``header`` (a subgroup's title row,
        with its summed counts; no estimate), ``study`` (exact Clopper-Pearson
        interval), ``subgroup`` (a subgroup's pooled estimate), ``overall``
        (the pooled estimate) or ``prediction`` (the overall prediction
        interval; ``estimate`` NaN).
    conditions : tuple of str
        Conditions among the included studies (more than one means the pool
        mixes conditions).
    """

    outcome: str
    method: str
    by: str
    conf: float
    rows: pd.DataFrame
    k: int
    overall: PooledProportionResult | None
    subgroups: pd.DataFrame
    forest: pd.DataFrame
    conditions: tuple[str, ...]

    @property
    def n_patients(self) -> int:
        """Patients in the pooled cohorts (sum of their ``n``)."""
        return int(self.rows.loc[self.rows["included"].to_numpy(dtype=bool), "total"].sum())

    @property
    def n_not_reported(self) -> int:
        """Cohorts in view that do not report the outcome (and are not pooled reviews)."""
        return int((self.rows["reason"] == "outcome_not_reported").sum())


def analyse(cohorts: pd.DataFrame, sources: pd.DataFrame, outcome: str, method: str = "REML",
            by: str = "none", conf: float = 0.95) -> PoolAnalysis:
    """Pool ``outcome`` over the eligible cohorts, overall and by subgroup.

    Parameters
    ----------
    cohorts : DataFrame
        Cohort rows in view.
    sources : DataFrame
        Sources table (for the study labels).
    outcome : {"response", "mortality"}
        ``responders / n`` or ``deaths / n``.
    method : {"REML", "DL"}, default "REML"
        Estimator of tau^2 passed to :func:`lib.stats.pool_proportions`.
    by : {"none", "condition", "trigger", "route"}, default "none"
    conf : float, default 0.95

    Returns
    -------
    PoolAnalysis

    Notes
    -----
    The pooled estimate, its interval, tau^2, I^2, Q and the prediction
    interval are those of ``metafor::rma(measure = "PLO", xi, ni, method)``
    with ``predict(res, transf = transf.ilogit)`` (see
    :func:`lib.stats.pool_proportions`). Study intervals are exact
    (Clopper-Pearson, R ``binom.test``). Subgroup pools are separate
    random-effects fits; their difference is not tested.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    elig = eligibility(cohorts, outcome)
    labels = source_labels(cohorts, sources)
    groups = subgroup_values(cohorts, by)
    rows = pd.DataFrame({
        "cohort_id": elig["cohort_id"].to_numpy(),
        "source_id": elig["source_id"].to_numpy(),
        "label": labels["label"].to_numpy(),
        "year": labels["year"].to_numpy(),
        "subgroup": cohorts["subgroup"].to_numpy(dtype=object),
        "condition": cohorts["condition"].to_numpy(dtype=object),
        "trigger": cohorts["trigger"].to_numpy(dtype=object),
        "route": cohorts["route"].to_numpy(dtype=object),
        "design": cohorts["design"].to_numpy(dtype=object),
        "group": groups["group"].to_numpy(dtype=object),
        "group_label": groups["group_label"].to_numpy(dtype=object),
        "events": elig["events"].array,
        "total": elig["total"].array,
        "included": elig["included"].to_numpy(),
        "reason": elig["reason"].to_numpy(),
    }, columns=_ROWS_COLUMNS)
    rows["year"] = pd.array(labels["year"].to_numpy(), dtype="Int64")
    rank = dict(zip(groups["group"], groups["rank"]))

    inc = rows.loc[rows["included"]].copy()
    inc["_rank"] = [rank[g] for g in inc["group"]]
    inc["_year"] = inc["year"].astype("float64").fillna(np.inf)
    inc = inc.sort_values(["_rank", "group_label", "_year", "label"], kind="mergesort")
    k = len(inc)

    overall = None
    weights = pd.Series(np.nan, index=inc.index)
    study_ci = pd.DataFrame(columns=["proportion", "ci_lower", "ci_upper"], index=inc.index, dtype=float)
    if k >= 1:
        fit = pool_proportions(inc["events"].astype(int).tolist(), inc["total"].astype(int).tolist(),
                               method=method, conf=conf, study_labels=inc["cohort_id"].tolist())
        st = fit.studies.set_index(inc.index)
        study_ci = st[["proportion", "ci_lower", "ci_upper"]]
        if k >= MIN_STUDIES:
            overall = fit
            weights = st["weight_percent"]

    sub_rows = []
    forest = []
    if by != "none":
        for g, part in inc.groupby("group", sort=False):
            glabel = part["group_label"].iloc[0]
            rec = {"group": g, "group_label": glabel, "k": len(part),
                   "events": int(part["events"].sum()), "total": int(part["total"].sum())}
            if len(part) >= MIN_STUDIES:
                r = pool_proportions(part["events"].astype(int).tolist(), part["total"].astype(int).tolist(),
                                     method=method, conf=conf)
                rec.update(estimate=r.estimate, ci_lower=r.ci_lower, ci_upper=r.ci_upper,
                           pred_lower=r.pred_lower, pred_upper=r.pred_upper, tau2=r.tau2, i2=r.i2,
                           q=r.q, q_df=r.q_df, q_p_value=r.q_p_value, pooled=True)
            else:
                rec.update(estimate=np.nan, ci_lower=np.nan, ci_upper=np.nan, pred_lower=np.nan,
                           pred_upper=np.nan, tau2=np.nan, i2=np.nan, q=np.nan, q_df=0,
                           q_p_value=np.nan, pooled=False)
            sub_rows.append(rec)
            forest.append({"kind": "header", "group": g, "group_label": glabel, "label": glabel,
                           "events": rec["events"], "total": rec["total"], "estimate": np.nan,
                           "ci_lower": np.nan, "ci_upper": np.nan, "weight_percent": np.nan})
            for idx in part.index:
                forest.append(_study_row(inc.loc[idx], study_ci.loc[idx], weights.get(idx, np.nan)))
            if rec["pooled"]:
                forest.append({"kind": "subgroup", "group": g, "group_label": glabel,
                               "label": f"Pooled: {glabel}", "events": rec["events"], "total": rec["total"],
                               "estimate": rec["estimate"], "ci_lower": rec["ci_lower"],
                               "ci_upper": rec["ci_upper"], "weight_percent": np.nan})
    else:
        for idx in inc.index:
            forest.append(_study_row(inc.loc[idx], study_ci.loc[idx], weights.get(idx, np.nan)))
    if overall is not None:
        ev, tot = int(inc["events"].sum()), int(inc["total"].sum())
        forest.append({"kind": "overall", "group": "all", "group_label": "All studies",
                       "label": "Pooled: all studies", "events": ev, "total": tot,
                       "estimate": overall.estimate, "ci_lower": overall.ci_lower,
                       "ci_upper": overall.ci_upper, "weight_percent": 100.0})
        forest.append({"kind": "prediction", "group": "all", "group_label": "All studies",
                       "label": "Prediction interval", "events": None, "total": None,
                       "estimate": np.nan, "ci_lower": overall.pred_lower,
                       "ci_upper": overall.pred_upper, "weight_percent": np.nan})
    forest_df = pd.DataFrame(forest, columns=_FOREST_COLUMNS[1:])
    forest_df.insert(0, "order", np.arange(len(forest_df), dtype=int))
    forest_df["events"] = pd.array([None if is_blank(v) else int(v) for v in forest_df["events"]], dtype="Int64")
    forest_df["total"] = pd.array([None if is_blank(v) else int(v) for v in forest_df["total"]], dtype="Int64")
    for c in ("estimate", "ci_lower", "ci_upper", "weight_percent"):
        forest_df[c] = forest_df[c].astype("float64")
    subgroups = pd.DataFrame(sub_rows, columns=_SUBGROUP_COLUMNS)
    conditions = tuple(c for c in schema.CONDITIONS if c in set(inc["condition"]))
    return PoolAnalysis(outcome=outcome, method=method, by=by, conf=conf,
                        rows=rows.reset_index(drop=True), k=k, overall=overall,
                        subgroups=subgroups, forest=forest_df, conditions=conditions)


def _study_row(row: pd.Series, ci: pd.Series, weight: float) -> dict:
    return {"kind": "study", "group": row["group"], "group_label": row["group_label"],
            "label": row["label"], "events": int(row["events"]), "total": int(row["total"]),
            "estimate": float(ci["proportion"]), "ci_lower": float(ci["ci_lower"]),
            "ci_upper": float(ci["ci_upper"]), "weight_percent": float(weight)}


def cohort_table(cohorts: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """The cohorts in view with their outcome counts, definitions, time frames and pool status.

    Returns
    -------
    DataFrame
        One row per cohort: ``cohort_id, label, source_id, pmid, doi, subgroup,
        condition, trigger, design, population, route, n, responders,
        response_definition, response_timepoint, deaths, deaths_timepoint,
        response_pool, mortality_pool``; the last two are reason codes from
        :data:`REASONS`. Counts are Int64 with missing values kept missing.
    """
    labels = source_labels(cohorts, sources)
    pmid = dict(zip(sources["source_id"], sources["pmid"]))
    doi = dict(zip(sources["source_id"], sources["doi"]))
    resp = eligibility(cohorts, "response")
    mort = eligibility(cohorts, "mortality")
    return pd.DataFrame({
        "cohort_id": cohorts["cohort_id"].to_numpy(dtype=object),
        "label": labels["label"].to_numpy(dtype=object),
        "source_id": cohorts["source_id"].to_numpy(dtype=object),
        "pmid": [pmid.get(s) for s in cohorts["source_id"]],
        "doi": [doi.get(s) for s in cohorts["source_id"]],
        "subgroup": cohorts["subgroup"].to_numpy(dtype=object),
        "condition": cohorts["condition"].to_numpy(dtype=object),
        "trigger": cohorts["trigger"].to_numpy(dtype=object),
        "design": cohorts["design"].to_numpy(dtype=object),
        "population": cohorts["population"].to_numpy(dtype=object),
        "route": cohorts["route"].to_numpy(dtype=object),
        "n": _int_array(cohorts["n"]),
        "responders": resp["events"].array,
        "response_definition": cohorts["response_definition"].to_numpy(dtype=object),
        "response_timepoint": cohorts["response_timepoint"].to_numpy(dtype=object),
        "deaths": mort["events"].array,
        "deaths_timepoint": cohorts["deaths_timepoint"].to_numpy(dtype=object),
        "response_pool": resp["reason"].to_numpy(dtype=object),
        "mortality_pool": mort["reason"].to_numpy(dtype=object),
    })


def reason_counts(rows: pd.DataFrame) -> pd.DataFrame:
    """How many cohort rows each pooling rule kept or left out.

    Parameters
    ----------
    rows : DataFrame
        ``PoolAnalysis.rows`` (or any frame with ``reason`` and ``total``).

    Returns
    -------
    DataFrame
        Columns ``reason, cohorts, patients`` in the order of :data:`REASONS`;
        only reasons that occur. ``patients`` sums ``n`` of those rows.
    """
    out = []
    for r in REASONS:
        mask = (rows["reason"] == r).to_numpy(dtype=bool)
        if mask.any():
            out.append((r, int(mask.sum()), int(rows.loc[mask, "total"].fillna(0).sum())))
    return pd.DataFrame(out, columns=["reason", "cohorts", "patients"])
