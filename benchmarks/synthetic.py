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


def _pick(rng, options, n, p=None) -> np.ndarray:
    """``rng.choice(options, n, p=p)`` as an object array whose cells share the option's str objects.

    Same random draws as ``rng.choice`` on the options, but no per-row string object (a ``<U``
    array turned into objects makes one str per row: about 50 bytes a row per column at 10^6).
    """
    return np.asarray(options, dtype=object)[rng.choice(len(options), n, p=p)]


def _objects(n: int, value=None) -> np.ndarray:
    """An object column of ``n`` cells all holding the one object ``value``.

    ``np.full(n, "text", dtype=object)`` would make n str objects (it goes through a ``<U`` array).
    """
    out = np.empty(n, dtype=object)
    out.fill(value)
    return out


def _no_ints(n: int) -> pd.arrays.IntegerArray:
    """An all-missing ``Int64`` column, without a list of n Nones."""
    return pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))


def _frame(columns: dict, names) -> pd.DataFrame:
    """A frame of ``columns`` in schema order, without copying or consolidating them.

    The columns are typed as :func:`lib.data.validate_table` types them (``str``/``list``/``date``
    object with None): pandas 3 would turn an object column assigned into a frame into its Arrow
    ``str`` dtype (missing = NaN), which real data never has.
    """
    cols = {c: pd.Series(v, dtype=object, copy=False) if getattr(v, "dtype", None) == object else v
            for c, v in ((c, columns[c]) for c in names)}
    return pd.DataFrame(cols, columns=list(names), copy=False)


def synthetic_dataset(n: int, seed: int = 0, n_cohorts: int = 50) -> Dataset:
    """A typed, enriched Dataset with ``n`` synthetic patients, their labs and some cohorts.

    Missingness follows what case reports look like (most doses, times and
    labs missing); the frames are built column-wise (fast at 10^6 rows, no object
    intermediates: text cells share their str objects, as cells read from a file of
    repeated values do after :func:`lib.data.validate_table`) and typed like its output.
    """
    rng = np.random.default_rng(seed)
    src = pd.DataFrame({
        "source_id": ["synthetic"], "pmid": [None], "doi": [None], "pmcid": [None],
        "first_author": ["Synthetic"], "year": pd.array([2026], dtype="Int64"), "title": [SYNTHETIC_TITLE],
        "journal": [None], "pub_type": ["cohort"], "url": ["https://doi.org/10.0000/synthetic"],
        "language": ["en"], "extraction_date": ["2026-11-23"], "note": ["generated at run time"],
    })
    cond = _pick(rng, schema.CONDITIONS, n, p=[0.1, 0.4, 0.4, 0.1])
    other_trig = _pick(rng, [t for t in schema.TRIGGERS if t != "genetic"], n)
    trig = other_trig  # np.where would make one "genetic" str per row
    trig[cond == "dira"] = "genetic"
    age = np.round(rng.gamma(2.0, 12.0, n), 2)
    age[_missing(rng, n, 0.2)] = np.nan
    age = np.clip(age, 0, 100)
    route = _pick(rng, ["sc", "iv", "iv_cont", "iv;sc", None], n, p=[0.4, 0.25, 0.15, 0.1, 0.1])
    dose = np.round(rng.lognormal(1.3, 0.6, n), 1)
    dose[_missing(rng, n, 0.5)] = np.nan
    dose = np.clip(dose, 0, 100)
    cot_opts = ["glucocorticoids", "glucocorticoids;ciclosporin", "glucocorticoids;etoposide",
                "ivig;glucocorticoids", "other_biologic", None]
    resp = _pick(rng, ["complete", "partial", "none", None], n, p=[0.45, 0.2, 0.1, 0.25])
    death = rng.random(n) < 0.15
    death_known = ~_missing(rng, n, 0.3)
    follow = np.round(rng.exponential(300, n))
    follow[_missing(rng, n, 0.5)] = np.nan
    dtr = np.round(rng.exponential(5, n))
    dtr = np.where(np.isnan(follow), np.nan, np.minimum(dtr, follow))
    dtr[resp == None] = np.nan  # noqa: E711
    ids = np.array([f"syn-{i}" for i in range(n)], dtype=object)
    cols: dict = {
        "case_id": ids, "source_ids": _objects(n, "synthetic"), "condition": cond, "trigger": trig,
        "age_years": age, "sex": _pick(rng, ["female", "male", None], n, p=[0.45, 0.45, 0.1]),
        "route": route, "dose_mg_kg_day": dose, "cotherapies": _pick(rng, cot_opts, n), "response": resp,
        "death": pd.arrays.BooleanArray(death, ~death_known),
        "relapse": pd.arrays.BooleanArray(np.zeros(n, dtype=bool), np.ones(n, dtype=bool)),
        "followup_days": follow, "days_to_response": dtr, "locator": _objects(n, "synthetic"),
        "extraction_date": _objects(n, "2026-11-23"),
    }
    for c in schema.CASES.columns:
        if c.name in cols:
            continue
        cols[c.name] = (np.full(n, np.nan) if c.type == "float" else _no_ints(n) if c.type == "int"
                        else pd.arrays.BooleanArray(np.zeros(n, dtype=bool), np.ones(n, dtype=bool)) if c.type == "bool"
                        else _objects(n))
    cases = _frame(cols, schema.CASES.column_names)
    del cols
    # labs: about a third of patients have CRP and ferritin before/after
    m = n // 3
    who = rng.choice(n, m, replace=False)
    parts = []
    for analyte, mu, sd, drop in (("crp", 4.5, 0.8, 0.9), ("ferritin", 8.5, 1.0, 0.7)):
        before = np.exp(rng.normal(mu, sd, m))
        after = before * np.exp(rng.normal(np.log(1 - drop * 0.8), 0.4, m))
        for tp, vals in (("before", before), ("after", after)):
            keep = ~_missing(rng, m, 0.2)
            ent = ids[who][keep]
            parts.append((analyte, tp, ent, np.round(vals[keep], 1)))
    total = sum(len(p[2]) for p in parts)
    unit = {a: schema.ANALYTE_UNITS[a] for a in ("crp", "ferritin")}
    lab_cols = {
        "lab_id": np.array([f"{e}-{a}-{tp}" for a, tp, ent, _ in parts for e in ent], dtype=object),
        "entity_type": _objects(total, "case"),
        "entity_id": np.concatenate([p[2] for p in parts]),
        "analyte": np.concatenate([_objects(len(p[2]), p[0]) for p in parts]),
        "timepoint": np.concatenate([_objects(len(p[2]), p[1]) for p in parts]),
        "day": np.full(total, np.nan), "statistic": _objects(total, "value"),
        "value_reported": np.concatenate([p[3] for p in parts]),
        "unit_reported": np.concatenate([_objects(len(p[2]), unit[p[0]]) for p in parts]),
        "value_std": np.concatenate([p[3] for p in parts]),
        "unit_std": np.concatenate([_objects(len(p[2]), unit[p[0]]) for p in parts]),
        "locator": _objects(total, "synthetic"), "note": _objects(total),
        "extraction_date": _objects(total, "2026-11-23"), "derived_fields": _objects(total),
    }
    labs = _frame(lab_cols, schema.LABS.column_names)
    del lab_cols, parts
    k = n_cohorts
    nn = rng.integers(5, 200, k)
    kcols: dict = {
        "cohort_id": np.array([f"syn-k{i}" for i in range(k)], dtype=object), "source_id": _objects(k, "synthetic"),
        "condition": _pick(rng, schema.CONDITIONS, k), "trigger": _objects(k, "mixed"),
        "population": _objects(k, "synthetic"), "design": _objects(k, "retrospective"),
        "n": pd.array(nn, dtype="Int64"),
        "responders": pd.array(rng.binomial(nn, 0.6), dtype="Int64"),
        "deaths": pd.array(rng.binomial(nn, 0.2), dtype="Int64"),
    }
    kcols["age_median_years"] = np.round(rng.uniform(1, 60, k), 1)
    kcols["route"] = _pick(rng, ["sc", "iv", "iv_cont"], k)
    kcols["locator"] = _objects(k, "synthetic")
    kcols["extraction_date"] = _objects(k, "2026-11-23")
    for c in schema.COHORTS.columns:
        if c.name not in kcols:
            kcols[c.name] = (np.full(k, np.nan) if c.type == "float" else _no_ints(k) if c.type == "int"
                             else pd.arrays.BooleanArray(np.zeros(k, dtype=bool), np.ones(k, dtype=bool))
                             if c.type == "bool" else _objects(k))
    coh = _frame(kcols, schema.COHORTS.column_names)
    cases, coh = enrich(cases, coh, src)
    labs = link_labs(labs, cases, coh)
    empty = lambda t: validate_table(pd.DataFrame(columns=t.column_names), t)[0]  # noqa: E731
    return Dataset(sources=src, cases=cases, cohorts=coh, labs=labs, screening=empty(schema.SCREENING),
                   verification=empty(schema.VERIFICATION), meta={"version": f"synthetic-{n}"}, label="upload")
