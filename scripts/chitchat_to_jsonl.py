"""Write chitchat-dataset conversations (PyPI ``chitchat-dataset``) as training JSONL records.

Each conversation becomes ``{"turns": [{"speaker": "A"|"B", "text": ...}]}``, one turn per run of
messages by the same sender (joined by spaces). The package's file is located, never imported.

    python scripts/chitchat_to_jsonl.py --out runs/chitchat.jsonl --limit 200
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import sys
from pathlib import Path


@dataclasses.dataclass
class Args:
    out: str
    limit: int = 200
    skip: int = 0
    min_turns: int = 4


def dataset_file() -> Path:
    spec = importlib.util.find_spec("chitchat_dataset")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("chitchat-dataset is not installed: pip install --no-deps chitchat-dataset")
    return Path(list(spec.submodule_search_locations)[0]) / "dataset.json"


def to_record(conversation: dict) -> dict:
    names: dict[str, str] = {}
    turns = []
    for group in conversation["messages"]:
        sender = group[0]["sender"]
        speaker = names.setdefault(sender, "AB"[len(names)] if len(names) < 2 else f"S{len(names)}")
        turns.append({"speaker": speaker, "text": " ".join(m["text"].strip() for m in group if m["text"].strip())})
    return {"turns": [t for t in turns if t["text"]]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for field in dataclasses.fields(Args):
        kind = type(field.default) if field.default is not dataclasses.MISSING else str
        parser.add_argument(f"--{field.name.replace('_', '-')}", type=kind, required=field.default is dataclasses.MISSING,
                            default=None if field.default is dataclasses.MISSING else field.default)
    args = Args(**vars(parser.parse_args(argv)))
    data = json.loads(dataset_file().read_text(encoding="utf-8"))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with open(out, "w", encoding="utf-8") as fh:
        for key in sorted(data)[args.skip:]:
            record = to_record(data[key])
            if len(record["turns"]) < args.min_turns:
                continue
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += 1
            if written >= args.limit:
                break
    print(f"{written} conversations -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
