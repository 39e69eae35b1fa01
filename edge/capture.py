"""Microphone capture: PortAudio blocks at the device's own rate, converted once to 16 kHz mono.

sounddevice (and with it the PortAudio library) is imported only when a microphone is used, so
the rest of edge works on a device without them.
"""

from __future__ import annotations

import importlib
import logging
import math
import queue
import threading
from dataclasses import dataclass
from typing import Iterator

import numpy as np
import soxr

from edge.audio import TARGET_RATE, AudioChunk
from edge.errors import EarshotError

log = logging.getLogger(__name__)

PIP_HINT = "pip install 'earshot[mic]'"
APT_HINT = "apt install libportaudio2"
DEFAULT_BLOCK_MS = 30.0
DEFAULT_MAX_QUEUE_S = 30.0  # audio held for a consumer that falls behind before blocks are dropped
STALL_TIMEOUT_S = 5.0  # an open stream that delivers nothing for this long is broken
_POLL_S = 0.1
# PortAudio is asked for 16-bit integers: what USB microphones deliver natively (PortAudio
# converts for devices that do not), and a format ALSA passes through without a conversion plugin.
_DTYPE = "int16"
_INT16_FULL_SCALE = 32768.0  # int16 -> float in [-1, 1), as PortAudio's own converters do


class CaptureError(EarshotError):
    """A microphone cannot be found, opened or read; the message names the device and says why."""


@dataclass(frozen=True, slots=True)
class InputDevice:
    """One capture device as PortAudio reports it."""

    index: int
    name: str
    host_api: str
    max_input_channels: int
    default_sample_rate: int
    is_default: bool


def import_sounddevice():
    """Import sounddevice, or raise CaptureError saying what to install."""
    try:
        return importlib.import_module("sounddevice")
    except ImportError:
        raise CaptureError(f"microphone capture needs the sounddevice package: {PIP_HINT}") from None
    except OSError as exc:  # sounddevice is there but the PortAudio library is not
        raise CaptureError(f"microphone capture needs the PortAudio library ({exc}): {APT_HINT}") from None


def list_input_devices() -> list[InputDevice]:
    """Every device PortAudio can capture from, in PortAudio's order."""
    sd = import_sounddevice()
    host_apis = sd.query_hostapis()
    try:
        default = sd.default.device[0]
    except (IndexError, TypeError):
        default = -1
    return [InputDevice(index=info["index"], name=info["name"], host_api=host_apis[info["hostapi"]]["name"],
                        max_input_channels=info["max_input_channels"],
                        default_sample_rate=int(info["default_samplerate"]),
                        is_default=info["index"] == default)
            for info in sd.query_devices() if info["max_input_channels"] > 0]


class BlockConverter:
    """Turns a stream's int16 (frames, channels) blocks at `sample_rate` into float32 16 kHz mono.

    One stateful soxr resampler runs over the whole stream, so the output does not depend on how
    the stream was cut into blocks: it equals resampling the whole recording at once.
    """

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self._resampler = (None if sample_rate == TARGET_RATE else
                           soxr.ResampleStream(sample_rate, TARGET_RATE, 1, dtype="float32", quality="HQ"))

    def __call__(self, block: np.ndarray) -> np.ndarray:
        """The 16 kHz samples this block completes (soxr holds back a few until it sees more)."""
        mono = block.mean(axis=1, dtype=np.float32) if block.shape[1] > 1 else block[:, 0].astype(np.float32)
        mono *= 1.0 / _INT16_FULL_SCALE
        if self._resampler is not None:
            mono = self._resampler.resample_chunk(mono)
        return np.ascontiguousarray(mono, dtype=np.float32)


class MicrophoneStream:
    """Captures from a microphone and yields 16 kHz float32 mono AudioChunks.

    Use as a context manager and iterate:

        with MicrophoneStream(device="USB") as mic:
            for chunk in mic:
                ...

    PortAudio calls back with 16-bit blocks of `block_ms` at the device's rate (`sample_rate`,
    by default the device's own) and `channels` (by default mono if the device allows it); the
    iterator turns them into 16 kHz mono with one BlockConverter, so block boundaries leave no
    trace. Chunk times count from the first sample. Blocks wait in a queue of up to `max_queue_s`
    for a slow consumer; beyond that new blocks are dropped and counted in `dropped_s` rather than
    stalling the audio thread.
    """

    def __init__(self, device: int | str | None = None, sample_rate: int | None = None,
                 block_ms: float = DEFAULT_BLOCK_MS, channels: int | None = None,
                 max_queue_s: float = DEFAULT_MAX_QUEUE_S) -> None:
        if isinstance(device, bool) or not (device is None or isinstance(device, (int, str))):
            raise ValueError(f"device must be an index, a name or None, got {device!r}")
        if sample_rate is not None and (isinstance(sample_rate, bool) or not isinstance(sample_rate, int)
                                        or sample_rate <= 0):
            raise ValueError(f"sample_rate must be a positive integer or None, got {sample_rate!r}")
        if not (isinstance(block_ms, (int, float)) and 1 <= block_ms <= 1000):
            raise ValueError(f"block_ms must be between 1 and 1000, got {block_ms!r}")
        if channels is not None and (isinstance(channels, bool) or not isinstance(channels, int)
                                     or channels < 1):
            raise ValueError(f"channels must be a positive integer or None, got {channels!r}")
        if not (isinstance(max_queue_s, (int, float)) and max_queue_s > 0):
            raise ValueError(f"max_queue_s must be > 0, got {max_queue_s!r}")
        self.device = device
        self.block_ms = float(block_ms)
        self.max_queue_s = float(max_queue_s)
        self._requested_rate = sample_rate
        self._requested_channels = channels
        self._stream = None
        self.device_name = ""
        self.sample_rate = 0  # the device's rate once open
        self.channels = 0
        self.overflows = 0  # blocks PortAudio flagged as overflowed (audio lost below us)
        self._dropped_frames = 0  # device frames dropped because the queue was full

    @property
    def dropped_s(self) -> float:
        """Seconds of audio dropped because the consumer fell more than `max_queue_s` behind."""
        return self._dropped_frames / self.sample_rate if self.sample_rate else 0.0

    def open(self) -> "MicrophoneStream":
        """Find the device, check the settings and start capturing."""
        if self._stream is not None:
            return self
        sd = import_sounddevice()
        where = "the default input device" if self.device is None else f"input device {self.device!r}"
        try:
            info = sd.query_devices(self.device, "input")
        except sd.PortAudioError:  # PortAudio has no device at that index (or no default one)
            raise CaptureError(f"{where}: {'none found' if self.device is None else 'no such device'}; "
                               f"`earshot listen --list-devices` shows what there is") from None
        except ValueError as exc:  # no name matched, several did, or the device cannot capture
            problem = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
            raise CaptureError(f"{where}: {problem}; "
                               f"`earshot listen --list-devices` shows what there is") from None
        self.device_name = info["name"]
        self.sample_rate = self._requested_rate or int(round(info["default_samplerate"]))
        self.channels = self._pick_channels(sd, info)
        blocksize = max(1, int(round(self.sample_rate * self.block_ms / 1000)))
        self._queue: queue.Queue[np.ndarray] = queue.Queue(
            maxsize=max(1, math.ceil(self.max_queue_s * 1000 / self.block_ms)))
        self._finished = threading.Event()
        self._closing = False
        self._convert = BlockConverter(self.sample_rate)
        self._delivered = 0
        try:
            stream = sd.InputStream(device=info["index"], samplerate=self.sample_rate, channels=self.channels,
                                    dtype=_DTYPE, blocksize=blocksize, callback=self._on_block,
                                    finished_callback=self._finished.set)
            stream.start()
        except sd.PortAudioError as exc:
            raise CaptureError(f"{self.device_name}: cannot capture at {self.sample_rate} Hz, "
                               f"{self.channels} channel(s): {exc}") from None
        self._stream = stream
        return self

    def _pick_channels(self, sd, info) -> int:
        """The requested channel count, else mono if the device allows it, else stereo, else all."""
        wanted = [self._requested_channels] if self._requested_channels else \
            sorted({1, min(2, info["max_input_channels"]), info["max_input_channels"]})
        problem = ""
        for channels in wanted:
            try:
                sd.check_input_settings(device=info["index"], channels=channels, dtype=_DTYPE,
                                        samplerate=self.sample_rate)
                return channels
            except (ValueError, sd.PortAudioError) as exc:
                problem = str(exc).splitlines()[0]
        raise CaptureError(f"{info['name']}: cannot capture {'/'.join(map(str, wanted))} channel(s) at "
                           f"{self.sample_rate} Hz: {problem}")

    def _on_block(self, indata, frames, time_info, status) -> None:
        """PortAudio's audio-thread callback: queue a copy of the block and never block or raise."""
        if status.input_overflow:
            self.overflows += 1
        try:
            self._queue.put_nowait(indata.copy())
        except queue.Full:
            self._dropped_frames += frames

    def close(self) -> None:
        """Stop capturing and release the device; safe to call twice."""
        stream, self._stream = self._stream, None
        if stream is not None:
            self._closing = True
            try:
                stream.abort()  # stop now: blocks still queued are not wanted
            finally:
                stream.close()

    def __enter__(self) -> "MicrophoneStream":
        return self.open()

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __iter__(self) -> Iterator[AudioChunk]:
        """16 kHz float32 mono chunks for as long as the stream is open."""
        if self._stream is None:
            raise RuntimeError("open the stream first: "
                               "`with MicrophoneStream(...) as mic: for chunk in mic: ...`")
        waited, reported_drop_s = 0.0, 0.0
        while self._stream is not None:
            try:
                block = self._queue.get(timeout=_POLL_S)
            except queue.Empty:
                waited += _POLL_S
                if self._closing:
                    return
                if self._finished.is_set() or waited >= STALL_TIMEOUT_S:
                    why = "stopped" if self._finished.is_set() else f"gave no audio for {STALL_TIMEOUT_S:g} s"
                    raise CaptureError(f"{self.device_name}: the input stream {why}") from None
                continue
            waited = 0.0
            if self.dropped_s > 0 and (reported_drop_s == 0 or self.dropped_s >= reported_drop_s + 1):
                reported_drop_s = self.dropped_s  # warn at the first drop, then once per second lost
                log.warning("%s: dropped %.2f s of audio so far; processing is falling behind",
                            self.device_name, self.dropped_s)
            samples = self._convert(block)
            if len(samples):
                yield AudioChunk(samples, TARGET_RATE, self._delivered / TARGET_RATE)
                self._delivered += len(samples)
