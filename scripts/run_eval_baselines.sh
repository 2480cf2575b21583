#!/usr/bin/env bash
# The measured quality baselines of issue 3 on this machine's CPU: squad (100), squad-multidoc (50)
# and gsm8k-cot (30) at rates 0.5/0.33/0.2 for none, truncate, random, perplexity and llmlingua,
# target Qwen2.5-Coder-0.5B-Instruct, scorer SmolLM2-135M. Hours of CPU: run it in the background.
# Pass 1 takes the first examples of every suite (sampling is nested), so all suites get early
# results; pass 2 extends the same run to the full limits. Re-running this script resumes.
# SHARDS=N runs N processes side by side (THREADS torch threads each), then merges the reports.
# Usage: nohup bash scripts/run_eval_baselines.sh [OUT] > OUT.log 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/baselines}
shards=${SHARDS:-1}
common=(--suite squad squad-multidoc gsm8k-cot --methods none truncate random perplexity llmlingua
        --rates 0.5 0.33 0.2 --reference perplexity --out "$out" --threads "${THREADS:-1}" --resume
        --batch-size "${BATCH_SIZE:-16}")
for limits in "squad=20 squad-multidoc=10 gsm8k-cot=6" "squad=100 squad-multidoc=50 gsm8k-cot=30"; do
  # shellcheck disable=SC2086
  if [ "$shards" -le 1 ]; then
    .venv/bin/python -m headroom_lingua_eval "${common[@]}" --limit $limits
  else
    pids=()
    for ((i = 0; i < shards; i++)); do
      .venv/bin/python -m headroom_lingua_eval "${common[@]}" --limit $limits --shard "$i/$shards" \
        2> "$out.shard$i.log" &
      pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid"; done
    .venv/bin/python -m headroom_lingua_eval --out "$out" --merge-only
  fi
done
