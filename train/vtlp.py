"""Vocal tract length perturbation (Jaitly & Hinton, 2013) on log-mel features, per utterance, in training.

A speaker with a shorter or longer vocal tract has the same formant pattern stretched along the
frequency axis. VTLP imitates that by reading each utterance's spectrum at warped frequencies:
f -> alpha * f up to a boundary, then a straight line that keeps the top edge fixed, with alpha
drawn near 1 (0.9-1.1 in the paper). Done here on the finished log-mel features of a batch, by
interpolating between neighbouring mel bins at the warped centre frequencies (edge.frontend.warp,
the same warp the recognizer decodes at run time), so it costs one gather per batch and needs no audio.
"""

from __future__ import annotations

import numpy as np
import torch

from edge.frontend.config import FrontEndConfig
from edge.frontend.warp import source_positions


def vtlp(feats: torch.Tensor, alphas: np.ndarray, config: FrontEndConfig = FrontEndConfig()) -> torch.Tensor:
    """(rows, frames, n_mels) log-mel with row i warped by alphas[i] (1.0 leaves a row as it is).

    Padding frames hold one value in every bin, so they stay padding."""
    rows, frames, n_mels = feats.shape
    if n_mels != config.n_mels:
        raise ValueError(f"features have {n_mels} mel bins, the front-end config {config.n_mels}")
    positions = torch.from_numpy(source_positions(alphas, config)).to(feats.device, torch.float32)
    lower = positions.floor().long().clamp(max=n_mels - 2)
    weight = (positions - lower).unsqueeze(1)  # (rows, 1, n_mels)
    lower = lower.unsqueeze(1).expand(rows, frames, n_mels)
    below = feats.gather(2, lower)
    above = feats.gather(2, lower + 1)
    return below + (above - below) * weight.to(feats.dtype)


def draw_alphas(rows: int, max_warp: float, rng: np.random.Generator) -> np.ndarray:
    """One warp factor per utterance, uniform in [1 - max_warp, 1 + max_warp]."""
    return rng.uniform(1.0 - max_warp, 1.0 + max_warp, size=rows)
