"""Audio input cost on 10 s of real speech: reading files into 16 kHz mono, and resampling alone
(whole clips as files are, and 30 ms blocks as the microphone delivers them).

Medians are seconds per 10 s of audio.
"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import soxr

from edge.audio import read_audio, to_mono_16k
from edge.capture import BlockConverter

RATE = 16000

# name: (sample rate, channels, soundfile format, subtype, suffix)
FILES = {
    "wav-16k-mono-pcm16": (16000, 1, "WAV", "PCM_16", "wav"),
    "wav-44k-stereo-pcm16": (44100, 2, "WAV", "PCM_16", "wav"),
    "wav-48k-mono-float": (48000, 1, "WAV", "FLOAT", "wav"),
    "flac-48k-stereo-pcm24": (48000, 2, "FLAC", "PCM_24", "flac"),
    "ogg-vorbis-44k-mono": (44100, 1, "OGG", "VORBIS", "ogg"),
}


def at_rate(speech_16k: np.ndarray, rate: int, channels: int) -> np.ndarray:
    """The speech at `rate` with `channels` identical channels, (frames, channels) float32."""
    resampled = speech_16k if rate == RATE else soxr.resample(speech_16k, RATE, rate, quality="HQ")
    return np.repeat(resampled[:, None], channels, axis=1).astype(np.float32)


@pytest.fixture(scope="module")
def speech_files(tmp_path_factory, ten_seconds_of_speech) -> dict:
    folder = tmp_path_factory.mktemp("bench_audio")
    paths = {}
    for name, (rate, channels, fmt, subtype, suffix) in FILES.items():
        paths[name] = folder / f"{name}.{suffix}"
        audio = at_rate(ten_seconds_of_speech, rate, channels)
        sf.write(paths[name], audio, rate, format=fmt, subtype=subtype)
    return paths


@pytest.mark.benchmark(group="audio-read-10s")
@pytest.mark.parametrize("name", FILES)
def test_read_audio(benchmark, speech_files, ten_seconds_of_speech, name):
    chunk = benchmark(read_audio, speech_files[name])
    assert chunk.sample_rate == RATE and abs(len(chunk.samples) - len(ten_seconds_of_speech)) <= 1


@pytest.mark.benchmark(group="resample-10s")
@pytest.mark.parametrize("rate, channels", [(44100, 2), (48000, 1), (8000, 1)])
def test_to_mono_16k_whole_clip(benchmark, ten_seconds_of_speech, rate, channels):
    audio = at_rate(ten_seconds_of_speech, rate, channels)
    samples = benchmark(to_mono_16k, audio, rate)
    assert abs(len(samples) - len(ten_seconds_of_speech)) <= 1


@pytest.mark.benchmark(group="resample-10s")
@pytest.mark.parametrize("rate, channels", [(48000, 1), (44100, 2)])
def test_microphone_blocks_30ms(benchmark, ten_seconds_of_speech, rate, channels):
    """The capture path: int16 blocks of 30 ms through one stateful BlockConverter."""
    pcm = np.rint(at_rate(ten_seconds_of_speech, rate, channels) * 32767).astype(np.int16)
    block = rate * 30 // 1000
    blocks = [pcm[i:i + block] for i in range(0, len(pcm), block)]

    def run():
        convert = BlockConverter(rate)
        return sum(len(convert(b)) for b in blocks)

    produced = benchmark(run)
    assert len(ten_seconds_of_speech) - 0.1 * RATE <= produced <= len(ten_seconds_of_speech)
