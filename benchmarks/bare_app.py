"""Baseline for the benchmark: a bare Streamlit page drawing N precomputed plotly charts.

N comes from the BARE_CHARTS environment variable. The figures are built once
per process (cache_resource), so a rerun costs only what Streamlit needs to
send the charts: the floor any page drawing the same charts pays.
"""

import os

import numpy as np
import plotly.express as px
import streamlit as st


@st.cache_resource
def _figures(n: int):
    rng = np.random.default_rng(0)
    return [px.box(y=rng.normal(size=50), points="all") for _ in range(n)]


for i, fig in enumerate(_figures(int(os.environ.get("BARE_CHARTS", "1")))):
    st.plotly_chart(fig, key=f"bare{i}")
