#!/usr/bin/env bash
# Reproduce the shipped minilm-questions classifier from a fresh clone, on CPU (or a GPU if present):
# set up; write 800 HotpotQA training records (training quarter only); label them by aligning the
# supporting sentences; train MiniLM + LoRA on (question, text) pairs; copy the 2.7 MB folder into
# headroom_lingua/data/classifiers/minilm-questions. Measured here on 2 shared CPU cores: records
# and labels under a minute, training about 24 min per epoch (238-263 tokens/s).
# Usage: bash scripts/train_questions.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh eval-data,train
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
mkdir -p runs/questions
.venv/bin/python scripts/hotpotqa_to_jsonl.py --out runs/questions/hotpotqa_train.jsonl --limit 800
.venv/bin/headroom-lingua train --config training/configs/minilm-questions.yaml --output runs/questions/minilm-questions
.venv/bin/python scripts/ship_classifier.py runs/questions/minilm-questions/model minilm-questions \
  --pipeline '{"sentence_slack": 0.0, "sentence_facts": "follow", "sentence_cut": "last"}'  # docs/results/classifiers.md, sections 6 and 8
