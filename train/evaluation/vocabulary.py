"""Which reference words the recognizer's vocabulary lacks, and what knowing a word is worth.

A bundle's beam decoder knows the words of its LM and lexicon (and any hotwords); a word outside
them costs the OOV penalty and is rarely spelled right. Listing the unknown reference words tells
a user which catalog terms or phrases to add before retraining. A reference word counts as wrong
when the alignment substitutes or deletes it; insertions belong to no reference word.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from train.evaluation.scoring import Edit

TOP_UNKNOWN = 20


@dataclass(frozen=True, slots=True)
class WordGroup:
    """Reference words of one kind (known or unknown to the vocabulary) and how many went wrong."""

    words: int
    wrong: int

    @property
    def error_rate(self) -> float:
        """Wrong reference words over reference words (NaN when there are none)."""
        return self.wrong / self.words if self.words else float("nan")

    def to_dict(self) -> dict:
        return {"words": self.words, "wrong": self.wrong, "error_rate": self.error_rate}


@dataclass(frozen=True, slots=True)
class VocabularyCoverage:
    """Known and unknown reference words, and the most frequent unknown ones."""

    vocabulary_size: int
    known: WordGroup
    unknown: WordGroup
    top_unknown: tuple[tuple[str, int], ...]  # (word, occurrences), most frequent first

    @property
    def oov_rate(self) -> float:
        """Unknown reference words over all reference words (NaN when there are none)."""
        total = self.known.words + self.unknown.words
        return self.unknown.words / total if total else float("nan")

    def to_dict(self) -> dict:
        return {"vocabulary_size": self.vocabulary_size, "oov_rate": self.oov_rate,
                "known": self.known.to_dict(), "unknown": self.unknown.to_dict(),
                "top_unknown": [{"word": w, "count": c} for w, c in self.top_unknown]}


def vocabulary_coverage(alignments: Iterable[Sequence[Edit]], vocabulary: frozenset[str],
                        top: int = TOP_UNKNOWN) -> VocabularyCoverage:
    """Split the reference words of `alignments` by whether `vocabulary` holds them."""
    counts = {True: [0, 0], False: [0, 0]}
    unknown: Counter[str] = Counter()
    for edits in alignments:
        for edit in edits:
            if edit.ref is None:
                continue
            known = edit.ref in vocabulary
            counts[known][0] += 1
            counts[known][1] += edit.op != "equal"
            if not known:
                unknown[edit.ref] += 1
    ranked = sorted(unknown.items(), key=lambda item: (-item[1], item[0]))[:top]
    return VocabularyCoverage(len(vocabulary), WordGroup(*counts[True]), WordGroup(*counts[False]), tuple(ranked))
