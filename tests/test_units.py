"""Unit conversions. References: SI conversion tables (e.g. AMA Manual of Style SI conversion table;
triglycerides 150 mg/dL = 1.69 mmol/L, the NCEP ATP III cut-off quoted in both units)."""

import pytest

from lib.units import to_standard


@pytest.mark.parametrize("analyte,value,unit,expected", [
    ("hb", 120, "g/L", 12.0),
    ("hb", 12.5, "g/dL", 12.5),
    ("hb", 7.45, "mmol/L", 12.0),     # 7.45 mmol/L x 1.611 = 12.0 g/dL
    ("crp", 5.2, "mg/dL", 52.0),       # the tenfold trap: mg/dL is not mg/L
    ("crp", 52, "mg/L", 52.0),
    ("ferritin", 1500, "µg/L", 1500.0),
    ("ferritin", 1500, "ug/L", 1500.0),
    ("platelets", 150000, "/µL", 150.0),
    ("platelets", 150, "10^3/µL", 150.0),
    ("platelets", 150, "x10^9/L", 150.0),
    ("fibrinogen", 200, "mg/dL", 2.0),
    ("triglycerides", 150, "mg/dL", 1.69),
    ("esr", 80, "mm/h", 80.0),
])
def test_conversion(analyte, value, unit, expected):
    # references are printed to 2 decimals, so agree to half a unit in the last place
    assert to_standard(analyte, value, unit) == pytest.approx(expected, abs=5e-3)


def test_unknown_unit_is_not_guessed():
    assert to_standard("crp", 5, "furlongs") is None
    assert to_standard("hb", 5, "mg/L") is None


def test_missing_value():
    assert to_standard("hb", float("nan"), "g/dL") is None
