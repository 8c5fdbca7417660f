#!/usr/bin/env bash
# Run the whole test suite: creates .venv, installs the test requirements and
# Debian's chromium for the browser tests when it is missing, then runs pytest.
source "$(dirname "$0")/_venv.sh"
ensure_venv requirements-dev.txt
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then
    echo "Installing Debian's chromium for the browser tests..."
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq >/dev/null
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is missing and cannot be installed (not root): browser tests will fail." >&2
  fi
fi
cd "$ROOT"
exec "$VENV/bin/python" -m pytest "$@"
