"""VAD cost: one webrtcvad frame, the streaming segmenter on 10 s of real speech, and the VAD and
the streaming log-mel front end together, which must cost less than 1% of real time.

The "vad-10s" group's medians are seconds per 10 s of audio: divide by 10 for the real-time factor.
"""

from __future__ import annotations

import numpy as np
import pytest
import webrtcvad

from edge.frontend import LogMel
from edge.vad import StreamingVad, VadOptions, find_segments

RATE = 16000
CHUNK_100_MS = 1600
TARGET_RTF = 0.01  # issue 2: webrtcvad + front end together cost < 1% of real time


def chunks_of(samples: np.ndarray, size: int) -> list[np.ndarray]:
    return [samples[i:i + size] for i in range(0, len(samples), size)]


def check_target(benchmark, audio_s: float) -> None:
    """Record the real-time factor and hold it to the target (only when timings were taken)."""
    if benchmark.disabled:
        return
    rtf = benchmark.stats.stats.median / audio_s
    benchmark.extra_info["rtf"] = rtf
    assert rtf < TARGET_RTF, f"real-time factor {rtf:.4f} misses the target of {TARGET_RTF}"


@pytest.mark.benchmark(group="vad-frame")
@pytest.mark.parametrize("frame_ms", [10, 30])
def test_webrtcvad_one_frame(benchmark, ten_seconds_of_speech, frame_ms):
    vad = webrtcvad.Vad(VadOptions().aggressiveness)
    n = RATE * frame_ms // 1000
    middle = len(ten_seconds_of_speech) // 2
    frame = (np.clip(ten_seconds_of_speech[middle:middle + n], -1, 1) * 32767).astype(np.int16).tobytes()
    assert benchmark(vad.is_speech, frame, RATE) in (True, False)


@pytest.mark.benchmark(group="vad-10s")
def test_streaming_vad_100ms_chunks(benchmark, ten_seconds_of_speech):
    chunks = chunks_of(ten_seconds_of_speech, CHUNK_100_MS)

    def run():
        vad = StreamingVad()
        segments = [segment for chunk in chunks for segment in vad.accept(chunk)]
        return segments + list(vad.finish())

    segments = benchmark(run)
    assert segments, "10 s of real speech must contain speech"
    check_target(benchmark, len(ten_seconds_of_speech) / RATE)


@pytest.mark.benchmark(group="vad-10s")
def test_find_segments_whole_clip(benchmark, ten_seconds_of_speech):
    assert benchmark(find_segments, ten_seconds_of_speech)
    check_target(benchmark, len(ten_seconds_of_speech) / RATE)


@pytest.mark.benchmark(group="vad-10s")
def test_vad_plus_streaming_front_end_100ms_chunks(benchmark, ten_seconds_of_speech):
    """What listening costs before the model: every 100 ms chunk through the VAD and the log-mel."""
    chunks = chunks_of(ten_seconds_of_speech, CHUNK_100_MS)
    log_mel = LogMel()
    log_mel(ten_seconds_of_speech[:CHUNK_100_MS])  # compile (or load the cached) numba kernel first

    def run():
        vad, features = StreamingVad(), log_mel.stream()
        n_frames = n_segments = 0
        for chunk in chunks:
            n_segments += len(list(vad.accept(chunk)))
            n_frames += len(features.accept(chunk))
        return n_frames, n_segments + len(list(vad.finish()))

    n_frames, n_segments = benchmark(run)
    assert n_frames == log_mel.config.n_frames(len(ten_seconds_of_speech)) and n_segments >= 1
    check_target(benchmark, len(ten_seconds_of_speech) / RATE)
