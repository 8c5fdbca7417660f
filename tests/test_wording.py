"""Plural and missing-value wording (lib/wording.py)."""

import math

import pandas as pd
import pytest

from lib.wording import MISSING, or_missing, plural, plural_word


@pytest.mark.parametrize("n, one, expected", [
    (0, "cohort", "0 cohorts"), (1, "cohort", "1 cohort"), (2, "cohort", "2 cohorts"),
    (1, "study", "1 study"), (3, "study", "3 studies"), (1, "row", "1 row"), (1234, "patient", "1,234 patients"),
    (2, "analysis", "2 analyses"), (1, "child", "1 child"), (5, "child", "5 children"),
])
def test_plural(n, one, expected):
    assert plural(n, one) == expected


def test_plural_with_an_explicit_form():
    assert plural(2, "person", "people") == "2 people"
    assert plural_word(1, "was") == "was" and plural_word(2, "was") == "were"


@pytest.mark.parametrize("value", [None, float("nan"), math.nan, pd.NA, "", "  ", "None", "nan"])
def test_missing_values_read_as_a_dash(value):
    assert or_missing(value) == MISSING


def test_values_are_kept():
    assert or_missing(0) == "0" and or_missing("MAS") == "MAS" and or_missing(2.5) == "2.5"


def test_the_sidebar_dataset_line_names_an_uploaded_file_apart():
    from types import SimpleNamespace

    import pandas as pd

    from lib.ui import dataset_line

    def ds(ids, n_cases, n_cohorts):
        return SimpleNamespace(version="v", meta={"date": "d"}, sources=pd.DataFrame({"source_id": ids}),
                               cases=pd.DataFrame(index=range(n_cases)), cohorts=pd.DataFrame(index=range(n_cohorts)))

    assert dataset_line(ds(["upload:x.csv"], 1, 0)) == \
        "Dataset version v (d); 0 publications and 1 uploaded file, 1 patient, 0 cohorts."
    assert dataset_line(ds(["a", "b", "upload:x.csv"], 7, 1)) == \
        "Dataset version v (d); 2 publications and 1 uploaded file, 7 patients, 1 cohort."
    assert dataset_line(ds(["a"], 2, 3)) == "Dataset version v (d); 1 publication, 2 patients, 3 cohorts."
