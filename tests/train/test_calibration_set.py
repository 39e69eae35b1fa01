"""The calibration set's augmented copies: written once, deterministic, tagged, the source untouched."""

from pathlib import Path

import numpy as np
import soundfile as sf

from train.augment import Augmenter
from train.calibration_set import augmented_copies
from train.corpus import Utterance

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "weather_in_paris.wav"


def test_copies_are_augmented_once_and_reused(tmp_path):
    source = Utterance(EXAMPLE, "what's the weather in paris tomorrow", 2.8, "v", "v", {"set": "dev"})
    before = EXAMPLE.read_bytes()
    augmenter = Augmenter(p_speed=0.0, p_noise=1.0, p_telephone=1.0)  # no speed change: lengths compare
    (copy,) = augmented_copies([source], tmp_path / "a", augmenter, seed=3)
    assert copy.text == source.text and copy.tags == {"set": "dev", "condition": "augmented"}
    assert copy.audio.parent == (tmp_path / "a").resolve() and EXAMPLE.read_bytes() == before
    first_write = copy.audio.stat().st_mtime_ns
    assert augmented_copies([source], tmp_path / "a", augmenter, seed=3)[0].audio.stat().st_mtime_ns == first_write
    (again,) = augmented_copies([source], tmp_path / "b", augmenter, seed=3)
    a, b = sf.read(copy.audio)[0], sf.read(again.audio)[0]
    assert np.array_equal(a, b), "the same seed gives the same copy"
    original = sf.read(EXAMPLE)[0]
    assert len(a) == len(original) and not np.allclose(a, original, atol=1e-3)
