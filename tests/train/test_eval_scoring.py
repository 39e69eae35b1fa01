"""Tests for train/evaluation/scoring.py against hand-computed alignments."""

import pytest

from train.evaluation.scoring import (
    DELETE, EQUAL, INSERT, SUBSTITUTE, Edit, EditCounts, align, align_words, char_counts,
    error_patterns)


def test_identical_strings_are_all_hits():
    edits = align_words("turn on the lights", "turn on the lights")
    assert [e.op for e in edits] == [EQUAL] * 4
    assert EditCounts.of(edits) == EditCounts(hits=4)
    assert EditCounts.of(edits).rate == 0.0


def test_one_substitution_one_deletion_one_insertion():
    # ref: set a timer for ten minutes   hyp: set the timer ten minutes please
    # set=set, a->the (S), timer=timer, for (D), ten=ten, minutes=minutes, +please (I)
    edits = align_words("set a timer for ten minutes", "set the timer ten minutes please")
    assert edits == (
        Edit(EQUAL, "set", "set"), Edit(SUBSTITUTE, "a", "the"), Edit(EQUAL, "timer", "timer"),
        Edit(DELETE, "for", None), Edit(EQUAL, "ten", "ten"), Edit(EQUAL, "minutes", "minutes"),
        Edit(INSERT, None, "please"))
    counts = EditCounts.of(edits)
    assert (counts.hits, counts.substitutions, counts.deletions, counts.insertions) == (4, 1, 1, 1)
    assert counts.reference_length == 6
    assert counts.rate == pytest.approx(3 / 6)


def test_empty_hypothesis_deletes_every_word():
    counts = EditCounts.of(align_words("play some jazz", ""))
    assert counts == EditCounts(deletions=3)
    assert counts.rate == 1.0


def test_empty_reference_counts_insertions_over_one_token():
    counts = EditCounts.of(align_words("", "hello there"))
    assert counts == EditCounts(insertions=2)
    assert counts.rate == 2.0
    assert EditCounts.of(align_words("", "")).rate == 0.0


def test_wer_can_exceed_one():
    counts = EditCounts.of(align_words("yes", "no no no"))
    assert counts.errors == 3 and counts.rate == 3.0


def test_tie_prefers_deletion_of_first_word():
    assert align(["a", "b"], ["b"]) == (Edit(DELETE, "a", None), Edit(EQUAL, "b", "b"))


def test_equal_cost_tie_pairs_look_alike_words():
    # "on the" -> "of": substitute on/of + delete the, or delete on + substitute the/of; both
    # cost 2, and the first names the real confusion
    edits = align_words("turn on the radio", "turn of radio")
    assert Edit(SUBSTITUTE, "on", "of") in edits and Edit(DELETE, "the", None) in edits


def test_a_match_beats_two_substitutions_of_equal_count():
    assert align(["a", "b"], ["b", "c"]) == (
        Edit(DELETE, "a", None), Edit(EQUAL, "b", "b"), Edit(INSERT, None, "c"))


def test_character_counts_include_spaces():
    # "hello world" -> "helo word": two deleted letters over 11 characters (space included)
    counts = char_counts("hello world", "helo word")
    assert counts == EditCounts(hits=9, deletions=2)
    assert counts.rate == pytest.approx(2 / 11)
    # a split word costs one inserted space
    assert char_counts("weekend", "week end") == EditCounts(hits=7, insertions=1)


def test_pooled_counts_weight_by_length():
    short = EditCounts.of(align_words("stop", "top"))  # 1 error / 1 word
    long = EditCounts.of(align_words("what is the weather in paris today", "what is the weather in paris today"))
    pooled = EditCounts.pooled([short, long])
    assert pooled.rate == pytest.approx(1 / 8)
    assert (short + long) == pooled


def test_error_patterns_count_and_order():
    alignments = [align_words("turn on the light", "turn of the lights"),
                  align_words("turn on the radio", "turn of radio"),
                  align_words("stop", "stop now")]
    patterns = error_patterns(alignments, top=5)
    assert patterns.substitutions == ((("on", "of"), 2), (("light", "lights"), 1))
    assert patterns.deletions == (("the", 1),)
    assert patterns.insertions == (("now", 1),)
    assert patterns.to_dict()["substitutions"][0] == {"ref": "on", "hyp": "of", "count": 2}


def test_error_patterns_keep_top_n_with_alphabetical_ties():
    patterns = error_patterns([align_words("a b c", "x y z")], top=2)
    assert patterns.substitutions == ((("a", "x"), 1), (("b", "y"), 1))


def test_total_errors_agree_with_jiwer():
    jiwer = pytest.importorskip("jiwer", reason="jiwer is an optional cross-check")
    import random

    rng = random.Random(7)
    vocab = "on off the lights play stop".split()
    for _ in range(300):
        ref = " ".join(rng.choice(vocab) for _ in range(rng.randint(1, 9)))
        hyp = " ".join(rng.choice(vocab) for _ in range(rng.randint(0, 9)))
        out = jiwer.process_words(ref, hyp)
        assert EditCounts.of(align_words(ref, hyp)).errors == out.substitutions + out.deletions + out.insertions
