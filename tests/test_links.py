"""Outbound links: only https to PubMed, PMC and doi.org, whatever the data holds."""

import pytest

from lib.links import doi_url, pmc_url, pubmed_url


def test_good_identifiers():
    assert pubmed_url("19494218") == "https://pubmed.ncbi.nlm.nih.gov/19494218/"
    assert pmc_url("PMC2876877") == "https://pmc.ncbi.nlm.nih.gov/articles/PMC2876877/"
    assert doi_url("10.1056/NEJMoa0807865") == "https://doi.org/10.1056/NEJMoa0807865"
    assert doi_url("10.1016/S2665-9913(20)30096-5") == "https://doi.org/10.1016/S2665-9913(20)30096-5"


@pytest.mark.parametrize("value", [
    "javascript:alert(1)", "1234 OR 1=1", "<script>", "", None, "12345678901234", "PMC12a",
    "10.1/x\" onclick=\"alert(1)", "http://evil.example/10.1/x", "10.1000/<script>alert(1)</script>",
])
def test_hostile_identifiers_give_no_link_or_a_safe_one(value):
    for f in (pubmed_url, pmc_url, doi_url):
        url = f(value)
        assert url is None or url.startswith(("https://pubmed.ncbi.nlm.nih.gov/", "https://pmc.ncbi.nlm.nih.gov/", "https://doi.org/"))
        if url:
            assert "<" not in url and '"' not in url and " " not in url
