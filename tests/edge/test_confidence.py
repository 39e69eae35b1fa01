"""Confidence: word and utterance confidences from posteriors, and the calibration maps."""

from __future__ import annotations

import math

import numpy as np
import pytest

from edge.confidence import (FEATURE_NAMES, OOV_WEIGHT, WORD_FEATURE_NAMES, UtteranceFeatures,
                             apply_calibration, check_calibration, mean_frame_entropy, nbest_posteriors,
                             word_features, word_support)
from edge.decoding import CtcDecoder, DecoderOptions
from tests.edge.decoding_fixtures import BLANK_ID, SEPARATOR, STEP_S, TOKENS, peaky, rows_to_log_probs


def _decode(log_probs, beam=1, calibration=None, lexicon=None):
    decoder = CtcDecoder(TOKENS, BLANK_ID, SEPARATOR, STEP_S, DecoderOptions(beam=beam),
                         calibration=calibration, lexicon=lexicon)
    return decoder.decode(log_probs)


def _spell(text: str, peak: float, changes: dict[int, dict[str, float]] | None = None) -> np.ndarray:
    """Posteriors spelling `text` (character, blank, character, ...); row i replaced by changes[i]."""
    rows: list[dict[str, float]] = [{"_": peak}]
    for char in text:
        rows += [{char: peak}, {"_": peak}]
    for index, row in (changes or {}).items():
        rows[index] = row
    return rows_to_log_probs(rows)


@pytest.mark.parametrize("beam", [1, 8])
def test_confidences_are_in_unit_interval_and_high_for_peaky_posteriors(beam):
    result = _decode(_spell("turn on the lights", 0.995), beam=beam)
    assert result.text == "turn on the lights"
    assert all(0.9 < w.confidence <= 1.0 for w in result.words)
    assert 0.9 < result.confidence <= 1.0


@pytest.mark.parametrize("beam", [1, 8])
def test_flat_posteriors_give_lower_confidence(beam):
    sharp = _decode(_spell("play jazz", 0.99), beam=beam)
    flat = _decode(_spell("play jazz", 0.45), beam=beam)
    assert sharp.text == flat.text == "play jazz"
    assert 0.0 <= flat.confidence < sharp.confidence - 0.3
    assert all(f.confidence < s.confidence for f, s in zip(flat.words, sharp.words))


def test_an_uncertain_character_lowers_only_its_word():
    # row 5 is "a" of "play" (rows: blank, p, blank, l, blank, a, ...): make it doubtful
    result = _decode(_spell("play jazz", 0.99, {5: {"a": 0.5, "e": 0.45}}))
    assert result.text == "play jazz"
    play, jazz = result.words
    assert play.confidence == pytest.approx(0.5, abs=0.01)
    assert jazz.confidence > 0.95


def test_a_likely_missing_character_lowers_its_word():
    # the blank between "a" and "z" of "jazz" has "l" at 0.4: maybe "jalzz"
    changes = {14: {"_": 0.58, "l": 0.4}}
    result = _decode(_spell("play jazz", 0.99, changes))
    assert result.text == "play jazz"
    assert result.words[1].confidence == pytest.approx(0.6, abs=0.01)
    assert result.words[0].confidence > 0.95


def test_a_likely_split_lowers_its_word():
    # the blank between the "z"s of "jazz" has the separator at 0.3: maybe "jaz z"
    result = _decode(_spell("play jazz", 0.99, {16: {"_": 0.69, " ": 0.3}}))
    assert result.text == "play jazz"
    assert result.words[1].confidence == pytest.approx(0.7, abs=0.01)


def test_separator_at_a_word_boundary_is_no_competitor():
    changes = {0: {"_": 0.5, " ": 0.49}, 8: {"_": 0.5, " ": 0.49}, 10: {"_": 0.5, " ": 0.49}}
    result = _decode(_spell("play jazz", 0.99, changes))
    assert result.words[0].confidence > 0.95


def test_empty_transcript_confidence_is_the_least_blank_posterior():
    result = _decode(rows_to_log_probs([{"_": 0.9}, {"_": 0.7}, {"_": 0.95}]))
    assert result.text == ""
    assert result.raw_confidence == pytest.approx(0.7, abs=1e-3)


def test_raw_utterance_confidence_formula():
    features = UtteranceFeatures(mean_word=0.9, min_word=0.4, top_posterior=0.8, oov_rate=0.5,
                                 lm_log_prob_per_word=-3.0, n_words=4)
    assert features.raw == pytest.approx(math.sqrt(0.9 * 0.4) * 0.8 * (1 - OOV_WEIGHT * 0.5))
    named = features.as_dict()
    assert set(named) == set(FEATURE_NAMES)
    assert named["log_min_word"] == pytest.approx(math.log(0.4))


def test_frame_entropy_is_zero_when_every_step_is_sure_and_log2_for_a_coin_toss():
    with np.errstate(divide="ignore"):  # -inf where a token has no chance
        sure = np.log(np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))
        toss = np.log(np.array([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]]))
    assert mean_frame_entropy(sure) == 0.0
    assert mean_frame_entropy(toss) == pytest.approx(math.log(2) / 2)
    assert mean_frame_entropy(np.zeros((0, 3))) == 0.0


def test_decoded_features_carry_the_frame_entropy_and_the_windows_length():
    log_probs = _spell("play jazz", 0.9)
    result = _decode(log_probs)
    assert result.features.frame_entropy == pytest.approx(mean_frame_entropy(log_probs))
    assert 0.0 < result.features.frame_entropy < math.log(log_probs.shape[1])
    named = result.features.as_dict()
    assert named["log_duration"] == pytest.approx(math.log(len(log_probs) * STEP_S))
    unsure = _decode(_spell("play jazz", 0.6))
    assert unsure.features.frame_entropy > result.features.frame_entropy


def test_words_outside_the_lexicon_lower_the_utterance_confidence():
    log_probs = _spell("call bob", 0.99)
    known = _decode(log_probs, lexicon=["call", "bob"])
    unknown = _decode(log_probs, lexicon=["call", "alice"])
    assert unknown.features.oov_rate == 0.5
    assert unknown.confidence < known.confidence


def test_nbest_posteriors_and_word_support():
    posteriors = nbest_posteriors([0.0, math.log(0.5), math.log(0.25)])
    assert posteriors.tolist() == pytest.approx([4 / 7, 2 / 7, 1 / 7])
    support = word_support(["call", "bob"], [["call", "bob"], ["call", "rob"], ["all", "bob"]], posteriors)
    assert support == pytest.approx([6 / 7, 5 / 7])


def test_beam_margin_lowers_confidence_when_alternatives_compete():
    clear = _decode(_spell("cat", 0.99), beam=8)
    torn = _decode(_spell("cat", 0.99, {3: {"a": 0.5, "u": 0.49}}), beam=8)
    assert torn.features.top_posterior < 0.6 < clear.features.top_posterior
    assert torn.confidence < 0.5 < clear.confidence


@pytest.mark.parametrize("calibration, raw, expected", [
    (None, 1.7, 1.0),
    ({"method": "identity"}, 0.3, 0.3),
    ({"method": "isotonic", "x": [0.2, 0.6], "y": [0.1, 0.9]}, 0.4, 0.5),
    ({"method": "isotonic", "x": [0.2, 0.6], "y": [0.1, 0.9]}, 0.0, 0.1),
    ({"method": "isotonic", "x": [0.2, 0.6], "y": [0.1, 0.9]}, 1.0, 0.9),
    ({"method": "platt", "a": 2.0, "b": -1.0}, 0.5, 0.5),
    ({"method": "platt", "a": 2.0, "b": -1.0}, 1.0, 1 / (1 + math.exp(-1.0))),
])
def test_calibration_maps(calibration, raw, expected):
    check_calibration(calibration)
    assert apply_calibration(raw, calibration) == pytest.approx(expected)


def test_logistic_calibration_reads_named_features():
    calibration = {"method": "logistic", "features": ["log_min_word", "oov_rate"], "weights": [2.0, -1.0],
                   "bias": 0.5, "mean": [-1.0, 0.0], "scale": [2.0, 1.0]}
    check_calibration(calibration)
    features = {"log_min_word": 1.0, "oov_rate": 0.5}
    expected = 1 / (1 + math.exp(-(0.5 + 2.0 * (1.0 + 1.0) / 2.0 - 0.5)))
    assert apply_calibration(0.0, calibration, features) == pytest.approx(expected)
    with pytest.raises(ValueError, match="features"):
        apply_calibration(0.0, calibration)


@pytest.mark.parametrize("calibration, message", [
    ({"method": "magic"}, "unknown calibration method"),
    ({"method": "isotonic", "x": [0.5, 0.2], "y": [0.1, 0.2]}, "increasing"),
    ({"method": "isotonic", "x": [0.5], "y": []}, "same non-zero length"),
    ({"method": "platt", "a": 1.0}, "'b'"),
    ({"method": "logistic", "features": ["shoe_size"], "weights": [1.0]}, "unknown features"),
    ({"utterance": {"x": [1]}}, "no 'method'"),
    ({"words": {}}, "got keys"),
    ({"word": {"method": "logistic", "features": ["log_min_word"], "weights": [1.0]}}, "unknown features"),
    ({"utterance": {"method": "logistic", "features": ["log_odds_word"], "weights": [1.0]}}, "unknown features"),
    ([1, 2], "JSON object"),
])
def test_bad_calibration_is_refused(calibration, message):
    with pytest.raises(ValueError, match=message):
        check_calibration(calibration)
    with pytest.raises(ValueError, match=message):
        CtcDecoder(TOKENS, BLANK_ID, SEPARATOR, STEP_S, calibration=calibration)


def test_decoder_applies_utterance_and_word_maps():
    log_probs, _ = peaky("go home", peak=0.9)
    plain = _decode(log_probs)
    calibration = {"utterance": {"method": "platt", "a": 0.0, "b": 0.0},
                   "word": {"method": "isotonic", "x": [0.0, 1.0], "y": [0.0, 0.5]}}
    calibrated = _decode(log_probs, calibration=calibration)
    assert calibrated.raw_confidence == pytest.approx(plain.raw_confidence)
    assert calibrated.confidence == pytest.approx(0.5)
    for plain_word, word in zip(plain.words, calibrated.words):
        assert word.confidence == pytest.approx(plain_word.confidence / 2)
    single = _decode(log_probs, calibration={"method": "platt", "a": 0.0, "b": 0.0})
    assert single.confidence == pytest.approx(0.5)
    assert [w.confidence for w in single.words] == [w.confidence for w in plain.words]


def test_a_logistic_word_map_reads_the_words_confidence_its_utterances_and_its_length():
    log_probs, _ = peaky("go home", peak=0.9)
    plain = _decode(log_probs)
    word_map = {"method": "logistic", "features": list(WORD_FEATURE_NAMES), "weights": [1.0, 2.0, 0.5], "bias": -1.0}
    calibration = {"utterance": {"method": "platt", "a": 0.0, "b": 1.0}, "word": word_map}
    calibrated = _decode(log_probs, calibration=calibration)
    utterance = 1 / (1 + math.exp(-1.0))
    assert calibrated.confidence == pytest.approx(utterance)
    for plain_word, word in zip(plain.words, calibrated.words):
        features = word_features(plain_word.confidence, utterance, plain_word.word)
        assert features["log_word_length"] == pytest.approx(math.log(len(plain_word.word)))
        assert features["log_odds_utterance"] == pytest.approx(1.0)
        z = -1.0 + features["log_odds_word"] + 2.0 * 1.0 + 0.5 * math.log(len(plain_word.word))
        assert word.confidence == pytest.approx(1 / (1 + math.exp(-z)))
    # the same word in a doubted utterance is less sure
    doubted = _decode(log_probs, calibration={**calibration, "utterance": {"method": "platt", "a": 0.0, "b": -1.0}})
    assert all(d.confidence < w.confidence for d, w in zip(doubted.words, calibrated.words))


def test_word_features_stay_finite_at_certainty():
    features = word_features(1.0, 0.0, "")
    assert all(math.isfinite(v) for v in features.values()) and features["log_word_length"] == 0.0
