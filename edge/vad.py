"""Voice activity detection: webrtcvad frame decisions turned into speech segments, streaming.

The segmenter works on fixed frames counted from the start of the stream and keeps its partial
frame between calls, so the segments it finds do not depend on how the audio is chunked.

Rules, in frames of `frame_ms` (frame i covers samples [i * F, (i + 1) * F)):
- a segment opens at the first voiced frame; its audio starts `padding_ms` earlier (never
  before the end of the previous segment or the start of the stream);
- it closes once `min_silence_ms` of unvoiced frames follow its last voiced frame; its audio
  ends `padding_ms` after that frame (hence `padding_ms <= min_silence_ms`);
- it is cut at the last frame end that keeps it within `max_segment_s`; if speech goes on,
  the next segment starts at the cut, so no audio is lost;
- it is dropped if its voiced span (first to last voiced frame) is shorter than `min_speech_ms`,
  unless it carries on speech that was cut;
- at `finish()` an open segment closes with whatever end padding the stream still has.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Iterable, Iterator

import numpy as np
import webrtcvad

from edge.audio import TARGET_RATE, AudioChunk, check_samples

SAMPLE_RATE = TARGET_RATE
FRAME_MS_CHOICES = (10, 20, 30)  # the only frame lengths webrtcvad accepts
# float -> int16 PCM for webrtcvad: the inverse of how soundfile and capture read int16 (x / 32768),
# so 16-bit audio reaches webrtcvad as exactly the samples that were recorded.
INT16_SCALE = 32768


def _is_int(value) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class VadOptions:
    """How webrtcvad frame decisions become speech segments (see the module docstring)."""

    aggressiveness: int = 2  # webrtcvad mode: 0 keeps the most audio as speech, 3 the least
    frame_ms: int = 30
    padding_ms: float = 300.0
    min_silence_ms: float = 500.0
    min_speech_ms: float = 250.0
    max_segment_s: float = 30.0

    def __post_init__(self) -> None:
        if not _is_int(self.aggressiveness) or self.aggressiveness not in (0, 1, 2, 3):
            raise ValueError(f"aggressiveness must be 0, 1, 2 or 3, got {self.aggressiveness!r}")
        if not _is_int(self.frame_ms) or self.frame_ms not in FRAME_MS_CHOICES:
            raise ValueError(f"frame_ms must be one of {FRAME_MS_CHOICES}, got {self.frame_ms!r}")
        for name in ("padding_ms", "min_silence_ms", "min_speech_ms", "max_segment_s"):
            value = getattr(self, name)
            if not isinstance(value, Real) or isinstance(value, bool) or not np.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
        if self.min_silence_ms <= 0:
            raise ValueError(f"min_silence_ms must be > 0, got {self.min_silence_ms!r}")
        if self.padding_ms > self.min_silence_ms:
            raise ValueError(f"padding_ms ({self.padding_ms:g}) must not exceed min_silence_ms "
                             f"({self.min_silence_ms:g}): a segment closes before more padding exists")
        if self.max_segment_s * 1000 < self.padding_ms + 2 * self.frame_ms:
            raise ValueError(f"max_segment_s ({self.max_segment_s:g}) must be at least "
                             f"padding_ms + 2 frames ({(self.padding_ms + 2 * self.frame_ms) / 1000:g} s)")

    @property
    def frame_samples(self) -> int:
        """Samples per webrtcvad frame at 16 kHz."""
        return SAMPLE_RATE * self.frame_ms // 1000


@dataclass(frozen=True, slots=True, eq=False)
class SpeechSegment:
    """A stretch of speech with its padding: times from the start of the stream, float32 16 kHz samples."""

    start_s: float
    end_s: float
    samples: np.ndarray

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


class StreamingVad:
    """Feeds float32 16 kHz mono chunks of any size and returns the speech segments they complete."""

    def __init__(self, options: VadOptions = VadOptions()) -> None:
        self.options = options
        self._frame = options.frame_samples
        self._padding = _samples(options.padding_ms)
        self._min_silence = _samples(options.min_silence_ms)
        self._min_speech = _samples(options.min_speech_ms)
        self._max_segment = _samples(options.max_segment_s * 1000)
        self._reset()

    def _reset(self) -> None:
        self._vad = webrtcvad.Vad(self.options.aggressiveness)
        self._audio = _SampleBuffer()
        self._pending_pcm = np.zeros(0, dtype=np.int16)  # the partial frame after the last whole one
        self._frames_done = 0
        self._segment_start: int | None = None  # first sample of the open segment, None when idle
        self._first_voiced = self._last_voiced = 0  # the open segment's first and last voiced frames
        self._last_end = 0  # where the last emitted segment ended: the next may not start earlier
        self._cut_at = -1  # where the last max_segment_s cut fell
        self._continues_cut = False  # the open segment carries on speech cut at max_segment_s

    def accept(self, samples: np.ndarray) -> Iterator[SpeechSegment]:
        """Add samples; return the segments that closed, in order (often none)."""
        samples = check_samples(samples, SAMPLE_RATE)
        self._audio.append(samples)
        pcm = np.concatenate([self._pending_pcm, _to_pcm16(samples)])
        n_frames = len(pcm) // self._frame
        frame_bytes = 2 * self._frame
        data = memoryview(pcm[: n_frames * self._frame].tobytes())
        self._pending_pcm = pcm[n_frames * self._frame:]
        closed = []
        for k in range(n_frames):
            voiced = self._vad.is_speech(data[k * frame_bytes:(k + 1) * frame_bytes], SAMPLE_RATE)
            segment = self._step(self._frames_done, voiced)
            self._frames_done += 1
            if segment is not None:
                closed.append(segment)
        return iter(closed)

    def finish(self) -> Iterator[SpeechSegment]:
        """End the stream: return the open segment if it counts, and reset for a new stream."""
        closed = []
        if self._segment_start is not None:
            end = min((self._last_voiced + 1) * self._frame + self._padding, self._audio.end)
            segment = self._close(end)
            if segment is not None:
                closed.append(segment)
        self._reset()
        return iter(closed)

    def _step(self, i: int, voiced: bool) -> SpeechSegment | None:
        """Advance the state machine by frame i; return a segment if this frame closed one."""
        frame_end = (i + 1) * self._frame
        if self._segment_start is None:
            if voiced:
                self._segment_start = max(i * self._frame - self._padding, self._last_end, 0)
                self._first_voiced = self._last_voiced = i
                self._continues_cut = i * self._frame == self._cut_at
            else:
                self._audio.drop_before(frame_end - self._padding)
            return None
        if voiced:
            self._last_voiced = i
        if (i - self._last_voiced) * self._frame >= self._min_silence:
            return self._close((self._last_voiced + 1) * self._frame + self._padding)
        if frame_end + self._frame - self._segment_start > self._max_segment:
            self._cut_at = frame_end  # one more frame would make it too long
            return self._close(frame_end)
        return None

    def _close(self, end: int) -> SpeechSegment | None:
        start, self._segment_start = self._segment_start, None
        voiced_span = (self._last_voiced + 1 - self._first_voiced) * self._frame
        if voiced_span < self._min_speech and not self._continues_cut:
            return None  # too short to be speech; the tail of cut speech is kept whatever its length
        self._last_end = end
        return SpeechSegment(start / SAMPLE_RATE, end / SAMPLE_RATE, self._audio.slice(start, end))


def find_segments(samples: np.ndarray, options: VadOptions = VadOptions()) -> list[SpeechSegment]:
    """Speech segments of a whole float32 16 kHz mono clip."""
    vad = StreamingVad(options)
    return [*vad.accept(samples), *vad.finish()]


def stream_segments(chunks: Iterable[AudioChunk],
                    options: VadOptions = VadOptions()) -> Iterator[SpeechSegment]:
    """Speech segments of a stream of 16 kHz AudioChunks, each yielded as soon as it closes."""
    vad = StreamingVad(options)
    for chunk in chunks:
        yield from vad.accept(check_samples(chunk.samples, chunk.sample_rate, SAMPLE_RATE))
    yield from vad.finish()


def _samples(ms: float) -> int:
    return int(round(ms * SAMPLE_RATE / 1000))


def _to_pcm16(samples: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(samples * INT16_SCALE), -32768, 32767).astype(np.int16)


class _SampleBuffer:
    """The recent float32 samples of a stream, addressed by absolute sample index."""

    def __init__(self) -> None:
        self._pieces: deque[np.ndarray] = deque()
        self.start = 0  # absolute index of the first sample held
        self.end = 0  # absolute index one past the last sample held

    def append(self, samples: np.ndarray) -> None:
        if len(samples):
            self._pieces.append(np.array(samples, dtype=np.float32))  # a copy: callers reuse buffers
            self.end += len(samples)

    def drop_before(self, index: int) -> None:
        """Forget whole pieces that end at or before `index`."""
        while self._pieces and self.start + len(self._pieces[0]) <= index:
            self.start += len(self._pieces.popleft())

    def slice(self, start: int, end: int) -> np.ndarray:
        """A copy of samples [start, end), which must still be held."""
        if not self.start <= start <= end <= self.end:
            raise IndexError(f"samples [{start}, {end}) are not held (have [{self.start}, {self.end}))")
        parts, piece_start = [], self.start
        for piece in self._pieces:
            piece_end = piece_start + len(piece)
            if piece_end > start and piece_start < end:
                parts.append(piece[max(start - piece_start, 0):min(end, piece_end) - piece_start])
            if piece_end >= end:
                break
            piece_start = piece_end
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
