#!/usr/bin/env bash
# Install everything the tests need (Debian packages and Python packages) and run them all,
# benchmarks included (with --benchmark-disable, so they run once as plain tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_system_deps.sh
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e '.[test]'
.venv/bin/python -m pytest -q --benchmark-disable "$@"
