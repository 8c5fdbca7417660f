"""Hostile or garbled links: no exception, a warning, a sane view.

Corpus: tests/link_corpus.txt (written by tests/make_link_corpus.py, 800+ lines) plus hypothesis.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from apptest_util import run_app
from lib.filters import FilterState, apply_filters, case_mask, from_query_params

CORPUS = [l for l in (Path(__file__).with_name("link_corpus.txt")).read_text(encoding="utf-8").splitlines() if l]


def _params(query: str) -> dict[str, list[str]]:
    # the same parsing Streamlit applies to the browser's query string
    return parse_qs(query, keep_blank_values=True)


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 500


@pytest.mark.parametrize("chunk", range(0, len(CORPUS), 100))
def test_corpus_parses_to_a_sane_state(chunk, shipped):
    full = case_mask(shipped.cases, FilterState())
    for query in CORPUS[chunk:chunk + 100]:
        state, warnings = from_query_params(_params(query))
        assert isinstance(state, FilterState), query
        for w in warnings:
            assert w.isprintable() and len(w) < 300, (query, w)
        view = apply_filters(shipped, state)
        assert len(view.cases) <= len(shipped.cases)
        assert np.all(case_mask(shipped.cases, state) <= full)


def test_every_bad_filter_value_in_the_corpus_warns():
    """Lines whose filter value is not in the vocabulary or not a valid number must warn."""
    silent = []
    for query in CORPUS:
        params = _params(query)
        state, warnings = from_query_params(params)
        if not warnings and any(not k.startswith("_") for k in params) and state == FilterState():
            silent.append(query)
    # a line may be silent only if it really selects nothing (e.g. an empty value of a list key)
    for query in silent:
        params = _params(query)
        assert all(v == [""] or v == [] for k, v in params.items() if not k.startswith("_")) or not params, query


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["condition", "route", "dose_min", "dose_max", "year_min", "year_max",
                                           "trigger", "age", "sex", "cotherapy", "pubtype", "zzz", "_x"]) | st.text(max_size=10),
                          st.text(max_size=30) | st.sampled_from(["NaN", "inf", "-1", "1e999", "dira", "iv", "<script>"])),
                max_size=8))
def test_random_queries_never_raise(pairs):
    params: dict[str, list[str]] = {}
    for k, v in pairs:
        params.setdefault(k, []).append(v)
    state, warnings = from_query_params(params)
    assert isinstance(state, FilterState)


SAMPLE = CORPUS[::45]


@pytest.mark.parametrize("query", SAMPLE)
def test_app_survives_hostile_links(query):
    params = _params(query)
    at = run_app({k: v for k, v in params.items() if k})
    assert not at.exception, (query, at.exception)
    _, warnings = from_query_params(params)
    if warnings:
        assert any("not understood" in w.value for w in at.warning), query


@pytest.mark.parametrize("page", ["pages/cases.py", "pages/labs.py", "pages/outcomes.py", "pages/pooled.py",
                                  "pages/summary.py", "pages/genetics.py", "pages/dosing.py"])
def test_pages_survive_hostile_view_options(page):
    bad = "<script>alert(1)</script>"
    at = run_app({"_case": bad, "_labs_analyte": bad, "_outcomes_by": bad, "_outcomes_km_by": bad,
                  "_pooled_outcome": bad, "_pooled_by": bad, "_pooled_method": "1e999",
                  "_summary_detail": bad, "condition": "dira"}, page)
    assert not at.exception, at.exception
