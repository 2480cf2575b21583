"""Check on the real default model that compression keeps meaning in the bundled samples: every
action item (a who-does-what clause) with its owner and object, every amount with its unit.

    .venv/bin/python scripts/check_meaning.py --rate 0.5

Prints each sample's compressed text and one line per check; exits 1 if any check fails.
Fakes test the same properties hermetically in tests/test_meaning.py.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from importlib import resources

from headroom_lingua import compress
from headroom_lingua.engine.entities import commitment_spans
from headroom_lingua.engine.quantities import quantity_spans

SAMPLES = ("sample_transcript.txt", "sample_meeting.txt")


@dataclasses.dataclass
class Args:
    rate: float = 0.5
    model: str = "smollm2-135m"


def _amounts(text: str) -> list[str]:
    """Quantities that carry a unit, magnitude, currency or month (not bare numbers)."""
    return [text[s:e] for s, e in quantity_spans(text) if any(c.isalpha() or c in "$€£¥%" for c in text[s:e])]


def check(name: str, args: Args) -> list[str]:
    text = resources.files("headroom_lingua").joinpath(f"data/{name}").read_text(encoding="utf-8")
    result = compress(text, rate=args.rate, model=args.model)
    print(f"== {name} at rate {args.rate}: {result.original_tokens} -> {result.compressed_tokens} tokens\n")
    print(result.text, "\n")
    failures = []
    for what, items in (("action item", [text[s:e] for s, e in commitment_spans(text)]), ("amount", _amounts(text))):
        for item in items:
            ok = item in result.text
            print(f"  {'kept   ' if ok else 'MISSING'} {what}: {item}")
            if not ok:
                failures.append(f"{name}: {what} {item!r}")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=Args.rate)
    parser.add_argument("--model", default=Args.model)
    args = Args(**vars(parser.parse_args(argv)))
    failures = [f for name in SAMPLES for f in check(name, args)]
    print(f"\n{len(failures)} check(s) failed" + "".join(f"\n  {f}" for f in failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
