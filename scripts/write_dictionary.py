"""Write data/DICTIONARY.md from lib/schema.py (a test checks it is up to date)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib import schema  # noqa: E402


def render() -> str:
    out = ["# Data dictionary", "",
           "Generated from `lib/schema.py` by `python scripts/write_dictionary.py`; the dashboard's "
           "*Data and methods* page shows the same table.", "",
           "Conventions: multi-valued cells are separated by `;`; an empty cell means the source does not "
           "state the value (never 0, never a guess); booleans are `true`/`false`; derived values list their "
           "columns in `derived_fields`.", ""]
    for t in schema.TABLES.values():
        out += [f"## {t.name} (`{t.filename}`)", "", t.description + f" Key: `{t.key}`.", "",
                "| column | type | unit | allowed values | range | required | description |",
                "|---|---|---|---|---|---|---|"]
        for c in t.columns:
            rng = "" if c.min is None and c.max is None else f"{'' if c.min is None else f'{c.min:g}'} to {'' if c.max is None else f'{c.max:g}'}"
            allowed = ", ".join(f"`{a}`" for a in c.allowed)
            out.append(f"| `{c.name}` | {c.type} | {c.unit} | {allowed} | {rng} | {'yes' if c.required else ''} | {c.description.replace('|', '/')} |")
        out.append("")
    out += ["## Lab analytes and standard units", "", "| analyte | label | standard unit | plausible range |", "|---|---|---|---|"]
    for a in schema.ANALYTES:
        lo, hi = schema.ANALYTE_RANGES[a]
        out.append(f"| `{a}` | {schema.ANALYTE_LABELS[a]} | {schema.ANALYTE_UNITS[a]} | {lo:g} to {hi:g} |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    (ROOT / "data" / "DICTIONARY.md").write_text(render(), encoding="utf-8")
    print("data/DICTIONARY.md written")
