"""Log-mel front end: numba kernel vs its NumPy reference vs librosa vs kaldi-native-fbank, one thread.

The group's table gives the medians side by side; divide by 10 for ms per second of audio.
"""

import numpy as np
import pytest

from edge.frontend import FrontEndConfig, LogMel
from edge.frontend.reference import log_mel_reference

CONFIG = FrontEndConfig()
CHUNK_100_MS = 1600


@pytest.fixture
def log_mel() -> LogMel:
    """A LogMel whose kernel is loaded: otherwise the first, timed call loads numba's cache and
    pytest-benchmark, calibrating on it, runs only a handful of rounds."""
    log_mel = LogMel(CONFIG)
    log_mel(np.zeros(CONFIG.window, np.float32))
    return log_mel


@pytest.mark.benchmark(group="frontend-10s")
def test_numba_log_mel(benchmark, log_mel, ten_seconds_of_speech):
    feats = benchmark(log_mel, ten_seconds_of_speech)
    assert feats.shape == (CONFIG.n_frames(len(ten_seconds_of_speech)), 80)


@pytest.mark.benchmark(group="frontend-10s")
def test_numpy_reference_log_mel(benchmark, ten_seconds_of_speech):
    feats = benchmark(log_mel_reference, ten_seconds_of_speech, CONFIG)
    assert feats.shape[1] == 80


@pytest.mark.benchmark(group="frontend-10s")
def test_librosa_melspectrogram(benchmark, ten_seconds_of_speech):
    librosa = pytest.importorskip("librosa", reason="librosa is in the test extra")

    def run(samples):
        mel = librosa.feature.melspectrogram(y=samples, sr=16000, n_fft=512, win_length=400, hop_length=160,
                                             n_mels=80, fmin=20, fmax=7600, htk=True, norm=None, center=False)
        return np.log(mel + 1e-6)

    assert benchmark(run, ten_seconds_of_speech).shape[0] == 80


@pytest.mark.benchmark(group="frontend-10s")
def test_kaldi_native_fbank(benchmark, ten_seconds_of_speech):
    knf = pytest.importorskip("kaldi_native_fbank", reason="kaldi-native-fbank is in the test extra")
    options = knf.FbankOptions()
    options.frame_opts.samp_freq = 16000
    options.frame_opts.dither = 0.0
    options.frame_opts.snip_edges = True
    options.mel_opts.num_bins = 80

    def run(samples):
        fbank = knf.OnlineFbank(options)
        fbank.accept_waveform(16000, samples.tolist())
        fbank.input_finished()
        return np.stack([fbank.get_frame(i) for i in range(fbank.num_frames_ready)])

    assert benchmark(run, ten_seconds_of_speech).shape[1] == 80


@pytest.mark.benchmark(group="frontend-stream-100ms")
def test_streaming_log_mel_100ms_chunk(benchmark, log_mel, ten_seconds_of_speech):
    stream = log_mel.stream()
    chunks = [ten_seconds_of_speech[i:i + CHUNK_100_MS] for i in range(0, len(ten_seconds_of_speech), CHUNK_100_MS)]
    position = iter(range(10**9))

    def one_chunk():
        return stream.accept(chunks[next(position) % len(chunks)])

    frames = benchmark(one_chunk)
    assert frames.shape[1] == 80 and 8 <= len(frames) <= 11  # the first chunk completes 8 frames, later ones 10
