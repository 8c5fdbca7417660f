"""Outcomes of individually described patients and of cohorts (pure pandas).

The Outcomes page shows five things, each prepared here and computed with
:mod:`lib.stats`:

1. Response (complete / partial / improved, not graded / none / not stated)
   by a subgroup, with exact Clopper-Pearson intervals and the range over the
   patients whose response is not stated (:func:`response_by`).
2. Deaths by the same subgroup, with the status-stated denominator and the
   range over the patients whose survival is not stated (:func:`deaths_by`).
3. Kaplan-Meier survival from ``followup_days`` and ``death``, optionally by
   subgroup with a log-rank test (:func:`survival_data`, :func:`km_by`,
   :func:`km_curve`, :func:`risk_table`).
4. Cumulative incidence of response with death as a competing event
   (:func:`competing_data`).
5. Cohort-level responders and deaths with exact intervals
   (:func:`cohort_outcomes`).

Data rules (a missing value is never read as 0, "no" or "alive")
-----------------------------------------------------------------
* Response: ``response`` empty is *not stated* and is counted apart; it is
  never counted as no response. ``improved`` (the source describes
  improvement, control or resolution without a grade) counts as a response
  but not as complete. Rates use the patients whose response is stated as
  denominator and always come with the range from "every not-stated patient
  did not respond" to "every one did" (denominator: all patients).
* Deaths: ``death`` true = died, false = alive, empty = not stated. Case
  reports state deaths and leave survival implicit, so deaths are reported
  as "k deaths among n patients (status stated for m)" with the same range.
* Small numbers: a subgroup rate is shown only when at least
  :data:`MIN_STATED_FOR_RATE` patients have the outcome stated; below that
  the page gives "k of n" without a percentage.
* Survival: event = ``death`` true, time = ``followup_days``; censored =
  ``death`` false with ``followup_days``. A patient without ``followup_days``,
  or with ``followup_days`` but ``death`` not stated, is left out and counted.
* Competing risks: status 1 = response (complete, partial or improved) at
  ``days_to_response``; status 2 = death without a prior response, at
  ``followup_days``; status 0 = no response and alive, censored at
  ``followup_days``. A responder without ``days_to_response``, a non-responder
  without ``followup_days`` or without ``death`` stated, and a patient whose
  response is not stated are left out and counted.
* Subgroups: ``route`` uses the patient's combination of routes as one group
  (e.g. ``sc;iv`` is "Subcutaneous + IV bolus"), so groups never overlap and
  their sizes add up. Dose bands are on the maximum daily dose in mg/kg/day:
  ``<2``, ``2-<5``, ``5-<10``, ``>=10`` (lower bound included). Age bands are
  those of :func:`lib.schema.age_band`. Patients without the subgroup value
  form a "not stated" group (key ``None``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib import schema
from lib.data import age_bands, map_distinct
from lib.stats import (
    KaplanMeierResult,
    LogrankResult,
    cumulative_incidence,
    kaplan_meier,
    logrank,
    proportion_ci,
)

# ---------------------------------------------------------------------------
# Subgroups
# ---------------------------------------------------------------------------

DOSE_BANDS = ("lt2", "2to5", "5to10", "ge10")
DOSE_BAND_EDGES = (2.0, 5.0, 10.0)
DOSE_BAND_LABELS = {
    "lt2": "<2 mg/kg/day",
    "2to5": "2 to <5 mg/kg/day",
    "5to10": "5 to <10 mg/kg/day",
    "ge10": "≥10 mg/kg/day",
}

SUBGROUPS = ("all", "condition", "trigger", "route", "dose_band", "age_band")
SUBGROUP_LABELS = {
    "all": "All patients together",
    "condition": "Condition",
    "trigger": "Trigger or background",
    "route": "Route",
    "dose_band": "Dose band (mg/kg/day)",
    "age_band": "Age group",
}

NOT_STATED_LABEL = "Not stated"

_VOCAB = {
    "condition": (schema.CONDITIONS, schema.CONDITION_LABELS),
    "trigger": (schema.TRIGGERS, schema.TRIGGER_LABELS),
    "dose_band": (DOSE_BANDS, DOSE_BAND_LABELS),
    "age_band": (schema.AGE_BANDS, schema.AGE_BAND_LABELS),
}

# Fewer patients or events than this in a stratum gives a visible warning.
MIN_GROUP_PATIENTS = 5
MIN_GROUP_EVENTS = 2
# Kaplan-Meier and cumulative incidence need at least this many patients.
MIN_PATIENTS_CURVE = 2


def dose_band(dose_mg_kg_day: pd.Series) -> pd.Series:
    """Dose band of each maximum daily dose (mg/kg/day).

    Parameters
    ----------
    dose_mg_kg_day : pandas.Series of float
        Doses; missing values give ``None``.

    Returns
    -------
    pandas.Series of object
        One of :data:`DOSE_BANDS` (``lt2`` = below 2, ``2to5`` = 2 to below 5,
        ``5to10`` = 5 to below 10, ``ge10`` = 10 or more) or ``None``; same
        index as the input.
    """
    d = pd.to_numeric(dose_mg_kg_day, errors="coerce").to_numpy(dtype=float)
    idx = np.searchsorted(np.array(DOSE_BAND_EDGES), d, side="right")
    bands = np.array(list(DOSE_BANDS), dtype=object)  # column-wise: one look-up per row, None where missing
    out = np.where(np.isnan(d), None, bands[np.minimum(idx, len(bands) - 1)])
    return pd.Series(out, dtype=object, index=dose_mg_kg_day.index)


def _route_key(value) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    parts = {p.strip() for p in str(value).split(";") if p.strip()}
    if not parts:
        return None
    known = [r for r in schema.ROUTES if r in parts]
    other = sorted(parts - set(schema.ROUTES))
    return ";".join(known + other)


def subgroup(cases: pd.DataFrame, by: str) -> pd.Series:
    """The subgroup key of each patient (``None`` = not stated).

    Parameters
    ----------
    cases : DataFrame
        Case rows (schema ``cases``).
    by : str
        One of :data:`SUBGROUPS`.

    Returns
    -------
    pandas.Series of object, same index as ``cases``.
    """
    if by not in SUBGROUPS:
        raise ValueError(f"by must be one of {SUBGROUPS}, got {by!r}")
    if by == "all":
        return pd.Series(["all"] * len(cases), dtype=object, index=cases.index)
    if by == "route":
        return pd.Series(map_distinct(_route_key, cases["route"]), dtype=object, index=cases.index)
    if by == "dose_band":
        return dose_band(cases["dose_mg_kg_day"])
    if by == "age_band":
        return age_bands(cases["age_years"])
    return pd.Series(map_distinct(_text_or_none, cases[by]), dtype=object, index=cases.index)


def group_label(by: str, key: str | None) -> str:
    """Display label of a subgroup key (``None`` -> "Not stated")."""
    if key is None:
        return NOT_STATED_LABEL
    if by == "all":
        return "All patients"
    if by == "route":
        return " + ".join(schema.ROUTE_LABELS.get(p, p) for p in key.split(";"))
    labels = _VOCAB.get(by, ((), {}))[1]
    return labels.get(key, key)


def _group_order(by: str, keys) -> list:
    """Keys in vocabulary order; unknown keys after, sorted; ``None`` last."""
    keys = list(dict.fromkeys(keys))  # the distinct keys, first seen first: the rules below run per key, not per row
    present = [k for k in keys if k is not None]
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


def _group_masks(keys: pd.Series):
    """``mask(key)``: the rows whose subgroup key is ``key`` (``None``: not stated), as a boolean array.

    The keys are factorised once, so each group's mask compares integer codes instead of every
    row's key object (the same rows as ``keys.eq(key)``, and ``keys.isna()`` for ``None``).
    """
    codes, uniques = pd.factorize(keys.to_numpy(dtype=object), use_na_sentinel=True)
    position = {u: i for i, u in enumerate(uniques)}

    def mask(key) -> np.ndarray:
        return codes == (-1 if key is None else position.get(key, -2))
    return mask


# ---------------------------------------------------------------------------
# 1. Response and deaths by subgroup
# ---------------------------------------------------------------------------

#: A subgroup rate (percentage, interval, bar) is shown only when at least this
#: many patients have the outcome stated; below it the page shows "k of n".
MIN_STATED_FOR_RATE = 5

#: Response categories that count as a response (``improved`` is the source
#: describing improvement without a grade).
RESPONDED = ("complete", "partial", "improved")

RESPONSE_COLUMNS = [
    "group", "label", "n", "complete", "partial", "improved", "none", "not_stated", "n_stated",
    "responders", "response_pct", "response_ci_lower", "response_ci_upper", "response_if_none",
    "response_if_all", "complete_pct", "complete_ci_lower", "complete_ci_upper", "complete_if_none",
    "complete_if_all", "rate_shown",
]

DEATH_COLUMNS = [
    "group", "label", "n", "died", "alive", "not_stated", "n_stated", "death_pct", "death_ci_lower",
    "death_ci_upper", "death_if_none", "death_if_all", "rate_shown",
]


def _exact(k: int, n: int, conf: float) -> tuple[float, float, float]:
    if n < 1:
        return np.nan, np.nan, np.nan
    r = proportion_ci(int(k), int(n), conf=conf)
    return r.estimate, r.ci_lower, r.ci_upper


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object if c in ("group", "label") else
                                      (bool if c == "rate_shown" else float)) for c in columns})


def response_by(cases: pd.DataFrame, by: str, conf: float = 0.95) -> pd.DataFrame:
    """Response categories, the response rate with its exact interval, and its range over the missing.

    Parameters
    ----------
    cases : DataFrame
        Case rows (schema ``cases``).
    by : str
        One of :data:`SUBGROUPS`.
    conf : float, default 0.95
        Confidence level.

    Returns
    -------
    DataFrame
        Columns :data:`RESPONSE_COLUMNS`, one row per subgroup present
        (vocabulary order, "not stated" last with ``group`` None):

        * ``n`` patients; ``complete``, ``partial``, ``improved`` (the source
          describes improvement without a grade), ``none`` and
          ``not_stated`` add up to ``n``; ``n_stated = n - not_stated``.
        * ``responders`` = complete + partial + improved;
          ``response_pct`` = responders / n_stated with exact limits
          ``response_ci_lower``/``response_ci_upper``;
          ``response_if_none`` = responders / n (every patient whose response
          is not stated did not respond) and ``response_if_all`` =
          (responders + not_stated) / n (every one did).
        * ``complete_pct`` = complete / n_stated with exact limits. An
          ``improved`` patient may have had a complete response the source
          did not grade, so ``complete_if_none`` = complete / n and
          ``complete_if_all`` = (complete + improved + not_stated) / n.
        * ``rate_shown``: ``n_stated >= MIN_STATED_FOR_RATE`` (below it a
          page shows counts only).

        Proportions are fractions (0-1), NaN when their denominator is 0.

    Notes
    -----
    The limits are :func:`lib.stats.proportion_ci` (method ``"exact"``),
    which matches R ``binom.test(k, n)$conf.int``.
    """
    if cases.empty:
        return _empty(RESPONSE_COLUMNS)
    keys = subgroup(cases, by)
    resp = cases["response"]
    rows = []
    in_groups = _group_masks(keys)
    for key in _group_order(by, keys.tolist()):
        r = resp[in_groups(key)]
        counts = {c: int((r == c).sum()) for c in schema.RESPONSES}
        n = int(len(r))
        stated = sum(counts.values())
        ns = n - stated
        responders = sum(counts[c] for c in RESPONDED)
        rp, rl, ru = _exact(responders, stated, conf)
        cp, cl, cu = _exact(counts["complete"], stated, conf)
        rows.append({
            "group": key, "label": group_label(by, key), "n": n, **counts, "not_stated": ns,
            "n_stated": stated, "responders": responders,
            "response_pct": rp, "response_ci_lower": rl, "response_ci_upper": ru,
            "response_if_none": responders / n if n else np.nan,
            "response_if_all": (responders + ns) / n if n else np.nan,
            "complete_pct": cp, "complete_ci_lower": cl, "complete_ci_upper": cu,
            "complete_if_none": counts["complete"] / n if n else np.nan,
            "complete_if_all": (counts["complete"] + counts["improved"] + ns) / n if n else np.nan,
            "rate_shown": stated >= MIN_STATED_FOR_RATE,
        })
    out = pd.DataFrame(rows, columns=RESPONSE_COLUMNS)
    out["group"] = pd.Series([r["group"] for r in rows], dtype=object)
    out["rate_shown"] = out["rate_shown"].astype(bool)
    return out


def deaths_by(cases: pd.DataFrame, by: str, conf: float = 0.95) -> pd.DataFrame:
    """Deaths reported per subgroup, with the status-stated denominator and the range over the missing.

    Parameters
    ----------
    cases : DataFrame
        Case rows (schema ``cases``); ``death`` true = died, false = alive,
        empty = survival not stated.
    by : str
        One of :data:`SUBGROUPS`.
    conf : float, default 0.95

    Returns
    -------
    DataFrame
        Columns :data:`DEATH_COLUMNS`, one row per subgroup present
        (vocabulary order, "not stated" last): ``n`` patients, ``died``,
        ``alive``, ``not_stated`` (add up to ``n``), ``n_stated``;
        ``death_pct`` = died / n_stated with exact limits;
        ``death_if_none`` = died / n (every patient whose status is not stated
        survived) and ``death_if_all`` = (died + not_stated) / n (every one
        died); ``rate_shown`` as in :func:`response_by`.

    Notes
    -----
    Case reports state deaths and often leave survival implicit, so
    ``death_pct`` (a share of the stated few) overstates mortality when most
    statuses are missing; pages lead with "k deaths among n patients (status
    stated for m)" and the range. Limits: R ``binom.test``.
    """
    if cases.empty:
        return _empty(DEATH_COLUMNS)
    keys = subgroup(cases, by)
    death = pd.Series(map_distinct(_bool_or_none, cases["death"]), dtype=object, index=cases.index)
    rows = []
    in_groups = _group_masks(keys)
    for key in _group_order(by, keys.tolist()):
        d = death[in_groups(key)]
        died = int((d == True).sum())  # noqa: E712 - elementwise on an object column of True/False/None
        alive = int((d == False).sum())  # noqa: E712
        n = int(len(d))
        stated = died + alive
        ns = n - stated
        p, lo, hi = _exact(died, stated, conf)
        rows.append({"group": key, "label": group_label(by, key), "n": n, "died": died, "alive": alive,
                     "not_stated": ns, "n_stated": stated, "death_pct": p, "death_ci_lower": lo,
                     "death_ci_upper": hi, "death_if_none": died / n if n else np.nan,
                     "death_if_all": (died + ns) / n if n else np.nan,
                     "rate_shown": stated >= MIN_STATED_FOR_RATE})
    out = pd.DataFrame(rows, columns=DEATH_COLUMNS)
    out["group"] = pd.Series([r["group"] for r in rows], dtype=object)
    out["rate_shown"] = out["rate_shown"].astype(bool)
    return out


# ---------------------------------------------------------------------------
# 2. Survival
# ---------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class SurvivalData:
    """Time-to-death data prepared from the cases.

    Attributes
    ----------
    frame : DataFrame
        Columns ``case_id, time, event, group``: one row per usable patient;
        ``time`` in days from the first anakinra dose, ``event`` 1 = died,
        0 = alive at last follow-up (censored); ``group`` the subgroup key
        (``None`` = not stated; ``"all"`` when ``by`` is ``"all"``).
    n_cases : int
        Patients given.
    n_no_time : int
        Death stated but no follow-up time (left out).
    n_no_death : int
        Follow-up time but death not stated (left out).
    n_neither : int
        Neither stated (left out).
    """

    frame: pd.DataFrame
    n_cases: int
    n_no_time: int
    n_no_death: int
    n_neither: int

    @property
    def n(self) -> int:
        return len(self.frame)

    @property
    def n_events(self) -> int:
        return int(self.frame["event"].sum())

    @property
    def n_excluded(self) -> int:
        return self.n_no_time + self.n_no_death + self.n_neither


def _text(v) -> str | None:
    return v if isinstance(v, str) else None


def _text_or_none(v) -> str | None:
    return None if v is None or pd.isna(v) else str(v)


def _bool_or_none(v):
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, str):
        t = v.strip().lower()
        return True if t == "true" else False if t == "false" else None
    return bool(v)


def survival_data(cases: pd.DataFrame, by: str = "all") -> SurvivalData:
    """Patients usable for survival, and counts of those left out.

    Parameters
    ----------
    cases : DataFrame
        Case rows (schema ``cases``).
    by : str, default "all"
        Subgroup for the ``group`` column (one of :data:`SUBGROUPS`).

    Returns
    -------
    SurvivalData
        Event = ``death`` true; censored = ``death`` false; time =
        ``followup_days``. Rows lacking either are left out and counted.
    """
    death = pd.Series(map_distinct(_bool_or_none, cases["death"]), dtype=object, index=cases.index)
    time = pd.to_numeric(cases["followup_days"], errors="coerce")
    has_t = time.notna().to_numpy()
    has_d = death.notna().to_numpy()
    ok = has_t & has_d
    groups = subgroup(cases, by)
    frame = pd.DataFrame({
        "case_id": cases["case_id"].to_numpy()[ok],
        "time": time.to_numpy(dtype=float)[ok],
        "event": (death.to_numpy()[ok] == True).astype(np.int64),  # noqa: E712 - True/False only here
        "group": pd.Series(groups.to_numpy()[ok], dtype=object),
    })
    return SurvivalData(
        frame=frame,
        n_cases=len(cases),
        n_no_time=int((~has_t & has_d).sum()),
        n_no_death=int((has_t & ~has_d).sum()),
        n_neither=int((~has_t & ~has_d).sum()),
    )


@dataclass(frozen=True, eq=False)
class KmGroup:
    """One stratum of :func:`km_by`.

    ``km`` is None when the stratum has fewer than :data:`MIN_PATIENTS_CURVE`
    patients (it is then listed but not drawn).
    """

    group: str | None
    label: str
    n: int
    n_events: int
    km: KaplanMeierResult | None


@dataclass(frozen=True, eq=False)
class KmByResult:
    """Kaplan-Meier curves overall and by subgroup, with a log-rank test.

    Attributes
    ----------
    data : SurvivalData
        The prepared data (with counts of patients left out).
    by : str
        The subgroup.
    overall : KaplanMeierResult or None
        All usable patients together; None with fewer than
        :data:`MIN_PATIENTS_CURVE`.
    groups : tuple of KmGroup
        One per stratum, vocabulary order, "not stated" last (empty when
        ``by`` is ``"all"``).
    logrank : LogrankResult or None
        :func:`lib.stats.logrank` over the strata with a stated subgroup;
        None when fewer than two such strata have patients.
    n_logrank_excluded : int
        Patients left out of the test because their subgroup is not stated.
    small_groups : tuple of str
        Labels of strata with fewer than :data:`MIN_GROUP_PATIENTS` patients
        or fewer than :data:`MIN_GROUP_EVENTS` deaths (``"All patients"``
        when ``by`` is ``"all"`` and the whole sample is that small).
    """

    data: SurvivalData
    by: str
    overall: KaplanMeierResult | None
    groups: tuple[KmGroup, ...]
    logrank: LogrankResult | None
    n_logrank_excluded: int
    small_groups: tuple[str, ...]


def km_by(cases: pd.DataFrame, by: str = "all", conf: float = 0.95) -> KmByResult:
    """Kaplan-Meier survival overall and per subgroup, with a log-rank test.

    Parameters
    ----------
    cases : DataFrame
        Case rows (schema ``cases``).
    by : str, default "all"
        One of :data:`SUBGROUPS`.
    conf : float, default 0.95
        Level of the pointwise log-log limits and of the median's limits.

    Returns
    -------
    KmByResult

    Notes
    -----
    Curves are :func:`lib.stats.kaplan_meier` (R ``survfit(Surv(time,
    event) ~ 1, conf.type = "log-log")``); the test is
    :func:`lib.stats.logrank` (R ``survdiff(Surv(time, event) ~ group)``),
    run on the strata whose subgroup is stated.
    """
    data = survival_data(cases, by)
    f = data.frame
    overall = kaplan_meier(f["time"], f["event"], conf=conf) if len(f) >= MIN_PATIENTS_CURVE else None
    groups: list[KmGroup] = []
    small: list[str] = []
    test = None
    n_excl = 0
    if by != "all" and len(f):
        for key in _group_order(by, f["group"].tolist()):
            sel = f["group"].isna() if key is None else f["group"].eq(key)
            g = f.loc[sel.to_numpy(dtype=bool)]
            km = kaplan_meier(g["time"], g["event"], conf=conf) if len(g) >= MIN_PATIENTS_CURVE else None
            label = group_label(by, key)
            groups.append(KmGroup(group=key, label=label, n=len(g), n_events=int(g["event"].sum()), km=km))
            if len(g) < MIN_GROUP_PATIENTS or int(g["event"].sum()) < MIN_GROUP_EVENTS:
                small.append(label)
        stated = f.loc[f["group"].notna().to_numpy(dtype=bool)]
        n_excl = len(f) - len(stated)
        if stated["group"].nunique() >= 2:
            test = logrank(stated["time"], stated["event"], stated["group"].astype(str))
    if by == "all" and (len(f) < MIN_GROUP_PATIENTS or int(f["event"].sum()) < MIN_GROUP_EVENTS):
        small.append("All patients")
    return KmByResult(data=data, by=by, overall=overall, groups=tuple(groups), logrank=test,
                      n_logrank_excluded=n_excl, small_groups=tuple(small))


def km_curve(km: KaplanMeierResult) -> pd.DataFrame:
    """A Kaplan-Meier result as a step curve starting at day 0, for plotting.

    Parameters
    ----------
    km : KaplanMeierResult

    Returns
    -------
    DataFrame
        Columns ``time, survival, ci_lower, ci_upper, band_lower, band_upper,
        n_at_risk, n_events, n_censored``. A first row at time 0 with survival
        1 is added unless the table starts at 0. ``ci_lower``/``ci_upper`` are
        the estimator's limits (NaN where survival is 0 or 1, as R);
        ``band_lower``/``band_upper`` fill those gaps with the survival value
        itself so that a band can be drawn without holes (a plotting
        convention only). Draw with a right-continuous step (plotly
        ``line_shape="hv"``).
    """
    t = km.table
    rows = t.copy()
    if rows.empty or rows["time"].iloc[0] > 0:
        n0 = int(t["n_at_risk"].iloc[0]) if len(t) else 0
        start = pd.DataFrame({"time": [0.0], "n_at_risk": [n0], "n_events": [0], "n_censored": [0],
                              "survival": [1.0], "ci_lower": [np.nan], "ci_upper": [np.nan]})
        rows = pd.concat([start, rows], ignore_index=True)
    rows["band_lower"] = rows["ci_lower"].fillna(rows["survival"])
    rows["band_upper"] = rows["ci_upper"].fillna(rows["survival"])
    return rows[["time", "survival", "ci_lower", "ci_upper", "band_lower", "band_upper",
                 "n_at_risk", "n_events", "n_censored"]].reset_index(drop=True)


def km_curves(result: KmByResult) -> pd.DataFrame:
    """Every drawable curve of a :class:`KmByResult` as one long frame.

    Returns
    -------
    DataFrame
        Columns ``group, label`` followed by the columns of :func:`km_curve`.
        Without strata (``by == "all"``) the one curve has group ``"all"``;
        otherwise one curve per stratum with at least
        :data:`MIN_PATIENTS_CURVE` patients.
    """
    parts = []
    if result.by == "all" or not result.groups:
        if result.overall is not None:
            parts.append(("all", "All patients", result.overall))
    else:
        parts = [(g.group, g.label, g.km) for g in result.groups if g.km is not None]
    frames = []
    for key, label, km in parts:
        c = km_curve(km)
        c.insert(0, "label", label)
        c.insert(0, "group", pd.Series([key] * len(c), dtype=object))
        frames.append(c)
    if not frames:
        return pd.DataFrame(columns=["group", "label", "time", "survival", "ci_lower", "ci_upper",
                                     "band_lower", "band_upper", "n_at_risk", "n_events", "n_censored"])
    return pd.concat(frames, ignore_index=True)


def risk_times(max_time: float, n_points: int = 5) -> list[float]:
    """Round time points from 0 to ``max_time`` for a numbers-at-risk table.

    The step is the smallest of 1, 2, 2.5, 5 x 10^k days that gives at most
    ``n_points`` points.
    """
    if not max_time or max_time <= 0 or not math.isfinite(max_time):
        return [0.0]
    raw = max_time / max(n_points - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return [float(i * step) for i in range(int(math.floor(max_time / step + 1e-9)) + 1)]


def risk_table(data: pd.DataFrame, times, group_col: str | None = None, order=None) -> pd.DataFrame:
    """Numbers at risk (still followed and alive just before ``t``) at each time.

    Parameters
    ----------
    data : DataFrame
        Columns ``time`` (and ``group_col`` if given), e.g.
        ``SurvivalData.frame``.
    times : sequence of float
        Time points (days).
    group_col : str, optional
        Column to split by; rows with a missing value form the "not stated"
        group (key ``None``).
    order : sequence, optional
        Group keys in the order wanted (default: order of appearance).

    Returns
    -------
    DataFrame
        Columns ``group, time, n_at_risk`` (``group`` is ``"all"`` without
        ``group_col``). ``n_at_risk`` = number with ``time >= t``, which is
        what R ``summary(fit, times = t)$n.risk`` reports.
    """
    rows = []
    if group_col is None:
        parts = [("all", data)]
    else:
        keys = list(order) if order is not None else list(dict.fromkeys(data[group_col].tolist()))
        parts = [(k, data.loc[(data[group_col].isna() if k is None else data[group_col].eq(k)).to_numpy(dtype=bool)])
                 for k in keys]
    for key, d in parts:
        tt = d["time"].to_numpy(dtype=float)
        for t in times:
            rows.append({"group": key, "time": float(t), "n_at_risk": int((tt >= t).sum())})
    out = pd.DataFrame(rows, columns=["group", "time", "n_at_risk"])
    out["group"] = pd.Series([r["group"] for r in rows], dtype=object)
    return out


# ---------------------------------------------------------------------------
# 3. Competing risks
# ---------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class CompetingData:
    """Time to response with death as a competing event.

    Attributes
    ----------
    frame : DataFrame
        Columns ``case_id, time, status``: ``status`` 1 = response (complete
        or partial) at ``days_to_response``; 2 = death without response, at
        ``followup_days``; 0 = no response, alive, censored at
        ``followup_days``.
    n_cases : int
        Patients given.
    n_response_not_stated : int
        Response not stated (left out: whether it happened is unknown).
    n_responder_no_time : int
        Responders without ``days_to_response`` (left out).
    n_nonresponder_incomplete : int
        Non-responders without ``followup_days`` or without ``death`` stated
        (left out).
    """

    frame: pd.DataFrame
    n_cases: int
    n_response_not_stated: int
    n_responder_no_time: int
    n_nonresponder_incomplete: int

    @property
    def n(self) -> int:
        return len(self.frame)

    @property
    def n_excluded(self) -> int:
        return self.n_response_not_stated + self.n_responder_no_time + self.n_nonresponder_incomplete


def competing_data(cases: pd.DataFrame) -> CompetingData:
    """Prepare response (event 1) vs death without response (event 2).

    Parameters
    ----------
    cases : DataFrame
        Case rows (schema ``cases``).

    Returns
    -------
    CompetingData
        The usable rows for :func:`lib.stats.cumulative_incidence` and counts
        of the patients left out, by reason.
    """
    resp = map_distinct(_text, cases["response"])
    d2r = pd.to_numeric(cases["days_to_response"], errors="coerce").astype("float64").to_numpy()
    fu = pd.to_numeric(cases["followup_days"], errors="coerce").astype("float64").to_numpy()
    died = map_distinct(_bool_or_none, cases["death"])
    not_stated = pd.isna(resp)
    responded = np.isin(resp, list(RESPONDED)) & ~not_stated
    other = ~not_stated & ~responded
    died_known = ~pd.isna(died)
    event1 = responded & ~np.isnan(d2r)
    event2 = other & ~np.isnan(fu) & died_known
    n_ns = int(not_stated.sum())
    n_rnt = int((responded & np.isnan(d2r)).sum())
    n_nri = int((other & (np.isnan(fu) | ~died_known)).sum())
    keep = event1 | event2  # rows in the order of ``cases``
    frame = pd.DataFrame({
        "case_id": cases["case_id"].to_numpy(dtype=object)[keep],
        "time": np.where(event1, d2r, fu)[keep].astype(float),
        "status": np.where(event1, 1, np.where(died == True, 2, 0))[keep].astype(np.int64),  # noqa: E712
    })
    return CompetingData(frame=frame, n_cases=len(cases), n_response_not_stated=n_ns,
                         n_responder_no_time=n_rnt, n_nonresponder_incomplete=n_nri)


EVENT_LABELS = {1: "Response (complete, partial or improved)", 2: "Death without response"}


def cif_curves(data: CompetingData, conf: float = 0.95) -> pd.DataFrame:
    """Cumulative incidence of response and of death without response, as step curves.

    Parameters
    ----------
    data : CompetingData
        From :func:`competing_data`; needs at least :data:`MIN_PATIENTS_CURVE`
        rows (else an empty frame with the columns is returned).
    conf : float, default 0.95

    Returns
    -------
    DataFrame
        Columns ``event_type, event, time, n_at_risk, cif, ci_lower,
        ci_upper, band_lower, band_upper``: the rows of
        :func:`lib.stats.cumulative_incidence` (``event_types=[1, 2]``; R
        ``survfit(Surv(time, factor(status)) ~ 1)``, Aalen-Johansen with log
        limits), each curve preceded by a row at time 0 with incidence 0.
        ``band_*`` fill the NaN limits (where ``cif`` is 0) with ``cif`` for
        drawing.
    """
    cols = ["event_type", "event", "time", "n_at_risk", "cif", "ci_lower", "ci_upper", "band_lower", "band_upper"]
    if data.n < MIN_PATIENTS_CURVE:
        return pd.DataFrame(columns=cols)
    cif = cumulative_incidence(data.frame["time"], data.frame["status"], conf=conf, event_types=[1, 2])
    frames = []
    n0 = data.n
    for et in (1, 2):
        part = cif.loc[cif["event_type"] == et]
        if part.empty or part["time"].iloc[0] > 0:
            start = pd.DataFrame({"event_type": [et], "time": [0.0], "n_at_risk": [n0], "cif": [0.0],
                                  "ci_lower": [np.nan], "ci_upper": [np.nan]})
            part = pd.concat([start, part], ignore_index=True)
        frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    out["event_type"] = out["event_type"].astype(np.int64)
    out["n_at_risk"] = out["n_at_risk"].astype(np.int64)
    out["event"] = out["event_type"].map(EVENT_LABELS)
    out["band_lower"] = out["ci_lower"].fillna(out["cif"])
    out["band_upper"] = out["ci_upper"].fillna(out["cif"])
    return out[cols].reset_index(drop=True)


# ---------------------------------------------------------------------------
# 4. Cohorts
# ---------------------------------------------------------------------------

COHORT_COLUMNS = [
    "cohort_id", "source_id", "label", "design", "design_label", "pooled_review", "year", "subgroup",
    "condition", "trigger", "n", "counts_refer_to", "denominator",
    "responders", "resp_pct", "resp_ci_lower", "resp_ci_upper",
    "complete_responders", "complete_pct", "complete_ci_lower", "complete_ci_upper",
    "response_class", "response_definition", "response_timepoint",
    "deaths", "death_pct", "death_ci_lower", "death_ci_upper", "deaths_timepoint",
    "survival_pct", "survival_time_days",
]


def _ci_or_nan(k, n, conf):
    if pd.isna(k) or pd.isna(n) or int(n) < 1 or not 0 <= int(k) <= int(n):
        return np.nan, np.nan, np.nan
    r = proportion_ci(int(k), int(n), conf=conf)
    return r.estimate, r.ci_lower, r.ci_upper


def cohort_outcomes(cohorts: pd.DataFrame, sources: pd.DataFrame, conf: float = 0.95) -> pd.DataFrame:
    """Responders and deaths per cohort with exact intervals, labelled and with their design.

    Parameters
    ----------
    cohorts : DataFrame
        Cohort rows (schema ``cohorts``).
    sources : DataFrame
        Source rows (for the study label and year).
    conf : float, default 0.95

    Returns
    -------
    DataFrame
        Columns :data:`COHORT_COLUMNS`, one row per cohort that reports
        responders, complete responders, deaths or a survival estimate
        (others are left out; count them with ``len(cohorts) - len(result)``).
        ``label`` is :func:`lib.citations.cohort_labels`; ``design_label`` is
        :func:`lib.counts.design_labels` and ``pooled_review`` marks reviews
        that pool published patients (their patients are counted elsewhere
        too). ``denominator`` is ``n_episodes`` where the counts refer to
        episodes, otherwise ``n``. Proportions are count / denominator with
        exact Clopper-Pearson limits (:func:`lib.stats.proportion_ci`, R
        ``binom.test``); NaN when the count is not reported (never 0). Each
        cohort keeps the source's own response definition, its outcome class
        and time frames. Sorted by year, then label.
    """
    from lib.citations import cohort_labels
    from lib.counts import count_denominators, design_labels

    labels = cohort_labels(cohorts, sources)
    designs = design_labels(cohorts, sources)
    denominators = count_denominators(cohorts)
    year = dict(zip(sources["source_id"], sources["year"])) if len(sources) else {}
    rows = []
    for idx, rec in zip(cohorts.index, cohorts.itertuples(index=False)):
        reported = [rec.responders, rec.complete_responders, rec.deaths, rec.survival_pct]
        if all(pd.isna(v) for v in reported):
            continue
        den = denominators.loc[idx]
        rp, rl, ru = _ci_or_nan(rec.responders, den, conf)
        cp, cl, cu = _ci_or_nan(rec.complete_responders, den, conf)
        dp, dl, du = _ci_or_nan(rec.deaths, den, conf)
        s = rec.source_id
        rows.append({
            "cohort_id": rec.cohort_id, "source_id": s, "label": labels.loc[idx], "design": rec.design,
            "design_label": designs.loc[idx], "pooled_review": rec.design == "pooled_review",
            "year": year.get(s), "subgroup": rec.subgroup, "condition": rec.condition, "trigger": rec.trigger,
            "n": rec.n, "counts_refer_to": rec.counts_refer_to if not pd.isna(rec.counts_refer_to) else "patients",
            "denominator": den,
            "responders": rec.responders, "resp_pct": rp, "resp_ci_lower": rl, "resp_ci_upper": ru,
            "complete_responders": rec.complete_responders, "complete_pct": cp,
            "complete_ci_lower": cl, "complete_ci_upper": cu, "response_class": rec.response_class,
            "response_definition": rec.response_definition, "response_timepoint": rec.response_timepoint,
            "deaths": rec.deaths, "death_pct": dp, "death_ci_lower": dl, "death_ci_upper": du,
            "deaths_timepoint": rec.deaths_timepoint,
            "survival_pct": rec.survival_pct, "survival_time_days": rec.survival_time_days,
        })
    out = pd.DataFrame(rows, columns=COHORT_COLUMNS)
    for c in ("n", "denominator", "responders", "complete_responders", "deaths", "year"):
        out[c] = pd.array([None if pd.isna(v) else int(v) for v in out[c]], dtype="Int64")
    for c in ("resp_pct", "resp_ci_lower", "resp_ci_upper", "complete_pct", "complete_ci_lower",
              "complete_ci_upper", "death_pct", "death_ci_lower", "death_ci_upper", "survival_pct",
              "survival_time_days"):
        out[c] = out[c].astype(float)
    out["pooled_review"] = out["pooled_review"].astype(bool)
    return out.sort_values(["year", "label"], na_position="last").reset_index(drop=True)
