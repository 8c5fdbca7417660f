"""Evidence summary (being built)."""

import streamlit as st

st.title("Evidence summary")
