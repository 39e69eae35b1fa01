"""Tests for train/augment.py."""

import numpy as np
import pytest

from train import augment

RATE = 16000


@pytest.fixture
def tone():
    t = np.arange(RATE) / RATE
    return (0.5 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def _dominant_hz(x):
    return np.argmax(np.abs(np.fft.rfft(x))) * RATE / len(x)


@pytest.mark.parametrize("snr_db", [0.0, 10.0, 25.0])
@pytest.mark.parametrize("kind", augment.NOISE_KINDS)
def test_add_noise_at_snr_hits_the_snr(tone, kind, snr_db):
    noise = augment.coloured_noise(kind, RATE // 3, np.random.default_rng(0))
    noisy = augment.add_noise_at_snr(tone * 0.5, noise, snr_db)
    added = noisy - tone * 0.5
    assert 10 * np.log10(np.mean((tone * 0.5) ** 2) / np.mean(added ** 2)) == pytest.approx(snr_db, abs=0.05)


def test_speed_perturb_changes_length_and_pitch(tone):
    fast = augment.speed_perturb(tone, 1.25)
    assert len(fast) == pytest.approx(len(tone) / 1.25, abs=2)
    assert _dominant_hz(fast) == pytest.approx(275, abs=3)


def test_time_stretch_keeps_pitch(tone):
    slow = augment.time_stretch(tone, 0.8)
    assert len(slow) == pytest.approx(len(tone) / 0.8, rel=0.01)
    assert _dominant_hz(slow[1000:-1000]) == pytest.approx(220, abs=4)


def test_pitch_shift_keeps_length(tone):
    up = augment.pitch_shift(tone, 12.0)
    assert len(up) == len(tone) and _dominant_hz(up[1000:-1000]) == pytest.approx(440, abs=6)


def test_telephone_removes_low_and_high_frequencies():
    rng = np.random.default_rng(0)
    white = augment.coloured_noise("white", RATE, rng) * 0.1
    spectrum = np.abs(np.fft.rfft(augment.telephone(white))) ** 2
    freqs = np.fft.rfftfreq(RATE, 1 / RATE)
    band = spectrum[(freqs > 500) & (freqs < 3000)].mean()
    assert spectrum[freqs > 4500].mean() < band / 100 and spectrum[freqs < 100].mean() < band / 10


def test_room_impulse_response_decays():
    rir = augment.room_impulse_response(np.random.default_rng(0), rt60_s=0.4)
    energy = rir[1:] ** 2
    early, late = energy[: len(energy) // 4].sum(), energy[-len(energy) // 4:].sum()
    assert rir[0] == 1.0 and late < early / 100


def test_augmenter_is_deterministic_and_safe(tone):
    augmenter = augment.Augmenter(p_telephone=0.5, babble_pool=(tone, tone[::2]))
    for seed in range(15):
        a = augmenter(tone, np.random.default_rng(seed))
        assert a.dtype == np.float32 and np.isfinite(a).all() and np.abs(a).max() <= 1.0
        np.testing.assert_array_equal(a, augmenter(tone, np.random.default_rng(seed)))


def test_microphone_and_gain_keep_shape(tone):
    rng = np.random.default_rng(3)
    assert augment.microphone(tone, rng).shape == tone.shape
    assert np.abs(augment.gain(tone, 6.0)).max() <= 1.0


@pytest.mark.parametrize("rate", [8000, 11025])
def test_narrowband_keeps_the_band_below_half_its_rate_and_nothing_above(rate):
    white = augment.coloured_noise("white", RATE, np.random.default_rng(0)) * 0.1
    out = augment.narrowband(white, rate)
    spectrum = np.abs(np.fft.rfft(out)) ** 2
    freqs = np.fft.rfftfreq(RATE, 1 / RATE)
    band = spectrum[(freqs > 100) & (freqs < 0.4 * rate)].mean()
    assert len(out) == len(white) and out.dtype == np.float32
    assert spectrum[freqs > 0.55 * rate].mean() < band / 1000
    assert spectrum[freqs < 100].mean() > band / 10  # no telephone high-pass


def test_narrowband_is_drawn_only_when_asked_for(tone):
    """p_narrowband = 0 draws nothing, so recipes written before it augment exactly as they did."""
    before = augment.Augmenter()(tone, np.random.default_rng(5))
    assert np.array_equal(before, augment.Augmenter(p_narrowband=0.0)(tone, np.random.default_rng(5)))
    always = augment.Augmenter(p_speed=0, p_pitch=0, p_microphone=0, p_reverb=0, p_noise=0, p_telephone=0,
                               p_narrowband=1.0, narrowband_rates=(8000,), gain_range_db=(0.0, 0.0))
    assert np.allclose(always(tone, np.random.default_rng(1)), augment.narrowband(tone, 8000))


def test_cut_tight_removes_the_edge_silence_and_keeps_the_speech(tone):
    padded = np.concatenate([np.zeros(RATE // 2, np.float32), tone, np.zeros(RATE // 4, np.float32)])
    cut = augment.cut_tight(padded)
    assert abs(len(cut) - len(tone)) < 0.05 * RATE  # the tone, give or take a frame
    assert np.abs(cut).max() == pytest.approx(0.5, abs=0.01)
    assert abs(len(augment.cut_tight(tone)) - len(tone)) < 0.01 * RATE  # nothing to cut


def test_tight_cut_is_drawn_only_when_asked_for(tone):
    """p_tight_cut = 0 draws nothing, so recipes written before it augment exactly as they did."""
    padded = np.concatenate([np.zeros(RATE // 2, np.float32), tone])
    before = augment.Augmenter()(padded, np.random.default_rng(5))
    assert np.array_equal(before, augment.Augmenter(p_tight_cut=0.0)(padded, np.random.default_rng(5)))
    always = augment.Augmenter(p_tight_cut=1.0, p_speed=0, p_pitch=0, p_microphone=0, p_reverb=0, p_noise=0,
                               p_telephone=0, gain_range_db=(0.0, 0.0))
    assert np.allclose(always(padded, np.random.default_rng(1)), augment.cut_tight(padded))
