"""Benchmark: the pipeline's own time per prompt, the model left out.

The default model scores a SQuAD prompt once; a scorer that hands back those same scores then
stands in for it, so what ``compress`` spends (segmenting, protecting, counting, the budget
search, rendering) is timed alone. On a GPU the forward pass takes 5-25 ms for 2,048 tokens, so
this overhead decides the end-to-end time there. Prints, over --repeats calls, the median and the
minimum wall time and the median CPU time of the process (less disturbed by other work on a
shared machine than wall time).

Each call gets a text not seen before, so per-text work that a cache could hide (the names a text
uses and the patterns built from them, a render memo) is timed as a new prompt pays it: the
prompt's capitalised words get their second letter shifted by the call's number (the same units,
other names: "Normans" -> "Nprmans") and a numbered line is appended; the recorded scores are
replayed by position (the lowest score for the appended units). The renamed words are new
pre-tokens to the budget counter's cache, which a long-running process has filled with a
language's common ones; so each variant is compressed once before the timed calls (the per-text
caches keep only the last few texts, so they do not help the timed calls). ``--same-text``
repeats one text.

    python scripts/bench_overhead.py --sizes 512 2048 8192 --repeats 30
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import regex

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_compress import squad_text  # noqa: E402


_CAPITAL = regex.compile(r"(?<!\p{L})\p{Lu}[a-z]\p{L}*")


def renamed(text: str, shift: int) -> str:
    """``text`` with the second letter of each capitalised word shifted by ``shift`` (a to z),
    except the words that are never names ("The", "When", ...): those stay what a text has."""
    from headroom_lingua.engine.entities import _NOT_NAMES

    def shifted(m: regex.Match) -> str:
        w = m.group()
        return w if w in _NOT_NAMES else w[0] + chr(97 + (ord(w[1]) - 97 + shift) % 26) + w[2:]

    return _CAPITAL.sub(shifted, text)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[512, 2048, 8192])
    p.add_argument("--rates", type=float, nargs="+", default=[0.5, 0.33, 0.2])
    p.add_argument("--repeats", type=int, default=30)
    p.add_argument("--model", default="smollm2-135m")
    p.add_argument("--same-text", action="store_true", help="repeat one text (per-text caches hit)")
    p.add_argument("--rounds", type=int, default=1,
                   help="time the repeats this many times and print the quietest round (lowest median): "
                        "other tenants of a shared host slow whole stretches of a run")
    a = p.parse_args()

    import numpy as np

    from headroom_lingua import Compressor
    from headroom_lingua.scorers.base import Scorer

    real = Compressor.from_pretrained(a.model)

    class Replay(Scorer):
        """Hands back the scores recorded from the real scorer for the prompt, by position."""

        name = "replay"

        def __init__(self, counter, table):
            self.counter, self.table = counter, table

        def score(self, units, rate=None):
            scores = self.table["scores"]
            extra = len(units) - len(scores)
            return np.concatenate((scores, np.full(extra, scores.min()))) if extra > 0 else scores[:len(units)]

    print(f"model {a.model}, budget tokenizer {real.counter().name}, median of {a.repeats}"
          + (f", the quietest of {a.rounds} rounds" if a.rounds > 1 else ""))
    print(f"{'tokens':>7} {'rate':>5} {'median ms':>9} {'min ms':>7} {'CPU ms':>7} {'achieved':>8}")
    for n in a.sizes:
        text = squad_text(n, real.scorer.tokenizer)
        table = {}

        class Recorder(Scorer):
            counter = real.scorer.counter

            def score(self, units, rate=None):
                table["scores"] = np.asarray(real.scorer.score(units), dtype=np.float64)
                return table["scores"]

        Compressor(Recorder()).compress(text, rate=0.5)
        fast = Compressor(Replay(real.scorer.counter, table))
        prompts = [text if a.same_text else renamed(text, i + 1) for i in range(a.repeats)]
        for prompt in prompts:  # the pre-token cache learns the renamed words
            fast.compress(prompt, rate=a.rates[0])
        for rate in a.rates:
            fast.compress(text, rate=rate)  # warm-up
            rounds = []  # (median wall, min wall, median CPU) of each round
            for _ in range(a.rounds):
                times, cpu = [], []
                for i in range(a.repeats):
                    prompt = prompts[i] if a.same_text else f"{prompts[i]}\n\nNote {rate} {i}."
                    t0, c0 = time.perf_counter(), time.process_time()
                    r = fast.compress(prompt, rate=rate)
                    times.append(time.perf_counter() - t0)
                    cpu.append(time.process_time() - c0)
                rounds.append((statistics.median(times), min(times), statistics.median(cpu)))
            median, low, cpu_median = min(rounds)  # the quietest round
            print(f"{n:>7} {rate:>5.2f} {1000 * median:>9.2f} {1000 * low:>7.2f} {1000 * cpu_median:>7.2f} {r.rate:>8.3f}")


if __name__ == "__main__":
    main()
