"""Copy a trained head-only or LoRA classifier folder into the package, small enough to ship.

Kept: the adapter (or head) weights, ``config.json``, ``adapter_config.json``,
``headroom_lingua.json`` (settings, calibrated threshold, backbone pointer with its SHA-256),
``train_config.json`` and ``metrics.json``. Left out: the tokenizer (the loader reads the backbone's)
and peft's generated README. A full fine-tuned folder is refused: its weights are the whole encoder.
``--pipeline`` stores the ``CompressionConfig`` fields the model was measured best with; they apply
when a caller loads it without a config.

    python scripts/ship_classifier.py runs/default/minilm-transcripts/model minilm-transcripts
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "headroom_lingua" / "data" / "classifiers"
FILES = ("config.json", "headroom_lingua.json", "adapter_config.json", "adapter_model.safetensors",
         "head.safetensors", "train_config.json", "metrics.json")
MAX_BYTES = 4 << 20


def ship(source: Path, name: str, pipeline: dict | None = None) -> Path:
    meta = json.loads((source / "headroom_lingua.json").read_text(encoding="utf-8"))
    if pipeline:  # CompressionConfig fields loaded with the model when the caller gives no config
        from headroom_lingua import CompressionConfig

        CompressionConfig(**pipeline)  # validated here, not first at a user's load
        meta["pipeline"] = pipeline
    if meta.get("weights") not in ("head", "lora"):
        sys.exit(f"{source}: weights {meta.get('weights')!r}; only head-only or LoRA folders are shipped")
    if "package" not in meta.get("backbone", {}):
        sys.exit(f"{source}: its backbone is a local folder, not a registry package; users could not get it")
    dest = SHIPPED / name
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for file in FILES:
        if (source / file).is_file():
            shutil.copyfile(source / file, dest / file)
            (dest / file).chmod(0o644)
    adapter = dest / "adapter_config.json"
    if adapter.is_file():  # peft writes the training machine's backbone path; the loader reads the pointer
        settings = json.loads(adapter.read_text(encoding="utf-8"))
        settings["base_model_name_or_path"] = None
        adapter.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    if "questions" not in meta:  # folders exported before the field existed: read the training data
        data = json.loads((source / "train_config.json").read_text(encoding="utf-8"))["data"]
        meta["questions"] = any(json.loads(line).get("question") for path in data
                                for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip())
    (dest / "headroom_lingua.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    size = sum(f.stat().st_size for f in dest.iterdir())
    if size > MAX_BYTES:
        shutil.rmtree(dest)
        sys.exit(f"{source}: {size / 1e6:.1f} MB to ship, over the {MAX_BYTES >> 20} MB limit")
    print(f"{dest}: {size / 1e6:.2f} MB ({', '.join(sorted(f.name for f in dest.iterdir()))})")
    return dest


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("source", type=Path, help="the trained model folder (<run>/model)")
    p.add_argument("name", help="the registered name, e.g. minilm-transcripts")
    p.add_argument("--pipeline", type=json.loads, default=None, metavar="JSON",
                   help='CompressionConfig fields the model loads with, e.g. \'{"sentence_slack": 0}\'')
    args = p.parse_args(argv)
    ship(args.source, args.name, args.pipeline)


if __name__ == "__main__":
    main()
