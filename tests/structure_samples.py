"""Realistic, deterministic inputs for the structure steps' tests and scripts/bench_structure.py."""

from __future__ import annotations

import json
import random
from importlib import resources

STATUSES = ("delivered", "shipped", "processing")
CITIES = ("Berlin", "Lyon", "Porto", "Austin", "Osaka", "Leeds")


def orders(n: int = 100, failed: int = 57, seed: int = 0) -> list[dict]:
    """``n`` order records; record ``failed`` has status "failed" and an error object."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        rows.append({
            "order_id": f"ORD-{10400 + i}",
            "customer": {"id": f"C{rng.randint(1000, 9999)}", "name": f"Customer {i}", "city": rng.choice(CITIES)},
            "amount": round(rng.uniform(20, 180), 2),
            "currency": "EUR",
            "status": rng.choice(STATUSES),
            "items": [{"sku": f"SKU-{rng.randint(100, 999)}", "qty": rng.randint(1, 3)}
                      for _ in range(rng.randint(1, 3))],
            "created_at": f"2026-03-{1 + i % 28:02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z",
        })
    rows[failed]["status"] = "failed"
    rows[failed]["error"] = {"code": "PAYMENT_DECLINED", "message": "card issuer declined the charge"}
    return rows


def chat_with_tool_result(n: int = 100) -> list[dict]:
    """A chat whose tool message holds a pretty-printed JSON result of ``n`` orders."""
    return [
        {"role": "system", "content": "You are a support agent for an online shop. Use the tools."},
        {"role": "user", "content": "Which of my orders from March failed, and why?"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "call_1", "type": "function",
         "function": {"name": "list_orders", "arguments": "{\"month\": \"2026-03\"}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": json.dumps({"orders": orders(n), "total": n}, indent=2)},
    ]


def service_log(lines: int = 2000, seed: int = 0) -> str:
    """A web service log: request lines with varying ids and timings (a few answered 503), a few
    warnings, two errors and one Python traceback."""
    rng = random.Random(seed)
    paths = ("/api/v1/items", "/api/v1/orders", "/health", "/api/v1/users/me")
    out = []
    for i in range(lines):
        ts = f"2026-03-14T10:{i // 60 % 60:02d}:{i % 60:02d}.{rng.randint(0, 999):03d}Z"
        if i in (700, 1500):
            out.append(f"{ts} ERROR db pool exhausted: 20/20 connections busy (request {rng.getrandbits(64):016x})")
        elif i == 1200:
            out += [f"{ts} ERROR unhandled exception in worker 3", "Traceback (most recent call last):",
                    '  File "/srv/app/handlers.py", line 88, in get_order',
                    "    return repo.load(order_id)", "KeyError: 'ORD-10457'"]
        elif i % 333 == 5:
            out.append(f"{ts} INFO GET /api/v1/orders 503 in {rng.randint(2, 80)} ms req_id={rng.getrandbits(64):016x}")
        elif i % 250 == 99:
            out.append(f"{ts} WARN slow query took {rng.randint(900, 3000)} ms on orders_by_customer")
        else:
            path = rng.choice(paths)
            out.append(f"{ts} INFO GET {path} 200 in {rng.randint(2, 80)} ms req_id={rng.getrandbits(64):016x}")
    return "\n".join(out) + "\n"


def transcript() -> str:
    return resources.files("headroom_lingua").joinpath("data/sample_transcript.txt").read_text("utf-8")


def transcript_pasted_twice() -> list[dict]:
    """A chat in which the user pastes the same transcript in two turns."""
    text = transcript()
    return [
        {"role": "user", "content": "Here is the support transcript:\n\n" + text},
        {"role": "assistant", "content": "Thanks, I read it. What would you like to know?"},
        {"role": "user", "content": "Sorry, pasting it again in case it got cut:\n\n" + text},
        {"role": "user", "content": "Summarise the customer's problem in two sentences."},
    ]


def noisy_document(pages: int = 6) -> str:
    """A report extracted from a paged PDF: a running header, page numbers, decorative rules,
    blank-line runs and trailing spaces around the transcript's paragraphs."""
    paras = [p for p in transcript().split("\n\n") if p.strip()]
    out = []
    for n in range(pages):
        body = "\n\n".join(paras[(2 * n) % len(paras):(2 * n) % len(paras) + 2])
        out.append(f"ACME Corp - Incident Review (internal)   \n\n{'=' * 60}\n\n\n\n{body}  \n\n\n\n"
                   f"{'-' * 60}\n\nPage {n + 1} of {pages}\n")
    return "\f\n".join(out)


def distinct_paragraphs(count: int, seed: int = 0) -> list[str]:
    """``count`` different made-up paragraphs of 40-80 words."""
    rng = random.Random(seed)
    vocab = [w.strip(".,:;!?()`\"'").lower() for w in transcript().split() if w.isascii()]
    vocab = sorted({w for w in vocab if w.isalpha()})
    return [" ".join(rng.choice(vocab) for _ in range(rng.randint(40, 80))).capitalize() + "." for _ in range(count)]


def documents_with_repeats(total_chars: int = 1_000_000, seed: int = 0) -> list[str]:
    """Documents of 3-8 paragraphs, about ``total_chars`` in all; a third of the paragraphs and a
    tenth of the documents repeat earlier ones."""
    rng = random.Random(seed)
    pool = distinct_paragraphs(max(50, total_chars // 400), seed)
    docs, size, used = [], 0, 0
    while size < total_chars:
        if docs and rng.random() < 0.1:
            doc = rng.choice(docs)
        else:
            paras = []
            for _ in range(rng.randint(3, 8)):
                if used and rng.random() < 0.33:
                    paras.append(pool[rng.randrange(used)])
                else:
                    paras.append(pool[used % len(pool)])
                    used += 1
            doc = "\n\n".join(paras)
        docs.append(doc)
        size += len(doc)
    return docs
