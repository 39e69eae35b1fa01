"""A training recipe: every choice that rebuilds a model, in one JSON file checked into the repo.

Paths in a recipe are relative to the folder `earshot train` runs in (the repository root); the
shared real-speech data defaults to ../shared/train as the data README describes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from train.model import ModelConfig
from train.trainer import TrainConfig


@dataclass(frozen=True)
class RealSpeech:
    """A manifest of real human speech, used whole (minus held-out speakers) with augmented copies."""

    manifest: str
    copies: int = 3  # copy 0 is clean, the rest augmented
    dev_speakers: int = 0  # speakers held out for the dev/calibration set (split by speaker)
    source: str = ""
    license: str = ""


@dataclass(frozen=True)
class Synthetic:
    """The synthetic corpus: made by `earshot synth` from the training voices."""

    utterances: int = 6000
    seed: int = 1
    general_manifests: tuple[str, ...] = ()  # manifests whose texts add to the general English
    exclude_manifests: tuple[str, ...] = ()  # evaluation sets whose texts are never synthesised
    copies: int = 2
    commercial_only: bool = True  # leave out voices whose licence forbids commercial use
    dev_fraction: float = 0.03


@dataclass(frozen=True)
class Recipe:
    name: str
    seed: int = 0
    real_speech: tuple[RealSpeech, ...] = ()
    synthetic: Synthetic = field(default_factory=Synthetic)
    model: ModelConfig = field(default_factory=ModelConfig)
    training: TrainConfig = field(default_factory=TrainConfig)
    augment: dict = field(default_factory=dict)  # train.augment.Augmenter settings
    lm_order: int = 3
    lm_sentences: int = 50000  # generated in-domain sentences (seen phrasings) the LM is estimated on
    workers: int = 2
    notes: str = ""  # how the shipped model was actually built, where that differs from a plain rebuild

    @classmethod
    def load(cls, path: str | Path) -> "Recipe":
        data = json.loads(Path(path).read_text())
        return cls(
            name=data["name"],
            seed=int(data.get("seed", 0)),
            real_speech=tuple(RealSpeech(**item) for item in data.get("real_speech", ())),
            synthetic=_synthetic(data.get("synthetic", {})),
            model=ModelConfig.from_dict(data.get("model", {})),
            training=TrainConfig(**data.get("training", {})),
            augment=dict(data.get("augment", {})),
            lm_order=int(data.get("lm_order", 3)),
            lm_sentences=int(data.get("lm_sentences", 50000)),
            workers=int(data.get("workers", 2)),
            notes=str(data.get("notes", "")),
        )


def _synthetic(data: dict) -> Synthetic:
    data = dict(data)
    for key in ("general_manifests", "exclude_manifests"):
        data[key] = tuple(data.get(key, ()))
    return Synthetic(**data)
