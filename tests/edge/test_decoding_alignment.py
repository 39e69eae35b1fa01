"""CTC alignments: the numba Viterbi kernel against its NumPy reference, spans and words."""

from __future__ import annotations

import numpy as np
import pytest

from edge.decoding.alignment import (TokenSpan, token_spans, viterbi_path, viterbi_path_reference,
                                     word_spans)
from tests.edge.decoding_fixtures import BLANK_ID, TOKENS, peaky


def _collapse(path: np.ndarray) -> list[int]:
    return [s.token for s in token_spans(path, BLANK_ID)]


@pytest.mark.parametrize("seed", range(20))
def test_kernel_matches_reference_on_random_posteriors(seed):
    rng = np.random.default_rng(seed)
    n_steps = int(rng.integers(1, 60))
    logits = rng.normal(0.0, 3.0, size=(n_steps, len(TOKENS)))
    log_probs = (logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))).astype(np.float32)
    labels = rng.integers(1, 4, size=int(rng.integers(0, n_steps // 2 + 2)))  # few tokens: many repeats
    fast = viterbi_path(log_probs, labels, BLANK_ID)
    reference = viterbi_path_reference(log_probs, labels, BLANK_ID)
    np.testing.assert_array_equal(fast, reference)
    needed = len(labels) + int(np.sum(labels[1:] == labels[:-1]))  # a blank between repeats
    if needed <= n_steps:
        assert _collapse(fast) == labels.tolist()


def test_alignment_collapses_to_the_labels_and_finds_the_peaks():
    log_probs, steps = peaky("add", char_steps=2)
    labels = [TOKENS.index(c) for c in "add"]
    path = viterbi_path(log_probs, labels, BLANK_ID)
    assert _collapse(path) == labels
    assert [(s.first_step, s.last_step) for s in token_spans(path, BLANK_ID)] == steps


def test_labels_that_cannot_fit_are_laid_in_order():
    log_probs, _ = peaky("a", lead_steps=0, tail_steps=0)  # two steps
    labels = [TOKENS.index("b")] * 3  # "bbb" needs five steps
    for align in (viterbi_path, viterbi_path_reference):
        assert align(log_probs, labels, BLANK_ID).tolist() == labels[:2]


def test_word_spans_split_at_the_separator():
    sep, a, b = TOKENS.index(" "), TOKENS.index("a"), TOKENS.index("b")
    spans = [TokenSpan(sep, 0, 0), TokenSpan(a, 2, 2), TokenSpan(b, 3, 4), TokenSpan(sep, 5, 5),
             TokenSpan(sep, 7, 7), TokenSpan(a, 8, 8)]
    words = word_spans(spans, TOKENS, sep)
    assert [w.text for w in words] == ["ab", "a"]
    assert (words[0].first_step, words[0].last_step) == (2, 4)
    assert words[0].separator == TokenSpan(sep, 5, 5)
    assert words[1].separator is None
