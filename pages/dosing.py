"""Dosing (being built)."""

import streamlit as st

st.title("Dosing")
