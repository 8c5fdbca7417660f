"""Analysis library of the anakinra evidence dashboard (pure functions; only ``lib.ui`` imports streamlit)."""
