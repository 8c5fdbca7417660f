#!/usr/bin/env bash
# Start the dashboard on the shipped dataset: creates .venv and installs what it needs.
source "$(dirname "$0")/_venv.sh"
ensure_venv requirements.txt
cd "$ROOT"
exec "$VENV/bin/python" -m streamlit run app.py --server.port "${PORT:-8501}" "$@"
