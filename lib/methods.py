"""Tables of the Data and methods page: dictionary, screening flow, verification summary."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lib import schema
from lib.data import Dataset


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


@dataclass(frozen=True)
class ScreeningFlow:
    """PRISMA-style counts summed over the screening log."""

    queries: int
    records_found: int
    records_new: int
    duplicates: int
    screened: int
    excluded: int
    included: int
    exclusion_reasons: pd.DataFrame  # columns reason, records


def screening_flow(screening: pd.DataFrame) -> ScreeningFlow:
    """Sum the screening log into the counts of a flow diagram.

    Exclusion reasons are parsed from ``reason: n; reason: n`` cells; text
    that does not follow the pattern is counted under ``other``.
    """
    def total(col):
        return int(pd.to_numeric(screening[col], errors="coerce").fillna(0).sum())

    found = total("records_found")
    new = total("records_new") if screening["records_new"].notna().any() else found
    reasons: dict[str, int] = {}
    for cell in screening["exclusion_reasons"].dropna():
        for part in str(cell).split(";"):
            if ":" in part:
                name, _, num = part.rpartition(":")
                try:
                    reasons[name.strip().lower()] = reasons.get(name.strip().lower(), 0) + int(num.strip())
                    continue
                except ValueError:
                    pass
            if part.strip():
                reasons["other"] = reasons.get("other", 0)
    reason_df = pd.DataFrame(sorted(reasons.items(), key=lambda kv: -kv[1]), columns=["reason", "records"])
    return ScreeningFlow(
        queries=len(screening), records_found=found, records_new=new, duplicates=max(found - new, 0),
        screened=total("screened"), excluded=total("excluded"), included=total("included"),
        exclusion_reasons=reason_df,
    )


def flow_dot(flow: ScreeningFlow, n_sources: int, n_cases: int, n_cohorts: int) -> str:
    """Graphviz DOT text of the flow diagram (numbers only, no free text from data)."""
    return f"""digraph flow {{
  rankdir=TB; node [shape=box, style=rounded, fontname="Helvetica", fontsize=11];
  a [label="Records found by {flow.queries} queries\\nn = {flow.records_found}"];
  b [label="Records after removing repeats\\nn = {flow.records_new}"];
  c [label="Records screened\\nn = {flow.screened}"];
  d [label="Records excluded\\nn = {flow.excluded}"];
  e [label="Publications included\\nn = {n_sources}"];
  f [label="{n_cases} patients described individually\\n{n_cohorts} cohort rows"];
  a -> b -> c -> e -> f; c -> d;
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
