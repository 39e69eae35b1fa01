"""The training loop: length-bucketed batches, VTLP and SpecAugment, CTC loss, checkpoints to resume from."""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from train.features import FeatureSet
from train.model import ConvCtcModel, ModelConfig
from train.vtlp import draw_alphas, vtlp

CHECKPOINT = "checkpoint.pt"
PRECISE_BN_BATCHES = 100  # training batches the final batch-norm statistics are averaged over


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 20
    peak_lr: float = 3e-3
    weight_decay: float = 1e-3
    warmup_fraction: float = 0.08
    max_frames_per_batch: int = 12000
    freq_masks: int = 2
    freq_mask_width: int = 12
    time_masks: int = 2
    time_mask_fraction: float = 0.05
    vtlp_warp: float = 0.0  # VTLP (train/vtlp.py): each utterance warped by alpha in [1 - w, 1 + w]; 0 = off
    threads: int = 2
    seed: int = 0
    device: str = "auto"  # "auto" (CUDA when available, else CPU), "cpu" or "cuda"
    time_budget_s: float = 0.0  # training seconds the schedule may take at most (0: no limit; see Schedule)
    # A fine-tune only: once trained, each weight becomes base_blend * the base model's + (1 - base_blend) *
    # the fine-tuned one (weight-space ensembling, "WiSE-FT", Wortsman et al. 2022), then the batch
    # norms settle; 0 keeps the fine-tuned weights. A list of shares is a grid: each is tried and the
    # one with the lowest dev CER kept.
    base_blend: float | tuple[float, ...] = 0.0

    def __post_init__(self) -> None:
        if isinstance(self.base_blend, (list, tuple)):
            if not self.base_blend:
                raise ValueError("base_blend: an empty list of shares; give a share or several")
            object.__setattr__(self, "base_blend", tuple(float(share) for share in self.base_blend))
        for share in self.blend_shares():
            if not 0.0 <= share < 1.0:
                raise ValueError(f"base_blend must be in [0, 1), got {share}")

    def blend_shares(self) -> tuple[float, ...]:
        """The base shares to try once trained: one, or the grid dev chooses from."""
        return self.base_blend if isinstance(self.base_blend, tuple) else (float(self.base_blend),)


class Schedule:
    """Linear warm-up, then cosine decay to zero, over whichever runs out first: steps or time.

    Progress is max(step / total_steps, trained_s / time_budget_s). On a machine fast enough to
    finish the recipe's epochs within the budget, training is the same step for step on every
    run; on a slower or busier one the schedule compresses to the budget instead of stopping
    with the learning rate still high. (time_budget_s = 0 means steps only.)
    """

    def __init__(self, config: TrainConfig, total_steps: int) -> None:
        self.config, self.total_steps = config, max(total_steps, 1)

    def progress(self, step: int, trained_s: float) -> float:
        by_time = trained_s / self.config.time_budget_s if self.config.time_budget_s else 0.0
        return min(1.0, max(step / self.total_steps, by_time))

    def lr(self, step: int, trained_s: float) -> float:
        p, warmup = self.progress(step, trained_s), self.config.warmup_fraction
        if p < warmup:
            return self.config.peak_lr * max(p / warmup, 0.02)
        return self.config.peak_lr * 0.5 * (1.0 + math.cos(math.pi * (p - warmup) / (1.0 - warmup)))

    def done(self, step: int, trained_s: float) -> bool:
        return self.progress(step, trained_s) >= 1.0


def make_batches(lengths: np.ndarray, max_frames: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Groups of utterance indices of similar length whose padded size stays under max_frames."""
    order = np.argsort(lengths + rng.uniform(0, 20, size=len(lengths)))
    batches, current, longest = [], [], 0
    for i in order:
        longest_if_added = max(longest, lengths[i])
        if current and longest_if_added * (len(current) + 1) > max_frames:
            batches.append(np.asarray(current))
            current, longest_if_added = [], lengths[i]
        current.append(i)
        longest = longest_if_added
    if current:
        batches.append(np.asarray(current))
    rng.shuffle(batches)
    return batches


def collate(data: FeatureSet, batch: np.ndarray, pad_value: float):
    lengths = data.lengths[batch]
    feats = np.full((len(batch), lengths.max(), data.feats.shape[1]), pad_value, dtype=np.float32)
    for row, i in enumerate(batch):
        feats[row, :lengths[row]] = data.utterance(i)
    targets = [data.targets[i].astype(np.int64) for i in batch]
    return (torch.from_numpy(feats), torch.from_numpy(lengths), torch.from_numpy(np.concatenate(targets)),
            torch.tensor([len(t) for t in targets]))


def spec_augment(feats: torch.Tensor, lengths: torch.Tensor, mean: torch.Tensor, config: TrainConfig,
                 rng: np.random.Generator) -> torch.Tensor:
    """SpecAugment (Park et al., 2019): frequency and time masks filled with the feature mean.

    The mask positions are drawn on the CPU from `rng` (so a run is repeatable on any device);
    the masks themselves are built and applied where `feats` lives, for the whole batch at once.
    """
    rows, frames, n_mels = feats.shape
    n = lengths.numpy()
    f_width = rng.integers(0, config.freq_mask_width + 1, size=(rows, config.freq_masks))
    f_start = (rng.uniform(size=f_width.shape) * (n_mels - f_width + 1)).astype(np.int64)
    t_max = np.maximum(1, (n * config.time_mask_fraction).astype(np.int64))[:, None]
    t_width = (rng.uniform(size=(rows, config.time_masks)) * (t_max + 1)).astype(np.int64)
    t_start = (rng.uniform(size=t_width.shape) * np.maximum(1, n[:, None] - t_width + 1)).astype(np.int64)
    freq_masked = _mask(feats.device, n_mels, f_start, f_width)  # (rows, n_mels)
    time_masked = _mask(feats.device, frames, t_start, t_width)  # (rows, frames)
    masked = freq_masked[:, None, :] | time_masked[:, :, None]
    return torch.where(masked, mean.to(feats.device), feats)


def _mask(device: torch.device, size: int, starts: np.ndarray, widths: np.ndarray) -> torch.Tensor:
    """(rows, size) booleans: True inside any of each row's [start, start + width) spans."""
    positions = torch.arange(size, device=device)[None, None, :]
    starts = torch.from_numpy(starts).to(device)[:, :, None]
    ends = starts + torch.from_numpy(widths).to(device)[:, :, None]
    return ((positions >= starts) & (positions < ends)).any(dim=1)


def device_name(device: torch.device) -> str:
    """A readable name of the training device, for the model card."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return f"cpu ({torch.get_num_threads()} thread(s))"


def pick_device(name: str) -> torch.device:
    """The training device: "auto" takes CUDA when PyTorch sees a GPU, else the CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("training.device is \"cuda\" but PyTorch sees no GPU; use \"auto\" or \"cpu\"")
    return torch.device(name)


def feature_stats(data: FeatureSet, sample: int = 200_000) -> tuple[torch.Tensor, torch.Tensor]:
    rows = np.linspace(0, len(data.feats) - 1, num=min(sample, len(data.feats))).astype(np.int64)
    picked = np.asarray(data.feats[rows], dtype=np.float32)
    return torch.from_numpy(picked.mean(0)), torch.from_numpy(picked.std(0))


def greedy_texts(log_probs: torch.Tensor, steps: torch.Tensor, tokens: tuple[str, ...]) -> list[str]:
    best = log_probs.argmax(-1).numpy()
    texts = []
    for row, n in zip(best, steps.numpy()):
        out, prev = [], -1
        for t in row[:n]:
            if t != prev and t != 0:
                out.append(tokens[t])
            prev = t
        texts.append(" ".join("".join(out).split()))
    return texts


def train(data: FeatureSet, dev: FeatureSet | None, out: Path, model_config: ModelConfig,
          config: TrainConfig, tokens: tuple[str, ...], pad_value: float,
          init: ConvCtcModel | None = None) -> ConvCtcModel:
    """Train (or resume from out/checkpoint.pt) and return the model; logs to out/log.jsonl.

    `init` (fine-tuning): start from its weights and feature statistics instead of random ones;
    the log then opens with an epoch-0 line holding its dev CER, the figure to improve on.
    """
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    device = pick_device(config.device)
    out.mkdir(parents=True, exist_ok=True)
    model = ConvCtcModel(model_config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.peak_lr, weight_decay=config.weight_decay)
    steps_per_epoch = len(make_batches(data.lengths, config.max_frames_per_batch, np.random.default_rng(0)))
    schedule = Schedule(config, total_steps=steps_per_epoch * config.epochs)
    start_epoch, step, trained_s = 0, 0, 0.0
    checkpoint = out / CHECKPOINT
    base_weights = None if init is None else {k: v.detach().clone() for k, v in init.named_parameters()}
    if checkpoint.exists():
        state = torch.load(checkpoint, weights_only=False, map_location="cpu")
        model.load_state_dict(state["model"])
        model.to(device)
        optimizer.load_state_dict(state["optimizer"])
        start_epoch, step, trained_s = state["epoch"] + 1, state["step"], state["trained_s"]
        if _finished(state, config.epochs):  # trained, its batch norms not yet settled
            start_epoch = config.epochs
        else:
            print(f"resuming from {checkpoint} at epoch {start_epoch + 1}")
    elif init is not None:
        model.load_state_dict(init.state_dict())
        if dev is not None:
            _log(out, {"epoch": 0, "steps": 0, "loss": None, "trained_s": 0.0, "lr": 0.0,
                       "dev_cer": dev_cer(model, dev, tokens, pad_value, config), "init": "base model"})
    else:
        model.set_feature_stats(*feature_stats(data))
    model.to(device)
    print(f"training on {device}")
    ctc = torch.nn.CTCLoss(blank=0, zero_infinity=True)
    for epoch in range(start_epoch, config.epochs):
        rng = np.random.default_rng(config.seed * 1000 + epoch)
        model.train()
        losses = []
        batches = make_batches(data.lengths, config.max_frames_per_batch, rng)
        progress = tqdm(batches, desc=f"epoch {epoch + 1}/{config.epochs}", unit="batch")
        for batch in progress:
            started = time.monotonic()
            for group in optimizer.param_groups:
                group["lr"] = schedule.lr(step, trained_s)
            feats, lengths, targets, target_lengths = collate(data, batch, pad_value)
            feats = feats.to(device, non_blocking=True)
            if config.vtlp_warp > 0:  # drawn only when on, so recipes without it train exactly as before
                feats = vtlp(feats, draw_alphas(len(batch), config.vtlp_warp, rng))
            feats = spec_augment(feats, lengths, model.feat_mean, config, rng)
            log_probs = model(feats)
            steps = model.output_lengths(lengths).clamp(max=log_probs.shape[1])
            loss = ctc(log_probs.transpose(0, 1).float(), targets.to(device), steps, target_lengths)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            losses.append(loss.item())
            step += 1
            trained_s += time.monotonic() - started
            progress.set_postfix(loss=f"{np.mean(losses[-50:]):.3f}", lr=f"{schedule.lr(step, trained_s):.2e}")
            if schedule.done(step, trained_s):
                break
        record = {"epoch": epoch + 1, "steps": step, "loss": float(np.mean(losses)),
                  "trained_s": round(trained_s, 1), "lr": schedule.lr(step, trained_s)}
        if dev is not None:
            record["dev_cer"] = dev_cer(model, dev, tokens, pad_value, config)
        _log(out, record)
        torch.save({"model": {k: v.cpu() for k, v in model.state_dict().items()},
                    "optimizer": optimizer.state_dict(), "epoch": epoch, "step": step, "trained_s": trained_s,
                    "finished": schedule.done(step, trained_s), "device": device_name(device),
                    "model_config": model_config.to_dict(),
                    "train_config": asdict(config)}, checkpoint)
        if schedule.done(step, trained_s):
            print(f"schedule finished after {step} steps, {trained_s:.0f} s of training")
            break
    settle_batch_norms(model, data, out, config, pad_value, dev, tokens, base_weights)
    model.eval()
    return model.cpu()


def blend_with_base(model: torch.nn.Module, base_weights: dict[str, torch.Tensor], base_share: float) -> None:
    """Every parameter of `model` becomes base_share * the base's + (1 - base_share) * its own, in place
    (buffers, such as batch-norm statistics and the feature normalisation, are left alone)."""
    with torch.no_grad():
        for name, weight in model.named_parameters():
            base = base_weights[name].to(weight.device)
            if base.shape != weight.shape:
                raise ValueError(f"base weight {name} has shape {tuple(base.shape)}, the model's {tuple(weight.shape)}")
            weight.mul_(1.0 - base_share).add_(base, alpha=base_share)


def settle_batch_norms(model: ConvCtcModel, data: FeatureSet, out: Path, config: TrainConfig, pad_value: float,
                       dev: FeatureSet | None, tokens: tuple[str, ...],
                       base_weights: dict[str, torch.Tensor] | None = None) -> None:
    """Once training has finished: blend the weights with the base model's where the config says so
    (`base_blend`), then recompute the batch norms' running statistics as plain means
    over PRECISE_BN_BATCHES training batches (dropout off, no SpecAugment) and save them into the
    checkpoint. The running averages training leaves behind follow the last dozen or so batches,
    which moved dev CER by up to 0.012 from one epoch's end to the next (0.176 -> 0.188 with the
    learning rate at zero). Logged as one more line with "precise_bn" (and "base_blend"); done once
    per checkpoint. Given several shares, each is blended from the fine-tuned weights and settled,
    logged as a "candidate" line with its dev CER, and the lowest dev CER's kept (the first on a tie)."""
    checkpoint = out / CHECKPOINT
    state = torch.load(checkpoint, weights_only=False, map_location="cpu")
    if state.get("precise_bn") or not _finished(state, config.epochs):
        return
    shares = config.blend_shares() if base_weights is not None else (0.0,)
    if len(shares) > 1 and dev is None:
        raise ValueError(f"base_blend {list(shares)}: choosing a share needs dev data, and there is none")
    record = {"epoch": state["epoch"] + 1, "steps": state["step"], "loss": None,
              "trained_s": round(state["trained_s"], 1), "lr": 0.0}
    if len(shares) == 1:
        record.update(_blend_and_settle(model, data, config, pad_value, base_weights, shares[0]))
        if dev is not None:
            record["dev_cer"] = dev_cer(model, dev, tokens, pad_value, config)
    else:
        record.update(_choose_blend(model, data, dev, out, config, pad_value, tokens, base_weights, shares, record))
    _log(out, record)
    state["model"] = {k: v.cpu() for k, v in model.state_dict().items()}
    state["precise_bn"] = True
    torch.save(state, checkpoint)


def _choose_blend(model: ConvCtcModel, data: FeatureSet, dev: FeatureSet, out: Path, config: TrainConfig,
                  pad_value: float, tokens: tuple[str, ...], base_weights: dict[str, torch.Tensor],
                  shares: tuple[float, ...], record: dict) -> dict:
    """Blend and settle each share from the fine-tuned weights, log each as a candidate with its
    dev CER, leave the model at the lowest's (the first on a tie) and return what to log of it."""
    tuned = {name: value.detach().clone() for name, value in model.state_dict().items()}
    best = None
    for share in shares:
        model.load_state_dict(tuned)
        settled = _blend_and_settle(model, data, config, pad_value, base_weights, share)
        cer = dev_cer(model, dev, tokens, pad_value, config)
        _log(out, {**record, **settled, "dev_cer": cer, "candidate": True})
        if best is None or cer < best[0]:
            best = (cer, share, settled, {k: v.detach().clone() for k, v in model.state_dict().items()})
    cer, share, settled, weights = best
    model.load_state_dict(weights)
    return {**settled, "base_blend": share, "chosen_from": list(shares), "dev_cer": cer}


def _blend_and_settle(model: ConvCtcModel, data: FeatureSet, config: TrainConfig, pad_value: float,
                      base_weights: dict[str, torch.Tensor] | None, share: float) -> dict:
    """Blend `share` of the base's weights into the model (none for 0), then recompute its batch
    norms' statistics; returns what to log of it."""
    if share:
        blend_with_base(model, base_weights, share)
    device = next(model.parameters()).device
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm1d)]
    momenta = [norm.momentum for norm in norms]
    model.eval()
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None  # cumulative average
        norm.train()
    batches = make_batches(data.lengths, config.max_frames_per_batch, np.random.default_rng(config.seed + 7919))
    with torch.no_grad():
        for batch in tqdm(batches[:PRECISE_BN_BATCHES], desc="batch-norm statistics", unit="batch"):
            feats, _, _, _ = collate(data, batch, pad_value)
            model(feats.to(device))
    for norm, momentum in zip(norms, momenta):
        norm.momentum = momentum
    model.eval()
    settled = {"precise_bn": min(PRECISE_BN_BATCHES, len(batches))}
    if share:
        settled["base_blend"] = share
    return settled


def _log(out: Path, record: dict) -> None:
    print(json.dumps(record))
    with open(out / "log.jsonl", "a") as log:
        log.write(json.dumps(record) + "\n")


def dev_cer(model: ConvCtcModel, dev: FeatureSet, tokens, pad_value: float, config: TrainConfig) -> float:
    """Greedy character error rate on a feature set (a quick progress signal, not the evaluation)."""
    from train.evaluation.scoring import EditCounts, char_counts

    model.eval()
    refs, hyps = [], []
    with torch.no_grad():
        for batch in make_batches(dev.lengths, config.max_frames_per_batch, np.random.default_rng(0)):
            feats, lengths, _, _ = collate(dev, batch, pad_value)
            log_probs = model(feats.to(model.feat_mean.device)).cpu()
            hyps += greedy_texts(log_probs, model.output_lengths(lengths), tokens)
            refs += [dev.texts[i] for i in batch]
    model.train()
    return round(EditCounts.pooled(char_counts(r, h) for r, h in zip(refs, hyps)).rate, 4)


def training_finished(out: Path, epochs: int) -> bool:
    """Whether out/checkpoint.pt holds a model trained for all `epochs` (or to its schedule's end)
    whose batch norms have settled (`settle_batch_norms`): nothing is left to do to it."""
    checkpoint = out / CHECKPOINT
    if not checkpoint.exists():
        return False
    state = torch.load(checkpoint, weights_only=False, map_location="cpu")
    return _finished(state, epochs) and bool(state.get("precise_bn"))


def _finished(state: dict, epochs: int) -> bool:
    return state["epoch"] + 1 >= epochs or state.get("finished", False)


def load_trained(out: Path) -> ConvCtcModel:
    state = torch.load(out / CHECKPOINT, weights_only=False, map_location="cpu")
    model = ConvCtcModel(ModelConfig.from_dict(state["model_config"]))
    model.load_state_dict(state["model"])
    return model.eval()
