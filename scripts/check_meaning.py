"""Check on the real default model that compression keeps meaning in the bundled samples: every
action item (a who-does-what clause) with its owner and object (for "I will ...", the speaker
label on the same line), every amount with its unit.

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
from headroom_lingua.engine.protect import PROTECTORS
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
    items = [("action item", text[s:e], _speaker(text, s)) for s, e in commitment_spans(text)]
    items += [("amount", a, "") for a in _amounts(text)]
    for what, item, speaker in items:
        # A first-person item ("I will ...") keeps its owner only with its speaker on its line.
        ok = any(item in line and line.lstrip().startswith(speaker) for line in result.text.splitlines())
        print(f"  {'kept   ' if ok else 'MISSING'} {what}: {speaker + ' ... ' if speaker else ''}{item}")
        if not ok:
            failures.append(f"{name}: {what} {item!r}")
    return failures


def _speaker(text: str, start: int) -> str:
    """The speaker label ("Marcus:") of the line where a first-person item starts, else ""."""
    if not text.startswith(("I ", "We ", "we "), start):
        return ""
    line = text.rfind("\n", 0, start) + 1
    label = next(((s, e) for s, e in PROTECTORS["labels"](text) if line <= s and e <= start), None)
    return text[label[0]:label[1]].strip() if label else ""


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
