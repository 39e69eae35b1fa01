"""Tests for train/evaluation/slices.py."""

import pytest

from tests.train.eval_doubles import record
from train.evaluation.slices import MISSING, duration_bucket, slice_stats, slice_values


@pytest.mark.parametrize("seconds, bucket", [
    (0.3, "<1s"), (1.0, "1-2s"), (1.99, "1-2s"), (2.0, "2-4s"), (7.9, "4-8s"), (8.0, ">=8s"), (60, ">=8s")])
def test_duration_buckets(seconds, bucket):
    assert duration_bucket(seconds) == bucket


def test_slice_values_merge_tags_voice_speaker_duration():
    r = record("a", "a", voice="kal16", speaker="s1", tags={"snr_db": "10"}, duration_s=0.5)
    assert slice_values(r) == {"snr_db": "10", "voice": "kal16", "speaker": "s1", "duration": "<1s"}


def test_source_repo_is_derived_from_shared_manifest_sources():
    r = record("a", "a", tags={"source": "cmusphinx/pocketsphinx:test/data/x.raw@abc"})
    assert slice_values(r)["source_repo"] == "cmusphinx/pocketsphinx"


def test_pooled_wer_per_value_and_missing_group():
    records = [
        record("turn on the lights", "turn on the lights", voice="awb", tags={"snr_db": "10"}, id="1"),
        record("play jazz", "play chess", voice="awb", tags={"snr_db": "5"}, id="2"),
        record("stop", "", voice="slt", tags={"snr_db": "10"}, id="3"),
        record("what time is it", "what time is it", voice="slt", id="4"),
    ]
    stats = slice_stats(records)
    voice = {s.value: s for s in stats["voice"]}
    assert voice["awb"].wer == pytest.approx(1 / 6)  # 1 error over 4 + 2 words
    assert voice["slt"].wer == pytest.approx(1 / 5)
    assert voice["awb"].sentence_error_rate == 0.5
    snr = stats["snr_db"]
    # numeric order, then the group of utterances without the tag
    assert [s.value for s in snr] == ["5", "10", MISSING]
    assert [s.utterances for s in snr] == [1, 2, 1]
    assert sum(s.utterances for s in snr) == len(records)
    assert snr[1].wer == pytest.approx(1 / 5)
    assert [s.value for s in stats["duration"]] == ["1-2s"]


def test_identifier_like_keys_are_left_out():
    records = [record("a", "a", tags={"source": f"clip{i}", "kind": "x"}, id=str(i)) for i in range(4)]
    stats = slice_stats(records)
    assert "source" not in stats and "kind" in stats


def test_duration_buckets_sort_by_length():
    records = [record("a", "a", duration_s=d, id=str(d)) for d in (9.0, 0.5, 3.0, 0.7)]
    assert [s.value for s in slice_stats(records)["duration"]] == ["<1s", "2-4s", ">=8s"]
