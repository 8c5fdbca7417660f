"""Short citation labels shared by every page ("Author Year", "Author Year (subgroup)")."""

from __future__ import annotations

import re

import pandas as pd

from lib.data import is_blank


def _journal_short(journal) -> str:
    """A journal's short name for a label: the text before volume, issue or page details."""
    if is_blank(journal):
        return ""
    text = str(journal).strip()
    text = re.split(r"[(;,]|\s\d", text, maxsplit=1)[0]
    return text.strip()


def source_labels(sources: pd.DataFrame) -> dict[str, str]:
    """Citation label ("Author Year") of every source.

    The first author's surname is used when the source states it; otherwise
    the journal's short name (the dataset leaves ``first_author`` empty when
    the author line could not be read), and the source id as a last resort.
    Labels that would collide get ``a``, ``b``, ... suffixes in source-id
    order.

    Returns
    -------
    dict
        ``source_id -> label``.
    """
    base: dict[str, str] = {}
    for row in sources.itertuples(index=False):
        sid = row.source_id
        who = row.first_author if not is_blank(row.first_author) else _journal_short(row.journal)
        year = "" if is_blank(row.year) else f" {int(row.year)}"
        base[sid] = f"{who}{year}" if who else str(sid)
    counts: dict[str, list[str]] = {}
    for sid in sorted(base):
        counts.setdefault(base[sid], []).append(sid)
    out = {}
    for label, ids in counts.items():
        if len(ids) == 1:
            out[ids[0]] = label
        else:
            for i, sid in enumerate(ids):
                out[sid] = f"{label}{chr(ord('a') + i)}"
    return out


def cohort_labels(cohorts: pd.DataFrame, sources: pd.DataFrame) -> pd.Series:
    """Study label of each cohort row: ``"<first author> <year>"``, plus ``" (<subgroup>)"``.

    The source id stands in when the source's author or year is not known
    (or the source is not in ``sources``). Same index as ``cohorts``.
    """
    author = dict(zip(sources["source_id"], sources["first_author"]))
    year = dict(zip(sources["source_id"], sources["year"]))
    labels = []
    for sid, sub in zip(cohorts["source_id"], cohorts["subgroup"]):
        a, y = author.get(sid), year.get(sid)
        text = f"{str(a).strip()} {int(y)}" if not is_blank(a) and not is_blank(y) else str(sid)
        if not is_blank(sub):
            text += f" ({str(sub).strip()})"
        labels.append(text)
    return pd.Series(labels, dtype=object, index=cohorts.index)
