"""Tests for train/evaluation/vocabulary.py: known and unknown reference words, in results and report."""

import math

import pytest

from tests.train.eval_doubles import record
from train.evaluation.report import render_markdown
from train.evaluation.result import EvalResult
from train.evaluation.vocabulary import vocabulary_coverage

VOCABULARY = frozenset({"turn", "on", "the", "lights", "play", "some", "jazz", "call"})


def test_coverage_splits_reference_words_and_counts_their_errors():
    records = [record("turn on the lights", "turn on the light"),  # known word "lights" substituted
               record("call mom", "call tom"),  # unknown "mom" substituted
               record("play zydeco", "play"),  # unknown "zydeco" deleted
               record("call mom now", "call mom now")]  # unknown "mom", "now" right
    coverage = vocabulary_coverage((r.word_edits for r in records), VOCABULARY)
    assert (coverage.known.words, coverage.known.wrong) == (7, 1)
    assert (coverage.unknown.words, coverage.unknown.wrong) == (4, 2)
    assert coverage.oov_rate == pytest.approx(4 / 11)
    assert coverage.unknown.error_rate == pytest.approx(0.5)
    assert coverage.top_unknown == (("mom", 2), ("now", 1), ("zydeco", 1))
    assert coverage.vocabulary_size == len(VOCABULARY)


def test_insertions_belong_to_no_reference_word():
    coverage = vocabulary_coverage([record("play some jazz", "play some jazz now").word_edits], VOCABULARY)
    assert (coverage.known.words, coverage.known.wrong, coverage.unknown.words) == (3, 0, 0)
    assert coverage.oov_rate == 0.0 and math.isnan(coverage.unknown.error_rate)


def test_result_reports_coverage_only_for_a_recognizer_with_a_vocabulary():
    records = (record("call mom", "call tom", id="a"), record("play some jazz", "play some jazz", id="b"))
    with_vocabulary = EvalResult("bundle", records, vocabulary=VOCABULARY)
    assert with_vocabulary.summary()["oov_rate"] == pytest.approx(1 / 5)
    assert with_vocabulary.to_dict()["vocabulary"]["top_unknown"] == [{"word": "mom", "count": 1}]
    markdown = render_markdown(with_vocabulary)
    assert "## Vocabulary" in markdown and "| mom | 1 |" in markdown and "20.0% of the reference words" in markdown
    without = EvalResult("pocketsphinx", records)
    assert without.coverage is None and without.summary()["oov_rate"] is None
    assert without.to_dict()["vocabulary"] is None
    assert "no vocabulary of its own" in render_markdown(without)
