"""Tables of the Cases page: a searchable case list and one case's detail."""

from __future__ import annotations

import pandas as pd

from lib import schema
from lib.data import public_columns
from lib.filters import FilteredView
from lib.links import doi_url, pubmed_url


def case_table(view: FilteredView, query: str = "") -> pd.DataFrame:
    """The filtered cases as a display table, optionally searched.

    The search is a plain case-insensitive substring match over the text
    columns (no regular expressions, so any input is safe).
    """
    cases = view.cases
    src = view.sources.drop_duplicates("source_id").set_index("source_id")
    canon = cases["_source_id"].astype(object)
    author = canon.map(src["first_author"].to_dict(), na_action="ignore")
    year = canon.map(src["year"].to_dict(), na_action="ignore")
    pubmed = canon.map({k: pubmed_url(v) for k, v in src["pmid"].items()}, na_action="ignore")
    doi = canon.map({k: doi_url(v) for k, v in src["doi"].items()}, na_action="ignore")
    table = pd.DataFrame({
        "Case": cases["case_id"].to_numpy(),
        "Condition": cases["condition"].map(schema.CONDITION_LABELS).to_numpy(),
        "Trigger": cases["trigger"].map(schema.TRIGGER_LABELS).to_numpy(),
        "Trigger detail": cases["trigger_detail"].to_numpy(),
        "Age (years)": cases["age_years"].to_numpy(),
        "Sex": cases["sex"].to_numpy(),
        "Country": cases["country"].to_numpy(),
        "Route": cases["route"].to_numpy(),
        "Dose (mg/kg/day)": cases["dose_mg_kg_day"].to_numpy(),
        "Response": cases["response"].to_numpy(),
        "Died": cases["death"].astype(object).where(cases["death"].notna(), None).to_numpy(),
        "First author": author.to_numpy(dtype=object),
        "Year": year.to_numpy(dtype=object),
        "PubMed": pubmed.to_numpy(dtype=object),
        "DOI": doi.to_numpy(dtype=object),
    })
    if "_origin" in cases.columns:
        table.insert(1, "Origin", cases["_origin"].to_numpy())
    query = (query or "").strip().lower()[:100]
    if query:
        text = cases[["case_id", "trigger", "trigger_detail", "country", "variant_as_reported",
                      "il1rn_variant_c", "il1rn_variant_p", "note", "source_ids"]].fillna("").astype(str)
        hay = text.apply(lambda r: " ".join(r).lower(), axis=1).to_numpy()
        authors = table["First author"].fillna("").astype(str).str.lower().to_numpy()
        keep = [query in h or query in a for h, a in zip(hay, authors)]
        table = table.loc[keep]
    return table.reset_index(drop=True)


def case_detail(view: FilteredView, case_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One case as a field/value table, and the table of its sources."""
    row = public_columns(view.cases).loc[view.cases["case_id"] == case_id]
    if row.empty:
        return pd.DataFrame(columns=["Field", "Value"]), pd.DataFrame()
    rec = row.iloc[0]
    detail = pd.DataFrame({
        "Field": list(rec.index),
        "Value": ["" if pd.isna(v) else str(v) for v in rec.to_numpy()],
    })
    detail = detail.loc[detail["Value"] != ""].reset_index(drop=True)
    ids = str(rec["source_ids"]).split(";")
    src = view.sources.set_index("source_id")
    rows = []
    for sid in ids:
        if sid not in src.index:
            continue
        s = src.loc[sid]
        rows.append({
            "Source": sid, "First author": s["first_author"], "Year": s["year"], "Title": s["title"],
            "Journal": s["journal"], "PubMed": pubmed_url(s["pmid"]), "DOI": doi_url(s["doi"]),
        })
    return detail, pd.DataFrame(rows)
