"""An in-memory trigram index over document names, for fuzzy (spelling or phonetic) lookups."""

from __future__ import annotations

from itertools import chain

import numpy as np

from cloud.search.keys import trigrams


class NameIndex:
    """Find the names whose key shares the most trigrams with a query key, then score them by Dice.

    FTS5's trigram tokenizer answers substring queries, but an OR over thirty common trigrams
    costs it 10-20 ms per query here; counting postings with numpy costs well under one, and
    Dice against every query key is one matrix product over the candidates. Names and postings
    are kept as flat arrays (compressed rows), so a lookup gathers them without Python loops.
    """

    def __init__(self, rows: list[tuple[int, float, str]]) -> None:
        """`rows`: (document rowid, name weight, key) for every name; keys are unpadded."""
        self.docs = np.array([r[0] for r in rows], dtype=np.int64)
        self.weights = np.array([r[1] for r in rows], dtype=np.float64)
        self.keys = [r[2] for r in rows]
        self._gram_ids: dict[str, int] = {}
        name_grams = [[self._gram_ids.setdefault(g, len(self._gram_ids)) for g in sorted(trigrams(key))]
                      for key in self.keys]
        lengths = np.array([len(g) for g in name_grams], dtype=np.int64)
        self._sizes = lengths.astype(np.float64)
        # Each name's gram ids, one after another; name i's are _grams[_starts[i]:_starts[i] + lengths[i]].
        self._grams = np.array([g for grams in name_grams for g in grams], dtype=np.int64)
        self._starts, self._lengths = np.cumsum(lengths) - lengths, lengths
        # The same pairs ordered by gram: the names holding gram g are _postings[_post_starts[g]:...].
        order = np.argsort(self._grams, kind="stable")
        self._postings = np.repeat(np.arange(len(rows)), lengths)[order]
        bounds = np.searchsorted(self._grams[order], np.arange(len(self._gram_ids) + 1))
        self._post_starts, self._post_lengths = bounds[:-1], np.diff(bounds)

    def __len__(self) -> int:
        return len(self.keys)

    def match(self, queries: list[tuple[frozenset[str], float]], candidates: int) -> dict[int, tuple[float, str]]:
        """Best (name weight x query weight x Dice, key) per document rowid over (query key, weight) pairs."""
        # Every (query, gram) pair whose gram some name has, as two flat arrays.
        ids = self._gram_ids
        per_query = [[i for g in q if (i := ids.get(g)) is not None] for q, _ in queries]
        query_grams = np.fromiter(chain.from_iterable(per_query), dtype=np.int64)
        if not query_grams.size:
            return {}
        query_numbers = np.repeat(np.arange(len(queries)), [len(grams) for grams in per_query])
        present = np.unique(query_grams)
        holders = self._postings[_ranges(self._post_starts[present], self._post_lengths[present])]
        counts = np.bincount(holders, minlength=len(self.keys))
        shortest = min(len(q) for q, _ in queries)
        bound = 2.0 * counts / (self._sizes + shortest)  # an upper bound on Dice with any query key
        top = np.argpartition(-bound, min(candidates, len(bound) - 1))[:candidates]
        top = top[counts[top] > 0]
        # Intersection sizes of every candidate with every query key, as one small matrix product.
        column = np.full(len(self._gram_ids), -1, dtype=np.int64)
        column[present] = np.arange(present.size)
        in_query = np.zeros((present.size, len(queries)))
        in_query[column[query_grams], query_numbers] = 1.0
        spans = _ranges(self._starts[top], self._lengths[top])
        rows, columns = np.repeat(np.arange(top.size), self._lengths[top]), column[self._grams[spans]]
        shared = columns >= 0
        in_name = np.zeros((top.size, present.size))
        in_name[rows[shared], columns[shared]] = 1.0
        sizes = np.array([len(q) for q, _ in queries], dtype=np.float64)
        weights = np.array([w for _, w in queries])
        similarity = 2.0 * (in_name @ in_query) / (self._sizes[top][:, None] + sizes[None, :])
        scores = (similarity * weights[None, :]).max(axis=1) * self.weights[top]
        best: dict[int, tuple[float, str]] = {}
        for number, doc, score in zip(top.tolist(), self.docs[top].tolist(), scores.tolist(), strict=True):
            if score > best.get(doc, (0.0, ""))[0]:
                best[doc] = (score, self.keys[number])
        return best


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The indices start..start+length-1 of every (start, length) pair, concatenated."""
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    offsets = np.cumsum(lengths) - lengths  # where each range begins in the output
    return np.arange(total) + np.repeat(starts - offsets, lengths)
