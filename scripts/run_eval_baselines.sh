#!/usr/bin/env bash
# The measured quality baselines of issue 3 on this machine's CPU: squad (100), squad-multidoc (50)
# and gsm8k-cot (30) at rates 0.5/0.33/0.2 for none, truncate, random, perplexity and llmlingua,
# target Qwen2.5-Coder-0.5B-Instruct, scorer SmolLM2-135M. Hours of CPU: run it in the background.
# Pass 1 takes the first examples of every suite (sampling is nested), so all suites get early
# results; pass 2 extends the same run to the full limits. Re-running this script resumes.
# Usage: nohup bash scripts/run_eval_baselines.sh [OUT] > OUT.log 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/baselines}
common=(--suite squad squad-multidoc gsm8k-cot --methods none truncate random perplexity llmlingua
        --rates 0.5 0.33 0.2 --reference perplexity --out "$out" --threads "${THREADS:-1}" --resume)
.venv/bin/python -m headroom_lingua_eval "${common[@]}" --limit squad=20 squad-multidoc=10 gsm8k-cot=6
.venv/bin/python -m headroom_lingua_eval "${common[@]}" --limit squad=100 squad-multidoc=50 gsm8k-cot=30
