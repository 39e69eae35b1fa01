"""The decoder's vocabulary: known words and all their prefixes, with an LM look-ahead per prefix."""

from __future__ import annotations

from collections.abc import Callable, Iterable


class Vocabulary:
    """Known words, and for each prefix of one the best unigram log-probability of a word below it.

    The look-ahead lets a half-spelled word carry an estimate of its coming LM score (the best
    it can get, as a unigram) instead of nothing, so it competes fairly with hypotheses whose
    last word is complete; the estimate is replaced by the real score when the word ends.
    """

    def __init__(self, words: Iterable[str], unigram_log_prob: Callable[[str], float] | None = None) -> None:
        self.words = frozenset(w for w in words if w)
        self.prefix_best: dict[str, float] = {}
        best = self.prefix_best
        for word in self.words:
            score = unigram_log_prob(word) if unigram_log_prob is not None else 0.0
            for end in range(1, len(word) + 1):
                prefix = word[:end]
                if best.get(prefix, float("-inf")) < score:
                    best[prefix] = score

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self.words
