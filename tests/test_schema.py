from lib import schema


def test_every_table_key_is_a_required_column():
    for t in schema.TABLES.values():
        assert t.key in t.column_names
        assert t.column(t.key).required


def test_column_names_are_snake_case_and_unique():
    import re
    for t in schema.TABLES.values():
        names = t.column_names
        assert len(set(names)) == len(names), t.name
        for n in names:
            assert re.fullmatch(r"[a-z][a-z0-9_]*", n), n


def test_every_vocabulary_value_has_a_label():
    for values, labels in [
        (schema.CONDITIONS, schema.CONDITION_LABELS),
        (schema.COHORT_TRIGGERS, schema.TRIGGER_LABELS),
        (schema.ROUTES, schema.ROUTE_LABELS),
        (schema.COTHERAPIES, schema.COTHERAPY_LABELS),
        (schema.PUB_TYPES, schema.PUB_TYPE_LABELS),
        (schema.AGE_BANDS, schema.AGE_BAND_LABELS),
        (schema.ANALYTES, schema.ANALYTE_LABELS),
        (schema.ANALYTES, schema.ANALYTE_UNITS),
        (schema.ANALYTES, schema.ANALYTE_RANGES),
    ]:
        assert set(values) <= set(labels)


def test_numeric_columns_have_units_where_physical():
    for t in (schema.CASES, schema.COHORTS):
        for c in t.columns:
            if c.type == "float" and c.name.endswith(("_years", "_days", "_day", "_kg_day", "_mg_day", "_kg")):
                assert c.unit, c.name


def test_age_band_edges():
    assert schema.age_band(0.5) == "infant"
    assert schema.age_band(1) == "child"
    assert schema.age_band(11.99) == "child"
    assert schema.age_band(12) == "adolescent"
    assert schema.age_band(18) == "adult"
    assert schema.age_band(65) == "older_adult"
    assert schema.age_band(None) is None
    assert schema.age_band(float("nan")) is None


def test_data_dictionary_file_is_up_to_date():
    import importlib.util
    from conftest import ROOT
    spec = importlib.util.spec_from_file_location("write_dictionary", ROOT / "scripts" / "write_dictionary.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert (ROOT / "data" / "DICTIONARY.md").read_text(encoding="utf-8") == mod.render(), \
        "run: python scripts/write_dictionary.py"
