"""An in-memory trigram index over document names, for fuzzy (spelling or phonetic) lookups."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from cloud.search.keys import trigrams


class NameIndex:
    """Find the names whose key shares the most trigrams with a query key, then score them by Dice.

    FTS5's trigram tokenizer answers substring queries, but an OR over thirty common trigrams
    costs it 10-20 ms per query here; counting postings with numpy costs well under one, and
    Dice against every query key is one matrix product over the candidates.
    """

    def __init__(self, rows: list[tuple[int, float, str]]) -> None:
        """`rows`: (document rowid, name weight, key) for every name; keys are unpadded."""
        self.docs = np.array([r[0] for r in rows], dtype=np.int64)
        self.weights = np.array([r[1] for r in rows], dtype=np.float64)
        self.keys = [r[2] for r in rows]
        self.grams = [trigrams(key) for key in self.keys]
        postings: dict[str, list[int]] = defaultdict(list)
        for number, grams in enumerate(self.grams):
            for gram in grams:
                postings[gram].append(number)
        self._postings = {g: np.array(p, dtype=np.int32) for g, p in postings.items()}
        self._sizes = np.array([len(g) for g in self.grams], dtype=np.float64)

    def __len__(self) -> int:
        return len(self.keys)

    def match(self, queries: list[tuple[frozenset[str], float]], candidates: int) -> dict[int, tuple[float, str]]:
        """Best (name weight x query weight x Dice, key) per document rowid over (query key, weight) pairs."""
        present = sorted(g for g in set().union(*(q for q, _ in queries)) if g in self._postings)
        grams = {g: i for i, g in enumerate(present)}
        if not grams:
            return {}
        counts = np.bincount(np.concatenate([self._postings[g] for g in grams]), minlength=len(self.keys))
        shortest = min(len(q) for q, _ in queries)
        bound = 2.0 * counts / (self._sizes + shortest)  # an upper bound on Dice with any query key
        top = np.argpartition(-bound, min(candidates, len(bound) - 1))[:candidates]
        top = top[counts[top] > 0]
        # Intersection sizes of every candidate with every query key, as one small matrix product.
        in_query = np.zeros((len(grams), len(queries)))
        for column, (query, _) in enumerate(queries):
            for gram in query:
                if gram in grams:
                    in_query[grams[gram], column] = 1.0
        in_name = np.zeros((len(top), len(grams)))
        for row, number in enumerate(top):
            for gram in self.grams[number]:
                if gram in grams:
                    in_name[row, grams[gram]] = 1.0
        sizes = np.array([len(q) for q, _ in queries], dtype=np.float64)
        weights = np.array([w for _, w in queries])
        similarity = 2.0 * (in_name @ in_query) / (self._sizes[top][:, None] + sizes[None, :])
        scores = (similarity * weights[None, :]).max(axis=1) * self.weights[top]
        best: dict[int, tuple[float, str]] = {}
        for number, score in zip(top.tolist(), scores.tolist(), strict=True):
            doc = int(self.docs[number])
            if score > best.get(doc, (0.0, ""))[0]:
                best[doc] = (score, self.keys[number])
        return best
