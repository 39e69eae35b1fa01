"""Vocal tract length perturbation (Jaitly & Hinton, 2013) on log-mel features, per utterance.

A speaker with a shorter or longer vocal tract has the same formant pattern stretched along the
frequency axis. VTLP imitates that by reading each utterance's spectrum at warped frequencies:
f -> alpha * f up to a boundary, then a straight line that keeps the top edge fixed, with alpha
drawn near 1 (0.9-1.1 in the paper). Done here on the finished log-mel features of a batch, by
interpolating between neighbouring mel bins at the warped centre frequencies, so it costs one
gather per batch and needs no audio. The warp is in Hz, as in the paper: scaling mel-bin
indices instead would shift high frequencies rather than stretch them.
"""

from __future__ import annotations

import numpy as np
import torch

from edge.frontend.config import FrontEndConfig
from edge.frontend.reference import hz_to_mel, mel_to_hz

BOUNDARY_HZ = 4800.0  # the paper's f_hi: below it frequencies scale by alpha exactly


def warped_hz(hz: np.ndarray, alpha, top_hz: float, boundary_hz: float = BOUNDARY_HZ) -> np.ndarray:
    """The frequencies the warped spectrum is read at: alpha * f below the boundary
    (boundary_hz * min(alpha, 1) / alpha), then linear so that top_hz maps to itself.
    `alpha` may be an array that broadcasts against `hz` (one warp per row)."""
    alpha = np.asarray(alpha, dtype=np.float64)
    low = boundary_hz * np.minimum(alpha, 1.0)
    knee = low / alpha
    above = top_hz - (top_hz - low) / (top_hz - knee) * (top_hz - hz)
    return np.where(hz <= knee, alpha * hz, above)


def source_positions(alphas: np.ndarray, config: FrontEndConfig) -> np.ndarray:
    """(rows, n_mels) fractional mel-bin indices each output bin of each row is read from."""
    mel_edges = np.linspace(hz_to_mel(config.fmin_hz), hz_to_mel(config.fmax_hz), config.n_mels + 2)
    centres_hz = mel_to_hz(mel_edges[1:-1])
    spacing = mel_edges[1] - mel_edges[0]
    source_hz = warped_hz(centres_hz[None, :], np.asarray(alphas, dtype=np.float64)[:, None], config.fmax_hz)
    return np.clip((hz_to_mel(source_hz) - mel_edges[1]) / spacing, 0.0, config.n_mels - 1)


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
