"""Genetics (DIRA) (being built)."""

import streamlit as st

st.title("Genetics (DIRA)")
