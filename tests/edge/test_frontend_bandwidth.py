"""The high-band level tells audio that went through an 8 kHz stage from wideband audio."""

from pathlib import Path

import numpy as np
import soxr

from edge.audio import read_audio
from edge.frontend import FrontEndConfig, LogMel
from edge.frontend.bandwidth import high_band, mel_centres_hz

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "weather_in_paris.wav"
CONFIG = FrontEndConfig()


def _level(samples: np.ndarray) -> float:
    return high_band(LogMel(CONFIG)(samples.astype(np.float32)), CONFIG)


def test_narrowband_copy_of_speech_sits_far_below_the_wideband_original():
    speech = read_audio(EXAMPLE).samples
    narrow = soxr.resample(soxr.resample(speech, 16000, 8000), 8000, 16000)[:len(speech)]
    wide, phone = _level(speech), _level(narrow)
    assert wide > -8.0, wide
    assert phone < wide - 4.0, (wide, phone)


def test_silence_and_tiny_clips_give_zero():
    assert high_band(np.zeros((5, CONFIG.n_mels), np.float32), CONFIG) == 0.0
    assert high_band(np.zeros((0, CONFIG.n_mels), np.float32), CONFIG) == 0.0


def test_mel_centres_rise_within_the_front_end_band():
    centres = mel_centres_hz(CONFIG)
    assert len(centres) == CONFIG.n_mels and np.all(np.diff(centres) > 0)
    assert CONFIG.fmin_hz < centres[0] and centres[-1] < CONFIG.fmax_hz
