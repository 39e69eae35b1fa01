"""Tempo change of log-mel features: identity at 1, frame counts, ends kept, the time scale back."""

import numpy as np
import pytest

from edge.frontend.tempo import FeatureTempo, check_tempos


def test_tempo_one_returns_the_features_themselves():
    feats = np.random.default_rng(0).normal(size=(50, 80)).astype(np.float32)
    assert FeatureTempo(1.0)(feats) is feats
    assert FeatureTempo(1.0).time_scale(50) == 1.0


@pytest.mark.parametrize("rate, frames", [(1.15, 87), (0.85, 118)])
def test_a_tempo_reads_the_frames_faster_or_slower_keeping_both_ends(rate, frames):
    feats = np.linspace(0.0, 99.0, 100, dtype=np.float32)[:, None] * np.ones((1, 80), np.float32)
    out = FeatureTempo(rate)(feats)
    assert out.shape == (frames, 80) and out.dtype == np.float32
    assert out[0, 0] == 0.0 and out[-1, 0] == pytest.approx(99.0)
    assert np.all(np.diff(out[:, 0]) > 0)  # a ramp stays a ramp, read at another pace
    # output frame j sits at input frame j * time_scale: the scale maps decoded times back to the clip's
    scale = FeatureTempo(rate).time_scale(100)
    assert out[10, 0] == pytest.approx(10 * scale, abs=1e-4)


def test_a_single_frame_is_left_alone():
    one = np.zeros((1, 80), np.float32)
    assert FeatureTempo(1.15)(one) is one and FeatureTempo(1.15).time_scale(1) == 1.0


@pytest.mark.parametrize("tempos, message", [
    ([], "at least one"), ([1.0, 1.0], "distinct"), ([2.0], "tempos must be between 0.7 and 1.4"), ("1", "list of numbers"),
])
def test_bad_tempo_lists_are_refused_with_the_reason(tempos, message):
    with pytest.raises(ValueError, match=message):
        check_tempos(tempos)
