"""Tests for train/babble.py: the recipe's augmenter draws its babble from the data."""

import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from train.augment import Augmenter
from train.babble import BABBLE_POOL_KEY, babble_folder_name, babble_pool, recipe_augmenter

RATE = 16000


@pytest.fixture
def clips(tmp_path):
    """Six one-second tones of different pitches, as 16 kHz WAV files."""
    paths = []
    t = np.arange(RATE) / RATE
    for i, hz in enumerate((300, 500, 700, 900, 1100, 1300)):
        path = tmp_path / f"clip{i}.wav"
        sf.write(path, (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32), RATE)
        paths.append(str(path))
    return paths


def _dominant_hz(x):
    return round(np.argmax(np.abs(np.fft.rfft(x))) * RATE / len(x))


def test_the_pool_is_distinct_clips_drawn_by_the_seed(clips):
    pool = babble_pool(clips + clips, 4, seed=3)  # each path twice: still four distinct clips
    assert len(pool) == 4 and len({_dominant_hz(x) for x in pool}) == 4
    again = babble_pool(list(reversed(clips)), 4, seed=3)  # the order given does not matter
    assert [_dominant_hz(x) for x in again] == [_dominant_hz(x) for x in pool]
    others = {tuple(_dominant_hz(x) for x in babble_pool(clips, 4, seed=s)) for s in range(8)}
    assert len(others) > 1
    assert len(babble_pool(clips, 100, seed=0)) == len(clips)
    assert babble_pool(clips, 0, seed=0) == () and babble_pool([], 5, seed=0) == ()


def test_the_draw_does_not_depend_on_where_the_corpora_lie(clips, tmp_path):
    """Three clips of a real corpus and three of a synthetic one; then the real corpus elsewhere,
    so that sorting whole paths would put it after the synthetic one instead of before."""
    def laid_out(real_root, synthetic_root):
        paths = []
        for i, path in enumerate(clips):
            folder = tmp_path / real_root / "speakers" / "s1" if i < 3 else tmp_path / synthetic_root / "wav" / "voice"
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, folder / Path(path).name)
            paths.append(str(folder / Path(path).name))
        return paths

    before = babble_pool(laid_out("a_real", "m_synthetic"), 3, seed=1)
    after = babble_pool(laid_out("z_real", "m_synthetic"), 3, seed=1)
    assert [_dominant_hz(x) for x in after] == [_dominant_hz(x) for x in before]


def test_recipe_augmenter_passes_its_settings_and_adds_the_pool(clips):
    plain = recipe_augmenter({"p_noise": 0.9}, clips, seed=0)
    assert plain == Augmenter(p_noise=0.9) and plain.babble_pool == ()
    settings = {"p_noise": 1.0, BABBLE_POOL_KEY: 3}
    with_babble = recipe_augmenter(settings, clips, seed=0)
    assert len(with_babble.babble_pool) == 3 and with_babble.p_noise == 1.0
    assert settings == {"p_noise": 1.0, BABBLE_POOL_KEY: 3}  # the recipe's dict is left as it was


def test_with_a_pool_some_noise_is_babble_of_the_pooled_clips(clips):
    """A silent-free clip with only noise added: babble shows as the pooled tones' pitches, which
    white, pink and brown noise do not have."""
    augmenter = recipe_augmenter({"p_speed": 0, "p_pitch": 0, "p_microphone": 0, "p_reverb": 0, "p_noise": 1.0,
                                  "p_telephone": 0, "snr_range_db": (-20.0, -20.0), "gain_range_db": (0.0, 0.0),
                                  BABBLE_POOL_KEY: 6}, clips, seed=0)
    speech = np.full(RATE, 1e-3, np.float32)
    pooled = {300, 500, 700, 900, 1100, 1300}
    babbled = sum(_dominant_hz(augmenter(speech, np.random.default_rng(seed))) in pooled for seed in range(40))
    assert 3 <= babbled <= 20  # one noise kind in four


def _noise_only(clips, **settings):
    return recipe_augmenter({"p_speed": 0, "p_pitch": 0, "p_microphone": 0, "p_reverb": 0, "p_noise": 1.0,
                             "p_telephone": 0, "snr_range_db": (-20.0, -20.0), "gain_range_db": (0.0, 0.0),
                             BABBLE_POOL_KEY: 6, **settings}, clips, seed=0)


@pytest.mark.parametrize("share, low, high", [(1.0, 40, 40), (0.75, 22, 38)])
def test_babble_share_sets_how_many_noisy_clips_get_babble(clips, share, low, high):
    augmenter = _noise_only(clips, babble_share=share)
    speech = np.full(RATE, 1e-3, np.float32)
    pooled = {300, 500, 700, 900, 1100, 1300}
    babbled = sum(_dominant_hz(augmenter(speech, np.random.default_rng(seed))) in pooled for seed in range(40))
    assert low <= babbled <= high


def test_babble_talkers_are_drawn_from_their_range(clips):
    """One talker: the babble is a single pooled tone, so its spectrum has one peak; five: several."""
    speech = np.full(RATE, 1e-3, np.float32)

    def tones_heard(augmenter, seed):
        spectrum = np.abs(np.fft.rfft(augmenter(speech, np.random.default_rng(seed))))
        return sum(spectrum[hz] > 0.2 * spectrum.max() for hz in (300, 500, 700, 900, 1100, 1300))

    single = _noise_only(clips, babble_share=1.0, babble_talkers=[1, 1])
    assert all(tones_heard(single, seed) == 1 for seed in range(10))
    ranged = _noise_only(clips, babble_share=1.0, babble_talkers=[1, 6])
    assert len({tones_heard(ranged, seed) for seed in range(20)}) > 1


def test_the_default_share_draws_as_before(clips):
    """babble_share 0 keeps babble one noise kind among four, drawn as recipes before it drew."""
    speech = np.full(RATE, 1e-3, np.float32)
    before, after = _noise_only(clips), _noise_only(clips, babble_share=0.0, babble_talkers=(5, 5))
    for seed in range(5):
        assert np.array_equal(before(speech, np.random.default_rng(seed)), after(speech, np.random.default_rng(seed)))


def test_copies_made_with_other_babble_settings_go_to_a_folder_of_their_own():
    assert babble_folder_name({}) == "" and babble_folder_name({BABBLE_POOL_KEY: 0, "babble_share": 0.5}) == ""
    assert babble_folder_name({BABBLE_POOL_KEY: 300}) == "babble300"
    assert babble_folder_name({BABBLE_POOL_KEY: 300, "babble_share": 0.0, "babble_talkers": [5, 5]}) == "babble300"
    assert babble_folder_name({BABBLE_POOL_KEY: 600, "babble_share": 0.4,
                               "babble_talkers": [1, 8]}) == "babble600_share0.4_talkers1-8"
