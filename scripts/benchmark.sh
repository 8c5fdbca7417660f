#!/usr/bin/env bash
# Benchmark in one command: synthetic registries 10^3..10^6 + shipped data; writes BENCHMARKS.md.
source "$(dirname "$0")/_venv.sh"
ensure_venv requirements-dev.txt
cd "$ROOT"
exec "$VENV/bin/python" benchmarks/run.py "$@"
