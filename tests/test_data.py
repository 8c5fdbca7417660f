"""Loader and validation (lib.data), and the checks the shipped dataset must pass."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import ROOT, read_rows
from lib import schema
from lib.data import DataValidationError, load_dataset, validate_table


# ---------------------------------------------------------------------------
# validate_table on small hand-made tables
# ---------------------------------------------------------------------------

def _raw(rows):
    return pd.DataFrame(rows, dtype=object)


def _ok_source(**kw):
    base = dict(source_id="x2020", year="2020", title="T", pub_type="case_report",
                url="https://pubmed.ncbi.nlm.nih.gov/1/", extraction_date="2026-11-23")
    base.update(kw)
    return base


def test_valid_table_has_no_issues_and_typed_columns():
    df, issues = validate_table(_raw([_ok_source()]), schema.SOURCES)
    assert issues == []
    assert df.loc[0, "year"] == 2020
    assert str(df["year"].dtype) == "Int64"


@pytest.mark.parametrize("field,value,fragment", [
    ("year", "twenty", "is not a number"),
    ("year", "2020.5", "is not a whole number"),
    ("year", "1800", "below the plausible minimum"),
    ("year", "inf", "not a finite number"),
    ("pub_type", "blog", "is not allowed"),
    ("extraction_date", "23/11/2026", "is not a date"),
    ("title", "", "value is required"),
])
def test_bad_cell_is_named_by_file_row_and_column(field, value, fragment):
    rows = [_ok_source(), _ok_source(source_id="y2021", **{field: value})]
    _, issues = validate_table(_raw(rows), schema.SOURCES, "sources.csv")
    assert len(issues) == 1
    msg = str(issues[0])
    assert msg.startswith("sources.csv, row 3, column '" + field + "'")
    assert fragment in msg


def test_duplicate_ids_are_reported_with_their_row():
    _, issues = validate_table(_raw([_ok_source(), _ok_source()]), schema.SOURCES)
    assert [(i.row, i.column) for i in issues] == [(3, "source_id")]
    assert "duplicate id" in issues[0].message


def test_missing_required_and_unknown_columns():
    raw = _raw([{"source_id": "a", "colour": "red"}])
    _, issues = validate_table(raw, schema.SOURCES)
    msgs = [str(i) for i in issues]
    assert any("column 'url': required column is missing" in m for m in msgs)
    assert any("column 'title': value is required (or list `title` in metadata_missing)" in m for m in msgs)
    assert any("column 'colour': unknown column" in m for m in msgs)


def test_list_cells_are_checked_value_by_value():
    case = dict(case_id="c1", source_ids="x2020", condition="mas", trigger="sjia", route="iv;tablet",
                locator="abstract", extraction_date="2026-11-23")
    _, issues = validate_table(_raw([case]), schema.CASES)
    assert len(issues) == 1 and issues[0].column == "route" and "'tablet'" in issues[0].message


def test_boolean_cells():
    case = dict(case_id="c1", source_ids="x2020", condition="mas", trigger="sjia", death="maybe",
                locator="abstract", extraction_date="2026-11-23")
    df, issues = validate_table(_raw([case]), schema.CASES)
    assert issues[0].column == "death"
    case["death"] = "TRUE"
    df, issues = validate_table(_raw([case]), schema.CASES)
    assert issues == [] and bool(df.loc[0, "death"]) is True


# ---------------------------------------------------------------------------
# load_dataset on a corrupted copy of data/
# ---------------------------------------------------------------------------

def test_broken_reference_is_reported(data_copy):
    path = data_copy / "cases.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[0, "source_ids"] = "nosuchsource1999"
    df.to_csv(path, index=False)
    with pytest.raises(DataValidationError) as exc:
        load_dataset(data_copy)
    assert "cases.csv, row 2, column 'source_ids': source 'nosuchsource1999' is not in sources.csv" in str(exc.value)


def test_missing_file_is_reported(data_copy):
    (data_copy / "labs.csv").unlink()
    with pytest.raises(DataValidationError, match="labs.csv: file is missing"):
        load_dataset(data_copy)


def test_lab_outside_plausible_range_is_reported(data_copy):
    path = data_copy / "labs.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    row = {c: "" for c in df.columns}
    row.update(lab_id="zz-hb", entity_type="cohort", entity_id=df.loc[0, "entity_id"] if df.loc[0, "entity_type"] == "cohort" else "",
               analyte="hb", timepoint="before", statistic="mean", value_reported="120", unit_reported="g/L",
               value_std="120", unit_std="g/dL", locator="abstract", extraction_date="2026-11-23")
    if not row["entity_id"]:
        pytest.skip("needs a cohort lab row")
    df = pd.concat([df, pd.DataFrame([row])], ignore_index=True)
    df.to_csv(path, index=False)
    with pytest.raises(DataValidationError, match="outside the plausible range of hb"):
        load_dataset(data_copy)


# ---------------------------------------------------------------------------
# The shipped dataset (the dataset issue's validation tests)
# ---------------------------------------------------------------------------

def test_shipped_dataset_loads(shipped):
    assert len(shipped.sources) > 0
    assert len(shipped.cases) + len(shipped.cohorts) > 0


def test_row_counts_match_an_independent_reader(shipped):
    for name in ("sources", "cases", "cohorts", "labs", "screening", "verification"):
        rows = read_rows(ROOT / "data" / schema.TABLES[name].filename)
        assert len(getattr(shipped, name)) == len(rows), name


def test_every_case_and_cohort_has_a_source_and_locator(shipped):
    assert shipped.cases["source_ids"].notna().all()
    assert shipped.cases["locator"].notna().all()
    assert shipped.cohorts["source_id"].notna().all()
    assert shipped.cohorts["locator"].notna().all()
    assert shipped.labs["locator"].notna().all()


def test_every_source_is_used_or_says_why_not(shipped):
    """A source with no case or cohort row (a review kept for cross-checking, a paper whose
    readable text does not say who got anakinra) must say why in its note."""
    used = set(shipped.cohorts["source_id"])
    for ids in shipped.cases["source_ids"]:
        used.update(ids.split(";"))
    s = shipped.sources
    unexplained = s.loc[~s["source_id"].isin(used) & s["note"].isna(), "source_id"].tolist()
    assert not unexplained, f"sources cited by no case or cohort, with no note: {unexplained}"


def test_sources_have_an_identifier_or_address(shipped):
    s = shipped.sources
    assert (s["pmid"].notna() | s["doi"].notna() | s["url"].notna()).all()
    assert s["url"].str.match(r"^https?://").all()


def test_pmids_and_dois_look_right(shipped):
    assert shipped.sources["pmid"].dropna().str.fullmatch(r"\d{1,9}").all()
    assert shipped.sources["doi"].dropna().str.match(r"^10\.\d{4,9}/").all()


def test_no_duplicate_source_identifiers(shipped):
    for col in ("pmid", "doi"):
        ids = shipped.sources[col].dropna().str.lower()
        assert not ids.duplicated().any(), f"{col} repeated: {sorted(ids[ids.duplicated()])}"


def test_same_patient_is_one_row(shipped):
    """Guard against duplicated patients: no two cases share source, age, sex, condition and dose."""
    c = shipped.cases
    key = c[["_source_id", "patient_label", "age_years", "sex", "condition", "dose_mg_kg_day", "trigger_detail"]].astype(str)
    labelled = c["patient_label"].notna()
    dup = key[labelled].duplicated(keep=False)
    assert not dup.any(), c.loc[labelled][dup.to_numpy()]["case_id"].tolist()


def test_derived_fields_name_real_columns(shipped):
    for table, df in (("cases", shipped.cases), ("cohorts", shipped.cohorts), ("labs", shipped.labs)):
        cols = set(schema.TABLES[table].column_names)
        for cell in df["derived_fields"].dropna():
            for name in cell.split(";"):
                assert name in cols, f"{table}: derived field {name!r} is not a column"


def test_cohort_counts_are_coherent(shipped):
    k = shipped.cohorts
    for col in ("responders", "complete_responders", "deaths", "relapses"):
        bad = k[k[col].notna() & (k[col] > k["n"])]
        assert bad.empty, f"{col} > n in {bad['cohort_id'].tolist()}"
    bad = k[k["complete_responders"].notna() & k["responders"].notna() & (k["complete_responders"] > k["responders"])]
    assert bad.empty


def test_case_times_are_coherent(shipped):
    c = shipped.cases
    bad = c[c["days_to_response"].notna() & c["followup_days"].notna() & (c["days_to_response"] > c["followup_days"])]
    assert bad.empty, bad["case_id"].tolist()


def test_standardised_lab_values_match_their_conversion(shipped):
    from lib.units import to_standard
    labs = shipped.labs.dropna(subset=["value_std"])
    for row in labs.itertuples(index=False):
        expected = to_standard(row.analyte, row.value_reported, row.unit_reported)
        assert expected is not None, f"{row.lab_id}: unit {row.unit_reported!r} of {row.analyte} has no conversion"
        assert expected == pytest.approx(row.value_std, rel=1e-3, abs=1e-9), row.lab_id


def test_dira_rows_are_genetic_and_hlh_rows_are_not(shipped):
    c = shipped.cases
    assert (c.loc[c["condition"] == "dira", "trigger"] == "genetic").all()
    assert c.loc[c["condition"] != "dira", "il1rn_variant_c"].isna().all()


def test_verification_points_to_real_rows(shipped):
    ids = {"cases": set(shipped.cases["case_id"]), "cohorts": set(shipped.cohorts["cohort_id"]),
           "labs": set(shipped.labs["lab_id"]), "sources": set(shipped.sources["source_id"])}
    for row in shipped.verification.itertuples(index=False):
        assert row.row_id in ids[row.table], f"{row.check_id}: {row.table} {row.row_id} not found"


def test_a_source_may_lack_year_and_title_when_it_says_so():
    row = _ok_source(year="", title="", metadata_missing="year;title")
    _, issues = validate_table(_raw([row]), schema.SOURCES, "sources.csv")
    assert issues == []


def test_cohort_counts_cannot_exceed_their_denominator():
    base = dict(cohort_id="k1", source_id="x2020", condition="mas", trigger="sjia", population="children",
                locator="abstract", extraction_date="2026-11-23")
    ok = dict(base, n="23", n_episodes="25", counts_refer_to="episodes", responders="25")
    bad = dict(base, cohort_id="k2", n="23", responders="24", complete_responders="2")
    worse = dict(base, cohort_id="k3", n="10", responders="5", complete_responders="6")
    _, issues = validate_table(_raw([ok, bad, worse]), schema.COHORTS, "cohorts.csv")
    assert [(i.row, i.column) for i in issues] == [(3, "responders"), (4, "complete_responders")]
