"""The filter state, its URL grammar, and filtering as a pure function.

URL grammar (documented as a table in README):

=============  ==========  ==========================================================
key            repeated    values
=============  ==========  ==========================================================
condition      yes         ``dira``, ``mas``, ``shlh``, ``phlh``
trigger        yes         see :data:`lib.schema.COHORT_TRIGGERS`
age            yes         ``infant``, ``child``, ``adolescent``, ``adult``, ``older_adult``
sex            yes         ``female``, ``male``
route          yes         ``sc``, ``iv``, ``iv_cont``
cotherapy      yes         see :data:`lib.schema.COTHERAPIES`
pubtype        yes         see :data:`lib.schema.PUB_TYPES`
dose_min       no          number, mg/kg/day, 0-100
dose_max       no          number, mg/kg/day, 0-100
year_min       no          whole number, 1990-2030
year_max       no          whole number, 1990-2030
=============  ==========  ==========================================================

Within one key the values are alternatives (OR); different keys must all
hold (AND). Keys starting with ``_`` are page view options and are left to
the pages. Defaults (no selection) are never written to the URL.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from lib import schema
from lib.data import Dataset

DOSE_BOUNDS = (0.0, 100.0)
YEAR_BOUNDS = (1990, 2030)
MAX_VALUE_LENGTH = 64

# field name -> (URL key, allowed values)
MULTI_KEYS: dict[str, tuple[str, tuple[str, ...]]] = {
    "conditions": ("condition", schema.CONDITIONS),
    "triggers": ("trigger", schema.COHORT_TRIGGERS),
    "age_bands": ("age", schema.AGE_BANDS),
    "sexes": ("sex", schema.SEXES),
    "routes": ("route", schema.ROUTES),
    "cotherapies": ("cotherapy", schema.COTHERAPIES),
    "pub_types": ("pubtype", schema.PUB_TYPES),
}
NUMBER_KEYS: dict[str, tuple[str, tuple[float, float], bool]] = {
    # field -> (URL key, bounds, integer?)
    "dose_min": ("dose_min", DOSE_BOUNDS, False),
    "dose_max": ("dose_max", DOSE_BOUNDS, False),
    "year_min": ("year_min", YEAR_BOUNDS, True),
    "year_max": ("year_max", YEAR_BOUNDS, True),
}
FILTER_KEYS = tuple(k for k, _ in MULTI_KEYS.values()) + tuple(k for k, _, _ in NUMBER_KEYS.values())

# Page view options (the link's underscore keys, written ``_<key>``) and the page each belongs to
# (its URL path; "" is the Overview). README's table lists them; a test checks that every
# ``ui.view_option`` / ``ui.view_text`` key a page uses is here.
VIEW_KEYS: dict[str, str] = {
    "summary_detail": "summary",
    "summary_labs_window": "summary",
    "dosing_group": "dosing",
    "dosing_unit": "dosing",
    "labs_analyte": "labs",
    "labs_scale": "labs",
    "labs_window": "labs",
    "outcomes_by": "outcomes",
    "outcomes_measure": "outcomes",
    "outcomes_km_by": "outcomes",
    "pooled_outcome": "pooled",
    "pooled_by": "pooled",
    "pooled_method": "pooled",
    "pooled_test": "pooled",
    "pooled_class": "pooled",
    "safety_by": "safety",
    "case": "cases",
    "cases_q": "cases",
}
# Keys the server itself adds to a link (scripts/serve.py): the query was too long and dropped,
# or an address with extra path segments was sent to the nearest page.
SYSTEM_KEYS = ("_link_too_long", "_from_path")
MAX_QUERY_VALUES = 200  # values per link that are read; the rest are ignored with a warning

_ASCII_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


@dataclass(frozen=True)
class FilterState:
    """What the user selected. Empty tuples and ``None`` mean *no filter*.

    Multi-valued fields are kept sorted in the vocabulary's order so that
    equal selections compare equal and produce the same URL.
    """

    conditions: tuple[str, ...] = ()
    triggers: tuple[str, ...] = ()
    age_bands: tuple[str, ...] = ()
    sexes: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    cotherapies: tuple[str, ...] = ()
    pub_types: tuple[str, ...] = ()
    dose_min: float | None = None
    dose_max: float | None = None
    year_min: int | None = None
    year_max: int | None = None

    def __post_init__(self):
        for name, (_, allowed) in MULTI_KEYS.items():
            values = getattr(self, name)
            bad = [v for v in values if v not in allowed]
            if bad:
                raise ValueError(f"{name}: {bad[0]!r} is not one of {allowed}")
            object.__setattr__(self, name, tuple(v for v in allowed if v in set(values)))
        for name, (_, (lo, hi), integer) in NUMBER_KEYS.items():
            v = getattr(self, name)
            if v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not lo <= v <= hi:
                raise ValueError(f"{name}: {v!r} is outside {lo}-{hi}")
            object.__setattr__(self, name, int(v) if integer else float(v))
        for a, b in (("dose_min", "dose_max"), ("year_min", "year_max")):
            lo, hi = getattr(self, a), getattr(self, b)
            if lo is not None and hi is not None and lo > hi:
                raise ValueError(f"{a} {lo} is above {b} {hi}")

    @property
    def is_default(self) -> bool:
        return self == FilterState()

    def active(self) -> list[tuple[str, str]]:
        """The active filter items as (field, value) pairs, for the removable list."""
        items: list[tuple[str, str]] = []
        for name in MULTI_KEYS:
            items.extend((name, v) for v in getattr(self, name))
        for name in NUMBER_KEYS:
            v = getattr(self, name)
            if v is not None:
                items.append((name, str(v)))
        return items

    def without(self, field_name: str, value: str | None = None) -> "FilterState":
        """A copy with one item (or a whole field) removed."""
        if field_name in MULTI_KEYS:
            current = getattr(self, field_name)
            kept = () if value is None else tuple(v for v in current if v != value)
            return replace(self, **{field_name: kept})
        if field_name in NUMBER_KEYS:
            return replace(self, **{field_name: None})
        raise KeyError(field_name)


def to_query_params(state: FilterState) -> dict[str, list[str]]:
    """The URL query parameters of a state; defaults are left out."""
    out: dict[str, list[str]] = {}
    for name, (key, _) in MULTI_KEYS.items():
        values = getattr(state, name)
        if values:
            out[key] = list(values)
    for name, (key, _, integer) in NUMBER_KEYS.items():
        v = getattr(state, name)
        if v is not None:
            out[key] = [str(int(v)) if integer else _format_float(v)]
    return out


def _format_float(v: float) -> str:
    text = repr(float(v))
    return text[:-2] if text.endswith(".0") else text


def from_query_params(params: Mapping[str, Iterable[str] | str]) -> tuple[FilterState, list[str]]:
    """Parse query parameters into a state, never raising.

    Parameters
    ----------
    params : mapping of key to a string or a list of strings
        E.g. ``{"condition": ["mas", "dira"], "dose_max": "10"}``.

    Returns
    -------
    state : FilterState
        Unknown values are ignored; a wrong number falls back to no filter.
    warnings : list of str
        One plain-language message per value ignored.
    """
    warnings: list[str] = []
    kwargs: dict = {}
    total = sum(len(_as_list(v)) for v in params.values())
    if total > MAX_QUERY_VALUES:
        warnings.append(f"The link has {total} values; only the first {MAX_QUERY_VALUES} of each key were read.")
    for name, (key, allowed) in MULTI_KEYS.items():
        raw = _as_list(params.get(key))[:MAX_QUERY_VALUES]
        kept: list[str] = []
        for value in raw:
            stripped = value.strip()
            # ASCII only before case folding: a Kelvin sign "K" or a dotted "İ" must not fold into a code
            v = stripped.lower() if stripped.isascii() else stripped
            if v in allowed:
                kept.append(v)  # a repeat of a chosen value changes nothing (FilterState keeps one)
            else:
                warnings.append(f"Ignored {key}={quote_value(value)}: not one of {', '.join(allowed)}.")
        kwargs[name] = tuple(kept)
    for name, (key, (lo, hi), integer) in NUMBER_KEYS.items():
        raw = _as_list(params.get(key))
        if not raw:
            continue
        if len(raw) > 1:
            warnings.append(f"{key} was given {len(raw)} times; used the first.")
        value = raw[0].strip()
        try:
            # one strict grammar: ASCII digits, one optional "." and exponent; no "_", no other digits
            if len(value) > MAX_VALUE_LENGTH or not _ASCII_NUMBER.fullmatch(value):
                raise ValueError
            number = float(value)
            if not math.isfinite(number):
                raise ValueError
        except ValueError:
            warnings.append(f"Ignored {key}={quote_value(value)}: not a number.")
            continue
        if integer and number != int(number):
            warnings.append(f"Ignored {key}={quote_value(value)}: not a whole number.")
            continue
        if not lo <= number <= hi:
            warnings.append(f"Ignored {key}={quote_value(value)}: outside {lo:g}-{hi:g}.")
            continue
        kwargs[name] = int(number) if integer else number
    for a, b, label in (("dose_min", "dose_max", "dose"), ("year_min", "year_max", "year")):
        if kwargs.get(a) is not None and kwargs.get(b) is not None and kwargs[a] > kwargs[b]:
            warnings.append(f"Ignored the {label} range {kwargs[a]:g}-{kwargs[b]:g}: its minimum is above its maximum.")
            kwargs.pop(a)
            kwargs.pop(b)
    for key in params:
        key = str(key)
        if key in FILTER_KEYS or key in SYSTEM_KEYS:
            continue
        if key.startswith("_") and key[1:] in VIEW_KEYS:
            n = len(_as_list(params.get(key)))
            if n > 1:
                warnings.append(f"{quote_value(key)} was given {n} times; used the first.")
            continue
        warnings.append(f"Ignored unknown link parameter {quote_value(key)}.")
    return FilterState(**kwargs), warnings


PAGE_NAMES = {
    "": "Overview", "summary": "Evidence summary", "dosing": "Dosing", "labs": "Labs before and after",
    "outcomes": "Outcomes", "pooled": "Pooled evidence", "genetics": "Genetics (DIRA)", "cases": "Cases",
    "upload": "Upload your data", "methods": "Data and methods", "background": "Background", "safety": "Safety",
}


def view_key_warnings(params: Mapping[str, Iterable[str] | str], page_path: str) -> list[str]:
    """Warnings for view options of a link that belong to another page than ``page_path``."""
    out = []
    for key in params:
        key = str(key)
        if key.startswith("_") and key[1:] in VIEW_KEYS and VIEW_KEYS[key[1:]] != page_path:
            owner = PAGE_NAMES.get(VIEW_KEYS[key[1:]], VIEW_KEYS[key[1:]])
            out.append(f"Ignored {quote_value(key)}: it is an option of the {owner} page, not of this one.")
    return out


def system_notes(params: Mapping[str, Iterable[str] | str]) -> list[str]:
    """Plain-language notes for the keys the server adds (see :data:`SYSTEM_KEYS`)."""
    notes = []
    too_long = _as_list(params.get("_link_too_long"))
    if too_long:
        size = too_long[0] if too_long[0].isdigit() and len(too_long[0]) < 10 else "too many"
        notes.append(f"The link's query ({size} characters) was longer than the server accepts (1,000 values or "
                     "512 KiB), so none of it was read: this page shows the whole dataset.")
    from_path = _as_list(params.get("_from_path"))
    if from_path:
        notes.append(f"The address {quote_value(from_path[0])} does not exist; this is the nearest page.")
    return notes


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def quote_value(value: str) -> str:
    """A value quoted for a message: shortened, no control characters."""
    clean = "".join(ch if ch.isprintable() else "?" for ch in str(value))
    if len(clean) > 30:
        clean = clean[:29] + "…"
    return repr(clean)


# ---------------------------------------------------------------------------
# Filtering
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class FilteredView:
    """What a page receives: the rows that match the filters."""

    cases: pd.DataFrame
    cohorts: pd.DataFrame
    labs: pd.DataFrame
    sources: pd.DataFrame
    state: FilterState

    @property
    def n_patients(self) -> int:
        return len(self.cases)

    @property
    def n_cohorts(self) -> int:
        return len(self.cohorts)

    @property
    def n_cohort_patients(self) -> int:
        return int(self.cohorts["n"].fillna(0).sum())

    @property
    def is_empty(self) -> bool:
        return self.cases.empty and self.cohorts.empty


def case_mask(cases: pd.DataFrame, state: FilterState, skip: str | None = None) -> np.ndarray:
    """Boolean mask of the cases matching ``state``.

    ``skip`` names one field to ignore (used for the counts shown beside
    each option). Rows whose value is missing never match an active filter.
    """
    return _mask(cases, state, skip, kind="case")


def cohort_mask(cohorts: pd.DataFrame, state: FilterState, skip: str | None = None) -> np.ndarray:
    """Boolean mask of the cohorts matching ``state``.

    A cohort matches a dose range when its reported dose range overlaps it,
    an age band through its median age, and never matches a sex filter
    (cohorts are not split by sex).
    """
    return _mask(cohorts, state, skip, kind="cohort")


def _mask(df: pd.DataFrame, state: FilterState, skip: str | None, kind: str) -> np.ndarray:
    n = len(df)
    mask = np.ones(n, dtype=bool)
    if n == 0:
        return mask
    if state.conditions and skip != "conditions":
        mask &= df["condition"].isin(state.conditions).to_numpy()
    if state.triggers and skip != "triggers":
        mask &= df["trigger"].isin(state.triggers).to_numpy()
    if state.age_bands and skip != "age_bands":
        mask &= df["_age_band"].isin(state.age_bands).to_numpy()
    if state.sexes and skip != "sexes":
        if kind == "case":
            mask &= df["sex"].isin(state.sexes).to_numpy()
        else:
            mask &= False
    if state.routes and skip != "routes":
        mask &= np.logical_or.reduce([df[f"_route__{r}"].to_numpy() for r in state.routes])
    if state.cotherapies and skip != "cotherapies":
        mask &= np.logical_or.reduce([df[f"_cotherapies__{c}"].to_numpy() for c in state.cotherapies])
    if state.pub_types and skip != "pub_types":
        mask &= df["_pub_type"].isin(state.pub_types).to_numpy()
    if skip != "dose":
        if kind == "case":
            dose = df["dose_mg_kg_day"].to_numpy(dtype=float)
            lo_d, hi_d = dose, dose
        else:
            lo_d = df["dose_mg_kg_day_min"].to_numpy(dtype=float)
            hi_d = df["dose_mg_kg_day_max"].to_numpy(dtype=float)
            lo_d = np.where(np.isnan(lo_d), hi_d, lo_d)
            hi_d = np.where(np.isnan(hi_d), lo_d, hi_d)
        with np.errstate(invalid="ignore"):
            if state.dose_min is not None:
                mask &= hi_d >= state.dose_min  # NaN compares False: missing never matches
            if state.dose_max is not None:
                mask &= lo_d <= state.dose_max
    if skip != "year":
        year = df["_pub_year"].to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            if state.year_min is not None:
                mask &= year >= state.year_min
            if state.year_max is not None:
                mask &= year <= state.year_max
    return mask


def apply_filters(dataset: Dataset, state: FilterState) -> FilteredView:
    """Filter the dataset. Pure: returns new frames, never mutates ``dataset``.

    Lab rows follow their case or cohort. When the labs carry the positional
    links made by :func:`lib.data.link_labs` the selection is one array
    lookup; otherwise it falls back to matching ids.
    """
    cmask = case_mask(dataset.cases, state)
    kmask = cohort_mask(dataset.cohorts, state)
    # no copy when nothing is filtered out (frames are never mutated downstream)
    cases = dataset.cases if cmask.all() else dataset.cases.loc[cmask]
    cohorts = dataset.cohorts if kmask.all() else dataset.cohorts.loc[kmask]
    labs = dataset.labs
    if "_case_pos" in labs.columns and "_cohort_pos" in labs.columns:
        cpos = labs["_case_pos"].to_numpy()
        kpos = labs["_cohort_pos"].to_numpy()
        keep = np.zeros(len(labs), dtype=bool)
        has_c = cpos >= 0
        keep[has_c] = cmask[cpos[has_c]]
        has_k = kpos >= 0
        keep[has_k] = kmask[kpos[has_k]]
    else:
        case_ids = pd.Index(cases["case_id"].to_numpy(dtype=object))
        cohort_ids = pd.Index(cohorts["cohort_id"].to_numpy(dtype=object))
        ent = labs["entity_id"].to_numpy(dtype=object)
        etype = labs["entity_type"].to_numpy(dtype=object)
        if len(labs):
            keep = (((etype == "case") & (case_ids.get_indexer(ent) >= 0))
                    | ((etype == "cohort") & (cohort_ids.get_indexer(ent) >= 0)))
        else:
            keep = np.zeros(0, dtype=bool)
    labs = labs if keep.all() else labs.loc[keep]
    source_ids = set(cohorts["source_id"].dropna().unique())
    for ids in cases["source_ids"].dropna().unique():
        source_ids.update(ids.split(";"))
    sources = dataset.sources.loc[dataset.sources["source_id"].isin(list(source_ids))]
    return FilteredView(cases=cases, cohorts=cohorts, labs=labs, sources=sources, state=state)


def option_counts(dataset: Dataset, state: FilterState, field_name: str) -> dict[str, tuple[int, int]]:
    """For each option of a multi-valued field: (patients, cohorts) it would match.

    The counts apply every other active filter (faceted counts), so they say
    what choosing the option would show.
    """
    cases, cohorts = dataset.cases, dataset.cohorts
    cm = case_mask(cases, state, skip=field_name)
    km = cohort_mask(cohorts, state, skip=field_name)
    column = {
        "conditions": "condition",
        "triggers": "trigger",
        "age_bands": "_age_band",
        "sexes": "sex",
        "pub_types": "_pub_type",
    }.get(field_name)
    _, allowed = MULTI_KEYS[field_name]
    out: dict[str, tuple[int, int]] = {}
    for value in allowed:
        if column is not None:
            c = int((cm & (cases[column] == value).to_numpy(dtype=bool, na_value=False)).sum())
            k = 0 if field_name == "sexes" else int((km & (cohorts[column] == value).to_numpy(dtype=bool, na_value=False)).sum())
        else:
            prefix = "_route__" if field_name == "routes" else "_cotherapies__"
            c = int((cm & cases[prefix + value].to_numpy()).sum())
            k = int((km & cohorts[prefix + value].to_numpy()).sum())
        out[value] = (c, k)
    return out


_COUNT_COLUMNS = {
    "conditions": "condition",
    "triggers": "trigger",
    "age_bands": "_age_band",
    "sexes": "sex",
    "pub_types": "_pub_type",
}
_FACETS = tuple(MULTI_KEYS) + ("dose", "year")


def _field_masks(df: pd.DataFrame, state: FilterState, kind: str) -> dict[str, np.ndarray]:
    """For each active filter (facet), the rows it keeps; inactive facets are left out."""
    masks: dict[str, np.ndarray] = {}
    for facet in _FACETS:
        if facet in MULTI_KEYS and not getattr(state, facet):
            continue
        if facet == "dose" and state.dose_min is None and state.dose_max is None:
            continue
        if facet == "year" and state.year_min is None and state.year_max is None:
            continue
        masks[facet] = _mask(df, _only(state, facet), None, kind)
    return masks


def _only(state: FilterState, facet: str) -> FilterState:
    """A state with only one facet active (so ``_mask`` evaluates that facet alone)."""
    if facet == "dose":
        return FilterState(dose_min=state.dose_min, dose_max=state.dose_max)
    if facet == "year":
        return FilterState(year_min=state.year_min, year_max=state.year_max)
    return FilterState(**{facet: getattr(state, facet)})


def _all_but(masks: dict[str, np.ndarray], skip: str, n: int) -> np.ndarray:
    out = np.ones(n, dtype=bool)
    for facet, m in masks.items():
        if facet != skip:
            out &= m
    return out


def all_option_counts(dataset: Dataset, state: FilterState) -> dict[str, dict[str, tuple[int, int]]]:
    """:func:`option_counts` for every multi-valued field at once (one mask per active filter).

    Each active filter's row mask is computed once; the faceted mask of a
    field is the AND of the other filters' masks; the counts per option come
    from one ``bincount`` over the column's codes (or the indicator columns of
    a list field). Same result as calling :func:`option_counts` per field.
    """
    cases, cohorts = dataset.cases, dataset.cohorts
    cmasks = _field_masks(cases, state, "case")
    kmasks = _field_masks(cohorts, state, "cohort")
    out: dict[str, dict[str, tuple[int, int]]] = {}
    for name, (_, allowed) in MULTI_KEYS.items():
        cm = _all_but(cmasks, name, len(cases))
        km = _all_but(kmasks, name, len(cohorts))
        column = _COUNT_COLUMNS.get(name)
        if column is not None:
            c = _counts_by_value(cases[column], cm, allowed)
            k = {v: 0 for v in allowed} if name == "sexes" else _counts_by_value(cohorts[column], km, allowed)
        else:
            prefix = "_route__" if name == "routes" else "_cotherapies__"
            c = {v: int(np.count_nonzero(cm & cases[prefix + v].to_numpy())) for v in allowed}
            k = {v: int(np.count_nonzero(km & cohorts[prefix + v].to_numpy())) for v in allowed}
        out[name] = {v: (c[v], k[v]) for v in allowed}
    return out


def _counts_by_value(values: pd.Series, mask: np.ndarray, allowed: tuple[str, ...]) -> dict[str, int]:
    codes = pd.Categorical(values, categories=list(allowed)).codes  # -1 for missing or other values
    kept = codes[mask]
    counts = np.bincount(kept[kept >= 0], minlength=len(allowed))
    return {v: int(counts[i]) for i, v in enumerate(allowed)}


def describe_item(field_name: str, value: str) -> str:
    """A short label of one active filter item, for the removable list."""
    labels = {
        "conditions": schema.CONDITION_LABELS,
        "triggers": schema.TRIGGER_LABELS,
        "age_bands": schema.AGE_BAND_LABELS,
        "sexes": {"female": "Female", "male": "Male"},
        "routes": schema.ROUTE_LABELS,
        "cotherapies": schema.COTHERAPY_LABELS,
        "pub_types": schema.PUB_TYPE_LABELS,
    }
    if field_name in labels:
        return labels[field_name].get(value, value)
    return {
        "dose_min": f"Dose ≥ {value} mg/kg/day",
        "dose_max": f"Dose ≤ {value} mg/kg/day",
        "year_min": f"Published ≥ {value}",
        "year_max": f"Published ≤ {value}",
    }[field_name]


STATE_FIELDS = tuple(f.name for f in fields(FilterState))


def relaxations(dataset: Dataset, state: FilterState) -> list[tuple[str, str, int, int]]:
    """What removing each active filter item would show: ``(field, value, patients, cohorts)``.

    Sorted so that the item whose removal brings back the most rows comes first
    (patients + cohorts, then patients). Used when the filters leave nothing.
    """
    out = []
    for field_name, value in state.active():
        relaxed = state.without(field_name, value)
        p = int(case_mask(dataset.cases, relaxed).sum())
        k = int(cohort_mask(dataset.cohorts, relaxed).sum())
        out.append((field_name, value, p, k))
    out.sort(key=lambda r: (-(r[2] + r[3]), -r[2]))
    return out
