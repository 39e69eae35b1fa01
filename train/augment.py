"""Audio augmentation on float32 mono 16 kHz arrays (placeholder, being written)."""

from __future__ import annotations

import numpy as np
import soxr

SAMPLE_RATE = 16000


def speed_perturb(samples: np.ndarray, factor: float) -> np.ndarray:
    """Play `factor` times faster by resampling: tempo, pitch and formants all scale (Kaldi-style)."""
    if factor <= 0:
        raise ValueError(f"speed factor must be positive, got {factor}")
    out = soxr.resample(samples, SAMPLE_RATE * factor, SAMPLE_RATE, quality="HQ")
    return np.ascontiguousarray(out, dtype=np.float32)
