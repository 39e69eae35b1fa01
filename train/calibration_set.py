"""The calibration set: the held-out dev utterances as recorded, plus one augmented copy of each.

Confidence is calibrated for the conditions the device will meet, not only for clean audio:
the copy of each dev utterance goes through the recipe's augmentation chain (noise, room,
microphone colouring, phone line, gain), so the calibration sees how often the model is wrong
on degraded audio and, through the high-band feature, on audio that lost everything above
4 kHz. Copies are written once under a work folder (16 kHz PCM) and reused; each depends only on
the seed and the source file.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import soundfile as sf
from tqdm import tqdm

from edge.audio import TARGET_RATE, read_audio
from train.augment import Augmenter
from train.corpus import Utterance


def augmented_copies(utterances: list[Utterance], folder: Path, augmenter: Augmenter, seed: int) -> list[Utterance]:
    """One augmented copy of each utterance, written as folder/<hash>.wav; tagged condition=augmented."""
    folder.mkdir(parents=True, exist_ok=True)
    copies = []
    for utterance in tqdm(utterances, desc="calibration copies", unit="utt"):
        key = hashlib.sha1(f"{seed}:{utterance.audio}".encode()).hexdigest()[:16]
        path = folder / f"{key}.wav"
        if not path.exists():
            rng = np.random.default_rng([seed, int(key, 16) % 2**32])
            samples = augmenter(read_audio(utterance.audio).samples, rng)
            partial = path.with_suffix(".partial.wav")
            sf.write(partial, np.clip(samples, -1.0, 1.0), TARGET_RATE, subtype="PCM_16")
            partial.replace(path)
        copies.append(replace(utterance, audio=path.resolve(), tags={**utterance.tags, "condition": "augmented"}))
    return copies
