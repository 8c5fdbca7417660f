"""Synthetic registries with the dataset's schema, for benchmarks and tests ONLY.

Every value is random. Nothing here is evidence: the single source row says so
in its title, and the data is generated at run time, never written to data/.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lib import schema
from lib.data import Dataset, enrich, link_labs, validate_table

SYNTHETIC_TITLE = "SYNTHETIC BENCHMARK DATA - NOT EVIDENCE"


def _missing(rng, n, p):
    return rng.random(n) < p


def synthetic_dataset(n: int, seed: int = 0, n_cohorts: int = 50) -> Dataset:
    """A typed, enriched Dataset with ``n`` synthetic patients, their labs and some cohorts.

    Missingness follows what case reports look like (most doses, times and
    labs missing); the frames are built column-wise (fast at 10^6 rows) and
    typed like :func:`lib.data.validate_table` output.
    """
    rng = np.random.default_rng(seed)
    src = pd.DataFrame({
        "source_id": ["synthetic"], "pmid": [None], "doi": [None], "pmcid": [None],
        "first_author": ["Synthetic"], "year": pd.array([2026], dtype="Int64"), "title": [SYNTHETIC_TITLE],
        "journal": [None], "pub_type": ["cohort"], "url": ["https://doi.org/10.0000/synthetic"],
        "language": ["en"], "extraction_date": ["2026-11-23"], "note": ["generated at run time"],
    })
    cond = rng.choice(schema.CONDITIONS, n, p=[0.1, 0.4, 0.4, 0.1])
    trig = np.where(cond == "dira", "genetic", rng.choice([t for t in schema.TRIGGERS if t != "genetic"], n))
    age = np.round(rng.gamma(2.0, 12.0, n), 2)
    age[_missing(rng, n, 0.2)] = np.nan
    age = np.clip(age, 0, 100)
    route = rng.choice(["sc", "iv", "iv_cont", "iv;sc", None], n, p=[0.4, 0.25, 0.15, 0.1, 0.1])
    dose = np.round(rng.lognormal(1.3, 0.6, n), 1)
    dose[_missing(rng, n, 0.5)] = np.nan
    dose = np.clip(dose, 0, 100)
    cot_opts = np.array(["glucocorticoids", "glucocorticoids;ciclosporin", "glucocorticoids;etoposide",
                         "ivig;glucocorticoids", "other_biologic", None], dtype=object)
    resp = rng.choice(np.array(["complete", "partial", "none", None], dtype=object), n, p=[0.45, 0.2, 0.1, 0.25])
    death = rng.random(n) < 0.15
    death_known = ~_missing(rng, n, 0.3)
    follow = np.round(rng.exponential(300, n))
    follow[_missing(rng, n, 0.5)] = np.nan
    dtr = np.round(rng.exponential(5, n))
    dtr = np.where(np.isnan(follow), np.nan, np.minimum(dtr, follow))
    dtr[resp == None] = np.nan  # noqa: E711
    ids = np.char.add("syn-", np.arange(n).astype(str))
    cases = pd.DataFrame({c: pd.Series([None] * n, dtype=object) for c in schema.CASES.column_names})
    cases["case_id"] = ids.astype(object)
    cases["source_ids"] = "synthetic"
    cases["condition"] = cond.astype(object)
    cases["trigger"] = trig.astype(object)
    cases["age_years"] = age
    cases["sex"] = rng.choice(np.array(["female", "male", None], dtype=object), n, p=[0.45, 0.45, 0.1])
    cases["route"] = route
    cases["dose_mg_kg_day"] = dose
    cases["cotherapies"] = rng.choice(cot_opts, n)
    cases["response"] = resp
    cases["death"] = pd.array(np.where(death_known, death, None), dtype="boolean")
    cases["relapse"] = pd.array([None] * n, dtype="boolean")
    cases["followup_days"] = follow
    cases["days_to_response"] = dtr
    cases["locator"] = "synthetic"
    cases["extraction_date"] = "2026-11-23"
    for c in schema.CASES.columns:
        if c.type == "float" and c.name not in ("age_years", "dose_mg_kg_day", "followup_days", "days_to_response"):
            cases[c.name] = np.nan
        if c.type == "int":
            cases[c.name] = pd.array([None] * n, dtype="Int64")
    # labs: about a third of patients have CRP and ferritin before/after
    m = n // 3
    who = rng.choice(n, m, replace=False)
    rows = []
    for analyte, mu, sd, drop in (("crp", 4.5, 0.8, 0.9), ("ferritin", 8.5, 1.0, 0.7)):
        before = np.exp(rng.normal(mu, sd, m))
        after = before * np.exp(rng.normal(np.log(1 - drop * 0.8), 0.4, m))
        for tp, vals in (("before", before), ("after", after)):
            keep = ~_missing(rng, m, 0.2)
            rows.append(pd.DataFrame({
                "lab_id": np.char.add(np.char.add(ids[who][keep], f"-{analyte}-"), tp).astype(object),
                "entity_type": "case", "entity_id": ids[who][keep].astype(object), "analyte": analyte,
                "timepoint": tp, "day": np.nan, "statistic": "value",
                "value_reported": np.round(vals[keep], 1), "unit_reported": schema.ANALYTE_UNITS[analyte],
                "value_std": np.round(vals[keep], 1), "unit_std": schema.ANALYTE_UNITS[analyte],
                "locator": "synthetic", "note": None, "extraction_date": "2026-11-23", "derived_fields": None,
            }))
    labs = pd.concat(rows, ignore_index=True)
    k = n_cohorts
    coh = pd.DataFrame({c: pd.Series([None] * k, dtype=object) for c in schema.COHORTS.column_names})
    nn = rng.integers(5, 200, k)
    coh["cohort_id"] = [f"syn-k{i}" for i in range(k)]
    coh["source_id"] = "synthetic"
    coh["condition"] = rng.choice(schema.CONDITIONS, k)
    coh["trigger"] = "mixed"
    coh["population"] = "synthetic"
    coh["design"] = "retrospective"
    coh["n"] = pd.array(nn, dtype="Int64")
    coh["responders"] = pd.array(rng.binomial(nn, 0.6), dtype="Int64")
    coh["deaths"] = pd.array(rng.binomial(nn, 0.2), dtype="Int64")
    for c in schema.COHORTS.columns:
        if c.type == "float":
            coh[c.name] = np.nan
        elif c.type == "int" and c.name not in ("n", "responders", "deaths"):
            coh[c.name] = pd.array([None] * k, dtype="Int64")
    coh["age_median_years"] = np.round(rng.uniform(1, 60, k), 1)
    coh["route"] = rng.choice(["sc", "iv", "iv_cont"], k)
    coh["locator"] = "synthetic"
    coh["extraction_date"] = "2026-11-23"
    cases, coh = enrich(cases, coh, src)
    labs = link_labs(labs, cases, coh)
    empty = lambda t: validate_table(pd.DataFrame(columns=t.column_names), t)[0]  # noqa: E731
    return Dataset(sources=src, cases=cases, cohorts=coh, labs=labs, screening=empty(schema.SCREENING),
                   verification=empty(schema.VERIFICATION), meta={"version": f"synthetic-{n}"}, label="upload")
