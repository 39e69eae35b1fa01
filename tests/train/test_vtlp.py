"""VTLP on log-mel features: a tone's peak moves to alpha times its frequency; identity at 1."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the training extra (torch) is not installed")

from edge.frontend.config import FrontEndConfig  # noqa: E402
from edge.frontend.reference import hz_to_mel, log_mel_reference, mel_to_hz  # noqa: E402
from edge.frontend.warp import warped_hz  # noqa: E402
from train.vtlp import draw_alphas, vtlp  # noqa: E402

CONFIG = FrontEndConfig()


def _tone_features(hz: float) -> torch.Tensor:
    t = np.arange(CONFIG.sample_rate) / CONFIG.sample_rate
    samples = (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32)
    return torch.from_numpy(log_mel_reference(samples, CONFIG))


def _centre_hz(mel_bin: int) -> float:
    edges = np.linspace(hz_to_mel(CONFIG.fmin_hz), hz_to_mel(CONFIG.fmax_hz), CONFIG.n_mels + 2)
    return float(mel_to_hz(edges[mel_bin + 1]))


def test_warp_is_continuous_monotonic_and_keeps_the_top_edge():
    hz = np.linspace(0, CONFIG.fmax_hz, 2000)
    for alpha in (0.9, 0.95, 1.0, 1.05, 1.1):
        warped = warped_hz(hz, alpha, CONFIG.fmax_hz)
        assert np.all(np.diff(warped) > 0)
        assert warped[-1] == pytest.approx(CONFIG.fmax_hz)
        assert warped[100] == pytest.approx(alpha * hz[100])


def test_alpha_one_leaves_features_unchanged():
    feats = torch.randn(2, 50, CONFIG.n_mels)
    assert torch.allclose(vtlp(feats, np.array([1.0, 1.0])), feats, atol=1e-5)


def test_a_tone_peak_moves_as_the_warped_spectrum_says():
    """Output bin m reads the input at warped_hz(centre_m): a 1 kHz tone read with alpha = 1.1 peaks
    where alpha * f = 1 kHz, i.e. near 909 Hz; with alpha = 0.9 near 1111 Hz."""
    feats = _tone_features(1000.0)[None].repeat(2, 1, 1)
    warped = vtlp(feats, np.array([1.1, 0.9]))
    for row, alpha in enumerate((1.1, 0.9)):
        peak_hz = _centre_hz(int(warped[row].mean(0).argmax()))
        assert peak_hz == pytest.approx(1000.0 / alpha, rel=0.06)
    assert _centre_hz(int(feats[0].mean(0).argmax())) == pytest.approx(1000.0, rel=0.06)


def test_padding_frames_stay_padding_and_rows_warp_independently():
    pad = float(np.log(1e-6))
    feats = torch.randn(3, 40, CONFIG.n_mels)
    feats[1, 30:] = pad
    out = vtlp(feats, np.array([0.92, 1.08, 1.0]))
    assert torch.allclose(out[1, 30:], torch.full((10, CONFIG.n_mels), pad))
    assert torch.allclose(out[2], feats[2], atol=1e-5)
    assert not torch.allclose(out[0], feats[0])


def test_wrong_bin_count_is_a_clear_error():
    with pytest.raises(ValueError, match="mel bins"):
        vtlp(torch.zeros(1, 5, 40), np.array([1.0]))


def test_alphas_are_drawn_in_range_and_repeatably():
    a = draw_alphas(1000, 0.1, np.random.default_rng(3))
    assert a.min() >= 0.9 and a.max() <= 1.1 and a.std() > 0.05
    assert np.array_equal(a, draw_alphas(1000, 0.1, np.random.default_rng(3)))
