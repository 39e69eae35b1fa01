import subprocess
import sys

import numpy as np
import pytest

from edge.frontend import FrontEndConfig, LogMel
from edge.frontend.reference import log_mel_reference, mel_filterbank


def test_numba_matches_numpy_reference_on_real_speech(speech_samples):
    np.testing.assert_allclose(LogMel()(speech_samples), log_mel_reference(speech_samples), atol=1e-4, rtol=0)


def test_numba_matches_reference_on_loud_and_silent_input():
    rng = np.random.default_rng(1)
    loud = np.clip(rng.normal(0, 0.8, 16000), -1, 1).astype(np.float32)
    silent = np.zeros(8000, np.float32)
    for samples in (loud, silent, np.concatenate([silent, loud])):
        np.testing.assert_allclose(LogMel()(samples), log_mel_reference(samples), atol=1e-4, rtol=0)


def test_frame_count_follows_the_written_convention():
    config = FrontEndConfig()
    log_mel = LogMel(config)
    assert (config.window, config.hop) == (400, 160)
    for n in (0, 399, 400, 559, 560, 16000):
        assert log_mel(np.zeros(n, np.float32)).shape == (config.n_frames(n), 80)
    assert config.n_frames(16000) == 98


@pytest.mark.parametrize("chunk", [1, 160, 333, 512, 4000])
def test_streaming_gives_the_same_frames_as_whole_input(speech_samples, chunk):
    log_mel = LogMel()
    stream = log_mel.stream()
    parts = [stream.accept(speech_samples[i:i + chunk]) for i in range(0, len(speech_samples), chunk)]
    np.testing.assert_array_equal(np.concatenate(parts), log_mel(speech_samples))


def test_mel_filters_are_htk_triangles_with_unit_peaks():
    filters = mel_filterbank(FrontEndConfig())
    assert filters.shape == (80, 257)
    # 80 filters on a 512-point FFT leave the lowest ones one or two bins wide, but none empty.
    assert np.all(filters >= 0) and np.all(filters.max(axis=1) > 0.4) and filters.max() <= 1.0


def test_a_pure_tone_lights_up_the_mel_bin_of_its_frequency():
    t = np.arange(16000) / 16000
    feats = LogMel()(0.5 * np.sin(2 * np.pi * 1000 * t).astype(np.float32))
    peak = int(np.argmax(feats.mean(axis=0)))
    centres = np.argmax(mel_filterbank(FrontEndConfig()), axis=1) * 16000 / 512
    assert abs(centres[peak] - 1000) < 60


def test_config_rejects_impossible_settings():
    with pytest.raises(ValueError, match="power of two"):
        FrontEndConfig(n_fft=500)
    with pytest.raises(ValueError, match="longer than n_fft"):
        FrontEndConfig(window_ms=40.0)


def test_compiled_kernel_is_loaded_from_the_cache_by_the_next_process():
    code = ("import numpy as np; from edge.frontend import LogMel; from edge.frontend.kernel import _log_mel_kernel; "
            "LogMel()(np.zeros(16000, np.float32)); stats = _log_mel_kernel.stats; "
            "print(sum(stats.cache_hits.values()), sum(stats.cache_misses.values()))")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)  # fills the cache
    hits, misses = map(int, subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                                           text=True).stdout.split())
    assert (hits, misses) == (1, 0), "the second process compiled the kernel again instead of loading it"
