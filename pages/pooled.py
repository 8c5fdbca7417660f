"""Pooled evidence (being built)."""

import streamlit as st

st.title("Pooled evidence")
