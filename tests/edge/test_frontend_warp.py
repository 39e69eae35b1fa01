"""Speaker warps of log-mel features at run time: identity at 1, a tone's peak moves, bad lists refused."""

import numpy as np
import pytest

from edge.frontend.config import FrontEndConfig
from edge.frontend.reference import log_mel_reference
from edge.frontend.warp import FeatureWarp, check_warps, warped_hz

CONFIG = FrontEndConfig()


def _tone(hz: float) -> np.ndarray:
    t = np.arange(CONFIG.sample_rate) / CONFIG.sample_rate
    return (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def test_warp_one_returns_the_features_themselves():
    feats = log_mel_reference(_tone(1000.0), CONFIG).astype(np.float32)
    assert FeatureWarp(1.0, CONFIG)(feats) is feats


def test_a_warp_moves_a_tones_peak_to_the_bin_read_at_alpha_times_its_frequency():
    feats = log_mel_reference(_tone(1000.0), CONFIG).astype(np.float32)
    peak = int(np.argmax(feats.mean(axis=0)))
    for alpha in (0.92, 1.08):
        warped = FeatureWarp(alpha, CONFIG)(feats)
        assert warped.shape == feats.shape and warped.dtype == np.float32
        moved = int(np.argmax(warped.mean(axis=0)))
        # alpha > 1 reads higher frequencies into each bin: the tone shows up lower, and the other way round
        assert (moved < peak) if alpha > 1 else (moved > peak)
        assert warped_hz(np.array([1000.0 / alpha]), alpha, CONFIG.fmax_hz)[0] == pytest.approx(1000.0)


def test_a_warp_keeps_a_flat_spectrum_flat():
    flat = np.full((7, CONFIG.n_mels), -3.0, np.float32)
    assert np.allclose(FeatureWarp(0.92, CONFIG)(flat), -3.0)


@pytest.mark.parametrize("warps, message", [
    ([], "at least one"),
    ([1.0, 1.0], "distinct"),
    ([0.5], "between 0.8 and 1.25"),
    ([float("nan")], "between"),
    (["x"], "list of numbers"),
    ("1.0", "list of numbers"),
    (1.0, "list of numbers"),
])
def test_bad_warp_lists_are_refused_with_the_reason(warps, message):
    with pytest.raises(ValueError, match=message):
        check_warps(warps)


def test_good_warp_lists_come_back_as_float_tuples():
    assert check_warps([0.92, "1", 1.08]) == (0.92, 1.0, 1.08)
