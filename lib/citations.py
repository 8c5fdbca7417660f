"""How a study is named and linked everywhere: labels a clinician reads, and the address a citation gives.

Study labels
------------
Every page names a study as **"First author Year (Journal)"**, e.g.
``Eloseily 2020 (Arthritis Rheumatol)`` — the author-year form of a
reference list, with the journal so that two reports of the same year can
be told apart at a glance. The rules, in order:

* the first author's surname when the source states it, followed by the
  year and the journal's short name in parentheses;
* without a first author, the journal or meeting leads:
  ``Pediatr Blood Cancer 2020``;
* without either, the title (shortened, in quotes), else the PubMed or
  PubMed Central number, else "Unidentified <publication type> (<site>)";
* a missing year reads ``, year not stated``;
* a file uploaded in this session reads ``Uploaded file <name> (uploaded,
  not a publication)``;
* labels that would still be the same get ``a``, ``b``, ... after the year
  (``Smith 2020a``), as author-year reference lists do; without a year, the
  start of the title tells them apart.

An internal source id is never part of a label.

Citation addresses
------------------
``sources.csv`` ``url`` is where the curators read the text, which may be a
translation proxy, a mirror or an aggregator. A citation instead links to
PubMed (from the PMID), else the DOI (the publisher), else PubMed Central,
and to ``url`` only when it is the publisher's, the meeting's or PubMed
Central's own page (:data:`PUBLISHER_HOSTS`).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from lib import schema
from lib.data import is_blank
from lib.links import doi_url, pmc_url, pubmed_url

YEAR_NOT_STATED = "year not stated"
UPLOAD_PREFIX = "upload:"
UPLOAD_SUFFIX = " (uploaded, not a publication)"


def uploaded_sources(sources: pd.DataFrame) -> pd.Series:
    """True for the source rows that stand for an uploaded file (ids ``upload:<file>``), not a publication."""
    return sources["source_id"].astype(str).str.startswith(UPLOAD_PREFIX)

# Hosts whose pages are the publication itself (publisher, journal, meeting or PubMed Central),
# so that sources.csv ``url`` may be cited when the source has no PMID, DOI or PMCID.
# Mirrors, translation proxies, aggregators and redirect services are deliberately absent.
PUBLISHER_HOSTS = (
    "pmc.ncbi.nlm.nih.gov",
    "pubmed.ncbi.nlm.nih.gov",
    "www.pubmed.gov",
    "link.springer.com",
    "ped-rheum.biomedcentral.com",
    "onlinelibrary.wiley.com",
    "www.frontiersin.org",
    "frontiersin.org",
    "www.cell.com",
    "www.nice.org.uk",
    "casereports.bmj.com",
    "atm.amegroups.com",
    "ashpublications.org",
    "ashpublications.net",
    "ashpublications.com",
    "ash.confex.com",
    "shmabstracts.org",
    "acrabstracts.org",
    "archivesofrheumatology.org",
    "reumatizam.hlz.hr",
    "congress2026.eventscribe.net",
    "www.blackwellpublishing.com",
)
_PMC_PATH = re.compile(r"^/pmc/articles/PMC\d+", re.IGNORECASE)


# ---------------------------------------------------------------------------
# Pieces of a label
# ---------------------------------------------------------------------------

def _clean(value) -> str | None:
    """A cell's text on one line, or None when blank."""
    if is_blank(value):
        return None
    text = " ".join(str(value).split())
    return text or None


def journal_short(journal) -> str:
    """A journal's or meeting's name for a label: remarks in parentheses and citation details dropped.

    ``"Society of Hospital Medicine annual meeting (shmabstracts.org)"`` ->
    ``"Society of Hospital Medicine annual meeting"``;
    ``"Pediatr Blood Cancer 2020;67(11):e1"`` -> ``"Pediatr Blood Cancer"``;
    ``"Rheumatology (Oxford)"`` -> ``"Rheumatology"``. The first letter is
    capitalised (``"congress abstract"`` -> ``"Congress abstract"``).
    """
    text = _clean(journal)
    if text is None:
        return ""
    text = re.split(r"[(;,]|\s\d", text, maxsplit=1)[0].strip().rstrip(".:-–").strip()
    return text[:1].upper() + text[1:] if text else ""


def _year(value) -> int | None:
    if is_blank(value):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _title_snippet(title, words: int = 6) -> str | None:
    """The start of a title in quotes (a bracketed curator remark at its start is dropped)."""
    text = _clean(title)
    if text is None:
        return None
    stripped = re.sub(r"^\[[^\]]*not shown[^\]]*\]\s*", "", text, flags=re.IGNORECASE)
    parts = (stripped or text).split()
    short = " ".join(parts[:words]) + ("…" if len(parts) > words else "")
    return f"“{short}”"


def site_name(url) -> str | None:
    """The registrable part of an address's host (``staging.scite.ai`` -> ``scite.ai``), for a label."""
    text = _clean(url)
    if text is None:
        return None
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        return None
    if not host or re.fullmatch(r"[\d.]+", host):
        return None
    parts = host.split(".")
    return ".".join(parts[-2:]) if len(parts) >= 2 else host


def _lead(row) -> tuple[str, str | None]:
    """What a label starts with, and the journal to add in parentheses (None: no parenthesis)."""
    author = _clean(row.get("first_author"))
    journal = journal_short(row.get("journal"))
    if author:
        return author, journal or None
    if journal:
        return journal, None
    snippet = _title_snippet(row.get("title"))
    if snippet:
        return snippet, None
    pmid = _clean(row.get("pmid"))
    if pmid:
        return f"PubMed record {pmid}", None
    pmcid = _clean(row.get("pmcid"))
    if pmcid:
        digits = re.sub(r"^PMC", "", pmcid, flags=re.IGNORECASE)
        return f"PubMed Central record {digits}", None
    kind = schema.PUB_TYPE_LABELS.get(str(row.get("pub_type")), "publication").lower()
    site = site_name(row.get("url"))
    return f"Unidentified {kind}" + (f" ({site})" if site else ""), None


def _compose(lead: str, year: int | None, journal: str | None, suffix: str = "") -> str:
    text = f"{lead} {year}{suffix}" if year is not None else f"{lead}, {YEAR_NOT_STATED}"
    if journal:
        text += f" ({journal})"
    return text


def source_labels(sources: pd.DataFrame) -> dict[str, str]:
    """Study label of every source: ``"First author Year (Journal)"`` (see the module docstring).

    Parameters
    ----------
    sources : DataFrame
        Rows of ``sources.csv`` (columns missing from the frame count as
        blank).

    Returns
    -------
    dict
        ``source_id -> label``; every label distinct, none containing a
        source id.
    """
    if sources is None or len(sources) == 0:
        return {}
    records = sources.to_dict("records")
    parts: dict[str, tuple[str, int | None, str | None, dict]] = {}
    uploads: dict[str, str] = {}
    for rec in records:
        sid = str(rec.get("source_id"))
        if sid.startswith(UPLOAD_PREFIX):
            uploads[sid] = (_clean(rec.get("title")) or f"Uploaded file {sid[len(UPLOAD_PREFIX):]}") + UPLOAD_SUFFIX
            continue
        lead, journal = _lead(rec)
        parts[sid] = (lead, _year(rec.get("year")), journal, rec)
    base = {sid: _compose(lead, year, journal) for sid, (lead, year, journal, _) in parts.items()}
    groups: dict[str, list[str]] = {}
    for sid in sorted(base):
        groups.setdefault(base[sid], []).append(sid)
    out: dict[str, str] = {}
    for label, ids in groups.items():
        if len(ids) == 1:
            out[ids[0]] = label
            continue
        for i, sid in enumerate(ids):
            lead, year, journal, rec = parts[sid]
            if year is not None:
                out[sid] = _compose(lead, year, journal, chr(ord("a") + i) if i < 26 else f"-{i + 1}")
            else:
                snippet = _title_snippet(rec.get("title"))
                extra = f": {snippet}" if snippet and not lead.startswith("“") else f" (source {i + 1} of {len(ids)})"
                out[sid] = _compose(lead, year, journal) + extra
    # a title snippet can still repeat (same title, no year): number what is left
    seen: dict[str, list[str]] = {}
    for sid in sorted(out):
        seen.setdefault(out[sid], []).append(sid)
    for label, ids in seen.items():
        if len(ids) > 1:
            for i, sid in enumerate(ids):
                out[sid] = f"{label} (source {i + 1} of {len(ids)})"
    out.update(uploads)
    return out


def subgroup_text(subgroup) -> str | None:
    """A cohort's subgroup in words (underscores as spaces), or None for the whole study."""
    text = _clean(subgroup)
    if text is None:
        return None
    return text.replace("_", " ")


def cohort_labels(cohorts: pd.DataFrame, sources: pd.DataFrame) -> pd.Series:
    """Study label of each cohort row: the source's label, plus ``": <subgroup>"`` for a subgroup.

    E.g. ``"Eloseily 2020 (Arthritis Rheumatol): systemic JIA"``. A cohort
    whose source is not in ``sources`` reads "Unidentified publication".
    Same index as ``cohorts``.
    """
    labels = source_labels(sources)
    out = []
    subgroups = cohorts["subgroup"] if "subgroup" in cohorts.columns else pd.Series([None] * len(cohorts),
                                                                                    index=cohorts.index)
    for sid, sub in zip(cohorts["source_id"], subgroups):
        text = labels.get(str(sid), "Unidentified publication")
        words = subgroup_text(sub)
        if words:
            text += f": {words}"
        out.append(text)
    return pd.Series(out, dtype=object, index=cohorts.index)


# ---------------------------------------------------------------------------
# Where a citation points
# ---------------------------------------------------------------------------

def is_publisher_url(url) -> bool:
    """Whether ``url`` is a publisher's, meeting's or PubMed Central's own page (https or http)."""
    text = _clean(url)
    if text is None:
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    host = parts.hostname.lower()
    if host == "www.ncbi.nlm.nih.gov":
        return bool(_PMC_PATH.match(parts.path))
    return host in PUBLISHER_HOSTS


def citation_url(row) -> str | None:
    """The address a citation gives: PubMed, else doi.org, else PubMed Central, else the publisher's own page.

    ``row`` is a mapping (or a namedtuple) with ``pmid``, ``doi``, ``pmcid``
    and ``url``. Returns None when none applies (the reading address is a
    proxy or mirror and the source has no identifier).
    """
    get = row.get if hasattr(row, "get") else (lambda k: getattr(row, k, None))
    for fn, key in ((pubmed_url, "pmid"), (doi_url, "doi"), (pmc_url, "pmcid")):
        value = _clean(get(key))
        link = fn(value) if value else None
        if link:
            return link
    url = _clean(get("url"))
    if url and is_publisher_url(url):
        return url.replace("http://", "https://", 1) if url.startswith("http://") else url
    return None


# ---------------------------------------------------------------------------
# Authors
# ---------------------------------------------------------------------------

_INITIALS = re.compile(r"^[A-Z](?:[A-Z]|-[A-Z])*$")


def split_authors(authors) -> list[tuple[str, str]]:
    """``"Aksentijevich I; van Royen-Kerkhoff A; Lee CCR"`` -> ``[("Aksentijevich", "I"), ...]``.

    Each ``;``-separated name is split into its surname and its initials
    (the last word when it is capital letters only); a name without initials
    (a group author such as ``NICE``) gives ``(name, "")``.
    """
    text = _clean(authors)
    if text is None:
        return []
    out = []
    for name in (p.strip() for p in text.split(";")):
        if not name:
            continue
        words = name.split()
        if len(words) >= 2 and _INITIALS.match(words[-1]):
            out.append((" ".join(words[:-1]), words[-1]))
        else:
            out.append((name, ""))
    return out


def initials_with_stops(initials: str) -> str:
    """``"CCR"`` -> ``"C. C. R."``; ``"J-P"`` -> ``"J.-P."`` (the form reference managers read as given names)."""
    out = []
    for part in initials.split("-"):
        out.append(" ".join(f"{ch}." for ch in part))
    return "-".join(out)


# ---------------------------------------------------------------------------
# Patients
# ---------------------------------------------------------------------------

_CASE_NUMBER = re.compile(r"-p(\d+)$")


def patient_words(case_id, patient_label) -> str:
    """How a patient is named within their study: the source's own label, else "patient <n>".

    The label is used as the source gives it (``"13-year-old girl"``,
    ``"Patient 2"``), first letter capitalised; a curators' remark such as
    ``"not labelled (listed 1 of 4 ...)"`` or an empty label gives
    ``"Patient <n>"`` from the case's number (``...-p3`` -> ``Patient 3``),
    or ``"Patient"`` without one.
    """
    text = _clean(patient_label)
    if text and not text.lower().startswith(("not labelled", "not labeled", "unlabelled")):
        return text[:1].upper() + text[1:]
    m = _CASE_NUMBER.search(str(case_id or ""))
    return f"Patient {int(m.group(1))}" if m else "Patient"


def patient_labels(cases: pd.DataFrame, sources: pd.DataFrame) -> pd.Series:
    """Label of each case: ``"<study label>: <patient>"``, e.g. ``"Vincent 2020 (Rheumatology): Patient 1"``.

    The study is the case's first (canonical) source. Same index as ``cases``. Column-wise: the
    per-cell rules (:func:`patient_words`) run once per distinct source-id cell and patient label,
    and the case numbers come from one regular-expression pass.
    """
    if len(cases) == 0:
        return pd.Series([], dtype=object, index=cases.index)
    labels = source_labels(sources)

    def study_of(ids) -> str:
        sid = None if is_blank(ids) else str(ids).split(";")[0]
        return labels.get(sid, "Unidentified publication") if sid else "Unidentified publication"

    study = _per_distinct(cases["source_ids"], study_of)
    if "patient_label" in cases.columns:
        own = _per_distinct(cases["patient_label"], _own_words)
    else:
        own = pd.Series([None] * len(cases), dtype=object, index=cases.index)
    number = cases["case_id"].astype(object).where(cases["case_id"].notna(), "").astype(str).str.extract(
        _CASE_NUMBER.pattern, expand=False)
    numbered = ("Patient " + pd.to_numeric(number, errors="coerce").astype("Int64").astype(str)).where(
        number.notna(), "Patient")
    words = own.where(own.notna(), numbered)
    return pd.Series((study + ": " + words).to_numpy(dtype=object), dtype=object, index=cases.index)


def _own_words(patient_label) -> str | None:
    """The patient's own label as :func:`patient_words` uses it, or None (then the case number names them)."""
    text = _clean(patient_label)
    if text and not text.lower().startswith(("not labelled", "not labeled", "unlabelled")):
        return text[:1].upper() + text[1:]
    return None


def _per_distinct(values: pd.Series, fn) -> pd.Series:
    """``values.map(fn)`` computed once per distinct value (missing values included), same index."""
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    mapped = np.array([fn(u) for u in uniques] + [fn(None)], dtype=object)
    return pd.Series(mapped[codes], dtype=object, index=values.index)  # code -1 (missing) -> fn(None)


# ---------------------------------------------------------------------------
# Free text in words: ids and column names in curators' text
# ---------------------------------------------------------------------------

def _code_words() -> dict[str, str]:
    """``snake_case`` schema codes and column names -> words (labels where the schema has them)."""
    words: dict[str, str] = {}
    for table in schema.TABLES.values():
        for name in table.column_names:
            if "_" in name:
                text = (name.replace("mg_kg_day", "mg/kg/day").replace("mg_day", "mg/day")
                        .replace("il1rn", "IL1RN").replace("_", " "))
                words[name] = text[:-2] + " (n)" if text.endswith(" n") else text
    for labels in (schema.TRIGGER_LABELS, schema.ROUTE_LABELS, schema.COTHERAPY_LABELS, schema.PUB_TYPE_LABELS,
                   schema.RESPONSE_CLASS_LABELS, schema.ADVERSE_EVENT_LABELS, schema.AGE_BAND_LABELS,
                   schema.EXCLUSION_REASON_LABELS):
        for code, label in labels.items():
            if "_" in code:
                words[code] = label
    words["not_stated"] = "not stated"
    # lower-case codes that are not words (a curator writing "condition coded shlh")
    words.update({"dira": "DIRA", "mas": "MAS", "shlh": "secondary HLH", "phlh": "primary HLH", "sjia": "sJIA",
                  "aosd": "AOSD", "ebv": "EBV", "covid19": "COVID-19", "ivig": "IVIG"})
    words["compound_heterozygous"] = "compound heterozygous"
    words["symptom_onset"] = "symptom onset"
    return words


_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


class TextInWords:
    """Rewrite curators' free text for a reader: ids as study/patient labels, ``snake_case`` codes as words.

    ``TextInWords(labels)(text)``: every whole-word occurrence of an id in
    ``labels`` (longest first, so a case id wins over its source id) becomes
    its label, and every schema column name or code written in
    ``snake_case`` becomes words (``age_group`` -> ``age group``,
    ``other_infection`` -> ``Other infection``), as do lower-case condition
    and trigger codes (``shlh`` -> ``secondary HLH``). Other text is unchanged;
    None stays None.
    """

    def __init__(self, labels: dict[str, str]):
        self.labels = {str(k): v for k, v in labels.items() if str(k)}
        # ids are found by dictionary look-ups, not one alternation of every id: a registry of 10^6
        # patients would make a regular expression of 10^6 branches (seconds to build and to run)
        self._max_len = max(map(len, self.labels), default=0)
        self._first_chars = frozenset(k[0] for k in self.labels)
        self._words = _code_words()
        self._snake = re.compile(r"\b(?:[a-z][a-z0-9]*(?:_[a-z0-9]+)+|dira|mas|shlh|phlh|sjia|aosd|ebv|covid19|ivig)\b")

    def _sub_ids(self, text: str) -> str:
        """Every whole-word id in ``text`` as its label, longest id first at each place.

        The same result as ``re.sub(r"(?<![A-Za-z0-9])(id1|id2|...)(?![A-Za-z0-9])", ...)`` with the
        ids sorted longest first: at each place not preceded by a letter or digit, the longest id
        that starts there and is not followed by a letter or digit is replaced, and the scan goes on
        after it.
        """
        labels, firsts, n = self.labels, self._first_chars, len(text)
        out: list[str] = []
        start = i = 0
        while i < n:
            if text[i] in firsts and (i == 0 or text[i - 1] not in _ALNUM):
                j = min(n, i + self._max_len)
                while j > i and not ((j == n or text[j] not in _ALNUM) and text[i:j] in labels):
                    j -= 1
                if j > i:
                    out.append(text[start:i])
                    out.append(labels[text[i:j]])
                    start = i = j
                    continue
            i += 1
        out.append(text[start:])
        return "".join(out)

    def __call__(self, text):
        if is_blank(text):
            return None
        out = str(text)
        if self.labels:
            out = self._sub_ids(out)
        return self._snake.sub(lambda m: self._words.get(m.group(0), m.group(0)), out)


def text_in_words(sources: pd.DataFrame, cases: pd.DataFrame | None = None,
                  cohorts: pd.DataFrame | None = None) -> TextInWords:
    """A :class:`TextInWords` for every source, case and cohort id of the given tables.

    Pass the whole dataset's tables (not only the filtered view), since a
    note may name a study that the filters leave out.
    """
    labels: dict[str, str] = dict(source_labels(sources))
    if cases is not None and len(cases):
        labels.update(zip(cases["case_id"].astype(str), patient_labels(cases, sources)))
    if cohorts is not None and len(cohorts):
        labels.update(zip(cohorts["cohort_id"].astype(str), cohort_labels(cohorts, sources)))
    return TextInWords(labels)


def dataset_words(dataset) -> TextInWords:
    """:func:`text_in_words` for a whole :class:`lib.data.Dataset` (its sources, cases and cohorts)."""
    return text_in_words(dataset.sources, dataset.cases, dataset.cohorts)
