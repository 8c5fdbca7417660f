"""Tables of the Data and methods page: dictionary, screening flow, verification summary."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lib import schema
from lib.data import Dataset, parse_exclusion_reasons


def data_dictionary() -> pd.DataFrame:
    """Every column of every table: name, type, unit, allowed values, required, description."""
    rows = []
    for table in schema.TABLES.values():
        for c in table.columns:
            lo = "" if c.min is None else f"{c.min:g}"
            hi = "" if c.max is None else f"{c.max:g}"
            rng = "" if not (lo or hi) else f"{lo or '-inf'} to {hi or 'inf'}"
            rows.append({
                "table": table.name, "column": c.name, "type": c.type, "unit": c.unit,
                "allowed_values": ", ".join(c.allowed), "plausible_range": rng,
                "required": c.required, "description": c.description,
            })
    return pd.DataFrame(rows)


_FLOW_COUNTS = ("records_found", "records_new", "screened", "included", "excluded")


@dataclass(frozen=True)
class ScreeningFlow:
    """PRISMA-style counts summed over the screening log.

    ``records_found`` >= ``records_new`` (records after removing repeats) =
    ``screened`` = ``included`` + ``excluded``, and the ``exclusion_reasons``
    add up to ``excluded`` when the log passes :func:`lib.data.load_dataset`'s
    screening rule.
    """

    queries: int
    records_found: int
    records_new: int
    repeats: int  # records_found - records_new: records met by an earlier look-up
    screened: int
    excluded: int
    included: int
    exclusion_reasons: pd.DataFrame  # reason (code), label (plain words), records; vocabulary order, no zero rows
    by_round: pd.DataFrame  # round, queries, records_found, records_new, repeats, screened, excluded, included


def _counts(df: pd.DataFrame) -> dict[str, int]:
    out = {c: int(pd.to_numeric(df[c], errors="coerce").fillna(0).sum()) for c in _FLOW_COUNTS}
    out["repeats"] = out["records_found"] - out["records_new"]
    return out


def screening_flow(screening: pd.DataFrame, curation_round: int | None = None) -> ScreeningFlow:
    """Sum the normalised screening log into the counts of a flow diagram.

    Parameters
    ----------
    screening : DataFrame
        The screening table (``Dataset.screening``): one row per look-up, with
        ``exclusion_reasons`` written ``code: n; code: n``.
    curation_round : int, optional
        Only this curation round (column ``round``); all rounds when omitted.

    Returns
    -------
    ScreeningFlow
        Totals, the exclusions per reason (codes of ``schema.EXCLUSION_REASONS``
        with their plain-word labels) and one row of totals per round.

    Raises
    ------
    ValueError
        When a reason cell is not ``code: n; ...`` with codes from the vocabulary
        (the loader reports these with file, row and column).
    """
    screening = screening.reindex(columns=list(schema.SCREENING.column_names))
    if curation_round is None:
        log = screening
    else:
        log = screening.loc[pd.to_numeric(screening["round"], errors="coerce").eq(curation_round).fillna(False)]
    reasons = dict.fromkeys(schema.EXCLUSION_REASONS, 0)
    for qid, cell in zip(log["query_id"], log["exclusion_reasons"]):
        counts, err = parse_exclusion_reasons(cell)
        if err:
            raise ValueError(f"screening look-up {qid}: {err}")
        for code, n in counts.items():
            reasons[code] += n
    reason_df = pd.DataFrame(
        [{"reason": c, "label": schema.EXCLUSION_REASON_LABELS[c], "records": n} for c, n in reasons.items() if n],
        columns=["reason", "label", "records"],
    )
    rounds = []
    for r, sub in log.groupby("round", dropna=False, sort=True):
        rounds.append({"round": r, "queries": len(sub), **_counts(sub)})
    by_round = pd.DataFrame(rounds, columns=["round", "queries", "records_found", "records_new", "repeats",
                                             "screened", "excluded", "included"])
    return ScreeningFlow(queries=len(log), **_counts(log), exclusion_reasons=reason_df, by_round=by_round)


def yield_curve(screening: pd.DataFrame, window: int = 100) -> pd.DataFrame:
    """New publications per look-up, in the order the look-ups were run.

    The protocol (``CURATION.md``) searches on until the last 100 look-ups found
    fewer than 4 new publications; this is the curve that rule reads.

    Parameters
    ----------
    screening : DataFrame
        The screening table.
    window : int
        Number of look-ups in the rolling window (default 100).

    Returns
    -------
    DataFrame
        One row per look-up ordered by (``round``, ``date``, ``time``, ``seq``),
        empty times and sequence numbers last, ties in table order. Columns:
        ``round``, ``date``, ``time``, ``seq``, ``query_id``, ``pass_name``,
        ``lookup`` (1, 2, ... in that order), ``included`` (new publications
        that look-up added), ``included_cumulative``, ``included_in_window``
        (new publications over the last ``window`` look-ups, this one
        included) and ``lookups_in_window`` (fewer than ``window`` at the start,
        where the window is not yet full).
    """
    cols = ["round", "date", "time", "seq", "query_id", "pass_name"]
    out = screening.reindex(columns=cols + ["included"]).copy()
    out["_order"] = range(len(out))
    out = out.sort_values(["round", "date", "time", "seq", "_order"], na_position="last", kind="mergesort")
    out = out.drop(columns="_order").reset_index(drop=True)
    out["lookup"] = range(1, len(out) + 1)
    out["included"] = pd.to_numeric(out["included"], errors="coerce").fillna(0).astype(int)
    out["included_cumulative"] = out["included"].cumsum()
    out["included_in_window"] = out["included"].rolling(window, min_periods=1).sum().astype(int)
    out["lookups_in_window"] = out["lookup"].clip(upper=window)
    return out[cols + ["lookup", "included", "included_cumulative", "included_in_window", "lookups_in_window"]]


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def flow_dot(flow: ScreeningFlow, n_sources: int, n_cases: int, n_cohorts: int) -> str:
    """Graphviz DOT text of the flow diagram.

    Only numbers and fixed labels (the schema's reason labels) reach the text:
    nothing typed into the data can change the diagram's syntax.
    """
    reasons = "".join(
        f"{_dot_text(schema.EXCLUSION_REASON_LABELS[r])}: {int(n)}\\l"
        for r, n in zip(flow.exclusion_reasons["reason"], flow.exclusion_reasons["records"])
        if r in schema.EXCLUSION_REASON_LABELS
    )
    return f"""digraph flow {{
  rankdir=TB; node [shape=box, style=rounded, fontname="Helvetica", fontsize=11];
  a [label="Records found by {flow.queries} look-ups\\nn = {flow.records_found}"];
  r [label="Repeats of records found earlier\\nn = {flow.repeats}"];
  b [label="Records after removing repeats\\nn = {flow.records_new}"];
  c [label="Records screened (title and abstract)\\nn = {flow.screened}"];
  d [label="Records excluded\\nn = {flow.excluded}\\n{reasons}"];
  e [label="Publications included\\nn = {flow.included}"];
  f [label="{n_sources} publications in the dataset\\n{n_cases} patients described individually\\n{n_cohorts} cohort rows"];
  a -> b -> c -> e -> f; a -> r; c -> d;
  {{rank=same; b; r}} {{rank=same; e; d}}
}}"""


def verification_summary(ds: Dataset) -> pd.DataFrame:
    """Per table: rows, rows re-read, share re-read, checks agreeing, checks fixed."""
    v = ds.verification
    rows = []
    for table, df, key in (("cases", ds.cases, "case_id"), ("cohorts", ds.cohorts, "cohort_id"),
                           ("labs", ds.labs, "lab_id"), ("sources", ds.sources, "source_id")):
        sub = v.loc[v["table"] == table]
        checked = sub["row_id"].nunique()
        rows.append({
            "table": table, "rows": len(df), "rows_rechecked": checked,
            "share_rechecked": checked / len(df) if len(df) else float("nan"),
            "checks_agree": int((sub["outcome"] == "agree").sum()),
            "checks_fixed": int((sub["outcome"] == "fixed").sum()),
        })
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# Statistical methods (the text of the Data and methods page)
# ---------------------------------------------------------------------------

def statistical_methods() -> str:
    """The statistical methods and rules of every page, as Markdown (the Data and methods page shows it).

    Built from the constants the code uses (:data:`lib.pooled.MIN_STUDIES`,
    :data:`lib.outcomes.MIN_STATED_FOR_RATE`, the pairing windows of
    :mod:`lib.labs`, ...), so the text cannot drift from the rules.
    """
    from lib import labs, outcomes, pooled

    windows = "; ".join(f"`{k}` {v.lower()}" for k, v in labs.PAIRING_WINDOW_LABELS.items())
    return f"""
**Per condition by default.** Every headline and summary figure (Overview, Outcomes, Evidence summary) is given
per condition: DIRA, MAS, secondary HLH and primary HLH are never added into one rate. A figure across
conditions appears only with a warning (Pooled evidence, Outcomes with "All patients together", Labs).

**Outcome categories keep what the source says.** A patient's response is *complete*, *partial*, *improved
(not graded)* (the source describes improvement, control or resolution without a grade) or *none*; an empty
cell is *not stated* and is never counted as no response. Every rate shows its denominator (the patients with
the outcome stated) and, where some patients' outcome is not stated, the range from "all of them did not
respond / survived" to "all of them responded / died" (denominator: every patient). A category nobody is
coded in is not named in a headline. Deaths of individually described patients are given as "k deaths
reported among n patients (status stated for m)", never as a bare percentage of the stated few: case reports
state deaths and leave survival implicit, so a share of the stated few overstates mortality.

**Small numbers.** Below {outcomes.MIN_STATED_FOR_RATE} patients with the outcome stated, a subgroup shows
"k of n" without a percentage or bar (response and deaths by subgroup on Outcomes, the Overview headlines and
the Evidence summary).

**Proportions** (response, death): Clopper-Pearson exact 95% confidence intervals (R `binom.test`), chosen
because groups are small and proportions often 0% or 100% (Clopper and Pearson 1934).

**Counting patients once.** One count is used everywhere (Overview, Evidence summary): individually described
patients plus the patients of primary cohorts (not pooled reviews, and a study's subgroup rows not added to its
whole-study row), with a patient who is described individually *and* counted in a cohort counted once. Pooled
reviews re-count published patients, and how many of theirs are also here cannot be told from aggregates; they
are reported apart, as "up to M more who may overlap", which gives an upper bound (at most primary + M).

**Which cohorts are pooled** (Pooled evidence page and the Evidence summary use one rule, `lib.pooled.select`):

- only cohort rows; case reports are never pooled as studies; pooled reviews are left out;
- a cohort that does not report the outcome is left out (never counted as 0);
- **at least {pooled.MIN_STUDIES} studies**: with two, the between-study variance cannot be estimated and the
  interval depends on an arbitrary choice;
- **at most one row per study**: a whole-study row, or its subgroups when the whole study is not in view, but
  never two sibling subgroups in one pool (that would count one study as two);
- **response is pooled only within one outcome class** (early response within 2 weeks, remission, sustained
  remission at follow-up, surrogate score); the class is a view option (`_pooled_class`) and is named on the
  page; "all classes" lists the studies without a pooled figure;
- counts that refer to treated **episodes** are pooled as episodes (denominator = episodes) and the page says
  which studies count episodes.

Otherwise the studies are shown with their own exact intervals and no pooled figure, with the reason.

**Model** (`_pooled_method`, `_pooled_test`). Default: the **binomial-normal random-intercept model (GLMM)**
fitted by maximum likelihood on the exact binomial likelihood (R `metafor::rma.glmm(measure = "PLO")`, Wald z
intervals). Why: the studies are small and many report 0% or 100%. The usual normal-normal model on
logit proportions needs a 0.5 continuity correction for such studies and treats each study's estimated
variance as known; both pull the pooled proportion towards 50% and misweight small studies (Stijnen, Hamza
and Özdemir 2010; Schwarzer et al. 2019; Lin and Chu 2020). The GLMM needs neither. Its Wald interval can be
too narrow when there are few studies, so every pool also reports, as a sensitivity analysis, the
normal-normal model with REML and the **Knapp-Hartung** adjustment; where the two disagree, the difference is
part of the uncertainty. The page also offers the normal-normal model (REML or DerSimonian-Laird) with
Knapp-Hartung t-based intervals (default for that model) or normal z intervals (R `metafor::rma(measure =
"PLO", method, test)`). Knapp-Hartung is the default there because z intervals undercover badly with few
studies (IntHout, Ioannidis and Borm 2014); with very few studies that agree closely it can be narrower than
the z interval (Röver, Knapp and Friede 2015), which the sensitivity analysis and the prediction interval
show.

**Heterogeneity, honestly.** With fewer than {pooled.MIN_STUDIES_HETEROGENEITY} studies, or with τ² estimated
as 0, the page says that heterogeneity cannot be assessed: I² = 0 then reflects too few, too small studies,
not agreement (von Hippel 2015). The **prediction interval** is the range in which the true proportion of a
new study like these is expected to lie (IntHout et al. 2016); with τ² = 0 it equals the confidence interval,
which the page says. Every pool shows a **leave-one-out** table (R `leave1out`), and subgroups come with the
**test of subgroup differences** (Q between: a meta-regression on the subgroup with one shared τ², R
`rma(..., mods = ~ factor(group))`).

**Labs before and after.** Each patient contributes one before and one after value. Pairing window
(`_labs_window`; the Evidence summary uses the same rule and prints the same sentence): {labs.pairing_rule_text()}
Windows offered: {windows}. Paired patients are compared with the Wilcoxon signed-rank test (R
`wilcox.test(paired = TRUE)`). The rank-sum test is shown only where the data are unpaired (no patient has
both values); on paired data it would ignore the pairing and count the same patients twice.

**Survival**: Kaplan-Meier with Greenwood variance and log-log confidence limits (R `survfit`,
`conf.type = "log-log"`); log-rank test between subgroups (R `survdiff`). **Response with death competing**:
Aalen-Johansen cumulative incidence (R `survfit` multi-state).

**Labels.** Studies are named by first author, year and journal (`lib.citations`), never by an internal id;
every cohort table states the design (cohort, case series, pooled review).

References: Clopper CJ, Pearson ES. Biometrika 1934;26:404-13. Stijnen T, Hamza TH, Özdemir P. Random effects
meta-analysis of event outcome in the framework of the generalized linear mixed model with applications in
sparse data. Stat Med 2010;29:3046-67. Schwarzer G, Chemaitelly H, Abu-Raddad LJ, Rücker G. Seriously
misleading results using inverse of Freeman-Tukey double arcsine transformation in meta-analysis of single
proportions. Res Synth Methods 2019;10:476-83. Lin L, Chu H. Meta-analysis of proportions using generalized
linear mixed models. Epidemiology 2020;31:713-7. IntHout J, Ioannidis JPA, Borm GF. The
Hartung-Knapp-Sidik-Jonkman method for random effects meta-analysis is straightforward and considerably
outperforms the standard DerSimonian-Laird method. BMC Med Res Methodol 2014;14:25. Röver C, Knapp G, Friede
T. Hartung-Knapp-Sidik-Jonkman approach and its modification for random-effects meta-analysis with few
studies. BMC Med Res Methodol 2015;15:99. IntHout J, Ioannidis JPA, Rovers MM, Goeman JJ. Plea for routinely
presenting prediction intervals in meta-analysis. BMJ Open 2016;6:e010247. von Hippel PT. The heterogeneity
statistic I² can be biased in small meta-analyses. BMC Med Res Methodol 2015;15:35. Viechtbauer W. Conducting
meta-analyses in R with the metafor package. J Stat Softw 2010;36(3).
"""


METHODS = statistical_methods()
"""The statistical methods text (Markdown) of the Data and methods page."""
