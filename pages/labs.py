"""Labs (being built)."""

import streamlit as st

st.title("Labs")
