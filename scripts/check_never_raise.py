"""Issue 13's first target: with the defaults, built-in protection never makes a call raise or miss
its budget. Checked on N seeded, generated protected-dense inputs (numbers, amounts, dates and
times, versions, ids, hex, URLs, e-mails, paths, snake_case, inline and fenced code, JSON, log
lines, a few plain words), each compressed three ways at a random rate (or token budget) and a
random budget tokenizer (cl100k or o200k):

- ``Compressor.compress`` on the whole text (plain text);
- ``compress_documents`` on the text cut into 1-5 documents, half of them with a short question;
- ``compress_messages`` on the text cut into a conversation (optional system message, user and
  assistant turns, a tool result, mostly a short question as the last user message), stable mode
  (the default).

The scorer is model-free (``LengthScorer``: longer units score higher), so the check runs in
minutes on a CPU; protection, yielding, the structure steps and the fitting are the same code
as with a model scorer. Counted: exceptions by class (target 0); budget misses, i.e.
``compressed_tokens > budget`` when ``budget < original_tokens`` (target 0); for messages the
``over_budget`` field (allowed only where the verbatim parts, system messages and the last user
message, alone exceed the budget; checked against the package's own count of those parts);
plain-text outputs that are not a subsequence of the input. Documents whose question alone
exceeds the budget raise ``BudgetError`` by design (the question is never compressed); those are
counted apart.

    python scripts/check_never_raise.py [--n 10000] [--seed 0]
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import string
import sys
import time
import traceback


def is_subsequence(small: str, big: str) -> bool:
    it = iter(big)
    return all(ch in it for ch in small)


WORDS = ("the", "order", "failed", "and", "please", "call", "deploy", "rollback", "at", "for", "owner", "ticket")


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _ident(rng: random.Random, lo: int = 3, hi: int = 7) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(lo, hi)))


def _json(rng: random.Random, depth: int = 0) -> object:
    kind = rng.random()
    if depth < 2 and kind < 0.35:
        return {_ident(rng): _json(rng, depth + 1) for _ in range(rng.randint(1, 5))}
    if depth < 2 and kind < 0.55:
        return [_json(rng, depth + 1) for _ in range(rng.randint(1, 6))]
    return rng.choice([rng.randint(-10**6, 10**6), round(rng.uniform(0, 1000), 2), True, False, None,
                       _ident(rng), f"ORD-{rng.randint(10000, 99999)}", f"2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"])


def _code(rng: random.Random) -> str:
    var = _ident(rng)
    body = rng.choice([f"for {var} in range({rng.randint(1, 99)}):\n    print({var})",
                       f"{var} = fetch('{_ident(rng)}', timeout={rng.randint(1, 60)})\nif not {var}:\n    raise SystemExit(1)",
                       f"SELECT id, amount FROM orders WHERE id = {rng.randint(1, 9999)};",
                       f"pool_size: {rng.randint(1, 200)}\nhost: db-{_ident(rng)}.internal:5432"])
    return f"```{rng.choice(['python', 'sql', 'yaml', ''])}\n{body}\n```"


def _log(rng: random.Random) -> str:
    lines = []
    for i in range(rng.randint(2, 12)):
        level = rng.choice(["INFO", "INFO", "INFO", "WARN", "ERROR"])
        lines.append(f"2026-03-14T10:{i // 60:02d}:{i % 60:02d}Z {level} GET /api/v1/{_ident(rng)} "
                     f"{rng.choice([200, 200, 404, 500])} in {rng.randint(1, 900)} ms req={_hex(rng, 8)}")
    return "\n".join(lines)


def atom(rng: random.Random) -> str:
    k = rng.randrange(22)
    if k == 0:
        return str(rng.randint(0, 10**9))
    if k == 1:
        return f"{rng.randint(-10**4, 10**6):,}" if rng.random() < 0.5 else f"{rng.uniform(-100, 10**5):.{rng.randint(1, 4)}f}"
    if k == 2:
        return rng.choice(["$", "€", "£", "USD "]) + f"{rng.uniform(0, 10**6):,.2f}"
    if k == 3:
        return rng.choice([f"{rng.randint(1, 99)}%", f"{rng.randint(1, 500)} ms", f"{rng.randint(1, 64)} GB",
                           f"Q{rng.randint(1, 4)}", f"{rng.randint(1, 12)}x"])
    if k == 4:
        return rng.choice([f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
                           f"20{rng.randint(10, 30)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                           f"2026-03-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z",
                           f"{rng.randint(1, 28)} March 2026", f"{rng.randint(1, 12)}/{rng.randint(1, 28)}/2026"])
    if k == 5:
        return rng.choice([f"v{rng.randint(0, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 99)}",
                           f"{rng.randint(0, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}-rc{rng.randint(1, 5)}",
                           f"python{rng.choice(['3.10', '3.11', '3.12'])}"])
    if k == 6:
        return rng.choice([f"INC-{rng.randint(1000, 9999)}", f"ERR{rng.randint(1, 999)}", f"ORD-{rng.randint(10000, 99999)}",
                           f"{_hex(rng, 8)}-{_hex(rng, 4)}-{_hex(rng, 4)}-{_hex(rng, 4)}-{_hex(rng, 12)}",
                           f"JIRA-{rng.randint(1, 99999)}", f"#{rng.randint(1, 99999)}"])
    if k == 7:
        return rng.choice([f"0x{_hex(rng, rng.choice([4, 8, 16])).upper()}", _hex(rng, rng.choice([7, 12, 40]))])
    if k == 8:
        return (f"https://{_ident(rng)}.example.com/{_ident(rng, 1, 10)}"
                + rng.choice(["", f"?id={rng.randint(1, 999)}", f"/{_ident(rng)}.json", "#top"]))
    if k == 9:
        return f"{_ident(rng, 2, 8)}{rng.choice(['', '.', '_'])}{_ident(rng, 0, 4)}@{_ident(rng)}.{rng.choice(['org', 'com', 'io'])}"
    if k == 10:
        return "_".join(_ident(rng) for _ in range(rng.randint(2, 3)))
    if k == 11:
        return rng.choice([f"/etc/{_ident(rng)}/{_ident(rng)}.conf", f"src/{_ident(rng)}/{_ident(rng)}.py:{rng.randint(1, 999)}",
                           f"C:\\Users\\{_ident(rng)}\\{_ident(rng)}.txt"])
    if k == 12:
        return rng.choice([f"`{_ident(rng)} = f({_ident(rng)})`", f"`{_ident(rng)}()`", f"`--{_ident(rng)}={rng.randint(1, 99)}`"])
    if k == 13:
        return _code(rng)
    if k == 14:
        return json.dumps(_json(rng), indent=rng.choice([None, 2]))
    if k == 15:
        return _log(rng)
    if k == 16:
        return _ident(rng).capitalize() + rng.choice(["Service", "Manager", ""]) + rng.choice(["", ":"])
    return rng.choice(WORDS)


def dense_text(rng: random.Random) -> str:
    n = rng.choice([rng.randint(1, 8), rng.randint(1, 60), rng.randint(1, 60), rng.randint(40, 200)])
    parts = [atom(rng) for _ in range(n)]
    out = parts[0]
    for p in parts[1:]:
        out += rng.choice([" ", " ", " ", ", ", "\n", "\n\n", " - "]) + p
    return out


def split(rng: random.Random, text: str, k: int) -> list[str]:
    """``text`` cut at whitespace into at most ``k`` non-empty pieces."""
    words = text.split(" ")
    cuts = sorted(rng.sample(range(1, len(words)), min(k - 1, len(words) - 1))) if len(words) > 1 else []
    pieces = [" ".join(words[a:b]) for a, b in zip([0] + cuts, cuts + [len(words)])]
    return [p for p in pieces if p.strip()] or [text]


def conversation(rng: random.Random, text: str) -> list[dict]:
    pieces = split(rng, text, rng.randint(2, 8))
    msgs: list[dict] = []
    if rng.random() < 0.5 and len(pieces) > 1:
        msgs.append({"role": "system", "content": pieces.pop(0) if rng.random() < 0.25 else "You are a helpful assistant."})
    role = "user"
    for i, p in enumerate(pieces):
        if role == "assistant" and rng.random() < 0.25 and i < len(pieces) - 1:
            msgs.append({"role": "assistant", "content": "Let me check.",
                         "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}]})
            msgs.append({"role": "tool", "tool_call_id": "c1", "content": p})
            role = "user"
            continue
        msgs.append({"role": role, "content": p})
        role = "assistant" if role == "user" else "user"
    if msgs[-1]["role"] != "user" or rng.random() < 0.7:  # mostly a short question last, as in chats
        msgs.append({"role": "user", "content": rng.choice(["What failed?", "Summarise.", "Which order is late?"])})
    return msgs


def budget_args(rng: random.Random, original_hint: int) -> dict:
    if rng.random() < 0.8:
        return {"rate": rng.choice([rng.uniform(0.01, 1.0), rng.uniform(0.01, 0.2), rng.choice([0.1, 0.2, 0.33, 0.5])])}
    return {"target_tokens": rng.randint(1, max(2, original_hint))}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    import headroom_lingua
    from headroom_lingua import BudgetError, Compressor, compress_documents, compress_messages
    from headroom_lingua.frontends.messages import MessagesConfig
    from headroom_lingua.frontends.messages.compress import _fixed
    from headroom_lingua.frontends.messages.parse import parse_messages
    from headroom_lingua.scorers import LengthScorer

    comps = {t: Compressor(LengthScorer(), tokenizer=t) for t in ("cl100k", "o200k")}
    rng = random.Random(args.seed)
    raised = collections.Counter()
    examples: dict[str, str] = {}
    counts = collections.Counter()
    seconds = collections.Counter()
    tokens = collections.Counter()
    start = time.perf_counter()

    def fail(front: str, exc: BaseException, what: str) -> None:
        key = f"{front}: {type(exc).__name__}"
        raised[key] += 1
        examples.setdefault(key, f"{what!r}\n{traceback.format_exc(limit=3)}")

    for i in range(args.n):
        text = dense_text(rng)
        tok = rng.choice(("cl100k", "o200k"))
        comp = comps[tok]
        n_text = comp.counter().count(text)
        tokens["text"] += n_text
        # plain text
        kw = budget_args(rng, n_text)
        t0 = time.perf_counter()
        try:
            r = comp.compress(text, **kw)
            counts["text calls"] += 1
            if r.budget < r.original_tokens:
                counts["text under budget asked"] += 1
                counts["text budget misses"] += r.compressed_tokens > r.budget
                counts["text with yielded spans"] += bool(r.yielded)
            counts["text not a subsequence"] += not is_subsequence(r.text, text)
        except Exception as exc:  # noqa: BLE001 - counting is the point
            fail("compress", exc, (text, kw))
        seconds["compress"] += time.perf_counter() - t0
        # documents
        docs = split(rng, text, rng.randint(1, 5))
        question = rng.choice([None, f"What happened to {atom(rng)}?"])
        kw = budget_args(rng, n_text)
        t0 = time.perf_counter()
        try:
            r = compress_documents(docs, question=question, model=comp, **kw)
            counts["documents calls"] += 1
            if r.budget < r.original_tokens:
                counts["documents under budget asked"] += 1
                counts["documents budget misses"] += r.compressed_tokens > r.budget
        except BudgetError as exc:
            if "instruction and question alone" in str(exc):
                counts["documents: question alone over budget (documented BudgetError)"] += 1
            else:
                fail("compress_documents", exc, (docs, question, kw))
        except Exception as exc:  # noqa: BLE001
            fail("compress_documents", exc, (docs, question, kw))
        seconds["compress_documents"] += time.perf_counter() - t0
        # messages
        msgs = conversation(rng, text)
        kw = budget_args(rng, n_text)
        t0 = time.perf_counter()
        try:
            r = compress_messages(msgs, model=comp, **kw)
            counts["messages calls"] += 1
            if r.budget < r.original_tokens:
                counts["messages under budget asked"] += 1
                over = r.compressed_tokens > r.budget
                counts["messages over budget (over_budget > 0)"] += r.over_budget > 0
                counts["messages over budget but over_budget == 0 (unreported miss)"] += over and r.over_budget == 0
                counts["messages over_budget != compressed - budget"] += over and r.over_budget != r.compressed_tokens - r.budget
                if r.over_budget > 0:
                    fixed = _fixed(parse_messages(msgs, comp.counter(), MessagesConfig()))
                    counts["messages over budget where the verbatim parts alone fit (not allowed)"] += fixed <= r.budget
            else:
                counts["messages budget >= original: over budget"] += r.compressed_tokens > r.original_tokens
        except Exception as exc:  # noqa: BLE001
            fail("compress_messages", exc, (msgs, kw))
        seconds["compress_messages"] += time.perf_counter() - t0
        if (i + 1) % 1000 == 0:
            print(f"  {i + 1} inputs, {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)

    total = time.perf_counter() - start
    print(f"check_never_raise: {args.n} generated protected-dense inputs, seed {args.seed}, "
          f"headroom_lingua from {headroom_lingua.__file__}")
    print("scorer LengthScorer (model-free); default CompressionConfig / DocumentsConfig / MessagesConfig; "
          "budget tokenizers cl100k and o200k at random; rates uniform in [0.01, 1] (or a target_tokens)")
    print(f"input tokens: mean {tokens['text'] / args.n:.1f} per input")
    print("\nexceptions raised, by front end and class (target: none)")
    if not raised:
        print("  none")
    for key, n in sorted(raised.items()):
        print(f"  {key}: {n}")
    print("\ncounts")
    for key in sorted(counts):
        print(f"  {key}: {counts[key]}")
    print("\nseconds")
    for key, s in seconds.items():
        print(f"  {key}: {s:.1f} s ({1000 * s / args.n:.1f} ms per call)")
    print(f"  total: {total:.1f} s")
    for key, text in examples.items():
        print(f"\nfirst failure of {key}:\n{text[:2000]}")
    misses = (counts["text budget misses"] + counts["documents budget misses"]
              + counts["messages over budget but over_budget == 0 (unreported miss)"]
              + counts["messages over budget where the verbatim parts alone fit (not allowed)"]
              + counts["text not a subsequence"])
    ok = not raised and not misses
    print("\nRESULT:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
