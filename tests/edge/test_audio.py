"""Tests for edge/audio.py: every supported file becomes float32 mono 16 kHz; bad files fail clearly.

Fixtures are written into tmp_path with soundfile and numpy.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import soundfile as sf

from edge.audio import AudioChunk, check_samples, decode_audio, read_audio, to_mono_16k
from edge.errors import AudioFormatError, AudioInputError

RATE = 16000
OPUS = "OPUS" in sf.available_subtypes("OGG")
MP3 = "MP3" in sf.available_formats()


def sine(rate: int, seconds: float, freq_hz: float = 440.0, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(round(rate * seconds))) / rate
    return amplitude * np.sin(2 * np.pi * freq_hz * t)


def peak_hz(samples: np.ndarray, rate: int = RATE) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.argmax(spectrum) * rate / len(samples))


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))


def write(path, data, rate, **kwargs):
    sf.write(path, data, rate, **kwargs)
    return path


def assert_16k_mono(chunk: AudioChunk, seconds: float) -> None:
    assert isinstance(chunk, AudioChunk)
    assert chunk.sample_rate == RATE and chunk.start_s == 0.0
    assert chunk.samples.dtype == np.float32 and chunk.samples.ndim == 1
    assert chunk.samples.flags["C_CONTIGUOUS"]
    assert abs(len(chunk.samples) - seconds * RATE) <= 1, "resampling must keep the duration"


# --- what is accepted ------------------------------------------------------------------------

@pytest.mark.parametrize("fmt, subtype, suffix", [
    ("WAV", "PCM_U8", "wav"), ("WAV", "PCM_16", "wav"), ("WAV", "PCM_24", "wav"), ("WAV", "PCM_32", "wav"),
    ("WAV", "FLOAT", "wav"), ("WAV", "DOUBLE", "wav"), ("WAVEX", "PCM_24", "wav"),
    ("FLAC", "PCM_16", "flac"), ("FLAC", "PCM_24", "flac"), ("OGG", "VORBIS", "ogg"),
    pytest.param("OGG", "OPUS", "ogg", marks=pytest.mark.skipif(not OPUS, reason="libsndfile without Opus")),
])
def test_every_supported_encoding_is_read(tmp_path, fmt, subtype, suffix):
    rate = 48000 if subtype == "OPUS" else 44100  # Opus only runs at 8/12/16/24/48 kHz
    path = write(tmp_path / f"tone.{suffix}", sine(rate, 1.5), rate, format=fmt, subtype=subtype)
    chunk = read_audio(path)
    assert_16k_mono(chunk, 1.5)
    assert peak_hz(chunk.samples) == pytest.approx(440, abs=2)
    lossy = fmt == "OGG"
    assert rms(chunk.samples[800:-800]) == pytest.approx(0.5 / np.sqrt(2), rel=0.1 if lossy else 0.02)


@pytest.mark.parametrize("rate", [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000])
def test_every_rate_from_8_to_48_khz_becomes_16k_with_duration_and_pitch_kept(tmp_path, rate):
    path = write(tmp_path / "tone.wav", sine(rate, 2.0, freq_hz=1000), rate, subtype="PCM_16")
    chunk = read_audio(path)
    assert_16k_mono(chunk, 2.0)
    assert peak_hz(chunk.samples) == pytest.approx(1000, abs=1)
    assert chunk.duration_s == pytest.approx(2.0, abs=1 / RATE)


def test_16k_mono_is_read_unchanged(tmp_path):
    pcm = (sine(RATE, 1.0) * 32767).astype(np.int16)
    chunk = read_audio(write(tmp_path / "a.wav", pcm, RATE, subtype="PCM_16"))
    np.testing.assert_array_equal(chunk.samples, pcm.astype(np.float32) / 32768)


@pytest.mark.parametrize("channels", [2, 3, 6])
def test_channels_are_averaged_to_mono(tmp_path, channels):
    rate = 48000
    tone = sine(rate, 1.0)
    data = np.zeros((len(tone), channels))
    data[:, 0] = tone  # one channel carries the tone, the others are silent
    chunk = read_audio(write(tmp_path / "multi.wav", data, rate, subtype="FLOAT"))
    assert_16k_mono(chunk, 1.0)
    assert rms(chunk.samples[800:-800]) == pytest.approx(0.5 / np.sqrt(2) / channels, rel=0.02)


def test_opposite_stereo_channels_cancel(tmp_path):
    tone = sine(RATE, 1.0)
    chunk = read_audio(write(tmp_path / "stereo.flac", np.stack([tone, -tone], axis=1), RATE))
    assert np.abs(chunk.samples).max() < 1e-3


def test_bytes_decode_like_the_file(tmp_path):
    path = write(tmp_path / "a.flac", sine(22050, 1.0), 22050)
    from_bytes = decode_audio(path.read_bytes(), name="upload.flac")
    np.testing.assert_array_equal(from_bytes.samples, read_audio(path).samples)


def test_a_file_up_to_the_maximum_duration_is_read(tmp_path):
    path = write(tmp_path / "a.wav", sine(RATE, 1.0), RATE)
    assert read_audio(path, max_duration_s=1.0).duration_s == pytest.approx(1.0)


def test_read_audio_takes_str_and_pathlike(tmp_path):
    path = write(tmp_path / "a.wav", sine(RATE, 0.5), RATE)
    assert len(read_audio(str(path)).samples) == len(read_audio(path).samples) == RATE // 2


# --- what is refused, each with a message naming the file -------------------------------------

def _not_audio(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("these are not the samples you are looking for\n" * 50)
    return path


def _random_bytes(tmp_path):
    path = tmp_path / "noise.flac"
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    return path


def _truncated(name, keep, **kwargs):
    """A maker of a 1 s file cut to keep(its length in bytes) bytes."""
    def make(tmp_path):
        path = write(tmp_path / name, sine(RATE, 1.0), RATE, **kwargs)
        data = path.read_bytes()
        path.write_bytes(data[:keep(len(data))])
        return path
    return make


def _empty_file(tmp_path):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    return path


def _with_value(value, subtype):
    def make(tmp_path):
        data = sine(RATE, 1.0)
        data[1234] = value
        return write(tmp_path / "bad_values.wav", data, RATE, subtype=subtype)
    return make


def _raw(tmp_path):
    path = tmp_path / "speech.raw"
    path.write_bytes((sine(RATE, 1.0) * 32767).astype("<i2").tobytes())
    return path


BAD_FILES = {
    "not audio (text)": (_not_audio, "not a readable audio file"),
    "not audio (random bytes)": (_random_bytes, "not a readable audio file"),
    "truncated WAV": (_truncated("cut.wav", lambda n: n // 2), "truncated"),
    "truncated 24-bit WAV": (_truncated("cut24.wav", lambda n: n - 7, subtype="PCM_24"), "truncated"),
    "WAV cut inside the header": (_truncated("head.wav", lambda n: 30, subtype="FLOAT"), "head.wav"),
    "truncated FLAC": (_truncated("cut.flac", lambda n: n // 2), "cut.flac"),
    "truncated OGG": (_truncated("cut.ogg", lambda n: n // 2), "cut.ogg"),
    "empty file": (_empty_file, "empty"),
    "WAV with no samples": (lambda p: write(p / "none.wav", np.zeros(0), RATE), "no audio samples"),
    "NaN sample": (_with_value(np.nan, "FLOAT"), "NaN or infinite"),
    "Inf sample": (_with_value(np.inf, "DOUBLE"), "NaN or infinite"),
    "longer than the maximum": (lambda p: write(p / "long.wav", np.zeros(601 * 8000), 8000), "longer than"),
    "AIFF": (lambda p: write(p / "a.aiff", sine(RATE, 1.0), RATE), "unsupported format AIFF"),
    "raw PCM": (_raw, "unsupported format"),
    "rate above 48 kHz": (lambda p: write(p / "hi.wav", sine(96000, 0.5), 96000), "96000 Hz"),
    "rate below 8 kHz": (lambda p: write(p / "lo.wav", sine(4000, 0.5, 200), 4000), "4000 Hz"),
    "missing file": (lambda p: p / "nowhere.wav", "no such file"),
    "directory": (lambda p: p, "directory"),
}
if MP3:
    BAD_FILES["MP3"] = (lambda p: write(p / "a.mp3", sine(RATE, 1.0), RATE, format="MP3"),
                        "unsupported format")


@pytest.mark.parametrize("make, problem", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_input_is_one_clear_error_naming_the_file(tmp_path, make, problem):
    path = make(tmp_path)
    with pytest.raises(AudioInputError) as error:
        read_audio(path)
    message = str(error.value)
    assert message.startswith(f"{path}: "), message
    assert problem in message
    assert "\n" not in message


def test_the_maximum_duration_is_configurable(tmp_path):
    path = write(tmp_path / "two.wav", sine(RATE, 2.0), RATE)
    with pytest.raises(AudioInputError, match=r"two\.wav: 2\.0 s is longer than the maximum of 1\.5 s"):
        read_audio(path, max_duration_s=1.5)


def test_bad_bytes_are_named_by_the_name_given(tmp_path):
    with pytest.raises(AudioInputError, match="^upload: empty file"):
        decode_audio(b"", name="upload")
    with pytest.raises(AudioInputError, match="^upload: not a readable audio file"):
        decode_audio(b"RIFF nonsense", name="upload")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a file without read permission")
def test_an_unreadable_file_is_an_audio_input_error(tmp_path):
    path = write(tmp_path / "secret.wav", sine(RATE, 0.5), RATE)
    path.chmod(0)
    with pytest.raises(AudioInputError, match="secret.wav: cannot be opened"):
        read_audio(path)


def test_a_streamed_wav_with_a_placeholder_length_is_read(tmp_path):
    """Writers on a pipe cannot fill in the data length; their files are complete, not truncated."""
    path = write(tmp_path / "piped.wav", sine(RATE, 1.0), RATE, subtype="PCM_16")
    data = bytearray(path.read_bytes())
    data_at = data.index(b"data") + 4
    data[data_at:data_at + 4] = (0xFFFFFFFF).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    assert read_audio(path).duration_s == pytest.approx(1.0, abs=1e-3)


# --- helpers ---------------------------------------------------------------------------------

def test_to_mono_16k_resamples_and_averages():
    stereo = np.stack([sine(8000, 1.0), np.zeros(8000)], axis=1)
    mono = to_mono_16k(stereo, 8000)
    assert mono.dtype == np.float32 and mono.shape == (RATE,)
    assert rms(mono[400:-400]) == pytest.approx(0.25 / np.sqrt(2), rel=0.02)


@pytest.mark.parametrize("samples, rate, problem", [
    (np.zeros(10, dtype=np.float32), 8000, "16000 Hz"),
    (np.zeros((10, 2), dtype=np.float32), RATE, "mono"),
    (np.zeros(10, dtype=np.int16), RATE, "float"),
    (np.array([0.0, np.inf], dtype=np.float32), RATE, "NaN or infinite"),
])
def test_check_samples_refuses_what_a_stage_cannot_take(samples, rate, problem):
    with pytest.raises(AudioFormatError, match=problem):
        check_samples(samples, rate)


def test_check_samples_returns_float32():
    assert check_samples(np.zeros(4, dtype=np.float64), RATE).dtype == np.float32
