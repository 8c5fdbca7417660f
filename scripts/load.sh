#!/usr/bin/env bash
# Load test in one command: 10 concurrent chromium sessions for up to 5 minutes; writes LOAD.md.
source "$(dirname "$0")/_venv.sh"
ensure_venv requirements-dev.txt
cd "$ROOT"
exec "$VENV/bin/python" benchmarks/load.py "$@"
