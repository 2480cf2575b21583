#!/usr/bin/env bash
# The measured result of the question-aware documents issue: squad-multidoc (100 questions, the
# paragraph among 9 shuffled distractors) at rates 0.5/0.33/0.2 for none, the project's
# question-aware `documents`, its question-agnostic `perplexity` and the llmlingua package's
# LongLLMLingua, scorer SmolLM2-135M for every method, target Qwen2.5-Coder-0.5B-Instruct.
# About 2.5 hours of one CPU core; SHARDS=2 splits it over two processes. Re-running resumes.
# Usage: nohup bash scripts/run_eval_documents.sh [OUT] > OUT.log 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/documents}
shards=${SHARDS:-1}
common=(--suite squad-multidoc --methods none documents perplexity longllmlingua --rates 0.5 0.33 0.2
        --limit 100 --reference longllmlingua --out "$out" --threads "${THREADS:-1}" --resume
        --batch-size "${BATCH_SIZE:-16}")
if [ "$shards" -le 1 ]; then
  .venv/bin/python -m headroom_lingua_eval "${common[@]}"
else
  pids=()
  for ((i = 0; i < shards; i++)); do
    .venv/bin/python -m headroom_lingua_eval "${common[@]}" --shard "$i/$shards" 2> "$out.shard$i.log" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  .venv/bin/python -m headroom_lingua_eval --out "$out" --merge-only
fi
