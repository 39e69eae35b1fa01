"""Tests for train/general_text.py."""

import pytest

from train.general_text import WORDNET_DIR, TextLine, split_lines, wordnet_examples

needs_wordnet = pytest.mark.skipif(not any(WORDNET_DIR.glob("data.*")), reason="wordnet-base is not installed")


def _lines(*texts):
    return [TextLine(t, "test", "test") for t in texts]


def test_splits_are_disjoint_and_cover_everything():
    lines = _lines(*(f"sentence number {i} of the test" for i in range(2000)))
    train, held = split_lines(lines, "train"), split_lines(lines, "eval")
    assert not {l.text for l in train} & {l.text for l in held}
    assert len(train) + len(held) == 2000 and 10 < len(held) < 200


def test_excluded_and_out_of_range_sentences_are_dropped():
    lines = _lines("too short", "the quick brown fox jumps", "the quick brown fox jumps")
    assert [l.text for l in split_lines(lines, "train") + split_lines(lines, "eval")] == ["the quick brown fox jumps"]
    assert split_lines(lines, "train", exclude=["The quick brown fox jumps!"]) == []


@needs_wordnet
def test_wordnet_gives_tens_of_thousands_of_normalised_examples():
    examples = list(wordnet_examples())
    assert len(examples) > 20000
    assert all(e.text == e.text.lower() and '"' not in e.text for e in examples[:500])
