"""Precomputed training features: edge's own log-mel of every (augmented) utterance, on disk.

Training reads features, not audio, so each epoch costs only the network's time. The features
come from `edge.frontend.LogMel`, the exact code the device runs.

On disk, a feature set is a folder with `feats.npy` (all frames, float16, concatenated) and
`index.npz` (per utterance: frame count, token ids) and `texts.json` (text, source tag); an
utterance's frames start where the ones before it end.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from tqdm import tqdm

from train import tokens as vocabulary

Augment = Callable[[np.ndarray, np.random.Generator], np.ndarray]
PAD_VALUE = float(np.log(1e-6))  # what a batch's shorter utterances are padded with: the log-mel of silence


@dataclass(frozen=True, slots=True)
class FeatureJob:
    audio: str
    text: str
    source: str
    copy: int
    seed: int


@dataclass
class FeatureSet:
    """Features of many utterances, loaded for training."""

    feats: np.ndarray  # (total_frames, n_mels) float16
    offsets: np.ndarray
    lengths: np.ndarray
    targets: list[np.ndarray]
    texts: list[str]
    sources: list[str]

    def __len__(self) -> int:
        return len(self.lengths)

    def utterance(self, i: int) -> np.ndarray:
        return self.feats[self.offsets[i]:self.offsets[i] + self.lengths[i]]

    @classmethod
    def load(cls, folder: Path) -> "FeatureSet":
        lengths, targets, texts, sources = read_index(folder / "index.npz", folder / "texts.json")
        return cls(feats=np.load(folder / "feats.npy", mmap_mode="r"),
                   offsets=np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64),
                   lengths=lengths, targets=targets, texts=texts, sources=sources)


def write_index(npz: Path, text_file: Path, lengths: np.ndarray, targets: Sequence[np.ndarray],
                texts: Sequence[str], sources: Sequence[str]) -> None:
    """Utterances' frame counts and token ids (`npz`), transcripts and sources (`text_file`, JSON)."""
    np.savez(npz, lengths=np.asarray(lengths, np.int64),
             targets=np.concatenate(targets).astype(np.int16) if len(targets) else np.zeros(0, np.int16),
             target_offsets=np.cumsum([0] + [len(t) for t in targets]))
    text_file.write_text(json.dumps({"texts": list(texts), "sources": list(sources)}))


def read_index(npz: Path, text_file: Path) -> tuple[np.ndarray, list[np.ndarray], list[str], list[str]]:
    """(lengths, token ids, texts, sources) that `write_index` wrote."""
    index = np.load(npz, allow_pickle=False)
    meta = json.loads(text_file.read_text())
    flat, splits = index["targets"], index["target_offsets"]
    return (index["lengths"], [flat[a:b] for a, b in zip(splits[:-1], splits[1:])],
            meta["texts"], meta["sources"])


_worker_state: dict = {}


def _init_worker(augment: Augment | None) -> None:
    from edge.frontend import LogMel

    _worker_state["log_mel"] = LogMel()
    _worker_state["augment"] = augment


def _compute(job: FeatureJob) -> tuple[FeatureJob, np.ndarray | None]:
    from edge.audio import read_audio

    samples = read_audio(job.audio).samples
    augment = _worker_state["augment"]
    if augment is not None and job.copy > 0:
        samples = augment(samples, np.random.default_rng(job.seed))
    feats = _worker_state["log_mel"](np.clip(samples, -1.0, 1.0).astype(np.float32))
    return job, feats.astype(np.float16)


def build_feature_set(jobs: Sequence[FeatureJob], out: Path, *, augment: Augment | None = None,
                      workers: int = 2, stride: int = 3, desc: str = "features") -> int:
    """Compute features of `jobs` into folder `out`; returns the number of utterances kept.

    Copy 0 of an utterance is clean; copies >= 1 go through `augment` with their own seed.
    Utterances whose transcript is too long for CTC at this stride are dropped.
    """
    chunks, targets, texts, sources = [], [], [], []
    context = get_context("fork")
    with context.Pool(workers, initializer=_init_worker, initargs=(augment,)) as pool:
        for job, feats in tqdm(pool.imap(_compute, jobs, chunksize=16), total=len(jobs), desc=desc,
                               unit="utt", smoothing=0.05):
            ids = vocabulary.encode(job.text)
            if not ids or len(feats) // stride < len(ids) + 1:
                continue
            chunks.append(feats)
            targets.append(np.asarray(ids, dtype=np.int16))
            texts.append(job.text)
            sources.append(job.source)
    lengths = np.asarray([len(c) for c in chunks], np.int64)
    write_feature_set(out, np.concatenate(chunks) if chunks else np.zeros((0, 80), np.float16),
                      lengths, targets, texts, sources)
    return len(lengths)


def write_feature_set(out: Path, feats: np.ndarray, lengths: np.ndarray, targets: Sequence[np.ndarray],
                      texts: Sequence[str], sources: Sequence[str]) -> None:
    """Write a feature set folder: `feats` holds the utterances' frames one after another, `lengths` long."""
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "feats.npy", np.asarray(feats, np.float16))
    write_index(out / "index.npz", out / "texts.json", lengths, targets, texts, sources)
