"""How much of the speech band above 4 kHz a clip carries, from its log-mel features.

Audio that passed through an 8 kHz stage (a phone line, an old recording, a cheap codec)
has next to nothing above 4 kHz, and the edge model, trained mostly on wideband speech, is
less often right on it. The utterance confidence takes this as one of its features:

    high_band = mean over the louder half of the frames of
                (mean log-mel of the bins centred above 4 kHz - mean of those from 300 Hz to 3.4 kHz)

in the front end's natural-log units. Wideband speech gives a few units below zero; band-
limited speech many more (the upper bins sit at the front end's floor). Silence and very
short clips give 0.0 (nothing to judge).
"""

from __future__ import annotations

import numpy as np

from edge.frontend.config import FrontEndConfig
from edge.frontend.reference import hz_to_mel, mel_to_hz

HIGH_HZ = 4000.0
SPEECH_BAND_HZ = (300.0, 3400.0)
MIN_FRAMES = 10


def mel_centres_hz(config: FrontEndConfig) -> np.ndarray:
    """Centre frequency of each mel filter, in Hz."""
    edges = mel_to_hz(np.linspace(hz_to_mel(config.fmin_hz), hz_to_mel(config.fmax_hz), config.n_mels + 2))
    return edges[1:-1]


def high_band(feats: np.ndarray, config: FrontEndConfig) -> float:
    """The high-band level of (frames, n_mels) log-mel features (module docstring)."""
    centres = mel_centres_hz(config)
    high = centres > HIGH_HZ
    speech = (centres >= SPEECH_BAND_HZ[0]) & (centres <= SPEECH_BAND_HZ[1])
    if len(feats) < MIN_FRAMES or not high.any() or not speech.any():
        return 0.0
    feats = np.asarray(feats, dtype=np.float64)
    loudness = feats.mean(axis=1)
    loud = feats[loudness >= np.median(loudness)]
    return float(np.mean(loud[:, high].mean(axis=1) - loud[:, speech].mean(axis=1)))
