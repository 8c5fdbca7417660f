"""Writes tests/link_corpus.txt: hostile and garbled query strings (deterministic).

Run: python tests/make_link_corpus.py  (the corpus file is committed; this script documents it).
"""

from pathlib import Path
from urllib.parse import quote

KEYS = ["condition", "trigger", "age", "sex", "route", "cotherapy", "pubtype",
        "dose_min", "dose_max", "year_min", "year_max", "_labs_analyte", "_outcomes_by", "_case",
        "_pooled_outcome", "_summary_detail"]
ODD_KEYS = ["", "CONDITION", "condition[]", "condition%00", "__proto__", "constructor", "dose_min ",
            "x" * 300, "κλειδί", "route;drop", "_", "__", "<svg/onload=alert(1)>", "page", "embed",
            "embed_options", "utm_source"]
VALUES = [
    "", " ", "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)",
    "NaN", "nan", "-nan", "Inf", "-Infinity", "1e309", "-1", "-0", "0x10", "1_000", "١٢",
    "9" * 400, "1e-400", "5,5", "5.5.5", "DIRA", "dira ", " mas", "mas%00", "mas\u202e", "ｍａｓ",
    "shlh;phlh", "sc,iv", "iv_cont\n", "' OR 1=1 --", "../../etc/passwd", "%2e%2e%2f", "%ZZ",
    "\u0000", "😀", "\ud7ff", "true", "null", "undefined", "[]", "{}", "a" * 5000, "2015.5", "1066",
    "3000", "10", "2", "0", "100", "100.0001",
]


def lines() -> list[str]:
    out: list[str] = []
    for k in KEYS:
        for v in VALUES:
            out.append(f"{quote(k)}={quote(v, safe='')}")
    for k in ODD_KEYS:
        out.append(f"{quote(k, safe='[]%')}=dira")
    # reversed and crossed ranges
    out += ["dose_min=10&dose_max=2", "year_min=2024&year_max=2009", "dose_min=5&dose_min=1&dose_max=3",
            "dose_max=2&dose_max=NaN&dose_max=-5", "year_min=2010&year_max=2010.5"]
    # repeated keys, many values
    out += ["&".join(["condition=dira"] * 200), "&".join(f"route={v}" for v in ["sc", "iv", "iv_cont", "oral"] * 50),
            "&".join(f"k{i}=v{i}" for i in range(300))]
    # raw garbage
    out += ["&&&", "=", "==", "=dira", "condition", "condition=", "?condition=dira", "#condition=dira",
            "condition=dira#frag", "condition=%", "condition=%%%", "condition=%E2%28%A1", "%FF%FE=%00",
            "condition=dira&&&&route=sc", ";;;", "condition=dira;route=sc"]
    return out


if __name__ == "__main__":
    path = Path(__file__).with_name("link_corpus.txt")
    data = lines()
    path.write_text("\n".join(data) + "\n", encoding="utf-8")
    print(f"{len(data)} lines -> {path}")
