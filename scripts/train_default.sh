#!/usr/bin/env bash
# Reproduce the shipped minilm-transcripts classifier from a fresh clone, on CPU (or a GPU if present):
# set up, build the 200 training conversations, label them with SmolLM2 surprisal, train MiniLM +
# LoRA, and copy the small folder into headroom_lingua/data/classifiers/. About 20 minutes on
# 2 CPU cores (labels ~6 min, training ~10 min). Usage: bash scripts/train_default.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh eval-data,train
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
.venv/bin/python scripts/label_sources_data.py base --out runs/default/lc --limit 200
.venv/bin/headroom-lingua train --config training/configs/minilm-transcripts.yaml --output runs/default/minilm-transcripts
.venv/bin/python scripts/ship_classifier.py runs/default/minilm-transcripts/model minilm-transcripts
