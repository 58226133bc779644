#!/usr/bin/env bash
# Set up a virtual environment from pyproject.toml and run the whole test suite (slow tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e '.[test]'
export DO_NOT_TRACK=1
exec .venv/bin/python -m pytest "$@"
