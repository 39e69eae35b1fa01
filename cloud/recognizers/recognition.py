"""What a server recognizer returns: a Transcript plus alternatives for search; PCM conversion."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge.results import Transcript


@dataclass(frozen=True, slots=True)
class Recognition:
    """A recognizer's best transcript and its distinct runner-up transcripts, best first."""

    transcript: Transcript
    alternatives: tuple[str, ...] = ()


def pcm16(samples: np.ndarray) -> bytes:
    """float32 samples in [-1, 1] as 16-bit little-endian PCM (exact for audio read from 16-bit WAV)."""
    scaled = np.round(np.asarray(samples, dtype=np.float32) * 32768.0)
    return np.clip(scaled, -32768, 32767).astype("<i2").tobytes()
