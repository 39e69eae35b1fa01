"""Greedy CTC decoding: collapse rules, word times, input checks."""

from __future__ import annotations

import numpy as np
import pytest

from edge.decoding import CtcDecoder, DecoderOptions
from edge.decoding.alignment import token_spans
from edge.decoding.greedy import greedy_decode
from tests.edge.decoding_fixtures import BLANK_ID, SEPARATOR, STEP_S, TOKENS, peaky, rows_to_log_probs


def _decoder(**options) -> CtcDecoder:
    return CtcDecoder(TOKENS, BLANK_ID, SEPARATOR, STEP_S, DecoderOptions(beam=1, **options))


def test_spells_text_and_times_words():
    log_probs, steps = peaky("hello world")
    result = _decoder().decode(log_probs)
    assert result.text == "hello world"
    assert [w.word for w in result.words] == ["hello", "world"]
    hello, world = result.words
    assert hello.start_s == pytest.approx(steps[0][0] * STEP_S)
    assert hello.end_s == pytest.approx((steps[4][1] + 1) * STEP_S)
    assert world.start_s == pytest.approx(steps[6][0] * STEP_S)
    assert world.end_s == pytest.approx((steps[10][1] + 1) * STEP_S)
    assert result.nbest[0][0] == "hello world"


def test_offset_shifts_word_times():
    log_probs, _ = peaky("hi")
    plain = _decoder().decode(log_probs)
    shifted = _decoder().decode(log_probs, offset_s=12.5)
    assert shifted.words[0].start_s == pytest.approx(plain.words[0].start_s + 12.5)
    assert shifted.words[0].end_s == pytest.approx(plain.words[0].end_s + 12.5)


def test_repeats_merge_unless_a_blank_separates_them():
    rows = [{"l": 0.9}, {"l": 0.9}, {"_": 0.9}, {"l": 0.9}, {"o": 0.9}]
    result = greedy_decode(rows_to_log_probs(rows), BLANK_ID)
    assert "".join(TOKENS[i] for i in result.labels) == "llo"


def test_multi_step_characters_span_their_steps():
    log_probs, steps = peaky("ab", char_steps=3)
    spans = token_spans(greedy_decode(log_probs, BLANK_ID).path, BLANK_ID)
    assert [(s.first_step, s.last_step) for s in spans] == steps


def test_extra_separators_collapse():
    log_probs, _ = peaky("  go  now ")
    assert _decoder().decode(log_probs).text == "go now"


def test_all_blank_and_empty_input_give_empty_text():
    for log_probs in (rows_to_log_probs([{"_": 0.99}] * 5), np.zeros((0, len(TOKENS)), np.float32)):
        result = _decoder().decode(log_probs)
        assert result.text == ""
        assert result.words == ()
        assert 0.0 <= result.confidence <= 1.0


def test_greedy_log_prob_is_the_best_path_sum():
    log_probs, _ = peaky("abc")
    result = greedy_decode(log_probs, BLANK_ID)
    assert result.log_prob == pytest.approx(float(log_probs.max(axis=1).sum()), rel=1e-5)


@pytest.mark.parametrize("bad, message", [
    (np.zeros((4, len(TOKENS) - 1), np.float32), "tokens per step"),
    (np.zeros(len(TOKENS), np.float32), "2-D"),
    (np.full((3, len(TOKENS)), np.nan, np.float32), "NaN"),
    ([[0.0] * len(TOKENS)], "2-D"),
])
def test_bad_input_is_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        _decoder().decode(bad)


def test_decoder_checks_its_configuration():
    with pytest.raises(ValueError, match="blank_id"):
        CtcDecoder(TOKENS, len(TOKENS), SEPARATOR, STEP_S)
    with pytest.raises(ValueError, match="separator"):
        CtcDecoder(TOKENS, BLANK_ID, "|", STEP_S)
    with pytest.raises(ValueError, match="step_s"):
        CtcDecoder(TOKENS, BLANK_ID, SEPARATOR, 0.0)
