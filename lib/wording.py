"""Small wording rules shared by every page and generated text (plural forms, missing values).

Pure functions, no streamlit. One place so that "1 cohort" and "2 cohorts"
follow the same rule everywhere (issue 14).
"""

from __future__ import annotations

_IRREGULAR = {
    "patient": "patients",
    "cohort": "cohorts",
    "study": "studies",
    "publication": "publications",
    "row": "rows",
    "death": "deaths",
    "analysis": "analyses",
    "episode": "episodes",
    "child": "children",
    "is": "are",
    "was": "were",
    "has": "have",
}

MISSING = "—"


def plural_word(n: int, one: str, many: str | None = None) -> str:
    """The word for ``n`` things: ``one`` when n == 1, else ``many`` (default: the known plural or one + "s")."""
    if n == 1:
        return one
    if many is not None:
        return many
    return _IRREGULAR.get(one, one + "s")


def plural(n: int, one: str, many: str | None = None) -> str:
    """``"1 cohort"``, ``"2 cohorts"``, ``"0 studies"``; thousands separated (``"1,234 patients"``)."""
    return f"{n:,} {plural_word(n, one, many)}"


def or_missing(value, missing: str = MISSING) -> str:
    """Text of a value for a table cell or sentence; ``missing`` for None/NaN/empty text."""
    if value is None:
        return missing
    try:
        if value != value:  # NaN
            return missing
    except Exception:  # noqa: BLE001 - pd.NA comparisons raise
        return missing
    text = str(value).strip()
    return text if text and text not in ("None", "nan", "<NA>") else missing
