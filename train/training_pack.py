"""A training pack: what one training run needs, small enough to travel to a GPU machine.

A GPU machine lent to a session has PyTorch and numpy but no TTS voices, no audio libraries, and
room for about 64 MiB of files per call, the repository included. So the pack holds the run's
finished features (edge's own log-mel of every augmented copy, as `earshot train` computed them
here), not audio: each value as a uint8 code on a 0.1-nat grid from the log-mel floor (a
largest error of 0.05 nats; log-mel of Opus-coded audio, which an earlier GPU run used, differed
by 0.17 nats on average), coded as differences from the frame before, modulo 256, and bz2
compressed (about 4.4 kB per second of audio, against 16 kB/s as float16). The training set is
taken in a seeded random order until the volumes' byte budget is spent, so a pack holds a random
sample of it, and says how much. With the features travel the dev set, the model to start from (a
fine-tune's base, batch norms already unfolded on dev), and the recipe's model and training
settings.

Layout: volume folders vol-000, vol-001, ... of at most a budget each, to carry one per call (a machine
kept warm between calls keeps what earlier calls copied off); in each, per set SET.index.npz
(lengths, token ids), SET.texts.json and SET-NNN.bz2 parts; vol-000 alone holds pack.json, the dev
set and init.pt (where training starts from a model). `train.pack_training` trains from
a pack and `earshot train --trained` takes the result back.
"""

from __future__ import annotations

import bz2
import hashlib
import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from edge.errors import EarshotError
from train.features import FeatureSet, read_index, write_feature_set, write_index

FORMAT = 1
FLOOR = -13.82  # just below the log-mel floor, log(1e-6) = -13.8155: silence is code 0
STEP = 0.1  # nats per code; codes 0-255 reach 11.68, above any log-mel seen (9.5)
PART_FRAMES = 100_000  # frames per compressed part: about 8 MB of codes, 4.4 MB packed
SETS = ("train", "dev")
_INDEX_BYTES = 2048  # at least a set's index.npz and texts.json take besides their utterances' entries


class PackError(EarshotError):
    """A pack that cannot be written or read: names the file and the problem."""


@dataclass
class PackContents:
    """A pack read back: feature sets written out as folders, the starting weights, the settings."""

    train: FeatureSet
    dev: FeatureSet
    init_state: dict | None
    model: dict
    training: dict


def encode(feats: np.ndarray) -> bytes:
    """bz2 of the frame-to-frame differences (mod 256) of (frames, n_mels) features' uint8 codes."""
    codes = np.clip(np.rint((np.asarray(feats, np.float32) - FLOOR) / STEP), 0, 255).astype(np.uint8)
    deltas = np.diff(codes, axis=0, prepend=np.zeros((1, codes.shape[1]), np.uint8))
    return bz2.compress(deltas.tobytes(), 9)


def decode(data: bytes, n_mels: int) -> np.ndarray:
    """The float16 features `encode` packed (each value within STEP / 2 of the original)."""
    deltas = np.frombuffer(bz2.decompress(data), np.uint8).reshape(-1, n_mels)
    codes = np.cumsum(deltas, axis=0, dtype=np.uint8)
    return (codes.astype(np.float32) * STEP + FLOOR).astype(np.float16)


def write_pack(dest: Path, train: FeatureSet, dev: FeatureSet, *, model: dict, training: dict,
               init_state: dict | None = None, max_bytes: int = 48 * 2**20, volumes: int = 1, seed: int = 0,
               name: str = "") -> dict:
    """Write a pack into the new folder `dest` as `volumes` folders (vol-000, ...) of at most
    `max_bytes` each, one to carry per call; returns pack.json's content (in vol-000).

    All of dev and the starting weights go into the first volume; then training utterances in a
    seeded random order, a part at a time, while the parts fit."""
    if dest.exists() and any(dest.iterdir()):
        raise PackError(f"{dest}: exists and is not empty; refusing to overwrite it")
    first = dest / _volume(0)
    first.mkdir(parents=True)
    used = 0
    init_file = None
    if init_state is not None:
        import torch

        torch.save(init_state, first / "init.pt")
        init_file = "init.pt"
        used += (first / "init.pt").stat().st_size
    dev_record, written = _write_set(first, "dev", dev, np.arange(len(dev)), None)
    used += written
    if used + _INDEX_BYTES > max_bytes:
        shutil.rmtree(first)  # only what this call wrote: dest was empty or new
        raise PackError(f"{dest}: the dev set and starting weights alone take {used / 2**20:.2f} MiB, "
                        f"over the budget of {max_bytes / 2**20:.2f} MiB; give a larger --pack-mb "
                        "(the features are kept, so a second run only packs)")
    order = np.random.default_rng(seed).permutation(len(train))
    records = []
    for k in range(volumes):
        folder = dest / _volume(k)
        folder.mkdir(exist_ok=True)
        train_record, written = _write_set(folder, "train", train, order, max_bytes - used)
        order = order[train_record["utterances"]:]
        sets = {"dev": dev_record, "train": train_record} if k == 0 else {"train": train_record}
        records.append({"folder": _volume(k), "sets": sets, "bytes": used + written})
        used = 0
    kept = [r["sets"]["train"] for r in records]
    info = {"format": FORMAT, "name": name, "coding": {"floor": FLOOR, "step": STEP, "n_mels": int(train.feats.shape[1]),
                                                        "codes": "uint8, frame-to-frame differences mod 256, bz2"},
            "model": model, "training": training, "init": init_file, "seed": seed,
            "bytes": sum(r["bytes"] for r in records),
            "train": {"utterances": sum(r["utterances"] for r in kept), "frames": sum(r["frames"] for r in kept),
                      "of_utterances": len(train), "of_frames": int(train.lengths.sum())},
            "volumes": records}
    (first / "pack.json").write_text(json.dumps(info, indent=1))
    return info


def _volume(k: int) -> str:
    return f"vol-{k:03d}"


def _write_set(dest: Path, set_name: str, data: FeatureSet, order: np.ndarray, budget: int | None):
    """Parts of `data`'s utterances from the start of `order` while they and their index fit `budget`
    bytes (None: all of them); returns (pack.json's record of them, bytes written)."""
    kept, parts, used = [], [], _INDEX_BYTES
    for start, end in _part_starts(data.lengths[order]):
        members = order[start:end]
        blob = encode(np.concatenate([data.utterance(i) for i in members]))
        index_bytes = sum(_index_bytes(data, i) for i in members)
        if budget is not None and used + len(blob) + index_bytes > budget:
            break
        part = f"{set_name}-{len(parts):03d}.bz2"
        (dest / part).write_bytes(blob)
        parts.append({"file": part, "utterances": len(members), "frames": int(data.lengths[members].sum()),
                      "bytes": len(blob), "sha256": hashlib.sha256(blob).hexdigest()})
        kept.extend(members.tolist())
        used += len(blob) + index_bytes
    kept = np.asarray(kept, np.int64)
    write_index(dest / f"{set_name}.index.npz", dest / f"{set_name}.texts.json", data.lengths[kept],
                [data.targets[i] for i in kept], [data.texts[i] for i in kept], [data.sources[i] for i in kept])
    written = sum(part["bytes"] for part in parts) + sum(
        (dest / f"{set_name}.{suffix}").stat().st_size for suffix in ("index.npz", "texts.json"))
    return {"utterances": len(kept), "frames": int(data.lengths[kept].sum()), "parts": parts}, written


def _index_bytes(data: FeatureSet, i: int) -> int:
    """At least what utterance i adds to its set's index.npz and texts.json (JSON escapes aside)."""
    return 32 + 3 * len(data.texts[i]) + len(data.sources[i])


def _part_starts(lengths: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) ranges of consecutive utterances of about PART_FRAMES frames each."""
    ranges, start, frames = [], 0, 0
    for i, length in enumerate(lengths):
        frames += int(length)
        if frames >= PART_FRAMES:
            ranges.append((start, i + 1))
            start, frames = i + 1, 0
    if start < len(lengths):
        ranges.append((start, len(lengths)))
    return ranges


def read_pack(pack: Path, work: Path) -> PackContents:
    """Unpack `pack` (the folder holding its vol-NNN folders) into feature set folders under `work`
    (work/train, work/dev) and load it."""
    manifest = pack / _volume(0) / "pack.json"
    try:
        info = json.loads(manifest.read_text())
    except FileNotFoundError:
        raise PackError(f"{pack}: no {_volume(0)}/pack.json; not a training pack") from None
    except json.JSONDecodeError as exc:
        raise PackError(f"{manifest}: not valid JSON ({exc})") from None
    if info.get("format") != FORMAT:
        raise PackError(f"{manifest}: format {info.get('format')!r}, this code reads {FORMAT}")
    n_mels = info["coding"]["n_mels"]
    loaded = {}
    for set_name in SETS:
        blocks, lengths, targets, texts, sources = [], [], [], [], []
        for volume in info["volumes"]:
            if set_name not in volume["sets"]:
                continue
            folder = pack / volume["folder"]
            if not folder.is_dir():
                raise PackError(f"{folder}: missing (the pack has {len(info['volumes'])} volumes); carry each one")
            for part in volume["sets"][set_name]["parts"]:
                blocks.append(_read_part(folder / part["file"], part["sha256"], n_mels))
            volume_lengths, volume_targets, volume_texts, volume_sources = read_index(
                folder / f"{set_name}.index.npz", folder / f"{set_name}.texts.json")
            lengths.append(volume_lengths)
            targets += volume_targets
            texts += volume_texts
            sources += volume_sources
        feats = np.concatenate(blocks) if blocks else np.zeros((0, n_mels), np.float16)
        lengths = np.concatenate(lengths) if lengths else np.zeros(0, np.int64)
        if len(feats) != int(lengths.sum()):
            raise PackError(f"{pack}: set {set_name} has {len(feats)} frames, its index {int(lengths.sum())}")
        write_feature_set(work / set_name, feats, lengths, targets, texts, sources)
        loaded[set_name] = FeatureSet.load(work / set_name)
    init_state = None
    if info.get("init"):
        import torch

        init_state = torch.load(pack / _volume(0) / info["init"], map_location="cpu", weights_only=True)
    return PackContents(loaded["train"], loaded["dev"], init_state, info["model"], info["training"])


def _read_part(path: Path, sha256: str, n_mels: int) -> np.ndarray:
    if not path.is_file():
        raise PackError(f"{path}: missing (the pack lists it); carry the whole volume")
    blob = path.read_bytes()
    if hashlib.sha256(blob).hexdigest() != sha256:
        raise PackError(f"{path}: its contents differ from what pack.json records (a damaged copy)")
    return decode(blob, n_mels)


def training_settings(config) -> dict:
    """A TrainConfig as pack.json holds it."""
    settings = asdict(config)
    if isinstance(settings["base_blend"], tuple):
        settings["base_blend"] = list(settings["base_blend"])
    return settings
