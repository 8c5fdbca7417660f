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

Every figure is given per condition (DIRA, MAS, secondary and primary HLH):
the summary never adds conditions into one rate. The counts and rules are
those of the pages, from the same functions:

* patients: :func:`lib.counts.patient_count` and its sentence
  :func:`lib.counts.patient_count_text` (the Overview's);
* response and deaths of individually described patients:
  :func:`lib.outcomes.response_by` and :func:`lib.outcomes.deaths_by` (the
  Outcomes page's), with the range over the patients whose outcome is not
  stated, and no percentage below :data:`lib.outcomes.MIN_STATED_FOR_RATE`;
* pooled cohorts: :func:`lib.pooled.analyse` with the Pooled page's default
  model (:data:`lib.pooled.DEFAULT_METHOD`), its rules and its reasons
  (:func:`lib.pooled.block_messages`), one outcome class at a time;
* laboratory pairs: :func:`lib.labs.lab_pairs` with the Labs page's pairing
  window, described by :func:`lib.labs.pairing_rule_text`.

This module is the one place in ``lib`` that formats numbers into text: the
sentences *are* the product, and the same text goes to the page, the copy box
and the Markdown download. Percentages are rounded to whole numbers.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Iterable, Literal

import pandas as pd

from lib import labs as labs_lib
from lib import outcomes, pooled, schema
from lib.citations import cohort_labels, source_labels, uploaded_sources
from lib.counts import patient_count, patient_count_text, without_covered_subgroups
from lib.data import is_blank
from lib.filters import FilteredView
from lib.links import doi_url, pubmed_url
from lib.stats import paired_change, proportion_ci
from lib.wording import plural

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

@dataclass(frozen=True)
class _Context:
    """What every section needs: citation labels, cohort labels and the options of the summary."""

    labels: dict
    cohort_names: dict = field(default_factory=dict)
    detail: str = "brief"
    labs_window: str = labs_lib.DEFAULT_WINDOW


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


def _list_words(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _cohort_name(row, ctx: _Context) -> str:
    """The study label of a cohort row (:func:`lib.citations.cohort_labels`)."""
    return ctx.cohort_names.get(row.cohort_id) or ctx.labels.get(row.source_id, row.source_id)


def _case_name(row, ctx: _Context) -> str:
    """A patient named as the source names them: "<citation label>, <patient label>" (never the row id)."""
    sid = str(row.source_ids).split(";")[0]
    name = ctx.labels.get(sid, sid)
    return f"{name}, {row.patient_label}" if not is_blank(row.patient_label) else f"A patient in {name}"


def _small_n_caveat(n: int, section: str, what: str = "This proportion") -> Sentence | None:
    if n < SMALL_N:
        return Sentence(f"{what} rests on fewer than {SMALL_N} patients, so its confidence interval is wide "
                        "and one patient more or less changes it a lot.", kind="caveat", section=section)
    return None


def _conditions(view: FilteredView) -> list[str]:
    present = set(view.cases["condition"].dropna().unique()) | set(view.cohorts["condition"].dropna().unique())
    return [c for c in schema.CONDITIONS if c in present]


def _of(df: pd.DataFrame, condition: str) -> pd.DataFrame:
    if df.empty:
        return df
    return df.loc[(df["condition"] == condition).to_numpy(dtype=bool)]


def poolable_cohorts(cohorts: pd.DataFrame, events_column: str, response_class: str | None = None) -> pd.DataFrame:
    """Cohort rows that pass the Pooled page's row rule (:func:`lib.pooled.eligibility`) for ``events_column``.

    Parameters
    ----------
    cohorts : DataFrame
    events_column : {"responders", "deaths"}
    response_class : str, optional
        For ``responders``: the outcome class (default: every class).

    Returns
    -------
    DataFrame
        The selected rows of ``cohorts`` (a copy), in their original order.
        Whether they may give a pooled figure is :func:`lib.pooled.select`'s
        ``blocks``.
    """
    outcome = {column: o for o, column in pooled.OUTCOME_COLUMNS.items()}.get(events_column)
    if outcome is None:
        raise ValueError(f"events_column must be one of {sorted(pooled.OUTCOME_COLUMNS.values())}, "
                         f"got {events_column!r}")
    included = pooled.eligibility(cohorts, outcome, response_class)["included"].to_numpy(dtype=bool)
    return cohorts.loc[included].copy()


def _ci_pct(k: int, n: int) -> str:
    ci = proportion_ci(k, n)
    return f"{_pct(ci.estimate)} (95% CI {_pct(ci.ci_lower)} to {_pct(ci.ci_upper)})"


# ---------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------

def _evidence_base(view: FilteredView, ctx: _Context) -> list[Sentence]:
    s: list[Sentence] = []
    cases, cohorts, sources = view.cases, view.cohorts, view.sources
    all_ids = tuple(sources["source_id"])
    pc = patient_count(cases, cohorts)
    n_files = int(uploaded_sources(sources).sum())  # an upload is a source row, not a publication
    match = plural(len(sources) - n_files, "publication")
    if n_files:
        match += f" and {plural(n_files, 'uploaded file')} (not published)"
    s.append(Sentence(f"The current filters match {match}: " + patient_count_text(pc), all_ids))
    conds = _conditions(view)
    for cond in conds:
        c, k = _of(cases, cond), _of(cohorts, cond)
        ids = tuple(_case_sources(c)) + tuple(k["source_id"])
        s.append(Sentence(f"{schema.CONDITION_LABELS[cond]}: " + patient_count_text(patient_count(c, k)), ids))
    if len(conds) > 1:
        s.append(Sentence("A study reporting a subgroup of another condition is counted under both conditions, so "
                          "the per-condition counts can add up to more than the total.", kind="method"))
    if ctx.detail == "full" and not sources.empty:
        for ptype in schema.PUB_TYPES:
            ids = tuple(sources.loc[sources["pub_type"] == ptype, "source_id"])
            if ids:
                s.append(Sentence(f"{schema.PUB_TYPE_LABELS[ptype]}: {plural(len(ids), 'publication')}.", ids))
    case_like = sources["pub_type"].isin(_CASE_REPORT_TYPES).sum() if not sources.empty else 0
    if len(cases) or case_like:
        s.append(Sentence(
            "Much of this evidence comes from case reports, small series and meeting abstracts: they are "
            "selective (successful treatment is more likely to be published), uncontrolled, and patients "
            "usually received other treatments as well, so outcomes cannot be attributed to anakinra alone.",
            kind="caveat"))
    if pc.reviews:
        s.append(Sentence(
            "Pooled reviews re-count published patients, so they are counted apart and never pooled with the "
            "primary reports.", kind="caveat"))
    return s


_RESPONSE_WORDS = {"complete": "complete", "partial": "partial", "improved": "improved without a grade",
                   "none": "no response"}


def _lower_first(text: str) -> str:
    """Lower-case the first letter unless the word is an acronym ("Remission" -> "remission", "SOFA" stays)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def _range_text(k: int, missing: int, n: int, none_words: str, all_words: str, as_pct: bool) -> str:
    """"counting the m not stated as X or as Y, a% to b% of all n" (counts instead of percentages when small)."""
    lo, hi = (f"{_pct(k / n)}", f"{_pct((k + missing) / n)}") if as_pct else (f"{k}", f"{k + missing}")
    return f"counting the {missing} not stated as {none_words} or as {all_words}, {lo} to {hi} of all {n}"


def _case_response(cases: pd.DataFrame, name: str) -> list[Sentence]:
    sec = "Response"
    if cases.empty:
        return []
    r = outcomes.response_by(cases, "all").iloc[0]
    n, m, ns = int(r["n"]), int(r["n_stated"]), int(r["not_stated"])
    if m == 0:
        return [Sentence(f"{name}: response is not stated for any of the "
                         f"{plural(n, 'individually described patient')}.", kind="caveat", section=sec)]
    cats = [f"{int(r[c])} {_RESPONSE_WORDS[c]}" for c in schema.RESPONSES if int(r[c])]
    k = int(r["responders"])
    text = (f"{name}: of {plural(n, 'individually described patient')}, response is stated for {m} "
            f"({_list_words(cats)}); {k} of {m} responded")
    if bool(r["rate_shown"]):
        text += f", {_ci_pct(k, m)}"
    else:
        text += f" (fewer than {outcomes.MIN_STATED_FOR_RATE} stated: no percentage)"
    if ns:
        text += "; " + _range_text(k, ns, n, "non-responders", "responders", bool(r["rate_shown"]))
    stated = cases["response"].notna().to_numpy(dtype=bool)
    s = [Sentence(text + ".", tuple(_case_sources(cases.loc[stated])), section=sec)]
    if bool(r["rate_shown"]):
        cav = _small_n_caveat(m, sec)
        if cav:
            s.append(cav)
    return s


def _case_deaths(cases: pd.DataFrame, name: str) -> list[Sentence]:
    sec = "Mortality"
    if cases.empty:
        return []
    d = outcomes.deaths_by(cases, "all").iloc[0]
    n, m, ns, k = int(d["n"]), int(d["n_stated"]), int(d["not_stated"]), int(d["died"])
    if m == 0:
        return [Sentence(f"{name}: survival is not stated for any of the "
                         f"{plural(n, 'individually described patient')}.", kind="caveat", section=sec)]
    text = (f"{name}: {plural(k, 'death')} reported among {plural(n, 'individually described patient')} "
            f"(survival status stated for {m})")
    if ns:
        text += "; " + _range_text(k, ns, n, "survivors", "deaths", bool(d["rate_shown"]))
    return [Sentence(text + ".", tuple(_case_sources(cases)), section=sec)]


def _pooled_outcome(cohorts: pd.DataFrame, sources: pd.DataFrame, outcome: str, name: str,
                    ctx: _Context) -> list[Sentence]:
    """Pooled sentences of one condition: one analysis per outcome class (response) or one (mortality)."""
    sec = pooled.OUTCOME_LABELS[outcome]
    verb = "responded" if outcome == "response" else "died"
    s: list[Sentence] = []
    if cohorts.empty:
        return s
    classes = schema.RESPONSE_CLASSES if outcome == "response" else (None,)
    any_rows = False
    for cls in classes:
        a = pooled.analyse(cohorts, sources, outcome, response_class=cls, details=False)
        inc = a.included
        if inc.empty:
            continue
        any_rows = True
        what = name + (f", {_lower_first(schema.RESPONSE_CLASS_LABELS[cls])}" if cls else "")
        ids = tuple(dict.fromkeys(inc["source_id"]))
        if ctx.detail == "full":
            for r in inc.itertuples(index=False):
                row = cohorts.loc[cohorts["cohort_id"] == r.cohort_id].iloc[0]
                unit = " episodes" if r.counts_refer_to == "episodes" else ""
                extra = ""
                if outcome == "response" and not is_blank(row["response_definition"]):
                    extra = f"; response as the source defines it: {row['response_definition']}"
                if outcome == "mortality" and not is_blank(row["deaths_timepoint"]):
                    extra = f"; time frame: {row['deaths_timepoint']}"
                s.append(Sentence(f"{r.label}: {int(r.events)} of {int(r.total)}{unit} {verb}, "
                                  f"{_ci_pct(int(r.events), int(r.total))}{extra}.", (r.source_id,), section=sec))
        if a.overall is not None:
            o = a.overall
            units = f"{a.n_units} patients" if a.episode_rows.empty else f"{a.n_units} patients or episodes"
            s.append(Sentence(
                f"{what}: pooled across {a.k} cohorts ({units}), the proportion who {verb} was {_pct(o.estimate)} "
                f"(95% CI {_pct(o.ci_lower)} to {_pct(o.ci_upper)}); a new study's true proportion is expected "
                f"between {_pct(o.pi_lower)} and {_pct(o.pi_upper)} (95% prediction interval).", ids, section=sec))
            if not pooled.heterogeneity_assessable(o):
                s.append(Sentence(f"{what}: heterogeneity cannot be assessed ({plural(o.k, 'study', 'studies')}"
                                  + (", τ² estimated as 0" if o.tau2 == 0 else "") + "), so the prediction "
                                  "interval may understate how much studies differ.", kind="caveat", section=sec))
            elif o.i2 > 50:
                s.append(Sentence(f"{what}: the cohorts differ more than chance explains (I² = {o.i2:.0f}%), so the "
                                  "pooled figure is a rough average over different settings.", kind="caveat",
                                  section=sec))
            if not a.episode_rows.empty:
                s.append(Sentence(f"{what}: " + "; ".join(a.episode_rows["label"]) + " count episodes, not "
                                  "patients; they are pooled as episodes.", kind="method", section=sec))
        else:
            if ctx.detail != "full":
                parts = [f"{r.label}: {int(r.events)} of {int(r.total)}" for r in inc.itertuples(index=False)]
                s.append(Sentence(f"{what}: {plural(len(inc), 'cohort')} {'reports' if len(inc) == 1 else 'report'} "
                                  f"how many {verb} ("
                                  + "; ".join(parts) + ").", ids, section=sec))
            s.append(Sentence(f"{what}: not pooled. " + " ".join(pooled.block_messages(a)), kind="method",
                              section=sec))
    if outcome == "response":
        sel = pooled.select(cohorts, "response", pooled.ALL_CLASSES)
        no_class = sel.rows.loc[sel.rows["included"].to_numpy(dtype=bool)
                                & cohorts["response_class"].isna().to_numpy(dtype=bool)]
        if len(no_class):
            s.append(Sentence(f"{name}: {plural(len(no_class), 'cohort')} report"
                              f"{'s' if len(no_class) == 1 else ''} responders without a stated outcome class; "
                              "not pooled.", kind="method", section=sec))
            any_rows = True
    if not any_rows:
        s.append(Sentence(f"{name}: no cohort in view (other than pooled reviews) reports how many {verb}.",
                          kind="caveat", section=sec))
    return s


def _response(view: FilteredView, ctx: _Context) -> list[Sentence]:
    s: list[Sentence] = []
    for cond in _conditions(view):
        name = schema.CONDITION_LABELS[cond]
        s.extend(_case_response(_of(view.cases, cond), name))
        s.extend(_pooled_outcome(_of(view.cohorts, cond), view.sources, "response", name, ctx))
    if s:
        s.append(Sentence("Response keeps the source's words: complete, partial, improved (the source describes "
                          "improvement without a grade) or none; not stated is never counted as no response. "
                          "Cohorts are pooled only within one outcome class (early response, remission, sustained "
                          "remission, surrogate score).", kind="method", section="Response"))
    return s


def _mortality(view: FilteredView, ctx: _Context) -> list[Sentence]:
    s: list[Sentence] = []
    for cond in _conditions(view):
        name = schema.CONDITION_LABELS[cond]
        s.extend(_case_deaths(_of(view.cases, cond), name))
        s.extend(_pooled_outcome(_of(view.cohorts, cond), view.sources, "mortality", name, ctx))
    if any(x.kind == "finding" for x in s):
        s.append(Sentence("Case reports state deaths and often leave survival implicit, so deaths are given among "
                          "all patients with the number whose status is stated, not as a share of the stated few. "
                          "Deaths are counted over follow-up times that differ between sources.", kind="method",
                          section="Mortality"))
    return s


def _dose_range_text(lo: float, hi: float, unit: str) -> str:
    return f"{_num(lo)} {unit}" if lo == hi else f"{_num(lo)} to {_num(hi)} {unit}"


def _dose_ranges(cases: pd.DataFrame, cohorts: pd.DataFrame, prefix: str) -> list[Sentence]:
    s: list[Sentence] = []
    sec = "Dosing"
    kg = cases.loc[cases["dose_mg_kg_day"].notna()]
    if not kg.empty:
        s.append(Sentence(
            f"{prefix}Daily doses stated in mg/kg/day ({plural(len(kg), 'patient')}): "
            f"{_dose_range_text(kg['dose_mg_kg_day'].min(), kg['dose_mg_kg_day'].max(), 'mg/kg/day')}.",
            tuple(_case_sources(kg)), section=sec))
    mg = cases.loc[cases["dose_mg_day"].notna()]
    if not mg.empty:
        s.append(Sentence(
            f"{prefix}Daily doses stated in mg/day ({plural(len(mg), 'patient')}): "
            f"{_dose_range_text(mg['dose_mg_day'].min(), mg['dose_mg_day'].max(), 'mg/day')}.",
            tuple(_case_sources(mg)), section=sec))
    if not cohorts.empty:
        lo = cohorts["dose_mg_kg_day_min"].fillna(cohorts["dose_mg_kg_day_max"])
        hi = cohorts["dose_mg_kg_day_max"].fillna(cohorts["dose_mg_kg_day_min"])
        has = lo.notna().to_numpy(dtype=bool)
        if has.any():
            s.append(Sentence(
                f"{prefix}Daily doses stated in mg/kg/day by cohorts ({plural(int(has.sum()), 'cohort')}, lowest to "
                f"highest reported): {_dose_range_text(lo[has].min(), hi[has].max(), 'mg/kg/day')}.",
                tuple(dict.fromkeys(cohorts.loc[has, "source_id"])), section=sec))
    return s


def _dosing(view: FilteredView, ctx: _Context) -> list[Sentence]:
    s: list[Sentence] = []
    cases, cohorts = view.cases, without_covered_subgroups(view.cohorts)
    sec = "Dosing"
    for cond in _conditions(view):
        s.extend(_dose_ranges(_of(cases, cond), _of(cohorts, cond), f"{schema.CONDITION_LABELS[cond]}: "))
    text_only_cases = cases.loc[cases["dose_as_reported"].notna() & cases["dose_mg_kg_day"].isna()
                                & cases["dose_mg_day"].isna()]
    text_only_cohorts = cohorts.loc[cohorts["dose_as_reported"].notna() & cohorts["dose_mg_kg_day_min"].isna()
                                    & cohorts["dose_mg_kg_day_max"].isna()] if not cohorts.empty else cohorts
    if ctx.detail == "full":
        for r in text_only_cases.itertuples(index=False):
            s.append(Sentence(f"{_case_name(r, ctx)}: dose as reported, \"{r.dose_as_reported}\".",
                              tuple(str(r.source_ids).split(";")), section=sec))
        for r in text_only_cohorts.itertuples(index=False):
            s.append(Sentence(f"{_cohort_name(r, ctx)}: dose as reported, \"{r.dose_as_reported}\".",
                              (r.source_id,), section=sec))
    elif len(text_only_cases) or len(text_only_cohorts):
        ids = tuple(_case_sources(text_only_cases)) + tuple(text_only_cohorts["source_id"])
        who = ([plural(len(text_only_cases), "patient")] if len(text_only_cases) else []) + (
            [plural(len(text_only_cohorts), "cohort")] if len(text_only_cohorts) else [])
        verb = "states" if len(text_only_cases) + len(text_only_cohorts) == 1 else "state"
        s.append(Sentence(f"{' and '.join(who).capitalize()} {verb} the dose only in words (see the Dosing page).",
                          ids, section=sec))
    route_parts, route_ids = [], []
    for route in schema.ROUTES:
        c = cases.loc[cases[f"_route__{route}"].astype(bool)] if not cases.empty else cases
        k = cohorts.loc[cohorts[f"_route__{route}"].astype(bool)] if not cohorts.empty else cohorts
        if len(c) or len(k):
            counts = ([plural(len(c), "patient")] if len(c) else []) + ([plural(len(k), "cohort")] if len(k) else [])
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


def lab_pairs(labs: pd.DataFrame, cases: pd.DataFrame, window: str = labs_lib.DEFAULT_WINDOW) -> pd.DataFrame:
    """Patient-level before/after pairs per analyte, chosen by the Labs page's rule and window.

    Uses :func:`lib.labs.lab_pairs` (one before and one after value per
    patient; see :func:`lib.labs.pairing_rule_text`) for every analyte with
    patient values, so that the summary and the Labs page always report the
    same pairs; keeps patients with both sides. Standardised values only.

    Returns
    -------
    DataFrame
        Columns ``entity_id, source_id, condition, analyte, before, after, unit``.
    """
    cols = ["entity_id", "source_id", "condition", "analyte", "before", "after", "unit"]
    lab = labs.loc[(labs["entity_type"] == "case") & (labs["statistic"] == "value")]
    if lab.empty:
        return pd.DataFrame(columns=cols)
    ids = cases["case_id"].to_numpy(dtype=object)
    src = pd.Series(cases["_source_id"].to_numpy(dtype=object), index=ids)
    cond = pd.Series(cases["condition"].to_numpy(dtype=object), index=ids)
    src, cond = src[~src.index.duplicated()], cond[~cond.index.duplicated()]
    frames = []
    present = set(lab["analyte"].dropna().unique())
    for analyte in [a for a in schema.ANALYTES if a in present]:
        pairs = labs_lib.lab_pairs(lab, analyte, window)
        pairs = pairs.loc[pairs["before"].notna() & pairs["after"].notna()]
        if pairs.empty:
            continue
        eid = pairs["entity_id"].to_numpy(dtype=object)
        frames.append(pd.DataFrame({
            "entity_id": eid,
            "source_id": src.reindex(eid).to_numpy(dtype=object),
            "condition": cond.reindex(eid).to_numpy(dtype=object),
            "analyte": analyte,
            "before": pairs["before"].to_numpy(dtype=float),
            "after": pairs["after"].to_numpy(dtype=float),
            "unit": schema.ANALYTE_UNITS[analyte],
        }))
    if not frames:
        return pd.DataFrame(columns=cols)
    return pd.concat(frames, ignore_index=True)[cols]


def _labs(view: FilteredView, ctx: _Context) -> list[Sentence]:
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
        name = ctx.cohort_names.get(cid) or ctx.labels.get(sid, sid)
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
            s.append(Sentence(f"{name} ({schema.CONDITION_LABELS.get(crow['condition'], crow['condition'])}, "
                              f"{int(crow['n'])} patients): " + "; ".join(parts) + ".", (sid,), section=sec))
    if ctx.detail != "full" and len(s) > 1:
        ids = tuple(dict.fromkeys(c for x in s for c in x.citations))
        s = [Sentence(f"{plural(len(s), 'cohort')} report laboratory values before and after anakinra as group "
                      "figures (means or medians); the full summary lists them.", ids, section=sec)]
    pairs = lab_pairs(labs, view.cases, ctx.labs_window)
    for cond in schema.CONDITIONS:
        pc = pairs.loc[(pairs["condition"] == cond).to_numpy(dtype=bool)]
        present = set(pc["analyte"].unique())  # the distinct codes, not every row read one by one
        for analyte in [a for a in schema.ANALYTES if a in present]:
            g = pc.loc[(pc["analyte"] == analyte).to_numpy(dtype=bool)]
            res = paired_change(g["before"].to_numpy(dtype=float), g["after"].to_numpy(dtype=float))
            unit = schema.ANALYTE_UNITS.get(analyte, "")
            ptxt = (f"; paired Wilcoxon signed-rank test p = {res.p_value:.2g}" if not math.isnan(res.p_value)
                    and res.n_pairs >= 2 else "")
            s.append(Sentence(
                f"{schema.CONDITION_LABELS[cond]}, {analyte_name(analyte)}: {plural(res.n_pairs, 'patient')} with "
                f"values before and after anakinra, median change {_signed(res.median_change)} {unit}{ptxt}.",
                tuple(g["source_id"].dropna().unique()), section=sec))  # first-seen order
            cav = _small_n_caveat(res.n_pairs, sec, "This comparison")
            if cav:
                s.append(cav)
    patient_values = bool(((labs["entity_type"] == "case") & (labs["statistic"] == "value")).any())
    if patient_values and not len(pairs):
        s.append(Sentence("Patients in view have laboratory values, but none has a value before and one after "
                          "anakinra under the pairing rule.", kind="caveat", section=sec))
    if not len(pairs) and not s:
        s.append(Sentence("No laboratory values before and after anakinra are recorded for the patients and "
                          "cohorts in view.", kind="caveat", section=sec))
    elif s:
        s.append(Sentence("Group figures are shown as the sources report them (different statistics, days and "
                          "patients before and after). Patient pairs: " + labs_lib.pairing_rule_text(ctx.labs_window),
                          kind="method", section=sec))
    return s


def _ae_fragments(note) -> list[str]:
    if is_blank(note):
        return []
    parts = re.split(r"(?<=[;.])\s+", str(note))
    return [p.strip().rstrip(";.") for p in parts if _AE_PATTERN.search(p)]


def _adverse(view: FilteredView, ctx: _Context) -> list[Sentence]:
    s: list[Sentence] = []
    sec = "Adverse events"
    cases, cohorts = view.cases, view.cohorts
    ae = cases.loc[cases["adverse_events"].notna()]
    if not ae.empty:
        if ctx.detail == "full":
            for r in ae.itertuples(index=False):
                s.append(Sentence(f"{_case_name(r, ctx)}: adverse events attributed to anakinra as reported, "
                                  f"\"{r.adverse_events}\".", tuple(str(r.source_ids).split(";")), section=sec))
        else:
            s.append(Sentence(f"Adverse events attributed to anakinra are reported for "
                              f"{plural(len(ae), 'patient')}.", tuple(_case_sources(ae)), section=sec))
    noted = []
    for kind, df, idcol in (("case", cases, "case_id"), ("cohort", cohorts, "cohort_id")):
        df = df.loc[df["note"].notna()]  # only rows with a curator's note can add fragments
        for r in df.itertuples(index=False):
            if kind == "case" and not is_blank(r.adverse_events):
                continue
            frags = _ae_fragments(r.note)
            if frags:
                sid = r.source_id if kind == "cohort" else str(r.source_ids).split(";")[0]
                name = _cohort_name(r, ctx) if kind == "cohort" else ctx.labels.get(sid, sid)
                noted.append((name, sid, frags))
    if noted:
        if ctx.detail == "full":
            for name, sid, frags in noted:
                s.append(Sentence(f"The curators' note on {name} reads: \"" + "; ".join(frags) + "\".", (sid,),
                                  section=sec))
        else:
            s.append(Sentence(f"The curators' notes mention adverse events (or their absence) for "
                              f"{plural(len(noted), 'row')}; the full summary quotes them.",
                              tuple(x[1] for x in noted), section=sec))
    if s:
        s.append(Sentence("Adverse events are reported unevenly; most sources do not say whether any occurred.",
                          kind="caveat", section=sec))
    elif not view.is_empty:
        s.append(Sentence("No adverse events are recorded for the patients and cohorts in view; that no event "
                          "is recorded does not mean none occurred.", kind="caveat", section=sec))
    return s


def _relapse(view: FilteredView, ctx: _Context) -> list[Sentence]:
    s: list[Sentence] = []
    sec = "Relapse"
    cases, cohorts = view.cases, view.cohorts
    for cond in _conditions(view):
        c = _of(cases, cond)
        rel = c["relapse"]
        if not rel.notna().any():
            continue
        stated = rel.notna().to_numpy(dtype=bool)
        k = int(rel.fillna(False).astype(bool).to_numpy()[stated].sum())
        m, n = int(stated.sum()), len(c)
        tail = f"; relapse status is not stated for {n - m} more" if n - m else ""
        s.append(Sentence(f"{schema.CONDITION_LABELS[cond]}: of {plural(m, 'individually described patient')} whose "
                          f"relapse status is stated, {k} relapsed or flared after responding{tail}.",
                          tuple(_case_sources(c.loc[stated])), section=sec))
    if not cohorts.empty:
        rc = cohorts.loc[cohorts["relapses"].notna()]
        parts, ids = [], []
        for r in rc.itertuples(index=False):
            parts.append(f"{int(r.relapses)} of {int(r.n)} in {_cohort_name(r, ctx)}")
            ids.append(r.source_id)
        if parts:
            s.append(Sentence("Cohorts reporting relapses: " + "; ".join(parts) + ".", tuple(ids), section=sec))
    if not s and not view.is_empty:
        s.append(Sentence("No source in view states whether patients relapsed.", kind="caveat", section=sec))
    return s


def _methods() -> list[Sentence]:
    sec = "Methods"
    m = pooled.DEFAULT_METHOD
    return [
        Sentence("Every figure is given per condition; no rate adds DIRA, MAS and HLH together.", kind="method",
                 section=sec),
        Sentence("Proportions are shown with exact (Clopper-Pearson) 95% confidence intervals and, where some "
                 "patients' outcome is not stated, with the range from counting all of them one way to counting "
                 f"all of them the other; with fewer than {outcomes.MIN_STATED_FOR_RATE} patients stated only the "
                 "counts are given.", kind="method", section=sec),
        Sentence(f"Pooled proportions: {pooled.METHOD_LABELS[m]} random-effects model (no continuity correction), "
                 f"over at least {pooled.MIN_STUDIES} cohorts, one row per study, one outcome class at a time; "
                 "pooled reviews are left out because they re-count published patients. The Pooled evidence page "
                 "offers other models and reports a sensitivity analysis.", kind="method", section=sec),
        Sentence("Every sentence is generated from the dataset by a fixed template; the sources each sentence rests "
                 "on follow it in brackets.", kind="method", section=sec),
    ]


# ---------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------

def build_summary(view: FilteredView, detail: str = "brief",
                  labs_window: str = labs_lib.DEFAULT_WINDOW) -> EvidenceSummary:
    """The evidence summary of the filtered data.

    Parameters
    ----------
    view : FilteredView
        The filtered data.
    detail : {"brief", "full"}
        ``"full"`` adds per-cohort sentences (each cohort's response and
        deaths, group laboratory figures, doses in words, notes on adverse
        events).
    labs_window : str, default :data:`lib.labs.DEFAULT_WINDOW`
        The pairing window of patient laboratory values (the Labs page's
        ``_labs_window``).

    Returns
    -------
    EvidenceSummary
        When nothing matches, a single caveat sentence and no references.

    Raises
    ------
    ValueError
        For an unknown ``detail`` or ``labs_window``.
    """
    if detail not in DETAILS:
        raise ValueError(f"detail must be one of {DETAILS}, got {detail!r}")
    if labs_window not in labs_lib.PAIRING_WINDOWS:
        raise ValueError(f"labs_window must be one of {tuple(labs_lib.PAIRING_WINDOWS)}, got {labs_window!r}")
    labels = source_labels(view.sources)
    if view.is_empty:
        sentences = [Sentence("No patients or cohorts match the current filters.", kind="caveat")]
        return EvidenceSummary(tuple(sentences), (), labels, detail)
    names = dict(zip(view.cohorts["cohort_id"], cohort_labels(view.cohorts, view.sources)))
    ctx = _Context(labels=labels, cohort_names=names, detail=detail, labs_window=labs_window)
    sentences: list[Sentence] = []
    for part in (_evidence_base, _response, _mortality, _dosing, _labs, _adverse, _relapse):
        sentences.extend(x for x in part(view, ctx) if x is not None)
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
