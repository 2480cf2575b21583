#!/usr/bin/env bash
# Set up (if needed) and run the fast, hermetic test suite. Slow tests (real weights): add -m slow.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh eval-data  # the eval harness's tests need its extras and public data
exec .venv/bin/python -m pytest -q "$@"
