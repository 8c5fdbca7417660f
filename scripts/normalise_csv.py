"""Rewrite data/*.csv (or a staging folder's) with the schema's columns in schema order.

``python scripts/normalise_csv.py [DIR]``: columns the schema adds appear empty,
values are kept as text; a column the schema does not know stops the script
(nothing is dropped silently).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib import schema  # noqa: E402


def normalise(folder: Path) -> None:
    for table in schema.TABLES.values():
        path = folder / table.filename
        if not path.exists():
            continue
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
            header = rows[0].keys() if rows else []
        unknown = [c for c in header if c not in table.column_names]
        if unknown:
            raise SystemExit(f"{path}: columns not in the schema: {unknown}")
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(table.column_names), lineterminator="\n")
            w.writeheader()
            for r in rows:
                w.writerow({c: r.get(c, "") or "" for c in table.column_names})
        print(f"{path}: {len(rows)} rows, {len(table.column_names)} columns")


if __name__ == "__main__":
    normalise(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "data")
