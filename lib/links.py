"""Safe outbound links: only https to PubMed, PMC and doi.org."""

from __future__ import annotations

import re
from urllib.parse import quote

_PMID = re.compile(r"^\d{1,9}$")
_PMCID = re.compile(r"^PMC\d{1,9}$")
_DOI = re.compile(r"^10\.\d{4,9}/\S{1,200}$")


def pubmed_url(pmid) -> str | None:
    """PubMed address of a PMID, or None if it is not a plain number."""
    if pmid is None:
        return None
    text = str(pmid).strip()
    return f"https://pubmed.ncbi.nlm.nih.gov/{text}/" if _PMID.match(text) else None


def pmc_url(pmcid) -> str | None:
    if pmcid is None:
        return None
    text = str(pmcid).strip()
    return f"https://pmc.ncbi.nlm.nih.gov/articles/{text}/" if _PMCID.match(text) else None


def doi_url(doi) -> str | None:
    """doi.org address of a DOI (percent-encoded), or None if it does not look like a DOI."""
    if doi is None:
        return None
    text = str(doi).strip()
    if not _DOI.match(text):
        return None
    return "https://doi.org/" + quote(text, safe="/:;()._-")
