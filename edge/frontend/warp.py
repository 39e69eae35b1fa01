"""Vocal tract length warping of finished log-mel features (Jaitly & Hinton, 2013), per utterance.

A speaker with a shorter or longer vocal tract has the same formant pattern stretched along the
frequency axis. Reading an utterance's spectrum at warped frequencies, f -> alpha * f up to a
boundary and then a straight line that keeps the top edge fixed, imitates another speaker. Training
draws alpha near 1 for every utterance (train/vtlp.py, VTLP); at run time the recognizer decodes a
few fixed warps of each window and keeps the best-scoring hypothesis (VTLN, vocal tract length
normalisation, chosen by the decoder's own score). Both read between neighbouring mel bins at the
warped centre frequencies. The warp is in Hz, as in the paper: scaling mel-bin indices instead
would shift high frequencies rather than stretch them.
"""

from __future__ import annotations

import numpy as np

from edge.frontend.config import FrontEndConfig
from edge.frontend.reference import hz_to_mel, mel_to_hz

BOUNDARY_HZ = 4800.0  # the paper's f_hi: below it frequencies scale by alpha exactly
MIN_WARP, MAX_WARP = 0.8, 1.25  # beyond these the warped speech is no voice the network has heard


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


def check_factors(values, name: str, low: float, high: float) -> tuple[float, ...]:
    """`values` as a tuple of distinct floats in [low, high], at least one; ValueError naming
    `name` and the problem otherwise."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise ValueError(f"{name} must be a list of numbers, got {values!r}")
    values = list(values)
    try:
        factors = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a list of numbers, got {values!r}") from None
    if not factors:
        raise ValueError(f"{name} must hold at least one factor (1.0 leaves the features as they are)")
    if len(set(factors)) != len(factors):
        raise ValueError(f"{name} must be distinct, got {list(factors)}")
    bad = [f for f in factors if not low <= f <= high]
    if bad:
        raise ValueError(f"{name} must be between {low} and {high}, got {bad}")
    return factors


def check_warps(warps) -> tuple[float, ...]:
    """Warp factors for the recognizer: distinct, in [MIN_WARP, MAX_WARP], at least one."""
    return check_factors(warps, "warps", MIN_WARP, MAX_WARP)


class FeatureWarp:
    """Warps (frames, n_mels) log-mel features by one factor; alpha 1.0 returns them unchanged."""

    def __init__(self, alpha: float, config: FrontEndConfig) -> None:
        self.alpha = float(alpha)
        positions = source_positions(np.array([self.alpha]), config)[0]
        self._lower = np.minimum(np.floor(positions).astype(np.intp), config.n_mels - 2)
        self._weight = (positions - self._lower).astype(np.float32)

    def __call__(self, feats: np.ndarray) -> np.ndarray:
        if self.alpha == 1.0:
            return feats
        below = feats[:, self._lower]
        return below + (feats[:, self._lower + 1] - below) * self._weight
