#!/usr/bin/env bash
# Reproduce the shipped minilm-transcripts classifier from a fresh clone, on CPU (or a GPU if present):
# set up; build the 200 training conversations with the target LLM's summaries and LLMLingua's
# compressions (the records of docs/results/label_sources.md); label them task-aware (saliency of
# SmolLM2's likelihood of each summary); train MiniLM + LoRA; copy the 0.6 MB folder into
# headroom_lingua/data/classifiers/minilm-transcripts. Measured here on 2 shared CPU cores:
# summaries 18 min, compressions 12 min, labels 14 min, training 10 min.
# Usage: bash scripts/train_default.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh eval,peers,train
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
for phase in base summary compressed merge; do
  .venv/bin/python scripts/label_sources_data.py "$phase" --out runs/default/lc --limit 200
done
.venv/bin/headroom-lingua train --config training/configs/minilm-transcripts.yaml --output runs/default/minilm-transcripts
.venv/bin/python scripts/ship_classifier.py runs/default/minilm-transcripts/model minilm-transcripts \
  --pipeline '{"sentence_slack": 0.0, "sentence_facts": "keep", "sentence_cut": "auto"}'  # docs/results/classifiers.md, sections 6 and 8
