"""Word confidences against correctness: was each word the recognizer returned right?

A hypothesis word is *right* when the minimum-edit alignment of the normalised reference with
the hypothesis (train/evaluation/scoring.py) matches it to an equal reference word; substituted
and inserted words are wrong (a deleted reference word has no hypothesis word to be sure of).
Each word of the Transcript is normalised on its own (edge.text.normalize_text), so its
confidence stays with it; one that normalises to several tokens is right only if all are.
The word calibration map (train/calibrate.py) is fitted on these outcomes, and `earshot eval`
reports their AUROC and ECE beside the utterance's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from edge.results import Word
from edge.text import normalize_text
from train.evaluation.scoring import EQUAL, align


@dataclass(frozen=True, slots=True)
class WordOutcome:
    """One hypothesis word: its text as returned, its confidence, and whether it was right."""

    word: str
    confidence: float
    correct: bool


def word_outcomes(reference_norm: str, words: Sequence[Word]) -> tuple[WordOutcome, ...]:
    """The outcome of each of `words` (a Transcript's) against a normalised reference."""
    tokens: list[str] = []
    owners: list[int] = []
    for index, word in enumerate(words):
        for token in normalize_text(word.word).split():
            tokens.append(token)
            owners.append(index)
    right = [True] * len(words)
    token = 0
    for edit in align(reference_norm.split(), tokens):
        if edit.hyp is None:
            continue
        if edit.op != EQUAL:
            right[owners[token]] = False
        token += 1
    spoken = set(owners)  # a word that normalises to nothing was not said, so it is not scored
    return tuple(WordOutcome(w.word, float(w.confidence), right[i]) for i, w in enumerate(words) if i in spoken)
