"""Train the keep/drop classifier: records -> labels -> windows -> an ``accelerate`` loop -> model folder.

The same command runs on one process or under ``accelerate launch --num_processes N`` unchanged:
``batch_size`` is the global batch; each process takes its slice of every batch, and its loss is
scaled so that the averaged gradient equals the one-process gradient (class-weighted mean over the
global batch's tokens). Labels are made sharded (each process labels its share into the cache).

Resumable: a checkpoint (model, optimiser, scheduler, RNG states, position in the epoch, best
validation F1) is written every ``save_steps`` steps and at each epoch end; the shuffling of each
epoch is a pure function of (seed, epoch), so a killed run continues to the same final weights.

Example:
    >>> from training.config import TrainConfig
    >>> result = train(TrainConfig(data=("chats.jsonl",), output="runs/c1"))   # doctest: +SKIP
    >>> result.model_dir                                                         # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from .checkpoint import CheckpointState, latest_checkpoint, save_checkpoint
from .config import TrainConfig
from .data import load_records
from .features import Example, class_weights, record_examples, split_records
from .labels import build_labels, make_source, write_report
from .modeling import build_model


def _quiet(line: str) -> None:
    """The log of processes other than the main one."""


@dataclasses.dataclass
class TrainResult:
    model_dir: Path
    metrics: dict[str, Any]


def label_source(cfg: TrainConfig) -> Any:
    kw: dict[str, Any] = {}
    if cfg.labels == "alignment":
        kw = {"max_variation_rate": None if cfg.max_variation_rate < 0 else cfg.max_variation_rate,
              "max_alignment_gap": None if cfg.max_alignment_gap < 0 else cfg.max_alignment_gap}
    else:
        kw = {"model": cfg.teacher, "keep_rate": cfg.keep_rate, "device": cfg.device}
    if cfg.label_method:
        kw["method"] = cfg.label_method
    return make_source(cfg.labels, **kw)


def make_accelerator(cfg: TrainConfig) -> Any:
    """The run's ``Accelerator`` (made before labelling, so that labels are sharded the same way)."""
    import torch
    from accelerate import Accelerator

    bf16 = cfg.bf16 == "yes" or (cfg.bf16 == "auto" and torch.cuda.is_available() and cfg.device != "cpu")
    cpu = cfg.device == "cpu" or (cfg.device == "auto" and not torch.cuda.is_available())
    return Accelerator(cpu=cpu, mixed_precision="bf16" if bf16 else "no")


def prepare_labels(cfg: TrainConfig, source: Any = None, log: Callable[[str], None] = print,
                   shard: tuple[int, int] | None = None) -> tuple[Any, Any]:
    """(loaded data, label run) for the config; the label report is written to the run folder."""
    loaded = load_records(list(cfg.data), on_bad=cfg.on_bad)
    if cfg.max_records:
        loaded.records = loaded.records[:cfg.max_records]
    log(f"data: {loaded.summary()}")
    for bad in loaded.rejected[:10]:
        log(f"  rejected {bad}")
    source = source if source is not None else label_source(cfg)
    run = build_labels(loaded.records, source, cfg.cache_dir, cfg.label_batch_size, progress=cfg.progress,
                       shard=shard)
    path = write_report(run, source.name, cfg.run_dir)
    speed = f", {run.tokens_labelled / run.seconds:.0f} {run.token_unit}/s" if run.tokens_labelled else ""
    log(f"labels: keep rate {run.report['keep_rate']:.3f}, {run.report['labelled']} labelled, "
        f"rejects {run.report['rejects']}; labelled {run.tokens_labelled} {run.token_unit} in this run "
        f"in {run.seconds:.1f} s{speed}; report {path}")
    return loaded, run


def _examples(tokenizer: Any, records: Sequence[Any], labels: dict, cfg: TrainConfig) -> list[Example]:
    return [ex for r in records for ex in record_examples(tokenizer, r, labels[r.fingerprint], cfg.window,
                                                          cfg.stride, cfg.max_question_tokens)]


def _batch_tensors(examples: Sequence[Example], pad_id: int) -> tuple[dict[str, Any], Any]:
    """Inputs (b, t) and labels (b, t), right padded (labels -100 on padding)."""
    import torch

    from headroom_lingua.scorers.classifier.windows import collate

    inputs = collate([(e.ids, e.types) for e in examples], pad_id)
    labels = torch.full(inputs["input_ids"].shape, -100, dtype=torch.long)  # (b, t)
    for r, e in enumerate(examples):
        labels[r, :len(e.labels)] = torch.from_numpy(e.labels)
    return inputs, labels


def _epoch_batches(n: int, batch_size: int, seed: int, epoch: int) -> list[np.ndarray]:
    order = np.random.default_rng([seed, epoch]).permutation(n)
    return [order[a:a + batch_size] for a in range(0, n, batch_size)]


class _Loop:
    """One training run's moving parts (kept together so each method stays short)."""

    def __init__(self, cfg: TrainConfig, acc: Any, train_ex: list[Example], val_ex: list[Example], model: Any,
                 tokenizer: Any, log: Callable[[str], None]):
        import torch
        from transformers import get_linear_schedule_with_warmup

        self.cfg, self.train_ex, self.val_ex, self.tokenizer, self.log = cfg, train_ex, val_ex, tokenizer, log
        self.acc = acc
        self.weights = torch.tensor(class_weights(train_ex, cfg.class_weight), dtype=torch.float32)
        self.steps_per_epoch = math.ceil(len(train_ex) / cfg.batch_size)
        total = cfg.epochs * self.steps_per_epoch
        self.total_steps = min(total, cfg.max_steps) if cfg.max_steps else total
        params = [p for p in model.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
        self.scheduler = get_linear_schedule_with_warmup(optimizer, int(cfg.warmup_ratio * self.total_steps),
                                                         self.total_steps)
        # The scheduler is registered, not prepared: a prepared one steps once per process.
        self.model, self.optimizer = self.acc.prepare(model, optimizer)
        self.acc.register_for_checkpointing(self.scheduler)
        self.pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        self.state = CheckpointState()

    def step_loss(self, batch: Sequence[Example]) -> tuple[Any, float, int]:
        """This process's share of the loss (scaled for the gradient average), the global batch loss
        as a float, and the tokens this process read."""
        import torch

        rank, world = self.acc.process_index, self.acc.num_processes
        mine = list(batch)[rank::world]
        inputs, labels = _batch_tensors(mine, self.pad)
        all_labels = np.concatenate([e.labels for e in batch])
        w = self.weights.numpy()
        denom = float(w[all_labels[all_labels >= 0]].sum()) or 1.0  # global class-weighted token count
        inputs = {k: v.to(self.acc.device) for k, v in inputs.items()}
        logits = self.model(**inputs).logits.float()  # (b, t, 2)
        ce = torch.nn.functional.cross_entropy(logits.transpose(1, 2), labels.to(logits.device),
                                               weight=self.weights.to(logits.device), reduction="sum",
                                               ignore_index=-100)
        local = ce / denom
        total = self.acc.reduce(local.detach(), reduction="sum") if world > 1 else local.detach()
        return local * world, float(total), int(inputs["attention_mask"].sum())

    # -- validation ----------------------------------------------------------------------------
    def validate(self) -> dict[str, float]:
        """Token-level F1 of keep (at p >= 0.5), loss, and keep-rate calibration on the held-out windows."""
        import torch

        model = self.acc.unwrap_model(self.model)
        model.eval()
        tp = fp = fn = kept = labelled = 0
        loss_sum = weight_sum = 0.0
        with torch.no_grad():
            for a in range(0, len(self.val_ex), self.cfg.batch_size):
                inputs, labels = _batch_tensors(self.val_ex[a:a + self.cfg.batch_size], self.pad)
                logits = model(**{k: v.to(self.acc.device) for k, v in inputs.items()}).logits.float().cpu()  # (b, t, 2)
                ce = torch.nn.functional.cross_entropy(logits.transpose(1, 2), labels, weight=self.weights,
                                                       reduction="sum", ignore_index=-100)
                m = labels >= 0
                pred, gold = logits.argmax(-1)[m], labels[m]
                loss_sum += float(ce)
                weight_sum += float(self.weights[gold].sum())
                tp += int(((pred == 1) & (gold == 1)).sum())
                fp += int(((pred == 1) & (gold == 0)).sum())
                fn += int(((pred == 0) & (gold == 1)).sum())
                kept += int((pred == 1).sum())
                labelled += int(m.sum())
        model.train()
        f1 = 2 * tp / max(2 * tp + fp + fn, 1)
        gold_rate = (tp + fn) / max(labelled, 1)
        return {"val_f1": f1, "val_loss": loss_sum / max(weight_sum, 1e-9), "val_pred_keep_rate": kept / max(labelled, 1),
                "val_label_keep_rate": gold_rate, "val_tokens": labelled}

    # -- the loop ------------------------------------------------------------------------------
    def run(self, on_step: Callable[[int], None] | None = None) -> dict[str, Any]:
        from tqdm.auto import tqdm

        cfg, st = self.cfg, self.state
        bar = tqdm(total=self.total_steps, initial=st.step, desc="train", unit="step",
                   disable=not cfg.progress or not self.acc.is_main_process)
        self.model.train()
        while st.epoch < cfg.epochs and st.step < self.total_steps and not st.stopped:
            batches = _epoch_batches(len(self.train_ex), cfg.batch_size, cfg.seed, st.epoch)
            for b in range(st.step_in_epoch, len(batches)):
                if st.step >= self.total_steps:
                    break
                self.train_step([self.train_ex[i] for i in batches[b]], bar)
                st.step_in_epoch = b + 1
                if st.step % cfg.save_steps == 0 and st.step_in_epoch < len(batches):
                    save_checkpoint(self.acc, self.model, cfg.run_dir, st)
                if on_step is not None:
                    on_step(st.step)
            if st.step_in_epoch >= len(batches):
                self.end_epoch()
                save_checkpoint(self.acc, self.model, cfg.run_dir, st)
        if st.step_in_epoch and not st.stopped and (not st.history or st.history[-1]["step"] != st.step):
            self.end_epoch(final=True)  # max_steps ended the run inside an epoch: validate that state too
            save_checkpoint(self.acc, self.model, cfg.run_dir, st)
        bar.close()
        return st.to_dict()

    def train_step(self, batch: list[Example], bar: Any) -> None:
        t0 = time.perf_counter()
        if self.acc.num_processes > 1 and len(batch) < self.acc.num_processes:
            self.state.step += 1  # a last batch smaller than the process count is skipped
            return
        loss, value, tokens = self.step_loss(batch)
        self.acc.backward(loss)
        if self.cfg.grad_clip:
            self.acc.clip_grad_norm_([p for p in self.model.parameters() if p.requires_grad], self.cfg.grad_clip)
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad()
        st = self.state
        st.step += 1
        st.tokens += tokens * self.acc.num_processes
        st.seconds += time.perf_counter() - t0
        st.losses.append(round(value, 6))
        bar.update(1)
        bar.set_postfix(loss=f"{value:.4f}", tok_s=f"{st.tokens / max(st.seconds, 1e-9):.0f}")

    def end_epoch(self, final: bool = False) -> None:
        """Validate, log, track the best epoch and early stopping; ``final``: a part-epoch at the end."""
        st = self.state
        recent = st.losses[-(st.step_in_epoch or self.steps_per_epoch):] or [float("nan")]
        metrics = {"epoch": st.epoch, "step": st.step, "train_loss": float(np.mean(recent))}
        if self.val_ex:
            metrics.update(self.validate())
        metrics["tokens_per_s"] = st.tokens / max(st.seconds, 1e-9)
        st.history.append(metrics)
        self.log(f"epoch {st.epoch}: " + ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                                                  for k, v in metrics.items()))
        score = metrics.get("val_f1", -metrics["train_loss"])
        if st.best is None or score > st.best:
            st.best, st.bad_epochs = score, 0
            st.best_pending = True  # save_checkpoint writes these weights as best.safetensors
        else:
            st.bad_epochs += 1
            st.stopped = bool(self.cfg.patience) and st.bad_epochs >= self.cfg.patience
        if not final:
            st.epoch += 1
            st.step_in_epoch = 0


def train(cfg: TrainConfig, source: Any = None, on_step: Callable[[int], None] | None = None,
          log: Callable[[str], None] = print) -> TrainResult | None:
    """Run the whole pipeline for ``cfg``; returns where the model is (None with ``labels_only``).
    ``source`` overrides the label source the config names (e.g. a teacher already loaded);
    ``on_step(step)`` is called after every optimiser step (tests interrupt runs through it)."""
    from .checkpoint import restore
    from .export import export_model

    if cfg.threads:
        import torch

        torch.set_num_threads(cfg.threads)
    acc = make_accelerator(cfg)
    if not acc.is_main_process:
        log = _quiet
    loaded, run = prepare_labels(cfg, source, log, shard=(acc.process_index, acc.num_processes))
    if cfg.labels_only:
        return None
    train_recs, val_recs = split_records(loaded.records, run.labels, cfg.val_fraction)
    if not train_recs:
        raise ValueError(f"no record has usable labels (rejects: {run.report['rejects']})")
    model, tokenizer, pointer = build_model(cfg)
    train_ex = _examples(tokenizer, train_recs, run.labels, cfg)
    val_ex = _examples(tokenizer, val_recs, run.labels, cfg)
    log(f"windows: {len(train_ex)} train ({len(train_recs)} records), {len(val_ex)} validation ({len(val_recs)}); "
        f"{acc.num_processes} process(es), {acc.distributed_type}")
    loop = _Loop(cfg, acc, train_ex, val_ex, model, tokenizer, log)
    ckpt = latest_checkpoint(cfg.run_dir) if cfg.resume else None
    if ckpt is not None:
        loop.state = restore(loop.acc, ckpt)
        log(f"resumed from {ckpt} at step {loop.state.step}")
    summary = loop.run(on_step)
    loop.acc.wait_for_everyone()
    if not loop.acc.is_main_process:
        return None
    out = export_model(cfg, loop, pointer, val_recs or train_recs, run, loaded, summary)
    log(f"model saved to {out}")
    return TrainResult(out, json.loads((out / "metrics.json").read_text()))
