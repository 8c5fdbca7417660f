"""A cited, plain-language evidence summary generated from the data by templates.

Nothing here writes free text: every sentence is a fixed template filled with
counts, proportions and short fragments taken verbatim from the data (response
definitions, curators' notes). Each sentence says which sources it rests on.

There are three kinds of :class:`Sentence`:

``finding``
    A statement about the data. It must cite at least one source.
``caveat``
    A limitation that applies to the findings around it (case-report
    evidence, heterogeneity, small numbers, missing data). Cites nothing by
    design.
``method``
    How a number was computed. Cites nothing by design.

This module is the one place in ``lib`` that formats numbers into text: the
sentences *are* the product, and the same text goes to the page, the copy box
and the Markdown download. Percentages are rounded to whole numbers.

Statistics come from :mod:`lib.stats` only: exact Clopper-Pearson intervals
(:func:`lib.stats.proportion_ci`, R ``binom.test``), the random-effects
pooled proportion (:func:`lib.stats.pool_proportions`, R ``metafor::rma(measure
= "PLO", method = "REML")``) and the paired Wilcoxon signed-rank test
(:func:`lib.stats.paired_change`, R ``wilcox.test(paired = TRUE)``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterable, Literal

import numpy as np
import pandas as pd

from lib import schema
from lib.data import is_blank
from lib.citations import source_labels
from lib.filters import FilteredView
from lib.links import doi_url, pubmed_url
from lib.pooled import OUTCOME_COLUMNS, eligibility
from lib.stats import paired_change, pool_proportions, proportion_ci
from lib.summaries import without_covered_subgroups

_OUTCOME_OF_COLUMN = {column: outcome for outcome, column in OUTCOME_COLUMNS.items()}

SentenceKind = Literal["finding", "caveat", "method"]
SENTENCE_KINDS: tuple[str, ...] = ("finding", "caveat", "method")
DETAILS: tuple[str, ...] = ("brief", "full")

SECTIONS: tuple[str, ...] = (
    "Evidence base",
    "Response",
    "Mortality",
    "Dosing",
    "Laboratory changes",
    "Adverse events",
    "Relapse",
    "Methods",
)

SMALL_N = 10
"""A proportion with a denominator below this gets a small-numbers caveat."""
HIGH_I2 = 50.0
"""I² (percent) above which a pooled estimate gets a heterogeneity caveat."""
MIN_POOL_STUDIES = 2
"""A pooled estimate needs at least this many cohorts."""

_CASE_REPORT_TYPES = ("case_report", "case_series", "conference_abstract")
_AE_PATTERN = re.compile(
    r"adverse|side[ -]effect|injection[ -]site|anaphyla|infusion reaction|\bAEs?\b|hypersensitivity|"
    r"neutropeni[ac]|infection during|hepatotox",
    re.IGNORECASE,
)


# ---------------------------------------------------------------------------
# Data classes
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Sentence:
    """One sentence of the summary.

    Attributes
    ----------
    text : str
        The sentence, without its citations (plain text, no Markdown).
    citations : tuple of str
        Source ids the sentence rests on, in citation order. Required for a
        ``finding``; always empty for a ``caveat`` or ``method`` sentence.
    kind : {"finding", "caveat", "method"}
    section : str
        One of :data:`SECTIONS`.
    """

    text: str
    citations: tuple[str, ...] = ()
    kind: SentenceKind = "finding"
    section: str = "Evidence base"

    def __post_init__(self):
        if self.kind not in SENTENCE_KINDS:
            raise ValueError(f"kind must be one of {SENTENCE_KINDS}, got {self.kind!r}")
        if self.section not in SECTIONS:
            raise ValueError(f"section must be one of {SECTIONS}, got {self.section!r}")
        object.__setattr__(self, "citations", tuple(dict.fromkeys(self.citations)))
        if self.kind == "finding" and not self.citations:
            raise ValueError(f"a finding must cite at least one source: {self.text!r}")
        if self.kind != "finding" and self.citations:
            raise ValueError(f"a {self.kind} sentence cites nothing by design: {self.text!r}")


@dataclass(frozen=True)
class Reference:
    """One entry of the reference list."""

    source_id: str
    label: str
    title: str
    journal: str
    year: int | None
    pmid: str | None
    doi: str | None


@dataclass(frozen=True)
class EvidenceSummary:
    """The summary: sentences in reading order and the references they cite.

    ``references`` holds exactly the sources cited by some sentence, sorted
    by label. ``labels`` maps every source id in view to its citation label.
    """

    sentences: tuple[Sentence, ...]
    references: tuple[Reference, ...]
    labels: dict
    detail: str

    @property
    def is_empty(self) -> bool:
        return not any(s.kind == "finding" for s in self.sentences)


# ---------------------------------------------------------------------------
# Citation labels
# ---------------------------------------------------------------------------

def format_citation(ids: Iterable[str], labels: dict[str, str]) -> str:
    """``"(Author Year; Author Year)"`` for the given source ids, ordered by label."""
    names = sorted({labels.get(i, i) for i in ids}, key=_label_key)
    return "(" + "; ".join(names) + ")" if names else ""


def _label_key(label: str):
    m = re.search(r"(\d{4})", label)
    return (label.lower(), m.group(1) if m else "")


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def _case_sources(cases: pd.DataFrame) -> list[str]:
    out: list[str] = []
    for ids in cases["source_ids"].dropna().unique():
        out.extend(str(ids).split(";"))
    return list(dict.fromkeys(out))


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def analyte_name(analyte: str) -> str:
    """The analyte's label for use inside a sentence ("ferritin", but "CRP", "IL-6")."""
    label = schema.ANALYTE_LABELS.get(analyte, analyte)
    return label if any(ch.isupper() for ch in label[1:]) else label.lower()


def _num(x: float) -> str:
    return f"{x:g}"


def _signed(x: float) -> str:
    return f"+{x:g}" if x > 0 else f"{x:g}"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _list_words(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _cohort_label(row, labels: dict[str, str]) -> str:
    lab = labels.get(row.source_id, row.source_id)
    if not is_blank(row.subgroup):
        lab += f", {row.subgroup}"
    return lab


def _small_n_caveat(n: int, section: str, what: str = "This proportion") -> Sentence | None:
    if n < SMALL_N:
        return Sentence(f"{what} rests on fewer than {SMALL_N} patients, so its confidence interval is wide "
                        "and one patient more or less changes it a lot.", kind="caveat", section=section)
    return None


def poolable_cohorts(cohorts: pd.DataFrame, events_column: str) -> pd.DataFrame:
    """Cohort rows that can enter a pooled estimate of ``events_column``.

    Rules (each keeps a patient from being counted twice):

    * rows with ``design == "pooled_review"`` are left out: they re-count
      patients already published elsewhere;
    * rows need both ``events_column`` and ``n``, with events <= n;
    * when a source has a whole-study row (empty ``subgroup``) with the
      value, its subgroup rows are left out; otherwise its subgroup rows are
      used (a source's subgroups are taken to be disjoint).

    Returns
    -------
    DataFrame
        The selected rows of ``cohorts`` (a copy), in their original order.
    """
    if events_column not in _OUTCOME_OF_COLUMN:
        raise ValueError(f"events_column must be one of {sorted(_OUTCOME_OF_COLUMN)}, got {events_column!r}")
    # the Pooled evidence page's rule (lib.pooled.eligibility), so both pool the same studies
    included = eligibility(cohorts, _OUTCOME_OF_COLUMN[events_column])["included"].to_numpy(dtype=bool)
    return cohorts.loc[included].copy()


# ---------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------

def _evidence_base(view: FilteredView, labels: dict[str, str], detail: str) -> list[Sentence]:
    s: list[Sentence] = []
    cases, cohorts, sources = view.cases, view.cohorts, view.sources
    all_ids = tuple(sources["source_id"])
    n_cohort_patients = int(cohorts["n"].fillna(0).sum()) if not cohorts.empty else 0
    s.append(Sentence(
        f"The current filters match {_plural(len(sources), 'publication')}: "
        f"{_plural(len(cases), 'individually described patient')} and "
        f"{_plural(len(cohorts), 'cohort')} with {n_cohort_patients} patients reported in aggregate.",
        all_ids))
    if detail == "full" and not sources.empty:
        for ptype in schema.PUB_TYPES:
            ids = tuple(sources.loc[sources["pub_type"] == ptype, "source_id"])
            if ids:
                s.append(Sentence(
                    f"{schema.PUB_TYPE_LABELS[ptype]}: {_plural(len(ids), 'publication')}.", ids))
        for cond in schema.CONDITIONS:
            c = cases.loc[cases["condition"] == cond]
            k = cohorts.loc[cohorts["condition"] == cond]
            if c.empty and k.empty:
                continue
            ids = tuple(_case_sources(c)) + tuple(k["source_id"])
            s.append(Sentence(
                f"{schema.CONDITION_LABELS[cond]}: {_plural(len(c), 'patient')} described individually and "
                f"{_plural(len(k), 'cohort')} ({int(k['n'].fillna(0).sum())} patients).", ids))
    case_like = sources["pub_type"].isin(_CASE_REPORT_TYPES).sum() if not sources.empty else 0
    if len(cases) or case_like:
        s.append(Sentence(
            "Much of this evidence comes from case reports, small series and meeting abstracts: they are "
            "selective (successful treatment is more likely to be published), uncontrolled, and patients "
            "usually received other treatments as well, so outcomes cannot be attributed to anakinra alone.",
            kind="caveat"))
    overlap = (
        (not cohorts.empty and (cohorts["design"] == "pooled_review").any())
        or (not cohorts.empty and cohorts["subgroup"].notna().any())
        or (not cohorts.empty and not cases.empty
            and bool(set(cohorts["source_id"]) & set(_case_sources(cases))))
    )
    if overlap:
        s.append(Sentence(
            "Some patients are counted in more than one row (subgroups of a study, pooled reviews of "
            "published cases, cohorts whose patients are also described individually), so these counts "
            "overstate the number of distinct patients.", kind="caveat"))
    return s


def _ci_pct(k: int, n: int) -> str:
    ci = proportion_ci(k, n)
    return f"{_pct(ci.estimate)} (95% CI {_pct(ci.ci_lower)} to {_pct(ci.ci_upper)})"


def _case_proportion(cases: pd.DataFrame, section: str, what: str, events: pd.Series,
                     stated: pd.Series, event_words: str) -> list[Sentence]:
    """"Of n patients whose <what> is stated, k <event_words>: p% (CI)", cited, plus caveats."""
    s: list[Sentence] = []
    stated = pd.Series(np.asarray(stated, dtype=bool), index=cases.index)
    events = pd.Series(np.asarray(events, dtype=bool), index=cases.index)
    n = int(stated.sum())
    missing = int((~stated).sum())
    if n == 0:
        if len(cases):
            s.append(Sentence(f"{what[0].upper() + what[1:]} is not stated for any of the "
                              f"{_plural(len(cases), 'individually described patient')}.",
                              kind="caveat", section=section))
        return s
    k = int((events & stated).sum())
    ids = tuple(_case_sources(cases.loc[stated.to_numpy()]))
    tail = f"; {what} is not stated for {missing} more" if missing else ""
    s.append(Sentence(f"Of {_plural(n, 'individually described patient')} whose {what} is stated, {k} "
                      f"{event_words}: {_ci_pct(k, n)}{tail}.", ids, section=section))
    cav = _small_n_caveat(n, section)
    if cav:
        s.append(cav)
    return s


def _pooled(cohorts: pd.DataFrame, column: str, labels, section: str, outcome: str,
            detail: str) -> list[Sentence]:
    s: list[Sentence] = []
    rows = poolable_cohorts(cohorts, column)
    if detail == "full":
        for r in rows.itertuples(index=False):
            ev, n = int(getattr(r, column)), int(r.n)
            extra = ""
            if column == "responders" and not is_blank(r.response_definition):
                extra = f"; response as the source defines it: {r.response_definition}"
            if column == "deaths" and not is_blank(r.deaths_timepoint):
                extra = f"; time frame: {r.deaths_timepoint}"
            s.append(Sentence(f"{_cohort_label(r, labels)}: {ev} of {n} {outcome}, {_ci_pct(ev, n)}{extra}.",
                              (r.source_id,), section=section))
    if len(rows) >= MIN_POOL_STUDIES:
        events = rows[column].astype(int).tolist()
        totals = rows["n"].astype(int).tolist()
        res = pool_proportions(events, totals, method="REML", study_labels=list(rows["cohort_id"]))
        s.append(Sentence(
            f"Pooled across {len(rows)} cohorts ({sum(totals)} patients), the proportion who {outcome} was "
            f"{_pct(res.estimate)} (95% CI {_pct(res.ci_lower)} to {_pct(res.ci_upper)}; "
            f"I² = {res.i2:.0f}%).",
            tuple(dict.fromkeys(rows["source_id"])), section=section))
        if res.i2 > HIGH_I2:
            s.append(Sentence(
                f"The cohorts differ more than chance explains (I² = {res.i2:.0f}%, above {HIGH_I2:.0f}%), so the "
                "pooled figure is a rough average over different settings, not a typical value.",
                kind="caveat", section=section))
        if column == "responders":
            s.append(Sentence(
                "Cohorts define response in their own ways, which limits how far their figures can be pooled.",
                kind="caveat", section=section))
        if sum(totals) < SMALL_N:
            s.append(_small_n_caveat(sum(totals), section, "The pooled estimate"))
    elif len(rows) == 1:
        r = rows.iloc[0]
        if detail != "full":
            s.append(Sentence(
                f"One cohort reports this: in {_cohort_label(r, labels)}, {int(r[column])} of {int(r['n'])} "
                f"{outcome}, {_ci_pct(int(r[column]), int(r['n']))}.", (r["source_id"],), section=section))
        s.append(Sentence(f"A pooled estimate needs at least {MIN_POOL_STUDIES} cohorts; only one reports it.",
                          kind="method", section=section))
        if int(r["n"]) < SMALL_N:
            s.append(_small_n_caveat(int(r["n"]), section))
    elif not cohorts.empty:
        s.append(Sentence(f"No cohort in view (other than pooled reviews) reports how many {outcome}.",
                          kind="caveat", section=section))
    return s


def _response(view: FilteredView, labels, detail: str) -> list[Sentence]:
    cases = view.cases
    resp = cases["response"]
    stated = resp.notna()
    s = _case_proportion(cases, "Response", "response", resp.isin(["complete", "partial"]), stated,
                         "responded (complete or partial)")
    if stated.any():
        k_c = int((resp == "complete").sum())
        n = int(stated.sum())
        ids = tuple(_case_sources(cases.loc[stated.to_numpy(dtype=bool)]))
        s.insert(1, Sentence(f"A complete response is reported for {k_c} of these {n}: {_ci_pct(k_c, n)}.", ids,
                             section="Response"))
    s.extend(_pooled(view.cohorts, "responders", labels, "Response", "responded", detail))
    return s


def _mortality(view: FilteredView, labels, detail: str) -> list[Sentence]:
    cases = view.cases
    death = cases["death"]
    s = _case_proportion(cases, "Mortality", "survival", death.fillna(False).astype(bool).to_numpy(),
                         death.notna().to_numpy(dtype=bool), "died")
    s.extend(_pooled(view.cohorts, "deaths", labels, "Mortality", "died", detail))
    if any(x is not None and x.kind == "finding" for x in s):
        s.append(Sentence("Deaths are counted as the sources report them, over follow-up times that differ "
                          "between sources.", kind="method", section="Mortality"))
    return s


def _dose_range_text(lo: float, hi: float, unit: str) -> str:
    return f"{_num(lo)} {unit}" if lo == hi else f"{_num(lo)} to {_num(hi)} {unit}"


def _dosing(view: FilteredView, labels, detail: str) -> list[Sentence]:
    s: list[Sentence] = []
    cases, cohorts = view.cases, without_covered_subgroups(view.cohorts)
    sec = "Dosing"
    kg = cases.loc[cases["dose_mg_kg_day"].notna()]
    if not kg.empty:
        s.append(Sentence(
            f"Daily doses stated in mg/kg/day ({_plural(len(kg), 'patient')}): "
            f"{_dose_range_text(kg['dose_mg_kg_day'].min(), kg['dose_mg_kg_day'].max(), 'mg/kg/day')}.",
            tuple(_case_sources(kg)), section=sec))
    mg = cases.loc[cases["dose_mg_day"].notna()]
    if not mg.empty:
        s.append(Sentence(
            f"Daily doses stated in mg/day ({_plural(len(mg), 'patient')}): "
            f"{_dose_range_text(mg['dose_mg_day'].min(), mg['dose_mg_day'].max(), 'mg/day')}.",
            tuple(_case_sources(mg)), section=sec))
    if not cohorts.empty:
        lo = cohorts["dose_mg_kg_day_min"].fillna(cohorts["dose_mg_kg_day_max"])
        hi = cohorts["dose_mg_kg_day_max"].fillna(cohorts["dose_mg_kg_day_min"])
        has = lo.notna().to_numpy(dtype=bool)
        if has.any():
            s.append(Sentence(
                f"Daily doses stated in mg/kg/day by cohorts ({_plural(int(has.sum()), 'cohort')}, lowest to "
                f"highest reported): {_dose_range_text(lo[has].min(), hi[has].max(), 'mg/kg/day')}.",
                tuple(dict.fromkeys(cohorts.loc[has, "source_id"])), section=sec))
    text_only_cases = cases.loc[cases["dose_as_reported"].notna() & cases["dose_mg_kg_day"].isna()
                                & cases["dose_mg_day"].isna()]
    text_only_cohorts = cohorts.loc[cohorts["dose_as_reported"].notna() & cohorts["dose_mg_kg_day_min"].isna()
                                    & cohorts["dose_mg_kg_day_max"].isna()] if not cohorts.empty else cohorts
    if detail == "full":
        for r in text_only_cases.itertuples(index=False):
            s.append(Sentence(f"Patient {r.case_id}: dose as reported, \"{r.dose_as_reported}\".",
                              tuple(str(r.source_ids).split(";")), section=sec))
        for r in text_only_cohorts.itertuples(index=False):
            s.append(Sentence(f"{_cohort_label(r, labels)}: dose as reported, \"{r.dose_as_reported}\".",
                              (r.source_id,), section=sec))
    elif len(text_only_cases) or len(text_only_cohorts):
        ids = tuple(_case_sources(text_only_cases)) + tuple(text_only_cohorts["source_id"])
        who = ([_plural(len(text_only_cases), "patient")] if len(text_only_cases) else []) + (
            [_plural(len(text_only_cohorts), "cohort")] if len(text_only_cohorts) else [])
        verb = "states" if len(text_only_cases) + len(text_only_cohorts) == 1 else "state"
        s.append(Sentence(f"{' and '.join(who).capitalize()} {verb} the dose only in words (see the Dosing page).",
                          ids, section=sec))
    route_parts, route_ids = [], []
    for route in schema.ROUTES:
        c = cases.loc[cases[f"_route__{route}"].astype(bool)] if not cases.empty else cases
        k = cohorts.loc[cohorts[f"_route__{route}"].astype(bool)] if not cohorts.empty else cohorts
        if len(c) or len(k):
            counts = ([_plural(len(c), "patient")] if len(c) else []) + ([_plural(len(k), "cohort")] if len(k) else [])
            route_parts.append(f"{schema.ROUTE_LABELS[route]}: {' and '.join(counts)}")
            route_ids += _case_sources(c) + list(k["source_id"])
    if route_parts:
        s.append(Sentence("Routes stated: " + "; ".join(route_parts) + ".", tuple(route_ids), section=sec))
    all_cohorts = view.cohorts
    n_rows = len(cases) + len(all_cohorts)
    n_dose = len(cases.loc[cases["dose_as_reported"].notna() | cases["dose_mg_kg_day"].notna()
                           | cases["dose_mg_day"].notna()])
    if not all_cohorts.empty:
        n_dose += len(all_cohorts.loc[all_cohorts["dose_as_reported"].notna()
                                      | all_cohorts["dose_mg_kg_day_min"].notna()
                                      | all_cohorts["dose_mg_kg_day_max"].notna()])
    if n_rows and n_dose < n_rows:
        s.append(Sentence(f"{n_rows - n_dose} of the {n_rows} patients and cohorts in view have no dose stated.",
                          kind="caveat", section=sec))
    if s:
        s.append(Sentence("These are doses the sources report, not dosing advice.", kind="caveat", section=sec))
    return s


def lab_pairs(labs: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """Patient-level before/after pairs per analyte, chosen by the Labs page's rule.

    Uses :func:`lib.labs.lab_pairs` (one before and one after value per patient,
    see its pairing rule) for every analyte with patient values, so that the
    summary and the Labs page always report the same pairs; keeps patients
    with both sides. Standardised values only.

    Returns
    -------
    DataFrame
        Columns ``entity_id, source_id, analyte, before, after, unit``.
    """
    from lib import labs as labs_lib

    cols = ["entity_id", "source_id", "analyte", "before", "after", "unit"]
    lab = labs.loc[(labs["entity_type"] == "case") & (labs["statistic"] == "value")]
    if lab.empty:
        return pd.DataFrame(columns=cols)
    src = pd.Series(cases["_source_id"].to_numpy(dtype=object), index=cases["case_id"].to_numpy(dtype=object))
    src = src[~src.index.duplicated()]
    frames = []
    present = set(lab["analyte"].dropna().unique())
    for analyte in [a for a in schema.ANALYTES if a in present]:
        pairs = labs_lib.lab_pairs(lab, analyte)
        pairs = pairs.loc[pairs["before"].notna() & pairs["after"].notna()]
        if pairs.empty:
            continue
        frames.append(pd.DataFrame({
            "entity_id": pairs["entity_id"].to_numpy(dtype=object),
            "source_id": src.reindex(pairs["entity_id"].to_numpy(dtype=object)).to_numpy(dtype=object),
            "analyte": analyte,
            "before": pairs["before"].to_numpy(dtype=float),
            "after": pairs["after"].to_numpy(dtype=float),
            "unit": schema.ANALYTE_UNITS[analyte],
        }))
    if not frames:
        return pd.DataFrame(columns=cols)
    return pd.concat(frames, ignore_index=True)[cols]


def _labs(view: FilteredView, labels, detail: str) -> list[Sentence]:
    s: list[Sentence] = []
    sec = "Laboratory changes"
    labs = view.labs
    cohort_labs = labs.loc[labs["entity_type"] == "cohort"]
    cohort_rows = view.cohorts.set_index("cohort_id") if not view.cohorts.empty else None
    for cid in dict.fromkeys(cohort_labs["entity_id"]):
        if cohort_rows is None or cid not in cohort_rows.index:
            continue
        crow = cohort_rows.loc[cid]
        sid = crow["source_id"]
        name = labels.get(sid, sid) + (f", {crow['subgroup']}" if not is_blank(crow["subgroup"]) else "")
        g = cohort_labs.loc[cohort_labs["entity_id"] == cid]
        parts = []
        for r in g.loc[g["statistic"] == "mean_change"].itertuples(index=False):
            parts.append(f"mean change {_signed(r.value_std)} {r.unit_std} in "
                         f"{analyte_name(r.analyte)}")
        for analyte in dict.fromkeys(g["analyte"]):
            ga = g.loc[(g["analyte"] == analyte) & (g["statistic"] != "mean_change")]
            for stat in ("mean", "median"):
                b = ga.loc[(ga["statistic"] == stat) & (ga["timepoint"] == "before")]
                a = ga.loc[(ga["statistic"] == stat) & (ga["timepoint"] == "after")]
                if b.empty or a.empty:
                    continue
                bv, av = float(b["value_std"].iloc[0]), float(a["value_std"].iloc[0])
                if math.isnan(bv) or math.isnan(av):
                    continue
                day = a["day"].iloc[0]
                when = f" at day {_num(day)}" if not pd.isna(day) else ""
                rel = f" ({_signed(round(100 * (av - bv) / bv))}%)" if bv else ""
                parts.append(f"{stat} {analyte_name(analyte)} from {_num(bv)} to "
                             f"{_num(av)} {schema.ANALYTE_UNITS.get(analyte, '')}{when}{rel}")
        if parts:
            s.append(Sentence(f"{name} ({int(crow['n'])} patients): " + "; ".join(parts) + ".", (sid,),
                              section=sec))
    if detail != "full" and len(s) > 1:
        ids = tuple(dict.fromkeys(c for x in s for c in x.citations))
        s = [Sentence(f"{_plural(len(s), 'cohort')} report laboratory values before and after anakinra as group "
                      "figures (means or medians); the full summary lists them.", ids, section=sec)]
    pairs = lab_pairs(labs, view.cases)
    for analyte, g in pairs.groupby("analyte", sort=True):
        res = paired_change(g["before"].to_numpy(), g["after"].to_numpy())
        unit = schema.ANALYTE_UNITS.get(analyte, "")
        ptxt = (f"; paired Wilcoxon signed-rank test p = {res.p_value:.2g}" if not math.isnan(res.p_value)
                and res.n_pairs >= 2 else "")
        s.append(Sentence(
            f"{schema.ANALYTE_LABELS.get(analyte, analyte)}: {_plural(res.n_pairs, 'patient')} with values before "
            f"and after anakinra, median change {_signed(res.median_change)} {unit}{ptxt}.",
            tuple(dict.fromkeys(g["source_id"].dropna())), section=sec))
        cav = _small_n_caveat(res.n_pairs, sec, "This comparison")
        if cav:
            s.append(cav)
    if not len(pairs) and not s:
        s.append(Sentence("No laboratory values before and after anakinra are recorded for the patients and "
                          "cohorts in view.", kind="caveat", section=sec))
    elif s:
        s.append(Sentence("Group figures are shown as the sources report them (different statistics, days and "
                          "patients before and after); patient pairs use the value closest to the first dose "
                          "before and the earliest value after.", kind="method", section=sec))
    return s


def _ae_fragments(note) -> list[str]:
    if is_blank(note):
        return []
    parts = re.split(r"(?<=[;.])\s+", str(note))
    return [p.strip().rstrip(";.") for p in parts if _AE_PATTERN.search(p)]


def _adverse(view: FilteredView, labels, detail: str) -> list[Sentence]:
    s: list[Sentence] = []
    sec = "Adverse events"
    cases, cohorts = view.cases, view.cohorts
    ae = cases.loc[cases["adverse_events"].notna()]
    if not ae.empty:
        if detail == "full":
            for r in ae.itertuples(index=False):
                s.append(Sentence(f"{r.case_id}: adverse events attributed to anakinra as reported, "
                                  f"\"{r.adverse_events}\".", tuple(str(r.source_ids).split(";")), section=sec))
        else:
            s.append(Sentence(f"Adverse events attributed to anakinra are reported for "
                              f"{_plural(len(ae), 'patient')}.", tuple(_case_sources(ae)), section=sec))
    noted = []
    for kind, df, idcol in (("case", cases, "case_id"), ("cohort", cohorts, "cohort_id")):
        df = df.loc[df["note"].notna()]  # only rows with a curator's note can add fragments
        for r in df.itertuples(index=False):
            if kind == "case" and not is_blank(r.adverse_events):
                continue
            frags = _ae_fragments(r.note)
            if frags:
                sid = r.source_id if kind == "cohort" else str(r.source_ids).split(";")[0]
                name = _cohort_label(r, labels) if kind == "cohort" else labels.get(sid, sid)
                noted.append((name, sid, frags))
    if noted:
        if detail == "full":
            for name, sid, frags in noted:
                s.append(Sentence(f"The curators' note on {name} reads: \"" + "; ".join(frags) + "\".", (sid,),
                                  section=sec))
        else:
            s.append(Sentence(f"The curators' notes mention adverse events (or their absence) for "
                              f"{_plural(len(noted), 'row')}; the full summary quotes them.",
                              tuple(x[1] for x in noted), section=sec))
    if s:
        s.append(Sentence("Adverse events are reported unevenly; most sources do not say whether any occurred.",
                          kind="caveat", section=sec))
    elif not view.is_empty:
        s.append(Sentence("No adverse events are recorded for the patients and cohorts in view; that no event "
                          "is recorded does not mean none occurred.", kind="caveat", section=sec))
    return s


def _relapse(view: FilteredView, labels, detail: str) -> list[Sentence]:
    s: list[Sentence] = []
    sec = "Relapse"
    cases, cohorts = view.cases, view.cohorts
    rel = cases["relapse"]
    if rel.notna().any():
        s.extend(_case_proportion(cases, sec, "relapse status", rel.fillna(False).astype(bool).to_numpy(),
                                  rel.notna().to_numpy(dtype=bool), "relapsed or flared after responding"))
    if not cohorts.empty:
        rc = cohorts.loc[cohorts["relapses"].notna()]
        parts, ids = [], []
        for r in rc.itertuples(index=False):
            parts.append(f"{int(r.relapses)} of {int(r.n)} in {_cohort_label(r, labels)}")
            ids.append(r.source_id)
        if parts:
            s.append(Sentence("Cohorts reporting relapses: " + "; ".join(parts) + ".", tuple(ids), section=sec))
    if not s and not view.is_empty:
        s.append(Sentence("No source in view states whether patients relapsed.", kind="caveat", section=sec))
    return s


def _methods() -> list[Sentence]:
    sec = "Methods"
    return [
        Sentence("Proportions are shown with exact (Clopper-Pearson) 95% confidence intervals.", kind="method",
                 section=sec),
        Sentence("Pooled proportions come from a random-effects meta-analysis of logit-transformed proportions "
                 f"(REML) over at least {MIN_POOL_STUDIES} cohorts; pooled reviews are left out because they "
                 "re-count published patients, and a study's subgroup rows are left out when its whole-study "
                 "row is in view.", kind="method", section=sec),
        Sentence("Every sentence is generated from the dataset by a fixed template; the sources each sentence rests "
                 "on follow it in brackets.", kind="method", section=sec),
    ]


# ---------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------

def build_summary(view: FilteredView, detail: str = "brief") -> EvidenceSummary:
    """The evidence summary of the filtered data.

    Parameters
    ----------
    view : FilteredView
        The filtered data.
    detail : {"brief", "full"}
        ``"full"`` adds per-cohort sentences (each cohort's response and
        deaths, group laboratory figures, doses in words, notes on adverse
        events).

    Returns
    -------
    EvidenceSummary
        When nothing matches, a single caveat sentence and no references.

    Raises
    ------
    ValueError
        For an unknown ``detail``.
    """
    if detail not in DETAILS:
        raise ValueError(f"detail must be one of {DETAILS}, got {detail!r}")
    labels = source_labels(view.sources)
    if view.is_empty:
        sentences = [Sentence("No patients or cohorts match the current filters.", kind="caveat")]
        return EvidenceSummary(tuple(sentences), (), labels, detail)
    sentences: list[Sentence] = []
    for part in (_evidence_base, _response, _mortality, _dosing, _labs, _adverse, _relapse):
        sentences.extend(x for x in part(view, labels, detail) if x is not None)
    sentences.extend(_methods())
    cited = dict.fromkeys(c for x in sentences for c in x.citations)
    src = view.sources.set_index("source_id")
    refs = []
    for sid in cited:
        if sid not in src.index:
            continue
        r = src.loc[sid]
        refs.append(Reference(
            source_id=sid, label=labels.get(sid, sid), title=str(r["title"]),
            journal="" if is_blank(r["journal"]) else str(r["journal"]),
            year=None if is_blank(r["year"]) else int(r["year"]),
            pmid=None if is_blank(r["pmid"]) else str(r["pmid"]),
            doi=None if is_blank(r["doi"]) else str(r["doi"])))
    refs.sort(key=lambda r: _label_key(r.label))
    return EvidenceSummary(tuple(sentences), tuple(refs), labels, detail)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~$])")


def escape_markdown(text: str) -> str:
    """Backslash-escape the characters that Markdown (and Streamlit's ``$`` maths) would interpret."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def sentence_text(sentence: Sentence, labels: dict[str, str]) -> str:
    """The sentence with its citations, as plain text (not escaped)."""
    if not sentence.citations:
        return sentence.text
    cite = format_citation(sentence.citations, labels)
    body = sentence.text[:-1] if sentence.text.endswith(".") else sentence.text
    return f"{body} {cite}."


def render_markdown(summary: EvidenceSummary, title: str = "Evidence summary",
                    context: Iterable[str] = ()) -> str:
    """The summary as a Markdown document.

    Sections become ``###`` headings, each sentence a paragraph line (caveats
    in italics, prefixed "Caveat:"), then the numbered references with
    PubMed and doi.org links. All text taken from the data is escaped, so
    nothing from a data file can become a link, an image or HTML.

    Parameters
    ----------
    summary : EvidenceSummary
    title : str
        Heading of the document.
    context : iterable of str
        Plain-text lines shown under the title (e.g. the active filters).
    """
    lines = [f"## {escape_markdown(title)}", ""]
    for c in context:
        lines.append(escape_markdown(c) + "  ")
    if context:
        lines.append("")
    for section in SECTIONS:
        items = [x for x in summary.sentences if x.section == section]
        if not items:
            continue
        lines += [f"### {section}", ""]
        for x in items:
            text = escape_markdown(sentence_text(x, summary.labels))
            if x.kind == "caveat":
                text = f"*Caveat: {text}*"
            lines.append(f"- {text}")
        lines.append("")
    if summary.references:
        lines += ["### References", ""]
        for i, r in enumerate(summary.references, 1):
            parts = [escape_markdown(r.label) + ".", escape_markdown(r.title.rstrip(".")) + "."]
            if r.journal:
                parts.append(escape_markdown(r.journal) + ".")
            pm, do = pubmed_url(r.pmid), doi_url(r.doi)
            if pm:
                parts.append(f"PMID [{r.pmid}]({pm}).")
            if do:
                parts.append(f"doi: [{escape_markdown(r.doi)}]({do}).")
            lines.append(f"{i}. " + " ".join(parts))
        lines.append("")
    return "\n".join(lines)
