#!/usr/bin/env bash
# Set up (if needed) and run the fast, hermetic test suite. Slow tests (real weights): add -m slow.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh eval-data,integrations,train  # the harness, the integrations and training: their extras and data
exec .venv/bin/python -m pytest -q "$@"
