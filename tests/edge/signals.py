"""Test audio: a synthetic speech stand-in and the real public eval clips, as float32 16 kHz mono."""

from __future__ import annotations

import numpy as np
import soundfile as sf

from tests.conftest import PUBLIC_EVAL as EVAL_DIR

RATE = 16000
EVAL_CLIPS = sorted(EVAL_DIR.glob("*.wav"))

# Where synthetic_speech() puts "speech" (harmonic bursts), in seconds, and a voiced click
# shorter than VadOptions' default min_speech_ms.
BURSTS = [(1.0, 2.5), (3.7, 4.5)]
CLICK = (5.5, 5.6)


def harmonic_burst(duration_s: float, f0_hz: float, rng: np.random.Generator) -> np.ndarray:
    """A voiced-speech stand-in webrtcvad calls speech: 29 harmonics of f0, 4 Hz syllable envelope."""
    t = np.arange(int(round(duration_s * RATE))) / RATE
    tone = sum(np.sin(2 * np.pi * f0_hz * k * t + rng.uniform(0, 2 * np.pi)) / k for k in range(1, 30))
    return (0.1 * tone * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t))).astype(np.float32)


def synthetic_speech(seed: int = 0) -> np.ndarray:
    """7 s of faint noise with two harmonic bursts (BURSTS) and one short click (CLICK)."""
    rng = np.random.default_rng(seed)
    signal = (0.001 * rng.standard_normal(7 * RATE)).astype(np.float32)
    for (start, end), f0 in zip([*BURSTS, CLICK], (140, 200, 170)):
        signal[int(start * RATE):int(end * RATE)] += harmonic_burst(end - start, f0, rng)
    return signal


def public_speech(max_s: float, gap_s: float = 1.0) -> np.ndarray:
    """Up to about `max_s` of the public eval clips, each followed by `gap_s` of silence."""
    pieces, total = [], 0
    for path in EVAL_CLIPS:
        samples, rate = sf.read(path, dtype="float32")
        if rate != RATE or samples.ndim != 1:
            continue
        pieces += [samples, np.zeros(int(gap_s * RATE), dtype=np.float32)]
        total += len(samples) + int(gap_s * RATE)
        if total >= max_s * RATE:
            break
    return np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
