"""Unit conversion of lab values to each analyte's standard unit (:data:`lib.schema.ANALYTE_UNITS`).

Factors (exact or conventional):
Hb g/L ÷ 10 = g/dL; Hb mmol/L × 1.611 = g/dL (molar mass of the Hb monomer 16.11 kDa / 10);
CRP mg/dL × 10 = mg/L; ferritin µg/L = ng/mL; platelets /µL ÷ 1000 = 10^9/L;
fibrinogen mg/dL ÷ 100 = g/L; triglycerides mg/dL ÷ 88.57 = mmol/L.
"""

from __future__ import annotations

import math

from lib.schema import ANALYTE_UNITS


def _norm(unit: str) -> str:
    u = str(unit).strip().replace("μ", "µ").replace(" ", "")
    u = u.replace("x10^9/l", "10^9/L").replace("×10^9/L", "10^9/L").replace("x10^9/L", "10^9/L")
    return u.lower()


# (analyte, normalised unit) -> factor to the standard unit
_FACTORS: dict[tuple[str, str], float] = {}


def _add(analyte: str, units: list[str], factor: float) -> None:
    for u in units:
        _FACTORS[(analyte, _norm(u))] = factor


_add("hb", ["g/dL", "g/dl"], 1.0)
_add("hb", ["g/L"], 0.1)
_add("hb", ["mmol/L"], 1.611)
_add("crp", ["mg/L"], 1.0)
_add("crp", ["mg/dL"], 10.0)
_add("crp", ["nmol/L"], 0.105)  # CRP 1 mg/L = 9.52 nmol/L
_add("esr", ["mm/h", "mm/hr", "mm/hour"], 1.0)
_add("ferritin", ["ng/mL", "µg/L", "ug/L", "mcg/L"], 1.0)
for a in ("platelets", "wbc", "neutrophils"):
    _add(a, ["10^9/L", "x10^9/L", "10^3/µL", "10^3/uL", "K/µL", "K/uL", "/nL", "10^3/mm3"], 1.0)
    _add(a, ["/µL", "/uL", "/mm3", "cells/µL", "cells/uL"], 0.001)
for a in ("alt", "ast", "ldh"):
    _add(a, ["U/L", "IU/L", "UI/L"], 1.0)
_add("fibrinogen", ["g/L"], 1.0)
_add("fibrinogen", ["mg/dL"], 0.01)
_add("triglycerides", ["mmol/L"], 1.0)
_add("triglycerides", ["mg/dL"], 1 / 88.57)
_add("d_dimer", ["mg/L FEU", "µg/mL FEU", "mg/LFEU"], 1.0)
_add("d_dimer", ["ng/mL FEU", "µg/L FEU"], 0.001)
_add("il6", ["pg/mL", "ng/L"], 1.0)
_add("sil2r", ["U/mL", "IU/mL"], 1.0)


def to_standard(analyte: str, value: float, unit: str) -> float | None:
    """Convert ``value`` in ``unit`` to the analyte's standard unit.

    Returns None when the unit is not known for that analyte (never guesses).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    factor = _FACTORS.get((analyte, _norm(unit)))
    if factor is None:
        return None
    return float(value) * factor


def standard_unit(analyte: str) -> str:
    return ANALYTE_UNITS[analyte]
