"""Every page reads in words, with and without an upload (issue 14).

Every page is run in AppTest on the shipped data, on a filtered view, and with
an upload beside the shipped data; ``visible_codes.problems`` lists any schema
code, raw column name, source id or "None" cell the page shows. The checker
follows the schema's vocabularies and data/sources.csv as they grow.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from apptest_util import run_with_upload
from lib.upload import parse_upload
from visible_codes import problems

PAGES = ["overview", "summary", "dosing", "labs", "outcomes", "pooled", "genetics", "safety", "cases", "upload",
         "methods", "background"]

UPLOAD = (b"case_id,condition,trigger,age_years,sex,route,response,death,dose_mg_kg_day,followup_days\n"
          b"g1,mas,sjia,6,female,sc,complete,false,4,30\n"
          b"g2,shlh,ebv,34,male,iv,improved,true,8,12\n"
          b"g3,mas,aosd,41,female,iv_cont,none,false,10,60\n")


def _run(page: str, params: dict | None = None, upload=None) -> AppTest:
    at = run_with_upload(page, upload, "both", params)
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="module")
def upload():
    result = parse_upload("group_registry.csv", UPLOAD)
    assert result.dataset is not None
    return result.dataset


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("variant", ["shipped", "filtered", "upload"])
def test_page_reads_in_words(page, variant, upload):
    if variant == "shipped":
        at = _run(page)
    elif variant == "filtered":
        at = _run(page, {"condition": "mas", "route": "iv"})
    else:
        at = _run(page, upload=upload)
    found = problems(at, extra_ids={"g1", "g2", "g3"} if variant == "upload" else set())
    assert found == [], "\n".join(found[:30])


def test_the_checker_finds_what_it_looks_for():
    """The check can fail: codes, ids and None cells are found in a page that shows them."""
    import pandas as pd

    from visible_codes import Checker

    c = Checker()
    assert c.text("t", "trigger other_infection") and c.text("t", "shlh cohort") and c.text("t", "see eloseily2020")
    assert c.frame("f", pd.DataFrame({"Sex": ["female"]}))
    assert c.frame("f", pd.DataFrame({"Died": [None]}))
