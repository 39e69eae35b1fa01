"""Word confidence against correctness: which returned words were right, and their AUROC and ECE."""

import math

import pytest

from edge.results import Word
from tests.train.eval_doubles import record
from train.evaluation.result import EvalResult
from train.evaluation.word_confidence import word_outcomes


def _words(*pairs):
    return [Word(w, 0.0, 0.1, c) for w, c in pairs]


def test_substituted_and_inserted_words_are_wrong_and_deletions_score_no_word():
    outcomes = word_outcomes("turn on the lights", _words(("turn", 0.9), ("on", 0.8), ("the", 0.7), ("light", 0.4)))
    assert [o.correct for o in outcomes] == [True, True, True, False]
    assert [o.confidence for o in outcomes] == [0.9, 0.8, 0.7, 0.4]
    inserted = word_outcomes("set an alarm", _words(("set", 0.9), ("an", 0.9), ("alarm", 0.9), ("am", 0.3)))
    assert [o.correct for o in inserted] == [True, True, True, False]
    deleted = word_outcomes("call mom now", _words(("call", 0.9), ("mom", 0.8)))
    assert [(o.word, o.correct) for o in deleted] == [("call", True), ("mom", True)]


def test_a_word_normalised_into_several_is_right_only_if_all_are():
    assert [o.correct for o in word_outcomes("forty two", _words(("42", 0.9)))] == [True]
    assert [o.correct for o in word_outcomes("forty three", _words(("42", 0.9)))] == [False]
    assert word_outcomes("yes", _words(("-", 0.5), ("yes", 0.9)))[0].word == "yes"  # nothing said, not scored


def test_an_evaluation_reports_word_auroc_and_ece():
    result = EvalResult(model="m", records=(
        record("turn on the lights", "turn on the light", word_confidences=[0.9, 0.9, 0.9, 0.2], id="a"),
        record("play jazz", "play jazz", word_confidences=[0.8, 0.7], id="b"),
        record("stop", "", id="c")))
    assert len(result.word_outcomes) == 6
    assert result.word_auroc == 1.0  # the one wrong word is the least sure
    expected = (3 * abs(1 - 0.9) + abs(0 - 0.2) + abs(1 - 0.8) + abs(1 - 0.7)) / 6
    assert result.word_ece == pytest.approx(expected)
    summary = result.summary()
    assert summary["hypothesis_words"] == 6 and summary["word_auroc"] == 1.0
    assert summary["word_ece"] == pytest.approx(expected)
    assert sum(b["count"] for b in result.to_dict()["word_reliability"]) == 6


def test_without_words_the_word_figures_are_undefined():
    result = EvalResult(model="m", records=(record("stop", "stop"),))
    assert result.word_outcomes == () and math.isnan(result.word_ece)
    assert result.summary()["word_auroc"] is None
