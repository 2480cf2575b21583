"""Compress a meeting transcript dense in times, amounts, ids, URLs and code with the defaults, at
rates 0.33 and 0.2, and print whether the budget held and what protected text yielded.

    python scripts/check_dense_transcript.py [--model smollm2-135m] [--tokenizer cl100k]
"""

from __future__ import annotations

import argparse
import dataclasses

TRANSCRIPT = """[09:02] Ann: Morning. Agenda: INC-4411 (checkout 503s), the Q3 budget, and the v2.4.1 rollout.
[09:03] Bob: INC-4411 started 2026-03-14 at 10:20 UTC; 1,284 requests failed, about 3.7% of traffic.
[09:04] Bob: Root cause was pool_size=20 on db-prod-2 (host 10.0.4.17); the fix is PR #8812, commit 9f3c2a1e.
[09:05] Ann: Cost so far? Carla: refunds of $12,480.50 plus €3,200 in credits, ticket FIN-2291.
[09:06] Carla: Invoices INV-2026-0412 and INV-2026-0413 are due 2026-04-01, $48,900 and $7,350.75.
[09:07] Dev: Config change, for the record:
```yaml
database:
  pool_size: 60
  timeout_ms: 2500
  replica: db-prod-3.internal:5432
```
[09:09] Dev: Also `export DB_POOL_SIZE=60` on every node, see https://wiki.example.com/runbooks/db-pool and
https://grafana.example.com/d/abc123/checkout?from=1710410400000 for the graphs.
[09:11] Ann: Q3 budget: marketing gets $250,000 (up 12%), infra $410,000, hiring freeze until 2026-09-30.
[09:12] Bob: v2.4.1 ships 2026-03-20 at 14:00 CET behind flag checkout_v2_enabled; rollback plan in RFC-117.
[09:13] Carla: Contact for the vendor is ops@vendor.example.org, account 0x7FA3C2D1, contract CT-99812.
[09:14] Dev: Load test: p50 42 ms, p95 180 ms, p99 1.2 s at 3,500 rps; target p99 < 800 ms.
[09:15] Ann: Actions: Bob owns INC-4411 postmortem by 2026-03-18; Dev merges PR #8812 today at 16:30;
Carla files FIN-2291 by Friday. Next sync 2026-03-21 09:00.
"""


@dataclasses.dataclass
class Args:
    model: str = "smollm2-135m"
    tokenizer: str = "cl100k"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for f in dataclasses.fields(Args):
        parser.add_argument(f"--{f.name}", default=f.default)
    args = Args(**vars(parser.parse_args()))
    from headroom_lingua import CompressionConfig, Compressor

    comp = Compressor.from_pretrained(args.model)
    strict = Compressor(comp.scorer, config=CompressionConfig(on_overflow="raise"))
    for rate in (0.33, 0.2):
        r = comp.compress(TRANSCRIPT, rate=rate, tokenizer=args.tokenizer)
        try:
            strict.compress(TRANSCRIPT, rate=rate, tokenizer=args.tokenizer)
            before = "fits"
        except Exception as exc:  # the strict behaviour of earlier releases
            before = f"{type(exc).__name__}: {exc}"
        print(f"rate {rate}: {r.original_tokens} -> {r.compressed_tokens} tokens (budget {r.budget}, "
              f"holds: {r.compressed_tokens <= r.budget}); on_overflow='raise': {before}")
        print(f"  yielded {len(r.yielded)}: {list(r.yielded)}")
        print("  text:", r.text.replace("\n", " / ")[:1200])


if __name__ == "__main__":
    main()
