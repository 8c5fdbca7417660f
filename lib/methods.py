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
