"""Random-effects pooling of cohort proportions (response, mortality): which studies, which model, what may be said.

The Pooled evidence page and the evidence summary's pooled sentences both go
through :func:`select` (the one rule) and :func:`analyse`.

Which rows go into a pool
-------------------------
Only rows of ``cohorts`` (study groups reported in aggregate) are pooled.
Individually described cases are never pooled as "studies": a case report is
a study of one selected patient, and many of them are also counted in the
reviews. For one outcome, every cohort row in view is tested in this order
(:func:`eligibility`):

1. ``pooled_review``: the row's ``design`` is ``pooled_review``. Its patients
   are the published cases and cohorts themselves. Left out.
2. ``outcome_not_reported``: the outcome count (``responders`` or
   ``deaths``) is empty. An empty cell means *not stated*, never 0.
3. ``denominator_not_stated``: the counts refer to episodes
   (``counts_refer_to == "episodes"``) and ``n_episodes`` is empty.
4. ``inconsistent_counts``: the count is above its denominator.
5. Response only, when one outcome class is chosen: ``class_not_stated``
   (``response_class`` empty) or ``other_class``. Response is pooled only
   within one class: early response, remission, sustained remission and
   surrogate scores answer different questions.
6. ``subgroup_of_whole_study``: a subgroup row (``subgroup`` filled) whose
   source also has a whole-study row that passes 1-5. The whole-study row
   already holds these patients.
7. ``included``: everything else.

The denominator is ``n``, or ``n_episodes`` where the counts refer to
episodes: such a study is pooled as episodes, and the page says which.

When a pooled figure may be shown
---------------------------------
The included rows give a pooled figure only when none of these holds
(:data:`BLOCKS`, in this order; every one that holds is reported):

* ``no_studies``: no row is included.
* ``sibling_subgroups``: two or more included rows come from one source (two
  subgroups of a study whose whole-study row is not in view). A pool holds at
  most one row per source; pooling siblings would count one study as two.
* ``mixed_classes``: response rows of more than one outcome class (possible
  only with the class option ``all``).
* ``too_few_studies``: fewer than :data:`MIN_STUDIES` rows. With two studies
  tau^2 is not estimable in any useful sense and the interval depends on an
  arbitrary choice.
* ``model_failed``: the chosen model has no finite estimate for these data
  (the binomial-normal model when every study has 0 or all events).

Otherwise the studies are shown with their own exact intervals and no pooled
figure, with the reason.

Model
-----
:func:`lib.stats.pool_proportions`: ``GLMM`` (default; binomial-normal
random-intercept model on the exact binomial likelihood, no continuity
correction, Wald z intervals; R ``metafor::rma.glmm(measure = "PLO")``), or
the normal-normal model on continuity-corrected log-odds with tau^2 by REML or
DerSimonian-Laird, with Knapp-Hartung t-based intervals (default for these)
or normal z intervals (R ``metafor::rma(measure = "PLO", method, test)``).
Every pool also reports the other family as a sensitivity analysis
(:data:`SENSITIVITY`), leave-one-out estimates and, with subgroups, the test
of subgroup differences (``rma(..., mods = ~ factor(group))``, Q between).

Nothing here is rounded or formatted, except :func:`block_messages`, the
reasons in words that the page and the summary share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib import schema
from lib.citations import cohort_labels
from lib.counts import count_denominators, design_kinds, design_labels
from lib.data import is_blank
from lib.stats import (
    PooledProportionResult,
    SubgroupDifferenceResult,
    leave_one_out,
    pool_proportions,
    proportion_ci,
    subgroup_difference,
)
from lib.wording import plural

OUTCOMES = ("response", "mortality")
OUTCOME_COLUMNS = {"response": "responders", "mortality": "deaths"}
OUTCOME_LABELS = {"response": "Response", "mortality": "Mortality"}
OUTCOME_EVENTS = {"response": "responders", "mortality": "deaths"}

ALL_CLASSES = "all"
RESPONSE_CLASSES = schema.RESPONSE_CLASSES + (ALL_CLASSES,)
RESPONSE_CLASS_LABELS = {**schema.RESPONSE_CLASS_LABELS, ALL_CLASSES: "All classes together (not pooled)"}
DEFAULT_RESPONSE_CLASS = "early_response"

SUBGROUPS = ("none", "condition", "trigger", "route", "age_group")
SUBGROUP_LABELS = {
    "none": "No subgroups",
    "condition": "Condition",
    "trigger": "Trigger or background",
    "route": "Route",
    "age_group": "Age group",
}

METHODS = ("GLMM", "REML", "DL")
METHOD_LABELS = {
    "GLMM": "Binomial-normal GLMM (exact likelihood)",
    "REML": "Normal-normal, REML",
    "DL": "Normal-normal, DerSimonian-Laird",
}
DEFAULT_METHOD = "GLMM"
TESTS = ("knha", "z")
TEST_LABELS = {"knha": "Knapp-Hartung (t-based)", "z": "Normal (z)"}
DEFAULT_TEST = "knha"
#: The other model family reported beside every pool: method -> (method, test).
SENSITIVITY = {"GLMM": ("REML", "knha"), "REML": ("GLMM", "z"), "DL": ("GLMM", "z")}

MIN_STUDIES = 3
#: Below this many studies (or with tau^2 = 0) heterogeneity cannot be assessed.
MIN_STUDIES_HETEROGENEITY = 5

REASONS = ("included", "pooled_review", "outcome_not_reported", "denominator_not_stated", "inconsistent_counts",
           "class_not_stated", "other_class", "subgroup_of_whole_study")
REASON_LABELS = {
    "included": "Pooled",
    "pooled_review": "Not pooled: pooled review (its patients are already in the primary reports)",
    "outcome_not_reported": "Not pooled: outcome not reported",
    "denominator_not_stated": "Not pooled: counts refer to episodes and the number of episodes is not stated",
    "inconsistent_counts": "Not pooled: count above n",
    "class_not_stated": "Not pooled: outcome class of the response definition not stated",
    "other_class": "Not pooled: another outcome class",
    "subgroup_of_whole_study": "Not pooled: subgroup of a study whose whole-study row is pooled",
}
BLOCKS = ("no_studies", "sibling_subgroups", "mixed_classes", "too_few_studies", "model_failed")
NOT_STATED = "not_stated"

_ROWS_COLUMNS = ["cohort_id", "source_id", "label", "year", "subgroup", "condition", "trigger", "route",
                 "age_group", "design", "design_kind", "design_label", "response_class", "counts_refer_to",
                 "n", "group", "group_label", "events", "total", "included", "reason"]
_SUBGROUP_COLUMNS = ["group", "group_label", "k", "events", "total", "estimate", "ci_lower", "ci_upper",
                     "pi_lower", "pi_upper", "tau2", "i2", "q", "q_df", "q_p_value", "pooled", "block"]
_FOREST_COLUMNS = ["order", "kind", "group", "group_label", "label", "events", "total", "unit",
                   "estimate", "ci_lower", "ci_upper", "weight_percent"]


def _int_array(values) -> pd.arrays.IntegerArray:
    """Counts as a nullable Int64 array (missing stays missing)."""
    return pd.array([None if is_blank(v) else int(v) for v in list(values)], dtype="Int64")


def _check(outcome: str, response_class: str | None) -> str | None:
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {OUTCOMES}, got {outcome!r}")
    if outcome == "mortality":
        return None
    if response_class is None:
        return ALL_CLASSES
    if response_class not in RESPONSE_CLASSES:
        raise ValueError(f"response_class must be one of {RESPONSE_CLASSES}, got {response_class!r}")
    return response_class


# ---------------------------------------------------------------------------
# The rule
# ---------------------------------------------------------------------------

def eligibility(cohorts: pd.DataFrame, outcome: str, response_class: str | None = None) -> pd.DataFrame:
    """Which cohort rows enter the pool of ``outcome``, and why the others do not.

    Parameters
    ----------
    cohorts : DataFrame
        Rows of the cohorts table (e.g. ``view.cohorts``).
    outcome : {"response", "mortality"}
    response_class : str, optional
        Response only: one of :data:`RESPONSE_CLASSES`; ``None`` or ``"all"``
        keeps every class (a pool of several classes is then blocked by
        :func:`select`). Ignored for mortality.

    Returns
    -------
    DataFrame
        One row per cohort, in input order: ``cohort_id, source_id, events``
        (Int64, missing when not reported), ``total`` (Int64: ``n``, or
        ``n_episodes`` where the counts refer to episodes), ``unit``
        (``patients`` or ``episodes``), ``included`` (bool) and ``reason``
        (one of :data:`REASONS`; see the module docstring).
    """
    response_class = _check(outcome, response_class)
    col = OUTCOME_COLUMNS[outcome]
    events = _int_array(cohorts[col])
    total = _int_array(count_denominators(cohorts))
    by_episode = (cohorts["counts_refer_to"] == "episodes").fillna(False).to_numpy(dtype=bool) \
        if len(cohorts) else np.zeros(0, dtype=bool)
    design = cohorts["design"].tolist()
    classes = cohorts["response_class"].tolist()
    subgroup = cohorts["subgroup"].tolist()
    source = cohorts["source_id"].tolist()

    reasons: list[str] = []
    for d, e, n, ep, cls in zip(design, events, total, by_episode, classes):
        if d == "pooled_review":
            reasons.append("pooled_review")
        elif e is pd.NA:
            reasons.append("outcome_not_reported")
        elif n is pd.NA:
            reasons.append("denominator_not_stated" if ep else "outcome_not_reported")
        elif int(e) > int(n) or int(e) < 0 or int(n) < 1:
            reasons.append("inconsistent_counts")
        elif response_class not in (None, ALL_CLASSES) and is_blank(cls):
            reasons.append("class_not_stated")
        elif response_class not in (None, ALL_CLASSES) and cls != response_class:
            reasons.append("other_class")
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
        "unit": np.where(by_episode, "episodes", "patients").astype(object),
        "included": np.array([r == "included" for r in reasons], dtype=bool),
        "reason": pd.Series(reasons, dtype=object).to_numpy(),
    })


def pool_blocks(included: pd.DataFrame, outcome: str) -> tuple[str, ...]:
    """The reasons (from :data:`BLOCKS`, except ``model_failed``) why ``included`` rows give no pooled figure.

    Parameters
    ----------
    included : DataFrame
        The included rows, with ``source_id`` and (for response)
        ``response_class``.
    outcome : {"response", "mortality"}

    Returns
    -------
    tuple of str
        Empty when a pooled figure may be shown.
    """
    k = len(included)
    if k == 0:
        return ("no_studies",)
    out = []
    if included["source_id"].duplicated().any():
        out.append("sibling_subgroups")
    if outcome == "response":
        classes = {NOT_STATED if is_blank(c) else c for c in included["response_class"]}
        if len(classes) > 1:
            out.append("mixed_classes")
    if k < MIN_STUDIES:
        out.append("too_few_studies")
    return tuple(out)


@dataclass(frozen=True, eq=False)
class Selection:
    """The rule applied to the cohorts in view for one outcome (and response class).

    Attributes
    ----------
    outcome : str
    response_class : str or None
        ``None`` for mortality.
    rows : DataFrame
        :func:`eligibility` joined with ``response_class``: every cohort in
        view.
    blocks : tuple of str
        :func:`pool_blocks` of the included rows (empty: a pooled figure may
        be shown).
    """

    outcome: str
    response_class: str | None
    rows: pd.DataFrame
    blocks: tuple[str, ...]

    @property
    def k(self) -> int:
        return int(self.rows["included"].sum())

    @property
    def poolable(self) -> bool:
        return not self.blocks


def select(cohorts: pd.DataFrame, outcome: str, response_class: str | None = None) -> Selection:
    """The one pooling rule: eligible rows and whether they may give a pooled figure (see the module docstring)."""
    response_class = _check(outcome, response_class)
    elig = eligibility(cohorts, outcome, response_class)
    elig["response_class"] = cohorts["response_class"].to_numpy(dtype=object)
    inc = elig.loc[elig["included"].to_numpy(dtype=bool)]
    return Selection(outcome=outcome, response_class=response_class, rows=elig, blocks=pool_blocks(inc, outcome))


def class_counts(cohorts: pd.DataFrame) -> pd.DataFrame:
    """How many cohort rows each response class would pool (for the class chooser's caption).

    Returns
    -------
    DataFrame
        Columns ``response_class, label, studies, poolable``: one row per
        class of :data:`lib.schema.RESPONSE_CLASSES` in order; ``studies`` is
        the number of included rows with that class chosen, ``poolable``
        whether they give a pooled figure.
    """
    rows = []
    for cls in schema.RESPONSE_CLASSES:
        sel = select(cohorts, "response", cls)
        rows.append((cls, schema.RESPONSE_CLASS_LABELS[cls], sel.k, sel.poolable))
    return pd.DataFrame(rows, columns=["response_class", "label", "studies", "poolable"])


# ---------------------------------------------------------------------------
# Subgroups
# ---------------------------------------------------------------------------

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
    elif by == "age_group":
        vocab, labels = schema.AGE_GROUPS, schema.AGE_GROUP_LABELS
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


# ---------------------------------------------------------------------------
# The analysis
# ---------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class PoolAnalysis:
    """The pool of one outcome over the cohorts in view.

    Attributes
    ----------
    outcome : str
        ``"response"`` or ``"mortality"``.
    response_class : str or None
        The outcome class pooled (response), ``None`` for mortality.
    method, test : str
        The model (:data:`METHODS`) and the interval test actually used
        (``"z"`` for GLMM, whatever was asked).
    by : str
        Subgroup variable (``"none"`` for none).
    conf : float
        Confidence level of every interval.
    rows : DataFrame
        Every cohort in view with columns ``cohort_id, source_id, label,
        year, subgroup, condition, trigger, route, age_group, design,
        design_kind, design_label, response_class, counts_refer_to, n,
        group, group_label, events, total, included, reason``.
    blocks : tuple of str
        Why there is no pooled figure (:data:`BLOCKS`); empty when there is.
    model_message : str
        With ``model_failed``: what the model could not do.
    overall : PooledProportionResult or None
        The pooled estimate; ``None`` when ``blocks`` is not empty.
    sensitivity : PooledProportionResult or None
        The same studies under :data:`SENSITIVITY` [method]; ``None`` without
        a pool or when that model cannot be fitted (``sensitivity_message``).
    sensitivity_method, sensitivity_test, sensitivity_message : str
    leave_one_out : DataFrame
        :func:`lib.stats.leave_one_out` with the study labels (empty without
        a pool): ``label, estimate, ci_lower, ci_upper, tau2, i2, q,
        q_p_value``.
    subgroups : DataFrame
        One row per subgroup with an included study (empty when ``by ==
        "none"``): ``group, group_label, k, events, total, estimate,
        ci_lower, ci_upper, pi_lower, pi_upper, tau2, i2, q, q_df,
        q_p_value, pooled, block``; a subgroup is pooled under the same
        rules (``block`` names the first that stops it, "" when pooled).
    subgroup_test : SubgroupDifferenceResult or None
        Test of subgroup differences (Q between) over the pooled studies
        whose subgroup is stated; ``None`` with ``subgroup_test_note``.
    forest : DataFrame
        Rows of the forest plot, top to bottom: ``order, kind, group,
        group_label, label, events, total, unit, estimate, ci_lower,
        ci_upper, weight_percent``. ``kind`` is ``header``, ``study`` (exact
        Clopper-Pearson interval), ``subgroup``, ``overall`` or
        ``prediction`` (``estimate`` NaN).
    conditions : tuple of str
        Conditions among the included studies (more than one: the pool mixes
        conditions).
    """

    outcome: str
    response_class: str | None
    method: str
    test: str
    by: str
    conf: float
    rows: pd.DataFrame
    blocks: tuple[str, ...]
    model_message: str
    overall: PooledProportionResult | None
    sensitivity: PooledProportionResult | None
    sensitivity_method: str
    sensitivity_test: str
    sensitivity_message: str
    leave_one_out: pd.DataFrame
    subgroups: pd.DataFrame
    subgroup_test: SubgroupDifferenceResult | None
    subgroup_test_note: str
    forest: pd.DataFrame
    conditions: tuple[str, ...]

    @property
    def included(self) -> pd.DataFrame:
        return self.rows.loc[self.rows["included"].to_numpy(dtype=bool)]

    @property
    def k(self) -> int:
        """Number of studies that pass the row rule (pooled or shown without a pooled figure)."""
        return int(self.rows["included"].sum())

    @property
    def n_patients(self) -> int:
        """Patients in the included cohorts (sum of their ``n``)."""
        return int(self.included["n"].fillna(0).sum())

    @property
    def n_units(self) -> int:
        """Sum of the denominators pooled (patients, or episodes for studies that count episodes)."""
        return int(self.included["total"].fillna(0).sum())

    @property
    def episode_rows(self) -> pd.DataFrame:
        """Included rows whose counts refer to episodes."""
        inc = self.included
        return inc.loc[(inc["counts_refer_to"] == "episodes").to_numpy(dtype=bool)]

    @property
    def n_not_reported(self) -> int:
        """Cohorts in view that do not report the outcome (and are not pooled reviews)."""
        return int((self.rows["reason"] == "outcome_not_reported").sum())


def heterogeneity_assessable(result: PooledProportionResult) -> bool:
    """Whether tau^2 and I^2 say anything: at least :data:`MIN_STUDIES_HETEROGENEITY` studies and tau^2 > 0."""
    return result.k >= MIN_STUDIES_HETEROGENEITY and result.tau2 > 0


def _fit(events, totals, method, test, conf, labels=None):
    """pool_proportions with the test the method allows; (result, message)."""
    try:
        return pool_proportions(events, totals, method=method, conf=conf, study_labels=labels,
                                test="z" if method == "GLMM" else test), ""
    except ValueError as exc:
        return None, str(exc)


def analyse(cohorts: pd.DataFrame, sources: pd.DataFrame, outcome: str, method: str = DEFAULT_METHOD,
            by: str = "none", conf: float = 0.95, test: str = DEFAULT_TEST,
            response_class: str | None = DEFAULT_RESPONSE_CLASS, details: bool = True) -> PoolAnalysis:
    """Pool ``outcome`` over the eligible cohorts, overall and by subgroup, under the rules of :func:`select`.

    Parameters
    ----------
    cohorts : DataFrame
        Cohort rows in view.
    sources : DataFrame
        Sources table (for the study labels and designs).
    outcome : {"response", "mortality"}
    method : {"GLMM", "REML", "DL"}, default "GLMM"
    by : {"none", "condition", "trigger", "route", "age_group"}, default "none"
    conf : float, default 0.95
    test : {"knha", "z"}, default "knha"
        Interval test of the normal-normal model; GLMM always uses ``"z"``.
    response_class : str, default "early_response"
        One of :data:`RESPONSE_CLASSES` (response only).
    details : bool, default True
        Also fit the sensitivity analysis and leave-one-out (False leaves
        them empty: the evidence summary does not show them).

    Returns
    -------
    PoolAnalysis

    Notes
    -----
    Estimates, intervals, tau^2, I^2, Q and the prediction interval are
    those of :func:`lib.stats.pool_proportions` (R ``metafor::rma.glmm`` or
    ``rma`` with ``predict(res, transf = transf.ilogit)``); leave-one-out is
    :func:`lib.stats.leave_one_out` (R ``leave1out``); Q between is
    :func:`lib.stats.subgroup_difference` (R ``rma(..., mods = ~
    factor(group))$QM``). Study intervals are exact (Clopper-Pearson, R
    ``binom.test``).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if test not in TESTS:
        raise ValueError(f"test must be one of {TESTS}, got {test!r}")
    sel = select(cohorts, outcome, response_class)
    labels = cohort_labels(cohorts, sources)
    groups = subgroup_values(cohorts, by)
    year = dict(zip(sources["source_id"], sources["year"])) if len(sources) else {}
    rows = pd.DataFrame({
        "cohort_id": sel.rows["cohort_id"].to_numpy(),
        "source_id": sel.rows["source_id"].to_numpy(),
        "label": labels.to_numpy(dtype=object),
        "year": _int_array(year.get(s) for s in cohorts["source_id"]),
        "subgroup": cohorts["subgroup"].to_numpy(dtype=object),
        "condition": cohorts["condition"].to_numpy(dtype=object),
        "trigger": cohorts["trigger"].to_numpy(dtype=object),
        "route": cohorts["route"].to_numpy(dtype=object),
        "age_group": cohorts["age_group"].to_numpy(dtype=object),
        "design": cohorts["design"].to_numpy(dtype=object),
        "design_kind": design_kinds(cohorts, sources).to_numpy(dtype=object),
        "design_label": design_labels(cohorts, sources).to_numpy(dtype=object),
        "response_class": cohorts["response_class"].to_numpy(dtype=object),
        "counts_refer_to": sel.rows["unit"].to_numpy(dtype=object),
        "n": _int_array(cohorts["n"]),
        "group": groups["group"].to_numpy(dtype=object),
        "group_label": groups["group_label"].to_numpy(dtype=object),
        "events": sel.rows["events"].array,
        "total": sel.rows["total"].array,
        "included": sel.rows["included"].to_numpy(),
        "reason": sel.rows["reason"].to_numpy(),
    }, columns=_ROWS_COLUMNS)
    rank = dict(zip(groups["group"], groups["rank"]))

    inc = rows.loc[rows["included"]].copy()
    inc["_rank"] = [rank[g] for g in inc["group"]]
    inc["_year"] = inc["year"].astype("float64").fillna(np.inf)
    inc = inc.sort_values(["_rank", "group_label", "_year", "label"], kind="mergesort")
    ev = inc["events"].astype(int).tolist()
    tot = inc["total"].astype(int).tolist()
    lab = inc["label"].tolist()

    blocks = list(sel.blocks)
    used_test = "z" if method == "GLMM" else test
    overall = sensitivity = None
    model_message = sens_message = ""
    loo = pd.DataFrame(columns=["label", "estimate", "ci_lower", "ci_upper", "tau2", "i2", "q", "q_p_value"])
    alt_method, alt_test = SENSITIVITY[method]
    if not blocks:
        overall, model_message = _fit(ev, tot, method, test, conf, lab)
        if overall is None:
            blocks.append("model_failed")
        elif details:
            sensitivity, sens_message = _fit(ev, tot, alt_method, alt_test, conf, lab)
            loo = leave_one_out(ev, tot, method=method, test=used_test, conf=conf, study_labels=lab)
    weights = pd.Series(np.nan, index=inc.index)
    if overall is not None:
        weights = pd.Series(overall.studies["weight_percent"].to_numpy(dtype=float), index=inc.index)

    sub_rows, forest = [], []
    if by != "none":
        for g, part in inc.groupby("group", sort=False):
            glabel = part["group_label"].iloc[0]
            rec = {"group": g, "group_label": glabel, "k": len(part), "events": int(part["events"].sum()),
                   "total": int(part["total"].sum())}
            gblocks = pool_blocks(part, outcome)
            r = None
            if not gblocks:
                r, _ = _fit(part["events"].astype(int).tolist(), part["total"].astype(int).tolist(), method,
                            test, conf)
                if r is None:
                    gblocks = ("model_failed",)
            if r is not None:
                rec.update(estimate=r.estimate, ci_lower=r.ci_lower, ci_upper=r.ci_upper, pi_lower=r.pi_lower,
                           pi_upper=r.pi_upper, tau2=r.tau2, i2=r.i2, q=r.q, q_df=r.q_df,
                           q_p_value=r.q_p_value, pooled=True, block="")
            else:
                rec.update(estimate=np.nan, ci_lower=np.nan, ci_upper=np.nan, pi_lower=np.nan, pi_upper=np.nan,
                           tau2=np.nan, i2=np.nan, q=np.nan, q_df=0, q_p_value=np.nan, pooled=False,
                           block=gblocks[0])
            sub_rows.append(rec)
            forest.append({"kind": "header", "group": g, "group_label": glabel, "label": glabel,
                           "events": rec["events"], "total": rec["total"], "unit": "",
                           "estimate": np.nan, "ci_lower": np.nan, "ci_upper": np.nan, "weight_percent": np.nan})
            for idx in part.index:
                forest.append(_study_row(inc.loc[idx], weights.get(idx, np.nan), conf))
            if rec["pooled"]:
                forest.append({"kind": "subgroup", "group": g, "group_label": glabel,
                               "label": f"Pooled: {glabel}", "events": rec["events"], "total": rec["total"],
                               "unit": "", "estimate": rec["estimate"], "ci_lower": rec["ci_lower"],
                               "ci_upper": rec["ci_upper"], "weight_percent": np.nan})
    else:
        for idx in inc.index:
            forest.append(_study_row(inc.loc[idx], weights.get(idx, np.nan), conf))
    if overall is not None:
        forest.append({"kind": "overall", "group": "all", "group_label": "All studies",
                       "label": "Pooled: all studies", "events": sum(ev), "total": sum(tot), "unit": "",
                       "estimate": overall.estimate, "ci_lower": overall.ci_lower,
                       "ci_upper": overall.ci_upper, "weight_percent": 100.0 if method != "GLMM" else np.nan})
        forest.append({"kind": "prediction", "group": "all", "group_label": "All studies",
                       "label": "Prediction interval", "events": None, "total": None, "unit": "",
                       "estimate": np.nan, "ci_lower": overall.pi_lower,
                       "ci_upper": overall.pi_upper, "weight_percent": np.nan})
    forest_df = pd.DataFrame(forest, columns=_FOREST_COLUMNS[1:])
    forest_df.insert(0, "order", np.arange(len(forest_df), dtype=int))
    forest_df["events"] = _int_array(forest_df["events"])
    forest_df["total"] = _int_array(forest_df["total"])
    for c in ("estimate", "ci_lower", "ci_upper", "weight_percent"):
        forest_df[c] = forest_df[c].astype("float64")

    test_result, test_note = None, ""
    if by != "none":
        test_result, test_note = _subgroup_test(inc, overall, method, used_test)

    subgroups = pd.DataFrame(sub_rows, columns=_SUBGROUP_COLUMNS)
    conditions = tuple(c for c in schema.CONDITIONS if c in set(inc["condition"]))
    return PoolAnalysis(outcome=outcome, response_class=sel.response_class, method=method, test=used_test, by=by,
                        conf=conf, rows=rows.reset_index(drop=True), blocks=tuple(blocks),
                        model_message=model_message, overall=overall, sensitivity=sensitivity,
                        sensitivity_method=alt_method, sensitivity_test=alt_test, sensitivity_message=sens_message,
                        leave_one_out=loo, subgroups=subgroups, subgroup_test=test_result,
                        subgroup_test_note=test_note, forest=forest_df, conditions=conditions)


def _subgroup_test(inc: pd.DataFrame, overall, method: str, test: str):
    if overall is None:
        return None, "no test of subgroup differences: there is no pooled estimate to split"
    stated = inc.loc[(inc["group"] != NOT_STATED).to_numpy(dtype=bool)]
    n_groups = stated["group"].nunique()
    if n_groups < 2:
        return None, "no test of subgroup differences: fewer than 2 subgroups with a stated value"
    if len(stated) <= n_groups:
        return None, (f"no test of subgroup differences: {plural(len(stated), 'study', 'studies')} for "
                      f"{n_groups} subgroups (a test needs more studies than subgroups)")
    try:
        res = subgroup_difference(stated["events"].astype(int).tolist(), stated["total"].astype(int).tolist(),
                                  stated["group"].astype(str).tolist(), method=method, test=test)
    except ValueError as exc:
        return None, f"no test of subgroup differences: {exc}"
    left = len(inc) - len(stated)
    note = (f"{plural(left, 'study', 'studies')} whose subgroup is not stated left out of the test"
            if left else "")
    return res, note


def _study_row(row: pd.Series, weight: float, conf: float) -> dict:
    ci = proportion_ci(int(row["events"]), int(row["total"]), conf=conf)
    return {"kind": "study", "group": row["group"], "group_label": row["group_label"],
            "label": row["label"], "events": int(row["events"]), "total": int(row["total"]),
            "unit": row["counts_refer_to"], "estimate": ci.estimate, "ci_lower": ci.ci_lower,
            "ci_upper": ci.ci_upper, "weight_percent": float(weight)}


def block_messages(analysis: PoolAnalysis) -> list[str]:
    """Why ``analysis`` has no pooled figure, in words (one sentence per reason; empty when it has one).

    The Pooled evidence page and the evidence summary show the same sentences.
    """
    out = []
    inc = analysis.included
    what = OUTCOME_EVENTS[analysis.outcome]
    for b in analysis.blocks:
        if b == "no_studies":
            out.append(f"No cohort in view reports {what} in a form that can be pooled.")
        elif b == "sibling_subgroups":
            dup = inc.loc[inc["source_id"].duplicated(keep=False).to_numpy(dtype=bool)]
            names = "; ".join(dup["label"].tolist())
            out.append(f"Two or more rows come from one study ({names}): a pool holds at most one row per "
                       "study, so subgroups of one study are not pooled as if they were separate studies. "
                       "Filter to one subgroup, or show the studies by subgroup.")
        elif b == "mixed_classes":
            classes = sorted({RESPONSE_CLASS_LABELS.get(c, "class not stated") if not is_blank(c)
                              else "class not stated" for c in inc["response_class"]})
            out.append("The studies measure response in different ways (" + "; ".join(classes) + "): "
                       "response is pooled only within one outcome class. Choose a class.")
        elif b == "too_few_studies":
            out.append(f"Only {plural(len(inc), 'study', 'studies')} can be pooled here; a pooled estimate "
                       f"needs at least {MIN_STUDIES} (with fewer, the between-study variance cannot be "
                       "estimated and the interval would rest on an arbitrary choice).")
        elif b == "model_failed":
            out.append(f"The {METHOD_LABELS[analysis.method]} cannot be fitted to these studies: "
                       f"{analysis.model_message}. Choose another model.")
    return out


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------

def cohort_table(cohorts: pd.DataFrame, sources: pd.DataFrame,
                 response_class: str | None = DEFAULT_RESPONSE_CLASS) -> pd.DataFrame:
    """The cohorts in view with their design, outcome counts, definitions, time frames and pool status.

    Returns
    -------
    DataFrame
        One row per cohort: ``cohort_id, label, source_id, pmid, doi,
        subgroup, condition, trigger, design, design_label, population,
        route, n, n_episodes, counts_refer_to, responders, response_class,
        response_definition, response_timepoint, deaths, deaths_timepoint,
        response_pool, mortality_pool``; the last two are reason codes from
        :data:`REASONS` (response with ``response_class``). Counts are Int64
        with missing values kept missing.
    """
    labels = cohort_labels(cohorts, sources)
    pmid = dict(zip(sources["source_id"], sources["pmid"]))
    doi = dict(zip(sources["source_id"], sources["doi"]))
    resp = eligibility(cohorts, "response", response_class)
    mort = eligibility(cohorts, "mortality")
    return pd.DataFrame({
        "cohort_id": cohorts["cohort_id"].to_numpy(dtype=object),
        "label": labels.to_numpy(dtype=object),
        "source_id": cohorts["source_id"].to_numpy(dtype=object),
        "pmid": [pmid.get(s) for s in cohorts["source_id"]],
        "doi": [doi.get(s) for s in cohorts["source_id"]],
        "subgroup": cohorts["subgroup"].to_numpy(dtype=object),
        "condition": cohorts["condition"].to_numpy(dtype=object),
        "trigger": cohorts["trigger"].to_numpy(dtype=object),
        "design": cohorts["design"].to_numpy(dtype=object),
        "design_label": design_labels(cohorts, sources).to_numpy(dtype=object),
        "population": cohorts["population"].to_numpy(dtype=object),
        "route": cohorts["route"].to_numpy(dtype=object),
        "n": _int_array(cohorts["n"]),
        "n_episodes": _int_array(cohorts["n_episodes"]),
        "counts_refer_to": resp["unit"].to_numpy(dtype=object),
        "responders": _int_array(cohorts["responders"]),
        "response_class": cohorts["response_class"].to_numpy(dtype=object),
        "response_definition": cohorts["response_definition"].to_numpy(dtype=object),
        "response_timepoint": cohorts["response_timepoint"].to_numpy(dtype=object),
        "deaths": _int_array(cohorts["deaths"]),
        "deaths_timepoint": cohorts["deaths_timepoint"].to_numpy(dtype=object),
        "response_pool": resp["reason"].to_numpy(dtype=object),
        "mortality_pool": mort["reason"].to_numpy(dtype=object),
    })


def reason_counts(rows: pd.DataFrame) -> pd.DataFrame:
    """How many cohort rows each pooling rule kept or left out.

    Parameters
    ----------
    rows : DataFrame
        ``PoolAnalysis.rows`` (or any frame with ``reason`` and ``n``).

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
            out.append((r, int(mask.sum()), int(rows.loc[mask, "n"].fillna(0).sum())))
    return pd.DataFrame(out, columns=["reason", "cohorts", "patients"])
