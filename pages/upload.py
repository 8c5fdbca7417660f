"""Upload your data (being built)."""

import streamlit as st

st.title("Upload your data")
