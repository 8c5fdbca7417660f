"""Baseline for the benchmark: a bare Streamlit script drawing the SAME chart specs and tables as a page.

``benchmarks/run.py`` captures, from a page's AppTest run, every chart (plotly JSON spec and
config, Vega-Lite spec and data, Graphviz source) and every dataframe, in the order the page drew
them, and pickles them. This script draws them with ``st.plotly_chart``, ``st.vega_lite_chart``,
``st.graphviz_chart`` and ``st.dataframe`` and nothing else, so its rerun is the floor any page
drawing those charts and tables pays in Streamlit.

Which capture: the ``BARE_SPECS`` environment variable (a pickle file; AppTest), or, on a real
server, ``?page=<name>`` looked up in the folder ``BARE_SPECS_DIR`` (``<name>.pkl``). The captures are
loaded once per process (``cache_resource``). With ``DASHBOARD_LOG_RUNS=1`` each run logs
``BARE_RUN page=... ms=...`` like the app's ``DASHBOARD_RUN`` lines.
"""

import json
import os
import pickle
import sys
import time
from pathlib import Path

import streamlit as st

_STARTED = time.perf_counter()


@st.cache_resource
def _load(path: str):
    with open(path, "rb") as f:
        items = pickle.load(f)
    return [(kind, json.loads(a) if kind in ("chart", "vega") else a, b) for kind, a, b in items]


path = os.environ.get("BARE_SPECS")
name = "bare"
if not path:
    name = str(st.query_params.get("page", ""))
    folder = Path(os.environ.get("BARE_SPECS_DIR", "."))
    candidate = folder / f"{Path(name).name}.pkl"
    path = str(candidate) if candidate.exists() else ""

for i, (kind, a, b) in enumerate(_load(path) if path else []):
    if kind == "chart":
        st.plotly_chart(a, config=b, width="stretch", key=f"bare_chart_{i}")
    elif kind == "vega":
        st.vega_lite_chart(b, a, width="stretch")
    elif kind == "graphviz":
        st.graphviz_chart(a)
    else:
        st.dataframe(a, hide_index=True, width="stretch")

if os.environ.get("DASHBOARD_LOG_RUNS") == "1":
    print(f"BARE_RUN page={name} ms={(time.perf_counter() - _STARTED) * 1000.0:.1f}", file=sys.stderr, flush=True)
