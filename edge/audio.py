"""Audio input: read files or bytes, validate them, and convert once to float32 mono 16 kHz."""

from __future__ import annotations

import io
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from edge.errors import AudioFormatError, AudioInputError

TARGET_RATE = 16000
MIN_RATE, MAX_RATE = 8000, 48000
DEFAULT_MAX_DURATION_S = 600.0
SUPPORTED_FORMATS = ("WAV", "WAVEX", "FLAC", "OGG")  # soundfile's major format names


@dataclass(frozen=True, slots=True)
class AudioChunk:
    """A piece of audio that carries its own format."""

    samples: np.ndarray  # float32 mono in [-1, 1]
    sample_rate: int
    start_s: float = 0.0

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


def read_audio(path: str | os.PathLike, *, max_duration_s: float = DEFAULT_MAX_DURATION_S,
               target_rate: int = TARGET_RATE) -> AudioChunk:
    """Read WAV/FLAC/OGG from `path` as float32 mono at `target_rate`.

    Raises AudioInputError whose message names the file and the problem.
    """
    path = Path(path)
    if not path.exists():
        raise AudioInputError(f"{path}: no such file")
    if path.is_dir():
        raise AudioInputError(f"{path}: is a directory, not an audio file")
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise AudioInputError(f"{path}: cannot be opened ({exc.strerror or exc})") from None
    with handle:
        return _decode(handle, str(path), max_duration_s, target_rate)


def decode_audio(data: bytes, *, name: str = "<bytes>", max_duration_s: float = DEFAULT_MAX_DURATION_S,
                 target_rate: int = TARGET_RATE) -> AudioChunk:
    """Decode an in-memory WAV/FLAC/OGG file, with the same checks as read_audio."""
    return _decode(io.BytesIO(data), name, max_duration_s, target_rate)


def _decode(handle, name: str, max_duration_s: float, target_rate: int) -> AudioChunk:
    if handle.seek(0, io.SEEK_END) == 0:
        raise AudioInputError(f"{name}: empty file (0 bytes)")
    handle.seek(0)
    try:
        info = sf.info(handle)
        handle.seek(0)
    except TypeError:  # soundfile asks for a sample rate: a headerless .raw file
        raise AudioInputError(f"{name}: unsupported format: raw PCM has no header; "
                              f"use WAV, FLAC or OGG") from None
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise AudioInputError(f"{name}: not a readable audio file ({_reason(exc)})") from None
    if info.format in ("WAV", "WAVEX"):
        _check_wav_length(handle, name)
    if info.format not in SUPPORTED_FORMATS:
        raise AudioInputError(f"{name}: unsupported format {info.format}; use WAV, FLAC or OGG")
    if not MIN_RATE <= info.samplerate <= MAX_RATE:
        raise AudioInputError(
            f"{name}: sample rate {info.samplerate} Hz is outside {MIN_RATE}-{MAX_RATE} Hz")
    if info.frames <= 0:
        raise AudioInputError(f"{name}: contains no audio samples")
    if info.frames / info.samplerate > max_duration_s:
        raise AudioInputError(f"{name}: {info.frames / info.samplerate:.1f} s is longer than the "
                              f"maximum of {max_duration_s:g} s")
    try:
        data, rate = sf.read(handle, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise AudioInputError(f"{name}: truncated or corrupt audio ({_reason(exc)})") from None
    if len(data) < info.frames:
        raise AudioInputError(f"{name}: truncated; header promises {info.frames} frames, "
                              f"found {len(data)}")
    if len(data) == 0:
        raise AudioInputError(f"{name}: contains no audio samples")
    if not np.isfinite(data).all():
        raise AudioInputError(f"{name}: contains NaN or infinite samples")
    return AudioChunk(to_mono_16k(data, rate, target_rate), target_rate)


def to_mono_16k(data: np.ndarray, sample_rate: int, target_rate: int = TARGET_RATE) -> np.ndarray:
    """Average channels of (frames, channels) or (frames,) audio and resample with soxr (HQ)."""
    data = np.asarray(data, dtype=np.float32)
    mono = data.mean(axis=1, dtype=np.float32) if data.ndim == 2 else data
    if sample_rate != target_rate:
        mono = soxr.resample(mono, sample_rate, target_rate, quality="HQ").astype(np.float32)
    return np.ascontiguousarray(mono, dtype=np.float32)


def check_samples(samples: np.ndarray, sample_rate: int, expected_rate: int = TARGET_RATE) -> np.ndarray:
    """Refuse arrays that are not finite float mono at the expected rate; return float32."""
    samples = np.asarray(samples)
    if sample_rate != expected_rate:
        raise AudioFormatError(f"expected {expected_rate} Hz audio, got {sample_rate} Hz")
    if samples.ndim != 1:
        raise AudioFormatError(f"expected mono (1-D) samples, got shape {samples.shape}")
    if not np.issubdtype(samples.dtype, np.floating):
        raise AudioFormatError(f"expected float samples in [-1, 1], got {samples.dtype}")
    if not np.isfinite(samples).all():
        raise AudioFormatError("samples contain NaN or infinite values")
    return samples.astype(np.float32, copy=False)


def _check_wav_length(handle, name: str) -> None:
    """Refuse a WAV whose data chunk is shorter than its header says (libsndfile reads what is there)."""
    handle.seek(0, io.SEEK_END)
    file_size = handle.tell()
    handle.seek(12)  # past "RIFF", the RIFF size and "WAVE"
    while True:
        header = handle.read(8)
        if len(header) < 8:
            break
        chunk_id, size = header[:4], struct.unpack("<I", header[4:])[0]
        if chunk_id == b"data":
            if 0 < size < _STREAMING_SIZE and handle.tell() + size > file_size:
                raise AudioInputError(f"{name}: truncated; the header promises {size} bytes of audio, "
                                      f"the file holds {file_size - handle.tell()}")
            break
        handle.seek(size + (size & 1), io.SEEK_CUR)  # chunks are padded to an even length
    handle.seek(0)


# Writers that do not know the length in advance put a placeholder this big or bigger in the header
# (0xFFFFFFFF from ffmpeg on a pipe, 0x7FFFFFFF from arecord).
_STREAMING_SIZE = 0x7FFF0000


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    return text.split(": ", 1)[-1] if "Error opening" in text else text
