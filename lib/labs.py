"""Laboratory values before and after anakinra: patient pairs, cohort summaries, tests.

Everything here is pure pandas on the ``labs`` table of :mod:`lib.schema`
(long format: one row per value). Nothing is rounded or formatted; the page
does that.

Values
------
All comparisons use the standardised value (``value_std``, in the analyte's
unit of :data:`lib.schema.ANALYTE_UNITS`). When ``value_std`` is empty the
reported value is converted with :func:`lib.units.to_standard`; when that unit
is unknown the row counts as *not standardised* and is left out (never
guessed, never 0).

Pairing rule (one before and one after value per patient)
---------------------------------------------------------
Only patient rows (``entity_type == "case"``, ``statistic == "value"``) are
paired. The rule is stated in words by :func:`pairing_rule_text`, which the
Labs page and the evidence summary both print.

* *Before*: the value closest to the first dose. Rows that state ``day``
  win over rows that do not; among them the latest day wins; without any
  day, the unlabelled row (the last one in table order if there are several).
* *After*: the value nearest the window's target day within the window
  (:data:`PAIRING_WINDOWS`; default :data:`DEFAULT_WINDOW`, the value nearest
  day 7 within days 1-28). Ties go to the earlier day, then to the last row
  in table order. Dated values outside the window are not used (and
  counted): taking the *latest* value instead would favour late, already
  normalised values. A patient with no dated after value at all contributes
  the undated one (the last in table order); its day is unknown, so the page
  counts such pairs.

Tests
-----
The paired test (:func:`lib.stats.paired_change`, Wilcoxon signed-rank,
R ``wilcox.test(after, before, paired = TRUE)``) uses the complete pairs. The
rank-sum test (:func:`lib.stats.two_sample`, R ``wilcox.test(after,
before)``) treats the before and after values as independent groups; it is
run only where the data are unpaired (no patient has both sides), because on
paired data it ignores the pairing and uses the same patients twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib import schema
from lib.citations import cohort_labels
from lib.stats import PairedChangeResult, TwoSampleResult, paired_change, two_sample
from lib.units import to_standard

#: Cohort statistics drawn as study markers (a location of the distribution).
LOCATION_STATISTICS = ("mean", "median")
#: Cohort statistics attached to a marker as its spread.
SPREAD_STATISTICS = ("sd", "iqr_low", "iqr_high", "range_low", "range_high")

PAIR_COLUMNS = ("entity_id", "before", "after", "change", "unit", "before_day", "after_day",
                "n_before_values", "n_after_values", "n_after_not_used")

#: Windows for the *after* value: code -> (target day, first day, last day), days from the first dose.
PAIRING_WINDOWS = {
    "d3": (3.0, 1.0, 7.0),
    "d7": (7.0, 1.0, 28.0),
    "d14": (14.0, 8.0, 28.0),
    "d28": (28.0, 15.0, 60.0),
}
PAIRING_WINDOW_LABELS = {
    "d3": "Nearest day 3 (days 1-7)",
    "d7": "Nearest day 7 (days 1-28)",
    "d14": "Nearest day 14 (days 8-28)",
    "d28": "Nearest day 28 (days 15-60)",
}
DEFAULT_WINDOW = "d7"
#: Label and help of the window option (the Labs page's ``_labs_window`` and the Evidence summary's
#: ``_summary_labs_window``: the same choices, default and rule).
WINDOW_OPTION_LABEL = "Lab pairs: after value"
WINDOW_OPTION_HELP = ("Which value after the first dose is paired with the value before it. The Labs page and the "
                      "evidence summary apply the same rule; each keeps its choice in the link.")


def _window(window: str) -> tuple[float, float, float]:
    if window not in PAIRING_WINDOWS:
        raise ValueError(f"window must be one of {tuple(PAIRING_WINDOWS)}, got {window!r}")
    return PAIRING_WINDOWS[window]


def pairing_rule_text(window: str = DEFAULT_WINDOW) -> str:
    """The pairing rule in words (the Labs page and the evidence summary print this sentence)."""
    target, lo, hi = _window(window)
    return (f"Each patient's before value is the one closest to the first dose (the latest stated day; an "
            f"undated value only when none is dated) and the after value is the one nearest day {target:g} "
            f"within days {lo:g} to {hi:g} after the first dose (ties: the earlier day); dated after values "
            "outside that window are not used, and an undated after value is used only for a patient with no "
            "dated one.")
COHORT_COLUMNS = ("cohort_id", "source_id", "label", "design_label", "condition", "n", "timepoint", "day", "statistic",
                  "value", "unit", "sd", "iqr_low", "iqr_high", "range_low", "range_high", "note", "lab_id")
CHANGE_COLUMNS = ("cohort_id", "source_id", "label", "design_label", "condition", "n", "analyte", "day", "value",
                  "unit", "note", "lab_id")


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------

def standardised_values(labs: pd.DataFrame) -> pd.Series:
    """The standardised value of every row (NaN where it cannot be determined).

    ``value_std`` where present, otherwise ``value_reported`` converted with
    :func:`lib.units.to_standard`; NaN when the reported unit is unknown.

    Parameters
    ----------
    labs : DataFrame
        Rows of the ``labs`` table.

    Returns
    -------
    Series of float, aligned with ``labs``.
    """
    std = pd.to_numeric(labs["value_std"], errors="coerce").astype(float)
    missing = std.isna()
    if missing.any():
        sub = labs.loc[missing]
        filled = [
            to_standard(a, v, u) if a in schema.ANALYTE_UNITS and u is not None else None
            for a, v, u in zip(sub["analyte"], sub["value_reported"], sub["unit_reported"])
        ]
        std = std.copy()
        std.loc[missing] = [np.nan if f is None else f for f in filled]
    return std


def available_analytes(labs: pd.DataFrame) -> list[str]:
    """Analytes with at least one usable value (patient or cohort), in schema order.

    Parameters
    ----------
    labs : DataFrame
        Rows of the ``labs`` table.

    Returns
    -------
    list of str
        Codes of :data:`lib.schema.ANALYTES` that have a standardised value.
    """
    if labs.empty:
        return []
    present = set(labs.loc[standardised_values(labs).notna().to_numpy(), "analyte"].dropna().unique())
    return [a for a in schema.ANALYTES if a in present]


def default_analyte(labs: pd.DataFrame) -> str | None:
    """The analyte a page opens on: the one with the most data in view.

    Ranked by patients with both a before and an after value, then patients with any value, then
    rows of any kind (cohort summaries included); ties keep schema order. ``None`` without values.
    """
    analytes = available_analytes(labs)
    if not analytes:
        return None
    usable = labs.loc[standardised_values(labs).notna().to_numpy()]
    patients = usable.loc[((usable["entity_type"] == "case") & (usable["statistic"] == "value")).to_numpy(dtype=bool)]

    def rank(analyte: str) -> tuple[int, int, int]:
        rows = patients.loc[(patients["analyte"] == analyte).to_numpy(dtype=bool)]
        # sets of the distinct ids (``unique``), not of every row read one by one from an Arrow column
        before = set(rows.loc[(rows["timepoint"] == "before").to_numpy(dtype=bool), "entity_id"].unique())
        after = set(rows.loc[(rows["timepoint"] == "after").to_numpy(dtype=bool), "entity_id"].unique())
        return (len(before & after), rows["entity_id"].nunique(), int((usable["analyte"] == analyte).sum()))

    return max(analytes, key=lambda a: (rank(a), -analytes.index(a)))


def _patient_rows(labs: pd.DataFrame, analyte: str) -> pd.DataFrame:
    keep = ((labs["entity_type"] == "case") & (labs["analyte"] == analyte)
            & (labs["statistic"] == "value")).to_numpy(dtype=bool)
    rows = labs.loc[keep, ["entity_id", "timepoint", "day"]].copy()
    # ids as Python strings (object): the sets, sorts and look-ups of the pairing rule then hash them
    # directly instead of converting an Arrow column element by element
    rows["entity_id"] = rows["entity_id"].astype(object)
    rows["value"] = standardised_values(labs.loc[keep]).to_numpy()
    rows["order"] = np.arange(len(rows))
    return rows


def unstandardised_count(labs: pd.DataFrame, analyte: str) -> int:
    """Patient rows of ``analyte`` left out because no standardised value can be given."""
    rows = _patient_rows(labs, analyte)
    return int(rows["value"].isna().sum())


def _first_per_group(codes: np.ndarray, keys: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Rank rows within their group by ``keys`` (``numpy.lexsort`` order: last key first) and keep each group's first.

    Returns the groups' codes and the positions of their first rows. The keys end with a unique
    one (the row's position), so the ranking has no ties.
    """
    if len(codes) == 0:
        return codes, codes
    ranked = np.lexsort(keys + (codes,))
    c = codes[ranked]
    first = np.r_[True, c[1:] != c[:-1]]
    return c[first], ranked[first]


def _pick_rows(codes: np.ndarray, timepoint: np.ndarray, day: np.ndarray, n_groups: int,
               window: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The pairing rule (see the module docstring) on arrays: per patient, the row used before and after.

    ``codes`` number the patients (0..n_groups-1); rows are in table order. Returns the positions of
    the *before* and *after* rows used (-1 for none) and the numbers of before and after values.
    """
    target, lo, hi = _window(window)
    pos = np.arange(len(codes))
    before_row = np.full(n_groups, -1, dtype=np.int64)
    after_row = np.full(n_groups, -1, dtype=np.int64)
    # before: the latest dated value (ties: the last in table order); without a dated one, the last undated
    b = pos[timepoint == "before"]
    has_day = ~np.isnan(day[b])
    g, first = _first_per_group(codes[b], (-pos[b], -np.where(has_day, day[b], -np.inf), -has_day.astype(int)))
    before_row[g] = b[first]
    # after: the dated value in the window closest to the target day (ties: the earlier day, then the
    # last in table order); a patient with no dated after value at all: the last undated one
    a = pos[timepoint == "after"]
    d = day[a]
    inside = a[(d >= lo) & (d <= hi)]
    g, first = _first_per_group(codes[inside], (-pos[inside], day[inside], np.abs(day[inside] - target)))
    after_row[g] = inside[first]
    dated = np.zeros(n_groups, dtype=bool)
    dated[codes[a[~np.isnan(d)]]] = True
    undated = a[np.isnan(d)]
    undated = undated[~dated[codes[undated]]]
    g, first = _first_per_group(codes[undated], (-pos[undated],))
    after_row[g] = undated[first]
    n_before = np.bincount(codes[b], minlength=n_groups).astype(np.int64)
    n_after = np.bincount(codes[a], minlength=n_groups).astype(np.int64)
    return before_row, after_row, n_before, n_after


def lab_pairs(labs: pd.DataFrame, analyte: str, window: str = DEFAULT_WINDOW) -> pd.DataFrame:
    """One before and one after value per patient, chosen by the pairing rule.

    Parameters
    ----------
    labs : DataFrame
        Rows of the ``labs`` table (already filtered to the view).
    analyte : str
        Code from :data:`lib.schema.ANALYTES`.
    window : str, default :data:`DEFAULT_WINDOW`
        Key of :data:`PAIRING_WINDOWS` for the after value.

    Returns
    -------
    DataFrame
        Columns ``entity_id, before, after, change, unit, before_day,
        after_day, n_before_values, n_after_values, n_after_not_used``: one
        row per patient with at least one standardised value of ``analyte``
        (before, or after within the window, or after outside it), sorted by
        ``entity_id``. ``change = after - before`` (NaN when a side is
        missing); ``unit`` is the analyte's standard unit; ``n_*_values``
        count the usable values the patient had on that side;
        ``n_after_not_used`` the after values the rule did not use (the
        others in the window, undated ones, those outside the window).
    """
    if analyte not in schema.ANALYTE_UNITS:
        raise ValueError(f"unknown analyte {analyte!r}")
    _window(window)
    rows = _patient_rows(labs, analyte)
    rows = rows.loc[rows["value"].notna().to_numpy(dtype=bool)]
    # column-wise: patients numbered once (factorize), every choice made on arrays (lexsort), no per-row Python
    codes, ids = pd.factorize(rows["entity_id"].to_numpy(dtype=object), use_na_sentinel=True)
    keep = codes >= 0  # a row without a patient id belongs to no patient
    codes = codes[keep].astype(np.int64)
    timepoint = rows["timepoint"].to_numpy(dtype=object)[keep]
    day = rows["day"].to_numpy(dtype=float, na_value=np.nan)[keep]
    value = rows["value"].to_numpy(dtype=float)[keep]
    before_row, after_row, n_before, n_after = _pick_rows(codes, timepoint, day, len(ids), window)
    listed = np.flatnonzero((n_before > 0) | (n_after > 0))
    names = np.asarray(ids, dtype=object)[listed]
    by_id = np.argsort(names, kind="stable")  # Python's string order, as sorted()
    listed, names = listed[by_id], names[by_id]
    br, ar = before_row[listed], after_row[listed]

    def at(values: np.ndarray, rows_used: np.ndarray) -> np.ndarray:
        return np.where(rows_used >= 0, values[np.maximum(rows_used, 0)] if len(values) else np.nan, np.nan)

    out = pd.DataFrame({
        "entity_id": pd.Series(names.tolist(), dtype=object),
        "before": at(value, br).astype(float),
        "after": at(value, ar).astype(float),
        "unit": pd.Series([schema.ANALYTE_UNITS[analyte]] * len(listed), dtype=object),
        "before_day": at(day, br).astype(float),
        "after_day": at(day, ar).astype(float),
        "n_before_values": n_before[listed],
        "n_after_values": n_after[listed],
        "n_after_not_used": n_after[listed] - (ar >= 0).astype(np.int64),
    })
    out.insert(3, "change", out["after"] - out["before"])
    return out[list(PAIR_COLUMNS)]


def pairs_long(pairs: pd.DataFrame) -> pd.DataFrame:
    """The chosen values in long format, for plotting.

    Parameters
    ----------
    pairs : DataFrame
        Output of :func:`lab_pairs`.

    Returns
    -------
    DataFrame
        Columns ``entity_id, timepoint, value, day, paired``: one row per
        patient and side with a value (``timepoint`` is ``before`` or
        ``after``; ``paired`` says whether the patient has both sides).
    """
    paired = pairs["before"].notna() & pairs["after"].notna()
    parts = []
    for tp in schema.TIMEPOINTS:
        has = pairs[tp].notna()
        parts.append(pd.DataFrame({
            "entity_id": pairs.loc[has, "entity_id"].to_numpy(dtype=object),
            "timepoint": tp,
            "value": pairs.loc[has, tp].to_numpy(dtype=float),
            "day": pairs.loc[has, f"{tp}_day"].to_numpy(dtype=float),
            "paired": paired.loc[has].to_numpy(dtype=bool),
        }))
    return pd.concat(parts, ignore_index=True)


# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class LabTestSummary:
    """Counts and both Wilcoxon tests for one analyte.

    Attributes
    ----------
    n_patients : int
        Patients with at least one value (before or after).
    n_pairs : int
        Patients with both a before and an after value.
    n_before_only, n_after_only : int
        Patients with a value on one side only.
    n_before, n_after : int
        Patients with a value on each side.
    paired : PairedChangeResult or None
        :func:`lib.stats.paired_change` on the complete pairs; None without a
        pair (``paired_note`` says why).
    rank_sum : TwoSampleResult or None
        :func:`lib.stats.two_sample` with ``a`` = after values and ``b`` =
        before values, run only where the data are unpaired (no complete
        pair); None otherwise (``rank_sum_note`` says why).
    paired_note, rank_sum_note : str
        Why a test is absent ("" when it was run).
    """

    n_patients: int
    n_pairs: int
    n_before_only: int
    n_after_only: int
    n_before: int
    n_after: int
    paired: PairedChangeResult | None
    rank_sum: TwoSampleResult | None
    paired_note: str
    rank_sum_note: str


def lab_test_summary(pairs: pd.DataFrame) -> LabTestSummary:
    """The paired Wilcoxon signed-rank test, or the rank-sum test where the data are unpaired.

    Parameters
    ----------
    pairs : DataFrame
        Output of :func:`lab_pairs`.

    Returns
    -------
    LabTestSummary

    Notes
    -----
    With at least one complete pair, the signed-rank test compares each
    patient with themself (R ``wilcox.test(after, before, paired = TRUE)``)
    and the rank-sum test is not run (``rank_sum_note`` says why): on paired
    values it ignores the pairing and counts the same patients in both
    groups. Only when no patient has both sides but both sides have values
    is the rank-sum test (R ``wilcox.test(after, before)``) run, on the
    before and after values as independent groups.
    """
    has_b = pairs["before"].notna().to_numpy()
    has_a = pairs["after"].notna().to_numpy()
    both = has_b & has_a
    paired: PairedChangeResult | None = None
    paired_note = ""
    if both.any():
        paired = paired_change(pairs.loc[both, "before"].to_numpy(dtype=float),
                               pairs.loc[both, "after"].to_numpy(dtype=float))
    else:
        paired_note = "no patient has both a before and an after value"
    rank_sum: TwoSampleResult | None = None
    rank_sum_note = ""
    if both.any():
        rank_sum_note = ("not run: the values are paired, and a rank-sum test would ignore the pairing and "
                         "count the same patients in both groups")
    elif has_a.any() and has_b.any():
        rank_sum = two_sample(pairs.loc[has_a, "after"].to_numpy(dtype=float),
                              pairs.loc[has_b, "before"].to_numpy(dtype=float))
    else:
        rank_sum_note = "no value before anakinra" if not has_b.any() else "no value after anakinra"
        if not has_b.any() and not has_a.any():
            rank_sum_note = "no patient values"
    return LabTestSummary(
        n_patients=int(len(pairs)),
        n_pairs=int(both.sum()),
        n_before_only=int((has_b & ~has_a).sum()),
        n_after_only=int((has_a & ~has_b).sum()),
        n_before=int(has_b.sum()),
        n_after=int(has_a.sum()),
        paired=paired,
        rank_sum=rank_sum,
        paired_note=paired_note,
        rank_sum_note=rank_sum_note,
    )


@dataclass(frozen=True)
class LabCoverage:
    """How many patients in view have values of one analyte.

    Attributes
    ----------
    n_cases : int
        Patients in view.
    n_with_values : int
        Patients with at least one usable value of the analyte.
    n_without_values : int
        Patients in view with no usable value (not reported, or not
        standardisable).
    n_rows_unstandardised : int
        Patient rows left out because their unit could not be converted.
    """

    n_cases: int
    n_with_values: int
    n_without_values: int
    n_rows_unstandardised: int


def lab_coverage(labs: pd.DataFrame, cases: pd.DataFrame, analyte: str) -> LabCoverage:
    """Patients in view with and without a usable value of ``analyte``.

    Parameters
    ----------
    labs, cases : DataFrame
        The view's labs and cases.
    analyte : str
        Code from :data:`lib.schema.ANALYTES`.

    Returns
    -------
    LabCoverage
    """
    rows = _patient_rows(labs, analyte)
    in_view = set(cases["case_id"].dropna().unique())
    with_values = set(rows.loc[rows["value"].notna(), "entity_id"]) & in_view
    return LabCoverage(
        n_cases=len(in_view),
        n_with_values=len(with_values),
        n_without_values=len(in_view) - len(with_values),
        n_rows_unstandardised=int(rows["value"].isna().sum()),
    )


# ---------------------------------------------------------------------------
# Cohorts
# ---------------------------------------------------------------------------

def _cohort_info(cohorts: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    from lib.counts import design_labels

    labels = cohort_labels(cohorts, sources)
    return pd.DataFrame({
        "source_id": cohorts["source_id"].to_numpy(dtype=object),
        "label": labels.to_numpy(dtype=object),
        "design_label": design_labels(cohorts, sources).to_numpy(dtype=object),
        "condition": cohorts["condition"].to_numpy(dtype=object),
        "n": cohorts["n"].to_numpy(dtype=float, na_value=np.nan),
    }, index=pd.Index(cohorts["cohort_id"].to_numpy(dtype=object), name="cohort_id"))


def _cohort_rows(labs: pd.DataFrame, analyte: str) -> pd.DataFrame:
    keep = ((labs["entity_type"] == "cohort") & (labs["analyte"] == analyte)).to_numpy(dtype=bool)
    rows = labs.loc[keep, ["lab_id", "entity_id", "timepoint", "day", "statistic", "note"]].copy()
    rows["value"] = standardised_values(labs.loc[keep]).to_numpy()
    return rows.loc[rows["value"].notna()]


def cohort_lab_summary(labs: pd.DataFrame, cohorts: pd.DataFrame, sources: pd.DataFrame,
                       analyte: str) -> pd.DataFrame:
    """Cohort-level means and medians of ``analyte`` (study markers), with their spread.

    Parameters
    ----------
    labs, cohorts, sources : DataFrame
        The view's tables.
    analyte : str
        Code from :data:`lib.schema.ANALYTES`.

    Returns
    -------
    DataFrame
        Columns ``cohort_id, source_id, label, design_label, condition, n,
        timepoint, day, statistic, value, unit, sd, iqr_low, iqr_high,
        range_low, range_high, note, lab_id``: one row per reported mean or
        median, in the analyte's standard unit. ``label`` is
        :func:`lib.citations.cohort_labels`; ``design_label`` is
        :func:`lib.counts.design_labels`. Spread statistics
        reported for the same cohort, timepoint and day are attached as
        columns (NaN when not reported); a spread without a mean or median is
        not shown. Sorted by label (ignoring case), timepoint (before first), day.
        ``mean_change`` rows are not here: see :func:`reported_changes`.
    """
    if analyte not in schema.ANALYTE_UNITS:
        raise ValueError(f"unknown analyte {analyte!r}")
    rows = _cohort_rows(labs, analyte)
    info = _cohort_info(cohorts, sources)
    rows = rows.loc[rows["entity_id"].isin(info.index)]
    loc = rows.loc[rows["statistic"].isin(LOCATION_STATISTICS)]
    spread = rows.loc[rows["statistic"].isin(SPREAD_STATISTICS)]
    key = ["entity_id", "timepoint", "day_key"]
    spread_wide = (spread.assign(day_key=spread["day"].fillna(-np.inf))
                   .drop_duplicates(key + ["statistic"], keep="last")
                   .pivot(index=key, columns="statistic", values="value")
                   .reindex(columns=list(SPREAD_STATISTICS)))
    loc = loc.assign(day_key=loc["day"].fillna(-np.inf)).join(spread_wide, on=key)
    cid = loc["entity_id"].to_numpy(dtype=object)
    out = pd.DataFrame({
        "cohort_id": pd.Series(cid, dtype=object),
        "source_id": info["source_id"].reindex(cid).to_numpy(dtype=object),
        "label": info["label"].reindex(cid).to_numpy(dtype=object),
        "design_label": info["design_label"].reindex(cid).to_numpy(dtype=object),
        "condition": info["condition"].reindex(cid).to_numpy(dtype=object),
        "n": info["n"].reindex(cid).to_numpy(dtype=float),
        "timepoint": loc["timepoint"].to_numpy(dtype=object),
        "day": loc["day"].to_numpy(dtype=float),
        "statistic": loc["statistic"].to_numpy(dtype=object),
        "value": loc["value"].to_numpy(dtype=float),
        "unit": pd.Series([schema.ANALYTE_UNITS[analyte]] * len(loc), dtype=object),
        **{s: loc[s].to_numpy(dtype=float) for s in SPREAD_STATISTICS},
        "note": loc["note"].to_numpy(dtype=object),
        "lab_id": loc["lab_id"].to_numpy(dtype=object),
    })
    order = out.assign(lk=out["label"].str.lower(), tp=out["timepoint"].map({"before": 0, "after": 1}),
                       dk=out["day"].fillna(-np.inf))
    order = order.sort_values(["lk", "cohort_id", "tp", "dk", "statistic"], kind="mergesort")
    return out.loc[order.index, list(COHORT_COLUMNS)].reset_index(drop=True)


def reported_changes(labs: pd.DataFrame, cohorts: pd.DataFrame, sources: pd.DataFrame,
                     analyte: str | None = None) -> pd.DataFrame:
    """Mean changes after anakinra as cohorts report them (``statistic == "mean_change"``).

    Parameters
    ----------
    labs, cohorts, sources : DataFrame
        The view's tables.
    analyte : str, optional
        Code from :data:`lib.schema.ANALYTES`; None (default) lists every
        analyte.

    Returns
    -------
    DataFrame
        Columns ``cohort_id, source_id, label, design_label, condition, n,
        analyte, day, value, unit, note, lab_id``; ``value`` is the reported mean change
        (after minus before) in the analyte's standard unit ``unit``. Sorted
        by label (ignoring case), then analyte in schema order.
    """
    if analyte is not None and analyte not in schema.ANALYTE_UNITS:
        raise ValueError(f"unknown analyte {analyte!r}")
    keep = (labs["entity_type"] == "cohort") & (labs["statistic"] == "mean_change")
    if analyte is not None:
        keep = keep & (labs["analyte"] == analyte)
    keep = keep.to_numpy(dtype=bool)
    rows = labs.loc[keep, ["lab_id", "entity_id", "analyte", "day", "note"]].copy()
    rows["value"] = standardised_values(labs.loc[keep]).to_numpy()
    info = _cohort_info(cohorts, sources)
    rows = rows.loc[rows["value"].notna() & rows["entity_id"].isin(info.index)]
    cid = rows["entity_id"].to_numpy(dtype=object)
    out = pd.DataFrame({
        "cohort_id": pd.Series(cid, dtype=object),
        "source_id": info["source_id"].reindex(cid).to_numpy(dtype=object),
        "label": info["label"].reindex(cid).to_numpy(dtype=object),
        "design_label": info["design_label"].reindex(cid).to_numpy(dtype=object),
        "condition": info["condition"].reindex(cid).to_numpy(dtype=object),
        "n": info["n"].reindex(cid).to_numpy(dtype=float),
        "analyte": rows["analyte"].to_numpy(dtype=object),
        "day": rows["day"].to_numpy(dtype=float),
        "value": rows["value"].to_numpy(dtype=float),
        "unit": pd.Series([schema.ANALYTE_UNITS[a] for a in rows["analyte"]], dtype=object),
        "note": rows["note"].to_numpy(dtype=object),
        "lab_id": rows["lab_id"].to_numpy(dtype=object),
    })
    order = out.assign(lk=out["label"].str.lower(),
                       ak=out["analyte"].map({a: i for i, a in enumerate(schema.ANALYTES)}))
    order = order.sort_values(["lk", "cohort_id", "ak"], kind="mergesort")
    return out.loc[order.index, list(CHANGE_COLUMNS)].reset_index(drop=True)


def cohort_counts(summary: pd.DataFrame, cohorts: pd.DataFrame) -> tuple[int, int]:
    """Cohorts in view with and without a marker in ``summary``.

    Parameters
    ----------
    summary : DataFrame
        Output of :func:`cohort_lab_summary` (or :func:`reported_changes`).
    cohorts : DataFrame
        The view's cohorts.

    Returns
    -------
    (with_values, without_values) : tuple of int
    """
    in_view = set(cohorts["cohort_id"].dropna())
    shown = set(summary["cohort_id"].dropna()) & in_view
    return len(shown), len(in_view) - len(shown)


def thin_pairs(pairs: pd.DataFrame, max_patients: int = 1000, seed: int = 0) -> pd.DataFrame:
    """At most ``max_patients`` patients for drawing points and lines (all of them below the cap).

    The box plots and every test use all patients; only the individual points
    and the lines joining them are sampled, deterministically
    (``numpy.random.default_rng(seed)``), so that a large upload stays readable
    and quick to draw.
    """
    if len(pairs) <= max_patients:
        return pairs
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(len(pairs), size=max_patients, replace=False))
    return pairs.iloc[idx].reset_index(drop=True)
