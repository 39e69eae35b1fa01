"""Tests for edge/vad.py: options, segment rules, streaming and chunk-size invariance."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import soundfile as sf

from edge.audio import AudioChunk
from edge.errors import AudioFormatError
from edge.vad import SpeechSegment, StreamingVad, VadOptions, find_segments, stream_segments
from tests.edge.signals import (BURSTS, EVAL_CLIPS, EVAL_DIR, RATE, harmonic_burst, public_speech,
                                synthetic_speech)

needs_eval_clips = pytest.mark.skipif(not EVAL_CLIPS, reason=f"no real speech clips in {EVAL_DIR}")


@pytest.fixture(scope="module")
def synthetic() -> np.ndarray:
    return synthetic_speech()


@pytest.fixture(scope="module")
def real_speech() -> np.ndarray:
    return public_speech(max_s=40)


def feed_in_chunks(samples: np.ndarray, sizes, options: VadOptions = VadOptions()) -> list[SpeechSegment]:
    """Run a StreamingVad over `samples` cut into chunks of the given sizes (cycled)."""
    vad, out, pos, k = StreamingVad(options), [], 0, 0
    while pos < len(samples):
        size = sizes[k % len(sizes)]
        out += vad.accept(samples[pos:pos + size])
        pos, k = pos + size, k + 1
    return out + list(vad.finish())


def assert_same_segments(got: list[SpeechSegment], want: list[SpeechSegment]) -> None:
    assert [(s.start_s, s.end_s) for s in got] == [(s.start_s, s.end_s) for s in want]
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a.samples, b.samples)


# --- options ---------------------------------------------------------------------------------

@pytest.mark.parametrize("change", [
    {"aggressiveness": 4}, {"aggressiveness": -1}, {"aggressiveness": True}, {"aggressiveness": 1.5},
    {"aggressiveness": 2.0}, {"frame_ms": 25}, {"frame_ms": 0}, {"frame_ms": 30.0}, {"padding_ms": -1}, {"padding_ms": float("nan")},
    {"min_silence_ms": 0}, {"min_speech_ms": float("inf")}, {"max_segment_s": "30"},
    {"padding_ms": 600, "min_silence_ms": 500}, {"max_segment_s": 0.1},
])
def test_bad_options_are_refused_up_front(change):
    with pytest.raises(ValueError):
        VadOptions(**change)


def test_options_are_frozen_and_change_with_replace():
    options = VadOptions()
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.aggressiveness = 3  # type: ignore[misc]
    changed = dataclasses.replace(options, aggressiveness=3, frame_ms=10)
    assert (changed.aggressiveness, changed.frame_samples) == (3, 160)
    with pytest.raises(ValueError):
        dataclasses.replace(options, frame_ms=15)


# --- what the segments are -------------------------------------------------------------------

def test_synthetic_bursts_become_padded_segments(synthetic):
    options = VadOptions()
    segments = find_segments(synthetic, options)
    assert len(segments) == len(BURSTS), "the click shorter than min_speech_ms must be dropped"
    pad, frame = options.padding_ms / 1000, options.frame_ms / 1000
    for segment, (start, end) in zip(segments, BURSTS):
        assert start - pad - frame <= segment.start_s <= start - pad + frame
        # webrtcvad keeps calling frames voiced for a little while after speech stops
        assert end + pad - frame <= segment.end_s <= end + pad + 0.2


def test_segment_samples_are_the_input_between_its_times(synthetic):
    for segment in find_segments(synthetic):
        start, end = round(segment.start_s * RATE), round(segment.end_s * RATE)
        assert segment.samples.dtype == np.float32
        assert len(segment.samples) == end - start
        np.testing.assert_array_equal(segment.samples, synthetic[start:end])
        assert segment.duration_s == pytest.approx(len(segment.samples) / RATE)


def test_silence_and_empty_input_give_no_segments():
    rng = np.random.default_rng(1)
    assert find_segments((0.001 * rng.standard_normal(3 * RATE)).astype(np.float32)) == []
    assert find_segments(np.zeros(0, dtype=np.float32)) == []
    vad = StreamingVad()
    assert list(vad.accept(np.zeros(0, dtype=np.float32))) == []
    assert list(vad.finish()) == []


def test_min_speech_ms_decides_whether_a_short_burst_counts():
    rng = np.random.default_rng(5)
    noise = (0.001 * rng.standard_normal(RATE)).astype(np.float32)
    click = np.concatenate([noise, harmonic_burst(0.1, 170, rng), noise])  # voiced for ~0.2 s
    assert find_segments(click, VadOptions(min_speech_ms=250)) == []
    (segment,) = find_segments(click, VadOptions(min_speech_ms=150))
    assert segment.start_s < 1.0 < 1.1 < segment.end_s


def test_long_speech_is_cut_at_max_segment_s_without_losing_audio():
    rng = np.random.default_rng(2)
    speech = harmonic_burst(7.0, 150, rng)
    options = VadOptions(max_segment_s=2.0, padding_ms=0, min_silence_ms=300)
    segments = find_segments(speech, options)
    assert len(segments) >= 3
    assert all(s.duration_s <= options.max_segment_s + 1e-9 for s in segments)
    for previous, following in zip(segments, segments[1:]):
        assert following.start_s == previous.end_s, "a cut must not drop or repeat audio"


def test_the_tail_of_cut_speech_is_kept_even_when_short():
    rng = np.random.default_rng(2)
    speech = np.concatenate([harmonic_burst(4.3, 150, rng), np.zeros(RATE, dtype=np.float32)])
    options = VadOptions(max_segment_s=2.0, padding_ms=0, min_silence_ms=300, min_speech_ms=1000)
    segments = find_segments(speech, options)
    assert len(segments) == 3 and segments[-1].duration_s < 1.0
    assert segments[0].start_s == 0 and segments[-1].end_s >= 4.3


def test_padding_never_overlaps_the_previous_segment():
    rng = np.random.default_rng(3)
    edge, gap = np.zeros(int(0.55 * RATE), dtype=np.float32), np.zeros(int(0.8 * RATE), dtype=np.float32)
    signal = np.concatenate([edge, harmonic_burst(1.0, 140, rng), gap, harmonic_burst(1.0, 180, rng), edge])
    options = VadOptions(padding_ms=400, min_silence_ms=500)
    first, second = find_segments(signal, options)
    second_burst_s = (len(edge) + RATE + len(gap)) / RATE
    assert second_burst_s - options.padding_ms / 1000 < first.end_s, "the padding would overlap"
    assert second.start_s == first.end_s


def test_finish_closes_an_open_segment_and_resets(synthetic):
    speech_to_the_end = synthetic[: int(2.0 * RATE)]  # stops in the middle of the first burst
    vad = StreamingVad()
    assert list(vad.accept(speech_to_the_end)) == []
    (last,) = vad.finish()
    assert last.end_s == pytest.approx(len(speech_to_the_end) / RATE)
    # After finish the same object takes a new stream from 0 s and gives identical results.
    assert_same_segments(feed_in_chunks(synthetic, [4000]), find_segments(synthetic))
    assert_same_segments([*vad.accept(synthetic), *vad.finish()], find_segments(synthetic))


def test_segments_are_returned_as_soon_as_they_close(synthetic):
    options = VadOptions()
    vad, seen_at = StreamingVad(options), []
    for pos in range(0, len(synthetic), 160):
        for segment in vad.accept(synthetic[pos:pos + 160]):
            seen_at.append((segment, (pos + 160) / RATE))
    assert len(seen_at) == len(BURSTS), "both bursts close before the stream ends"
    for segment, when in seen_at:
        # the last voiced frame ended padding_ms before end_s; min_silence_ms later it closes
        delay = (options.min_silence_ms - options.padding_ms) / 1000
        assert when - segment.end_s <= delay + 2 * options.frame_ms / 1000


def test_caller_may_reuse_its_buffer(synthetic):
    buffer, vad, out = np.empty(512, dtype=np.float32), StreamingVad(), []
    for pos in range(0, len(synthetic), 512):
        piece = synthetic[pos:pos + 512]
        buffer[: len(piece)] = piece
        out += vad.accept(buffer[: len(piece)])
    assert_same_segments(out + list(vad.finish()), find_segments(synthetic))


# --- chunk-size invariance -------------------------------------------------------------------

@pytest.mark.parametrize("sizes", [[160], [512], [4000], [7], [100_000], [480, 1, 4000, 333]])
def test_synthetic_segments_do_not_depend_on_chunk_size(synthetic, sizes):
    assert_same_segments(feed_in_chunks(synthetic, sizes), find_segments(synthetic))


def test_one_sample_at_a_time_gives_the_same_segments(synthetic):
    first_segment_closed = synthetic[: int(3.5 * RATE)]
    assert_same_segments(feed_in_chunks(first_segment_closed, [1]), find_segments(first_segment_closed))


@needs_eval_clips
@pytest.mark.parametrize("frame_ms", [10, 20, 30])
@pytest.mark.parametrize("sizes", [[160], [512], [4000]])
def test_real_speech_segments_do_not_depend_on_chunk_size(real_speech, sizes, frame_ms):
    options = VadOptions(frame_ms=frame_ms, aggressiveness=3)
    whole = find_segments(real_speech, options)
    assert len(whole) >= 3
    assert_same_segments(feed_in_chunks(real_speech, sizes, options), whole)


@needs_eval_clips
def test_real_speech_segments_do_not_depend_on_random_chunking(real_speech):
    rng = np.random.default_rng(4)
    sizes = list(rng.integers(1, 6000, size=200))
    assert_same_segments(feed_in_chunks(real_speech, sizes), find_segments(real_speech))


@needs_eval_clips
def test_every_public_clip_has_speech():
    for path in EVAL_CLIPS:
        samples, _ = sf.read(path, dtype="float32")
        segments = find_segments(samples)
        assert segments, f"{path.name}: no speech found"
        assert sum(s.duration_s for s in segments) >= 0.5 * len(samples) / RATE, path.name


# --- input checks ----------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [
    np.zeros(160, dtype=np.int16),
    np.zeros((160, 2), dtype=np.float32),
    np.array([0.0, np.nan] * 80, dtype=np.float32),
])
def test_accept_refuses_what_is_not_float_mono_finite(bad):
    with pytest.raises(AudioFormatError):
        list(StreamingVad().accept(bad))


def test_stream_segments_takes_16k_chunks_and_refuses_other_rates(synthetic):
    chunks = [AudioChunk(synthetic[i:i + 512], RATE, i / RATE) for i in range(0, len(synthetic), 512)]
    assert_same_segments(list(stream_segments(chunks)), find_segments(synthetic))
    with pytest.raises(AudioFormatError, match="16000"):
        list(stream_segments([AudioChunk(synthetic[:800], 8000)]))
