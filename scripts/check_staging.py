"""Validate a curation staging folder against the schema: ``python scripts/check_staging.py DIR``.

The folder holds any of sources.csv, cases.csv, cohorts.csv, labs.csv,
screening.csv, verification.csv in the format of ``data/``. Every problem is
printed with file, row and column; references may point to ``data/`` rows.
Exit status 1 when there is a problem.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib import schema  # noqa: E402
from lib.data import cross_check, read_csv_strings, validate_table  # noqa: E402


def main(folder: Path) -> int:
    problems = []
    typed = {}
    for name, table in schema.TABLES.items():
        path = folder / table.filename
        shipped, _ = validate_table(read_csv_strings(ROOT / "data" / table.filename), table)
        if not path.exists():
            typed[name] = shipped
            continue
        df, issues = validate_table(read_csv_strings(path), table, filename=str(path))
        problems += issues
        clash = set(df[table.key].dropna()) & set(shipped[table.key].dropna())
        if clash and name not in ("screening", "verification"):
            problems.append(f"{path}: ids already in data/{table.filename}: {sorted(clash)[:10]}")
        typed[name] = pd.concat([shipped, df], ignore_index=True)
    problems += cross_check(typed["sources"], typed["cases"], typed["cohorts"], typed["labs"])
    for p in problems:
        print(p)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
