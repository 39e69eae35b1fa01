#!/usr/bin/env bash
# Install everything the tests need (Debian packages and Python packages) and run them all,
# benchmarks included (with --benchmark-disable, so they run once as plain tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_system_deps.sh
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
# torch==2.13.0's CPU wheel lies in /opt/wheels on these machines; the registry's build pulls CUDA.
find_links=()
[ -d /opt/wheels ] && find_links=(--find-links /opt/wheels)
.venv/bin/pip install -q "${find_links[@]}" -e '.[test]'
.venv/bin/python -m pytest -q --benchmark-disable "$@"
