"""Fixtures for the quantization tests: speech-like audio manifests and their features."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.edge.signals import RATE, harmonic_burst

TEXTS = ("turn on the lights", "play some music", "what time is it", "stop", "call mom", "next song")


def write_speech_manifest(folder: Path, count: int, seed: int, **fields) -> Path:
    """`count` WAVs of speech-like harmonic bursts between silences, and a manifest listing them."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(count):
        duration_s = 0.6 + 0.3 * (i % 5)
        burst = harmonic_burst(duration_s, float(rng.uniform(100, 250)), rng)
        samples = np.concatenate([np.zeros(RATE // 5, np.float32), burst, np.zeros(RATE // 5, np.float32)])
        samples += (0.002 * rng.standard_normal(len(samples))).astype(np.float32)
        name = f"clip_{seed}_{i}.wav"
        sf.write(folder / name, samples, RATE, subtype="PCM_16")
        rows.append({"audio": name, "text": TEXTS[i % len(TEXTS)], "duration": len(samples) / RATE, **fields})
    manifest = folder / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return manifest


@pytest.fixture(scope="session")
def calibration_manifest(tmp_path_factory) -> Path:
    """Training-side stand-in: 12 speech-like clips."""
    return write_speech_manifest(tmp_path_factory.mktemp("calibration"), 12, seed=1)


@pytest.fixture(scope="session")
def eval_manifest(tmp_path_factory) -> Path:
    """Held-out stand-in for real speech: 4 clips with no TTS voice."""
    return write_speech_manifest(tmp_path_factory.mktemp("eval_real"), 4, seed=2)


@pytest.fixture(scope="session")
def calibration_feats(calibration_manifest) -> list[np.ndarray]:
    from quantize.calibration import calibration_features

    return calibration_features([calibration_manifest], utterances=12)
