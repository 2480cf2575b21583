"""The model to train: an encoder backbone with a fresh two-label token-classification head,
trained whole (``full``), head only (``head``) or through a LoRA adapter (``lora``, needs peft)."""

from __future__ import annotations

from typing import Any

from headroom_lingua.errors import ConfigError
from headroom_lingua.scorers.classifier.loading import backbone_pointer, resolve_backbone

from .config import TrainConfig

ID2LABEL = {0: "drop", 1: "keep"}


def build_model(cfg: TrainConfig) -> tuple[Any, Any, dict[str, Any]]:
    """(model, tokenizer, backbone pointer) for the config, the head seeded by ``cfg.seed``."""
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    folder = resolve_backbone(cfg.backbone)
    pointer = backbone_pointer(cfg.backbone)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    if not getattr(tokenizer, "is_fast", False):
        raise ConfigError(f"backbone {cfg.backbone!r} has no fast tokenizer: character offsets need one")
    torch.manual_seed(cfg.seed)
    model = AutoModelForTokenClassification.from_pretrained(
        folder, num_labels=2, id2label=ID2LABEL, label2id={v: k for k, v in ID2LABEL.items()})
    limit = getattr(model.config, "max_position_embeddings", None)
    if limit is not None and cfg.window > limit:
        raise ConfigError(f"window={cfg.window} exceeds the backbone's {limit} positions; use --window {limit} or less")
    if cfg.dropout >= 0:
        for module in model.modules():
            if isinstance(module, torch.nn.Dropout):
                module.p = cfg.dropout
    if cfg.mode == "head":
        for name, param in model.named_parameters():
            param.requires_grad = name.startswith("classifier.")
    elif cfg.mode == "lora":
        model = _with_lora(model, cfg)
    return model, tokenizer, pointer


def _with_lora(model: Any, cfg: TrainConfig) -> Any:
    try:
        from peft import LoraConfig, TaskType, get_peft_model
    except ImportError:
        raise ConfigError("mode='lora' needs peft: pip install 'headroom-lingua[train]'") from None
    config = LoraConfig(task_type=TaskType.TOKEN_CLS, r=cfg.lora_r, lora_alpha=cfg.lora_alpha,
                        lora_dropout=cfg.lora_dropout, target_modules=list(cfg.lora_targets) or None)
    return get_peft_model(model, config)  # the classification head is trained in full (modules_to_save)
