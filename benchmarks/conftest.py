"""Benchmark inputs: 10 s of real speech, one thread everywhere."""

from __future__ import annotations

import os

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(variable, "1")  # one core, as the targets are stated

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tests.conftest import PUBLIC_EVAL, speech_clip, speech_samples, tiny_bundle  # noqa: E402,F401 (shared fixtures)

TEN_SECONDS = 160_000


@pytest.fixture(scope="session")
def ten_seconds_of_speech() -> np.ndarray:
    """10 s of real speech at 16 kHz: the public evaluation clips joined end to end."""
    from edge.audio import read_audio

    clips = sorted(PUBLIC_EVAL.glob("*.wav"))
    if not clips:
        pytest.skip(f"no shared evaluation clips in {PUBLIC_EVAL}")
    joined = np.concatenate([read_audio(c).samples for c in clips])
    return np.ascontiguousarray(joined[:TEN_SECONDS])
