#!/usr/bin/env bash
# Start the dashboard on the shipped dataset: creates .venv and installs what it needs.
source "$(dirname "$0")/_venv.sh"
ensure_venv requirements.txt
cd "$ROOT"
exec "$VENV/bin/python" scripts/serve.py --server.port "${PORT:-8501}" "$@"
