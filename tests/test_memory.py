"""Memory at scale (issue 16): what keeps the registry small, checked on behaviour, not on RSS.

RSS itself is measured by ``benchmarks/memory_probe.py`` (too noisy and slow for a test). Here:

* the synthetic registry is typed like :func:`lib.data.validate_table` output (text columns object
  with None) and its repeated text cells share one str object (no per-row strings);
* :func:`lib.data.enrich` and :func:`lib.data.link_labs` leave their inputs untouched and share
  their columns (no deep copy) and give the same helper columns as the per-row rules;
* the session memo of an upload's page results is bounded in bytes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import streamlit as st

import lib.ui as ui
from benchmarks.synthetic import synthetic_dataset
from lib import schema
from lib.data import age_bands, approx_nbytes, enrich, link_labs


@pytest.fixture(scope="module")
def syn():
    return synthetic_dataset(3000, seed=11)


def test_synthetic_text_columns_are_object_with_none_like_validated_data(syn):
    for name, table in (("cases", schema.CASES), ("labs", schema.LABS), ("cohorts", schema.COHORTS)):
        df = getattr(syn, name)
        for col in table.columns:
            s = df[col.name]
            if col.type in ("str", "list", "date"):
                assert s.dtype == object, (name, col.name, s.dtype)
                assert all(v is None or isinstance(v, str) for v in s), (name, col.name)
            elif col.type == "int":
                assert str(s.dtype) == "Int64", (name, col.name)
            elif col.type == "bool":
                assert str(s.dtype) == "boolean", (name, col.name)
            else:
                assert s.dtype == np.float64, (name, col.name)


def test_synthetic_repeated_text_shares_its_str_objects(syn):
    """A column of a few distinct values holds a few str objects, not one per row."""
    for name, col in (("cases", "condition"), ("cases", "trigger"), ("cases", "route"), ("cases", "locator"),
                      ("cases", "extraction_date"), ("cases", "_age_band"), ("cases", "_pub_type"),
                      ("labs", "analyte"), ("labs", "entity_type"), ("labs", "unit_std")):
        values = getattr(syn, name)[col].to_numpy()
        distinct = {v for v in values if v is not None}
        assert len({id(v) for v in values if v is not None}) == len(distinct), (name, col)
    # a lab's entity id is the case's id object itself
    ids = {id(v) for v in syn.cases["case_id"]}
    assert all(id(v) in ids for v in syn.labs["entity_id"])


def test_synthetic_is_reproducible(syn):
    again = synthetic_dataset(3000, seed=11)
    for name in ("cases", "labs", "cohorts"):
        pd.testing.assert_frame_equal(getattr(syn, name), getattr(again, name))


def test_age_bands_match_the_per_row_rule():
    rng = np.random.default_rng(2)
    ages = pd.Series(np.where(rng.random(2000) < 0.2, np.nan, rng.uniform(0, 100, 2000)))
    ages.iloc[:8] = [0, 0.99, 1, 11.99, 12, 17.99, 18, 65]
    got = age_bands(ages)
    want = [None if pd.isna(a) else schema.age_band(a) for a in ages]
    assert got.dtype == object
    assert got.tolist() == want


def test_enrich_and_link_labs_leave_their_inputs_untouched(syn):
    from lib.data import public_columns

    cases, cohorts, labs = (public_columns(syn.cases), public_columns(syn.cohorts),
                            syn.labs.drop(columns=["_case_pos", "_cohort_pos"]))
    before = [df.copy() for df in (cases, cohorts, labs)]
    ecases, ecohorts = enrich(cases, cohorts, syn.sources)
    elabs = link_labs(labs, ecases, ecohorts)
    for df, old in zip((cases, cohorts, labs), before):
        pd.testing.assert_frame_equal(df, old)
        assert not any(str(c).startswith("_") for c in df.columns)
    pd.testing.assert_frame_equal(ecases, syn.cases)
    pd.testing.assert_frame_equal(ecohorts, syn.cohorts)
    pd.testing.assert_frame_equal(elabs, syn.labs)
    # the columns are shared, not copied
    assert np.shares_memory(ecases["age_years"].to_numpy(), cases["age_years"].to_numpy())
    assert np.shares_memory(elabs["value_std"].to_numpy(), labs["value_std"].to_numpy())


def test_approx_nbytes_counts_buffers_and_containers():
    df = pd.DataFrame({"a": np.zeros(1000), "b": np.full(1000, None, dtype=object)})
    assert approx_nbytes(df) >= 16000
    assert approx_nbytes(np.zeros(500)) == 4000
    nested = {"x": (df, [np.zeros(500)]), "y": "text"}
    assert approx_nbytes(nested) >= approx_nbytes(df) + 4000
    assert approx_nbytes(None) > 0


@pytest.fixture()
def fresh_caches():
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def _upload_app():
    from streamlit.testing.v1 import AppTest

    from apptest_util import APP

    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["uploaded_dataset"] = synthetic_dataset(300, seed=3)
    at.session_state["data_choice"] = "upload"
    at.session_state["upload_token"] = "memory-test-token"
    return at


def test_the_session_memo_is_bounded_in_bytes(monkeypatch, fresh_caches):
    """Past the byte bound the oldest results go; the newest stays even when it alone is larger."""
    monkeypatch.setattr(ui, "SESSION_RESULTS_MAX_BYTES", 1)
    at = _upload_app()
    for page in ("pages/overview.py", "pages/dosing.py", "pages/safety.py"):
        at.switch_page(page)
        at.run()
        assert not at.exception, page
        memo = at.session_state["_results_memo"]
        assert len(memo["items"]) == 1
        assert set(memo["sizes"]) == set(memo["items"])


def test_the_session_memo_keeps_results_under_the_bound(fresh_caches):
    at = _upload_app()
    for page in ("pages/overview.py", "pages/dosing.py"):
        at.switch_page(page)
        at.run()
        assert not at.exception, page
    memo = at.session_state["_results_memo"]
    assert len(memo["items"]) > 1
    assert set(memo["sizes"]) == set(memo["items"])
    assert sum(memo["sizes"].values()) <= ui.SESSION_RESULTS_MAX_BYTES


def test_compact_text_keeps_values_and_leaves_the_input_untouched(syn):
    from lib.data import CATEGORICAL_COLUMNS, compact_text

    assert compact_text(syn.cases) is syn.cases or not CATEGORICAL_COLUMNS
    cols = ["condition", "sex", "route", "_age_band", "case_id"]
    before = syn.cases.copy()
    out = compact_text(syn.cases, cols)
    pd.testing.assert_frame_equal(syn.cases, before)
    for c in cols:
        assert isinstance(out[c].dtype, pd.CategoricalDtype)
        assert list(out[c].cat.categories) == sorted(set(syn.cases[c].dropna()))  # string order kept
        got = out[c].astype(object).where(out[c].notna(), None).tolist()
        assert got == syn.cases[c].tolist()
    assert np.shares_memory(out["age_years"].to_numpy(), syn.cases["age_years"].to_numpy())  # not copied
