"""Time compressing one 2,048-token prompt with the MiniLM classifier scorer against the perplexity
default (SmolLM2-135M), in one run, and print the ratio.

    .venv/bin/python scripts/bench_classifier.py                          # random-init MiniLM head
    .venv/bin/python scripts/bench_classifier.py --classifier runs/chitchat/model

Without ``--classifier`` the classifier is MiniLM-L6 with a fresh (random) two-label head: the same
shape, hence the same cost, as a trained one. The prompt is the bundled sample transcript, repeated and
cut to ``--tokens`` cl100k tokens; both compressors count the budget in cl100k. Model loading and one
warm-up call are excluded; the figure is the median of ``--repeats`` calls. A classifier folder runs
with its own pipeline settings (the shipped ones select sentences first), as users get it.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path


@dataclasses.dataclass
class Args:
    classifier: str = ""
    scorer_model: str = "smollm2-135m"
    tokens: int = 2048
    rate: float = 0.5
    repeats: int = 3
    device: str = "cpu"
    dtype: str = "auto"
    threads: int = 0


def make_prompt(n_tokens: int) -> str:
    from headroom_lingua.engine.budget import get_counter

    sample = (Path(__file__).resolve().parent.parent / "headroom_lingua" / "data" / "sample_transcript.txt")
    text = sample.read_text(encoding="utf-8")
    counter = get_counter("cl100k")
    while counter.count(text) < n_tokens:
        text = text + "\n" + text
    starts = counter.token_starts(text)
    return text[:int(starts[n_tokens])]


def random_classifier(folder: Path) -> Path:
    """MiniLM-L6 with a freshly initialised two-label head, saved as a classifier folder."""
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    from headroom_lingua.scorers.classifier.loading import resolve_backbone

    backbone = resolve_backbone("minilm")
    torch.manual_seed(0)
    AutoModelForTokenClassification.from_pretrained(backbone, num_labels=2).save_pretrained(folder)
    AutoTokenizer.from_pretrained(backbone).save_pretrained(folder)
    return folder


def timed(compressor, prompt: str, rate: float, repeats: int) -> tuple[float, object]:
    """Median seconds of ``repeats`` calls after a warm-up. Each call reads the prompt afresh: the
    classifier's cache of token probabilities would otherwise answer every call after the first."""
    forget = getattr(compressor.scorer, "clear_cache", lambda: None)
    compressor.compress(prompt, rate=rate, tokenizer="cl100k")  # warm-up
    times, result = [], None
    for _ in range(repeats):
        forget()
        t0 = time.perf_counter()
        result = compressor.compress(prompt, rate=rate, tokenizer="cl100k")
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for field in dataclasses.fields(Args):
        parser.add_argument(f"--{field.name.replace('_', '-')}", type=type(field.default), default=field.default)
    args = Args(**vars(parser.parse_args(argv)))
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    from headroom_lingua import Compressor

    prompt = make_prompt(args.tokens)
    print(f"prompt: {args.tokens} cl100k tokens, {len(prompt)} chars; rate {args.rate}; "
          f"torch threads {torch.get_num_threads()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.classifier) if args.classifier else random_classifier(Path(tmp) / "minilm-random")
        t0 = time.perf_counter()
        clf = Compressor.from_pretrained(str(folder), device=args.device, dtype=args.dtype, scorer="classifier")
        load_c = time.perf_counter() - t0
        t0 = time.perf_counter()
        ppl = Compressor.from_pretrained(args.scorer_model, device=args.device, dtype=args.dtype)
        load_p = time.perf_counter() - t0
        c_sec, c_res = timed(clf, prompt, args.rate, args.repeats)
        p_sec, p_res = timed(ppl, prompt, args.rate, args.repeats)
    label = args.classifier or "MiniLM-L6 (random head)"
    print(f"classifier  {label}: {c_sec:.3f} s per prompt (load {load_c:.1f} s), "
          f"{c_res.compressed_tokens}/{c_res.budget} tokens, sentence_slack {clf.config.sentence_slack}")
    print(f"perplexity  {args.scorer_model}: {p_sec:.3f} s per prompt (load {load_p:.1f} s), "
          f"{p_res.compressed_tokens}/{p_res.budget} tokens")
    print(f"ratio perplexity / classifier: {p_sec / c_sec:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
