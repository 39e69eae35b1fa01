"""Tempo change of finished log-mel features: the same frames read faster or slower.

A speaker who talks faster or slower than the training voices spreads each sound over fewer or
more frames than the network expects. Reading the features at `rate` times the clip's frame rate
(linear interpolation between neighbouring frames; rate > 1 gives fewer frames, as if spoken
faster) imitates another speaking rate without touching the audio or the pitch. The recognizer
decodes a few rates of each window and keeps the best-scoring hypothesis (RecognizerOptions.tempos);
word times are mapped back to the clip's own timeline with time_scale.
"""

from __future__ import annotations

import numpy as np

from edge.frontend.warp import check_factors

MIN_TEMPO, MAX_TEMPO = 0.7, 1.4  # beyond these no speaker talks like that


def check_tempos(tempos) -> tuple[float, ...]:
    """Tempo factors for the recognizer: distinct, in [MIN_TEMPO, MAX_TEMPO], at least one."""
    return check_factors(tempos, "tempos", MIN_TEMPO, MAX_TEMPO)


class FeatureTempo:
    """Reads (frames, n_mels) features at `rate` times their frame rate; 1.0 returns them unchanged."""

    def __init__(self, rate: float) -> None:
        self.rate = float(rate)

    def frames(self, frames: int) -> int:
        """How many frames `frames` input frames become (at least 2, so that the ends stay apart)."""
        return frames if self.rate == 1.0 or frames < 2 else max(2, int(round(frames / self.rate)))

    def __call__(self, feats: np.ndarray) -> np.ndarray:
        out = self.frames(len(feats))
        if out == len(feats):
            return feats
        source = np.linspace(0.0, len(feats) - 1, out)
        lower = np.minimum(np.floor(source).astype(np.intp), len(feats) - 2)
        weight = (source - lower).astype(feats.dtype)[:, None]
        below = feats[lower]
        return below + (feats[lower + 1] - below) * weight

    def time_scale(self, frames: int) -> float:
        """Seconds on the clip's timeline per second on the timeline of __call__'s output, for an
        input of `frames` frames: the output's first and last frames are the input's."""
        out = self.frames(frames)
        return 1.0 if out == frames else (frames - 1) / (out - 1)
