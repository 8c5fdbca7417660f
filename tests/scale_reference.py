"""The per-row implementations replaced for issue 16 (scale), kept as references for the equivalence tests.

Each function here is the code as it was before it was vectorised (only its imports adjusted);
``tests/test_scale_equivalence.py`` checks that the new column-wise versions give identical
frames on the shipped data and on synthetic registries. Not used by the app.
"""

from __future__ import annotations

import pandas as pd

from lib import schema
from lib.cases import (DEATH_LABELS, ORIGIN_LABELS, SEX_LABELS, TABLE_COLUMNS, _bool, _words_for, category_words,
                       list_words)
from lib.citations import patient_labels, patient_words, source_labels
from lib.data import is_blank
from lib.dosing import dose_words
from lib.links import doi_url, pubmed_url


# ---------------------------------------------------------------------------
# lib.cases
# ---------------------------------------------------------------------------

def search_cases(view, query=""):
    cases = view.cases
    query = (query or "").strip().lower()[:100]
    if not query or cases.empty:
        return cases
    src = view.sources.drop_duplicates("source_id").set_index("source_id")
    authors = src["authors"].to_dict() if "authors" in src.columns else {}
    first = src["first_author"].to_dict()
    canon = cases["_source_id"].astype(object)
    text_cols = ["trigger_detail", "country", "variant_as_reported", "il1rn_variant_c", "il1rn_variant_p",
                 "dose_as_reported", "note", "patient_label", "age_as_reported"]
    parts = [cases[c].astype(object).where(cases[c].notna(), "").astype(str) for c in text_cols]
    parts.append(patient_labels(cases, view.sources).astype(str))
    parts.append(cases["condition"].map(schema.CONDITION_LABELS).fillna("").astype(str))
    parts.append(cases["trigger"].map(schema.TRIGGER_LABELS).fillna("").astype(str))
    parts.append(canon.map(lambda s: "" if is_blank(authors.get(s)) else str(authors.get(s))).astype(str))
    parts.append(canon.map(lambda s: "" if is_blank(first.get(s)) else str(first.get(s))).astype(str))
    hay = pd.concat(parts, axis=1).apply(lambda r: " ".join(r).lower(), axis=1)
    keep = hay.map(lambda h: query in h).to_numpy(dtype=bool)
    return cases.loc[keep]


def case_table(view, query="", words=None):
    cases = search_cases(view, query)
    src = view.sources.drop_duplicates("source_id").set_index("source_id")
    labels = source_labels(view.sources)
    canon = cases["_source_id"].astype(object)
    pubmed = {k: pubmed_url(v) for k, v in src["pmid"].items()}
    doi = {k: doi_url(v) for k, v in src["doi"].items()}
    age_text = [str(v) if not is_blank(v) else category_words(g, schema.AGE_GROUP_LABELS)
                for v, g in zip(cases["age_as_reported"], cases["age_group"])]

    words = _words_for(view, words)

    def text(series):
        return [words(v) for v in series]

    table = pd.DataFrame({
        "Patient": [patient_words(c, p) for c, p in zip(cases["case_id"], cases["patient_label"])],
        "Study": canon.map(lambda s: labels.get(s, "Unidentified publication")).to_numpy(dtype=object),
        "Condition": [category_words(v, schema.CONDITION_LABELS) for v in cases["condition"]],
        "Trigger": [category_words(v, schema.TRIGGER_LABELS) for v in cases["trigger"]],
        "Trigger as reported": text(cases["trigger_detail"]),
        "Age (years)": cases["age_years"].to_numpy(dtype=float),
        "Age as reported": age_text,
        "Sex": [category_words(v, SEX_LABELS) for v in cases["sex"]],
        "Country": text(cases["country"]),
        "Route": [list_words(v, schema.ROUTE_LABELS) for v in cases["route"]],
        "Dose per administration": [dose_words(a, u, h, r) for a, u, h, r in zip(
            cases["dose_amount"], cases["dose_amount_unit"], cases["dose_interval_h"], cases["route"])],
        "Dose (mg/kg/day)": cases["dose_mg_kg_day"].to_numpy(dtype=float),
        "Dose (mg/day)": cases["dose_mg_day"].to_numpy(dtype=float),
        "Response": [category_words(v, schema.RESPONSE_LABELS) for v in cases["response"]],
        "Survival": [DEATH_LABELS.get(_bool(v)) for v in cases["death"]],
        "PubMed": canon.map(lambda s: pubmed.get(s)).to_numpy(dtype=object),
        "DOI": canon.map(lambda s: doi.get(s)).to_numpy(dtype=object),
    }, columns=TABLE_COLUMNS, index=pd.Index(cases["case_id"].to_numpy(dtype=object), name="case_id"))
    if "_origin" in cases.columns:
        table.insert(1, "Origin", [category_words(v, ORIGIN_LABELS) for v in cases["_origin"]])
    return table


def case_sources(view, case_ids):
    ids = set(case_ids)
    wanted: set[str] = set()
    for cid, sids in zip(view.cases["case_id"], view.cases["source_ids"]):
        if cid in ids and not is_blank(sids):
            wanted.update(s for s in str(sids).split(";") if s)
    return view.sources.loc[view.sources["source_id"].isin(list(wanted)).to_numpy(dtype=bool)]


# ---------------------------------------------------------------------------
# lib.safety
# ---------------------------------------------------------------------------

def patient_safety(view):
    from lib.safety import PATIENT_COLUMNS, _routes, dose_band, patient_category, type_words

    c = view.cases
    if c.empty:
        return pd.DataFrame(columns=PATIENT_COLUMNS)
    labels = source_labels(view.sources)
    sids = c["_source_id"].astype(object) if "_source_id" in c.columns else \
        c["source_ids"].map(lambda v: None if is_blank(v) else str(v).split(";")[0])
    words = c["adverse_events"].astype(object)
    return pd.DataFrame({
        "case_id": c["case_id"].to_numpy(dtype=object),
        "label": patient_labels(c, view.sources).to_numpy(dtype=object),
        "study": [labels.get(s, "Unidentified publication") for s in sids],
        "source_id": sids.to_numpy(dtype=object),
        "condition": c["condition"].to_numpy(dtype=object),
        "routes": [";".join(_routes(v)) for v in c["route"]],
        "dose_band": [dose_band(a, b) for a, b in zip(c["dose_mg_kg_day"], c["dose_mg_day"])],
        "category": [patient_category(t, w) for t, w in zip(c["adverse_event_types"], words)],
        "ae_types": c["adverse_event_types"].astype(object).where(c["adverse_event_types"].notna(), None).to_numpy(),
        "ae_types_words": [type_words(t) for t in c["adverse_event_types"]],
        "adverse_events": words.where(words.notna(), None).to_numpy(),
    }, columns=PATIENT_COLUMNS)


# ---------------------------------------------------------------------------
# lib.dosing
# ---------------------------------------------------------------------------

from lib.citations import cohort_labels  # noqa: E402
from lib.data import map_distinct  # noqa: E402
from lib.dosing import (POINT_COLUMNS, UNITS, _first_source, _offsets, _route_codes, _routes,  # noqa: E402
                        case_outcome, cohort_outcome)
from lib.summaries import without_covered_subgroups  # noqa: E402


def dose_points(view: FilteredView, unit: str = "mg_kg_day") -> pd.DataFrame:
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, got {unit!r}")
    labels = source_labels(view.sources)
    recs = []
    col = "dose_mg_kg_day" if unit == "mg_kg_day" else "dose_mg_day"
    c = view.cases.loc[view.cases[col].notna()] if len(view.cases) else view.cases
    if len(c):
        sids = pd.Series(map_distinct(_first_source, c["source_ids"]), index=c.index)
        dose = c[col].to_numpy(dtype=float)
        resp = c["response"].astype(object)
        base = pd.DataFrame({
            "kind": "case", "row_id": c["case_id"].to_numpy(dtype=object),
            "row_label": patient_labels(c, view.sources).to_numpy(dtype=object),
            "condition": c["condition"].to_numpy(dtype=object),
            "route": map_distinct(_route_codes, c["route"]),
            "dose": dose, "dose_low": dose, "dose_high": dose, "n": 1,
            "outcome": map_distinct(case_outcome, resp),
            "citation": sids.map(lambda x: labels.get(x, x), na_action="ignore").to_numpy(dtype=object),
            "dose_as_reported": c["dose_as_reported"].to_numpy(dtype=object),
            "source_id": sids.to_numpy(dtype=object),
        })
        base["route"] = base["route"].str.split(";")
        base = base.explode("route", ignore_index=True)
        recs.extend(base.itertuples(index=False, name=None))
    if len(view.cohorts):
        k = without_covered_subgroups(view.cohorts)
        lo_col, hi_col = (("dose_mg_kg_day_min", "dose_mg_kg_day_max") if unit == "mg_kg_day"
                          else ("dose_mg_day_min", "dose_mg_day_max"))
        lo = k[lo_col].fillna(k[hi_col])
        hi = k[hi_col].fillna(k[lo_col])
        row_labels = cohort_labels(k, view.sources)
        for r, a, b, lab in zip(k.itertuples(index=False), lo, hi, row_labels):
            if is_blank(a):
                continue
            for route in _routes(r.route):
                recs.append(("cohort", r.cohort_id, lab, r.condition, route, (a + b) / 2, float(a), float(b),
                             int(r.n) if not is_blank(r.n) else None, cohort_outcome(r.responders, r.n),
                             labels.get(r.source_id, r.source_id), r.dose_as_reported, r.source_id))
    df = pd.DataFrame(recs, columns=["kind", "row_id", "row_label", "condition", "route", "dose", "dose_low",
                                     "dose_high", "n", "outcome", "citation", "dose_as_reported", "source_id"])
    df["condition_label"] = df["condition"].map(schema.CONDITION_LABELS)
    route_order = schema.ROUTES + ("not_stated",)
    df["route_label"] = df["route"].map({**schema.ROUTE_LABELS, "not_stated": "Not stated"})
    pos = df["route"].map({r: i for i, r in enumerate(route_order)}).astype(float)
    df["x"] = pos + _offsets(df)
    df["error_plus"] = df["dose_high"] - df["dose"]
    df["error_minus"] = df["dose"] - df["dose_low"]
    for c in ("dose", "dose_low", "dose_high", "x", "error_plus", "error_minus"):
        df[c] = df[c].astype("float64")
    df["n"] = pd.array(df["n"].tolist(), dtype="Int64")
    return df[POINT_COLUMNS].reset_index(drop=True)


# ---------------------------------------------------------------------------
# lib.labs
# ---------------------------------------------------------------------------

import numpy as np  # noqa: E402

from lib.labs import DEFAULT_WINDOW, PAIR_COLUMNS, LabCoverage, _window, available_analytes  # noqa: E402
from lib.labs import standardised_values  # noqa: E402


def default_analyte(labs) -> str | None:
    analytes = available_analytes(labs)
    if not analytes:
        return None
    usable = labs.loc[standardised_values(labs).notna().to_numpy()]
    patients = usable.loc[((usable["entity_type"] == "case") & (usable["statistic"] == "value")).to_numpy(dtype=bool)]

    def rank(analyte: str) -> tuple[int, int, int]:
        rows = patients.loc[(patients["analyte"] == analyte).to_numpy(dtype=bool)]
        before = set(rows.loc[(rows["timepoint"] == "before").to_numpy(dtype=bool), "entity_id"])
        after = set(rows.loc[(rows["timepoint"] == "after").to_numpy(dtype=bool), "entity_id"])
        return (len(before & after), len(set(rows["entity_id"])), int((usable["analyte"] == analyte).sum()))

    return max(analytes, key=lambda a: (rank(a), -analytes.index(a)))


def _patient_rows(labs, analyte: str) :
    keep = ((labs["entity_type"] == "case") & (labs["analyte"] == analyte)
            & (labs["statistic"] == "value")).to_numpy(dtype=bool)
    rows = labs.loc[keep, ["entity_id", "timepoint", "day"]].copy()
    rows["value"] = standardised_values(labs.loc[keep]).to_numpy()
    rows["order"] = np.arange(len(rows))
    return rows


def _pick(rows: pd.DataFrame) :
    if rows.empty:
        return rows.assign(n_values=pd.Series([], dtype=np.int64)).set_index("entity_id")
    ranked = rows.assign(
        has_day=rows["day"].notna().astype(int),
        day_key=rows["day"].fillna(-np.inf),
    ).sort_values(["entity_id", "has_day", "day_key", "order"], kind="mergesort")
    counts = ranked.groupby("entity_id", sort=False).size()
    last = ranked.groupby("entity_id", sort=False).tail(1).set_index("entity_id")
    last["n_values"] = counts.reindex(last.index).astype(np.int64)
    return last


def _pick_after(rows: pd.DataFrame, window: str) -> tuple[pd.DataFrame, pd.Series]:
    target, lo, hi = _window(window)
    counts = rows.groupby("entity_id", sort=False).size()
    day = rows["day"].astype(float)
    inside = rows.loc[(day >= lo).to_numpy() & (day <= hi).to_numpy()]
    ranked = inside.assign(dist=(inside["day"].astype(float) - target).abs(),
                           neg_order=-inside["order"]).sort_values(
        ["entity_id", "dist", "day", "neg_order"], kind="mergesort")
    first = ranked.groupby("entity_id", sort=False).head(1).set_index("entity_id")
    first = first.drop(columns=["dist", "neg_order"])
    # a patient with no dated after value at all: the undated one (last in table order)
    dated = set(rows.loc[day.notna().to_numpy(), "entity_id"])
    undated = rows.loc[day.isna().to_numpy() & ~rows["entity_id"].isin(dated).to_numpy()]
    last = undated.sort_values(["entity_id", "order"], kind="mergesort").groupby(
        "entity_id", sort=False).tail(1).set_index("entity_id")
    chosen = pd.concat([first, last[first.columns] if len(last) else last.reindex(columns=first.columns)])
    chosen["n_values"] = counts.reindex(chosen.index).astype(np.int64)
    used = pd.Series(1, index=chosen.index).reindex(counts.index).fillna(0)
    not_used = (counts - used).astype(np.int64)
    return chosen, not_used


def lab_pairs(labs, analyte: str, window: str = DEFAULT_WINDOW) :
    if analyte not in schema.ANALYTE_UNITS:
        raise ValueError(f"unknown analyte {analyte!r}")
    _window(window)
    rows = _patient_rows(labs, analyte)
    rows = rows.loc[rows["value"].notna()]
    before = _pick(rows.loc[rows["timepoint"] == "before"])
    after, not_used = _pick_after(rows.loc[rows["timepoint"] == "after"], window)
    all_after = rows.loc[rows["timepoint"] == "after"].groupby("entity_id").size()
    ids = sorted(set(before.index) | set(all_after.index))
    b = before.reindex(ids)
    a = after.reindex(ids)
    out = pd.DataFrame({
        "entity_id": pd.Series(ids, dtype=object),
        "before": b["value"].to_numpy(dtype=float),
        "after": a["value"].to_numpy(dtype=float),
        "unit": pd.Series([schema.ANALYTE_UNITS[analyte]] * len(ids), dtype=object),
        "before_day": b["day"].to_numpy(dtype=float),
        "after_day": a["day"].to_numpy(dtype=float),
        "n_before_values": b["n_values"].fillna(0).to_numpy(dtype=np.int64),
        "n_after_values": all_after.reindex(ids).fillna(0).to_numpy(dtype=np.int64),
        "n_after_not_used": not_used.reindex(ids).fillna(0).to_numpy(dtype=np.int64),
    })
    out.insert(3, "change", out["after"] - out["before"])
    return out[list(PAIR_COLUMNS)]


def lab_coverage(labs, cases, analyte):
    rows = _patient_rows(labs, analyte)
    in_view = set(cases["case_id"].dropna())
    with_values = set(rows.loc[rows["value"].notna(), "entity_id"]) & in_view
    return LabCoverage(
        n_cases=len(in_view),
        n_with_values=len(with_values),
        n_without_values=len(in_view) - len(with_values),
        n_rows_unstandardised=int(rows["value"].isna().sum()),
    )


# ---------------------------------------------------------------------------
# lib.outcomes
# ---------------------------------------------------------------------------

import math  # noqa: E402


def outcomes_dose_band(dose_mg_kg_day):
    from lib.outcomes import DOSE_BAND_EDGES, DOSE_BANDS

    d = pd.to_numeric(dose_mg_kg_day, errors="coerce").to_numpy(dtype=float)
    idx = np.searchsorted(np.array(DOSE_BAND_EDGES), d, side="right")
    out = [None if math.isnan(v) else DOSE_BANDS[i] for v, i in zip(d, idx)]
    return pd.Series(out, dtype=object, index=dose_mg_kg_day.index)


def outcomes_group_order(by, keys):
    from lib.outcomes import _VOCAB

    present = [k for k in dict.fromkeys(keys) if k is not None]
    if by == "route":
        def rank(k):
            return tuple(schema.ROUTES.index(p) if p in schema.ROUTES else len(schema.ROUTES)
                         for p in k.split(";")), k
        ordered = sorted(present, key=rank)
    else:
        vocab = _VOCAB.get(by, ((), {}))[0]
        ordered = [v for v in vocab if v in present] + sorted(k for k in present if k not in vocab)
    if any(k is None for k in keys):
        ordered.append(None)
    return ordered


def outcomes_group_masks(keys):
    """The per-group masks as they were: ``keys.isna()`` for None, else ``keys.eq(key)``."""
    return lambda key: (keys.isna() if key is None else keys.eq(key)).to_numpy(dtype=bool)


# ---------------------------------------------------------------------------
# lib.dosing.dose_table
# ---------------------------------------------------------------------------

from lib.dosing import TABLE_COLUMNS as DOSE_TABLE_COLUMNS  # noqa: E402
from lib.dosing import _has_dose_case, _has_dose_cohort, cohort_who  # noqa: E402
from lib.citations import patient_words  # noqa: E402,F811


def dose_table_ref(view: FilteredView) -> pd.DataFrame:
    labels = source_labels(view.sources)
    src = view.sources.set_index("source_id")

    def link(sid, col, fn):
        return fn(src.at[sid, col]) if sid in src.index and not is_blank(src.at[sid, col]) else None

    frames = []
    cases = view.cases.loc[_has_dose_case(view.cases)] if len(view.cases) else view.cases
    if len(cases):
        sids = pd.Series(map_distinct(_first_source, cases["source_ids"]), index=cases.index)
        pm = {sid: link(sid, "pmid", pubmed_url) for sid in sids.dropna().unique()}
        do = {sid: link(sid, "doi", doi_url) for sid in sids.dropna().unique()}
        resp = cases["response"].astype(object)
        row_labels = patient_labels(cases, view.sources)
        who = [patient_words(cid, lab) for cid, lab in zip(cases["case_id"], cases["patient_label"])]
        frames.append(pd.DataFrame({
            "kind": "case", "row_id": cases["case_id"].to_numpy(dtype=object),
            "row_label": row_labels.to_numpy(dtype=object), "who": who,
            "condition": cases["condition"].to_numpy(dtype=object), "trigger": cases["trigger"].to_numpy(dtype=object),
            "age_band": cases["_age_band"].to_numpy(dtype=object), "route": cases["route"].to_numpy(dtype=object),
            "per_dose": map_distinct(dose_words, cases["dose_amount"], cases["dose_amount_unit"],
                                     cases["dose_interval_h"], cases["route"]),
            "dose_as_reported": cases["dose_as_reported"].to_numpy(dtype=object),
            "dose_mg_kg_day": cases["dose_mg_kg_day"].to_numpy(dtype=float), "dose_mg_kg_day_min": np.nan,
            "dose_mg_kg_day_max": np.nan, "dose_mg_day": cases["dose_mg_day"].to_numpy(dtype=float),
            "dose_mg_day_min": np.nan, "dose_mg_day_max": np.nan,
            "duration_days": cases["duration_days"].to_numpy(dtype=float),
            "escalated": cases["escalated"].astype(object).to_numpy(), "n": 1,
            "outcome": map_distinct(case_outcome, resp),
            "source_id": sids.to_numpy(dtype=object),
            "citation": sids.map(lambda x: labels.get(x, x), na_action="ignore").to_numpy(dtype=object),
            "pubmed_url": sids.map(pm.get, na_action="ignore").to_numpy(dtype=object),
            "doi_url": sids.map(do.get, na_action="ignore").to_numpy(dtype=object),
        }, columns=DOSE_TABLE_COLUMNS))
    cohorts = view.cohorts.loc[_has_dose_cohort(view.cohorts)] if len(view.cohorts) else view.cohorts
    if len(cohorts):
        sids = cohorts["source_id"].astype(object)
        frames.append(pd.DataFrame({
            "kind": "cohort", "row_id": cohorts["cohort_id"].to_numpy(dtype=object),
            "row_label": cohort_labels(cohorts, view.sources).to_numpy(dtype=object),
            "who": cohort_who(cohorts).to_numpy(dtype=object),
            "condition": cohorts["condition"].to_numpy(dtype=object),
            "trigger": cohorts["trigger"].to_numpy(dtype=object),
            "age_band": cohorts["_age_band"].to_numpy(dtype=object), "route": cohorts["route"].to_numpy(dtype=object),
            "per_dose": [dose_words(None, None, h, r) for h, r in zip(cohorts["dose_interval_h"], cohorts["route"])],
            "dose_as_reported": cohorts["dose_as_reported"].to_numpy(dtype=object),
            "dose_mg_kg_day": np.nan,
            "dose_mg_kg_day_min": cohorts["dose_mg_kg_day_min"].to_numpy(dtype=float),
            "dose_mg_kg_day_max": cohorts["dose_mg_kg_day_max"].to_numpy(dtype=float),
            "dose_mg_day": np.nan,
            "dose_mg_day_min": cohorts["dose_mg_day_min"].to_numpy(dtype=float),
            "dose_mg_day_max": cohorts["dose_mg_day_max"].to_numpy(dtype=float),
            "duration_days": cohorts["duration_days"].to_numpy(dtype=float),
            "escalated": None,
            "n": [None if is_blank(v) else int(v) for v in cohorts["n"]],
            "outcome": [cohort_outcome(r, n) for r, n in zip(cohorts["responders"], cohorts["n"])],
            "source_id": sids.to_numpy(dtype=object),
            "citation": sids.map(lambda x: labels.get(x, x)).to_numpy(dtype=object),
            "pubmed_url": [link(sid, "pmid", pubmed_url) for sid in sids],
            "doi_url": [link(sid, "doi", doi_url) for sid in sids],
        }, columns=DOSE_TABLE_COLUMNS))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=DOSE_TABLE_COLUMNS)
    for col in ("dose_mg_kg_day", "dose_mg_kg_day_min", "dose_mg_kg_day_max", "dose_mg_day", "dose_mg_day_min",
                "dose_mg_day_max", "duration_days"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    for col in ("per_dose", "escalated", "dose_as_reported", "pubmed_url", "doi_url"):
        values = out[col].astype(object)
        out[col] = values.where(values.notna(), None)
    out["n"] = pd.array(out["n"].tolist(), dtype="Int64")
    return out
