"""Word and character error rates from a minimum-edit alignment with backtrace.

Inputs are expected to be normalised already (`edge.text.normalize_text`); this module only
splits and aligns. Words are split on whitespace; characters are the characters of the
normalised string, spaces included (so a wrongly split or joined word costs one character).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

EQUAL, SUBSTITUTE, DELETE, INSERT = "equal", "substitute", "delete", "insert"


@dataclass(frozen=True, slots=True)
class Edit:
    """One step of an alignment: `ref` is None for an insertion, `hyp` is None for a deletion."""

    op: str
    ref: str | None
    hyp: str | None


@dataclass(frozen=True, slots=True)
class EditCounts:
    """Hits and errors of one alignment, or of many pooled with `+`."""

    hits: int = 0
    substitutions: int = 0
    deletions: int = 0
    insertions: int = 0

    @property
    def reference_length(self) -> int:
        """Tokens in the reference: hits + substitutions + deletions."""
        return self.hits + self.substitutions + self.deletions

    @property
    def errors(self) -> int:
        """Substitutions + deletions + insertions."""
        return self.substitutions + self.deletions + self.insertions

    @property
    def rate(self) -> float:
        """Errors per reference token; an empty reference counts as one token (0 if no errors)."""
        return self.errors / max(self.reference_length, 1)

    def __add__(self, other: EditCounts) -> EditCounts:
        return EditCounts(self.hits + other.hits, self.substitutions + other.substitutions,
                          self.deletions + other.deletions, self.insertions + other.insertions)

    @classmethod
    def of(cls, edits: Iterable[Edit]) -> EditCounts:
        """Count the operations of an alignment."""
        ops = Counter(edit.op for edit in edits)
        return cls(ops[EQUAL], ops[SUBSTITUTE], ops[DELETE], ops[INSERT])

    @classmethod
    def pooled(cls, counts: Iterable[EditCounts]) -> EditCounts:
        """Sum counts over utterances: a pooled rate weights each utterance by its length."""
        total = cls()
        for item in counts:
            total = total + item
        return total

    def to_dict(self) -> dict:
        return {"hits": self.hits, "substitutions": self.substitutions,
                "deletions": self.deletions, "insertions": self.insertions,
                "reference_length": self.reference_length, "errors": self.errors,
                "rate": self.rate}


def align(ref: Sequence[str], hyp: Sequence[str]) -> tuple[Edit, ...]:
    """Align two token sequences with the fewest edits (Levenshtein) and return the edits in order.

    Among alignments with the fewest edits, the one whose substituted tokens look most alike
    wins ("on the" -> "of" pairs on/of and deletes "the"), so the substitution table names real
    confusions. A tie-break term smaller than one edit in total does this; the edit count is
    always the minimum. Remaining ties prefer a match or substitution, then a deletion.
    """
    n, m = len(ref), len(hyp)
    vocab: dict[str, int] = {}
    ref_ids = np.array([vocab.setdefault(t, len(vocab)) for t in ref], dtype=np.int64)
    hyp_ids = np.array([vocab.setdefault(t, len(vocab)) for t in hyp], dtype=np.int64)
    unlike = _unlikeness(list(vocab))
    tie_break = 1.0 / (2 * (n + m + 1))  # all tie-breaks on a path sum to less than half an edit
    sub_cost = np.where(ref_ids[:, None] == hyp_ids[None, :], 0.0,
                        1.0 + tie_break * unlike[ref_ids[:, None], hyp_ids[None, :]])
    cost = np.empty((n + 1, m + 1), dtype=np.float64)
    steps = np.arange(m + 1, dtype=np.float64)
    cost[0] = steps
    for i in range(1, n + 1):
        prev = cost[i - 1]
        row = np.empty(m + 1, dtype=np.float64)
        row[0] = i
        row[1:] = np.minimum(prev[:-1] + sub_cost[i - 1], prev[1:] + 1.0)
        # Insertions run along the row: row[j] = min(row[j], row[j-1] + 1), a running minimum.
        cost[i] = np.minimum.accumulate(row - steps) + steps
    edits: list[Edit] = []
    i, j = n, m
    while i > 0 or j > 0:
        if i > 0 and j > 0 and _same(cost[i, j], cost[i - 1, j - 1] + sub_cost[i - 1, j - 1]):
            op = EQUAL if ref[i - 1] == hyp[j - 1] else SUBSTITUTE
            edits.append(Edit(op, ref[i - 1], hyp[j - 1]))
            i, j = i - 1, j - 1
        elif i > 0 and _same(cost[i, j], cost[i - 1, j] + 1.0):
            edits.append(Edit(DELETE, ref[i - 1], None))
            i -= 1
        else:
            edits.append(Edit(INSERT, None, hyp[j - 1]))
            j -= 1
    edits.reverse()
    return tuple(edits)


def _same(a: float, b: float) -> bool:
    return abs(a - b) < 1e-9


def _unlikeness(tokens: list[str]) -> np.ndarray:
    """1 - Dice similarity of the boundary-padded character bigrams of every pair of tokens."""
    grams = [{a + b for a, b in zip("^" + t, t + "$")} for t in tokens]
    out = np.ones((len(tokens), len(tokens)), dtype=np.float64)
    for x, gx in enumerate(grams):
        for y, gy in enumerate(grams):
            out[x, y] = 1.0 - 2.0 * len(gx & gy) / (len(gx) + len(gy))
    return out


def align_words(ref: str, hyp: str) -> tuple[Edit, ...]:
    """Align the whitespace-separated words of two normalised strings."""
    return align(ref.split(), hyp.split())


def char_counts(ref: str, hyp: str) -> EditCounts:
    """Character edit counts of two normalised strings (runs of whitespace count as one space)."""
    return EditCounts.of(align(list(" ".join(ref.split())), list(" ".join(hyp.split()))))


@dataclass(frozen=True, slots=True)
class ErrorPatterns:
    """The most frequent word confusions over a set of alignments."""

    substitutions: tuple[tuple[tuple[str, str], int], ...]  # ((ref, hyp), count), most frequent first
    deletions: tuple[tuple[str, int], ...]
    insertions: tuple[tuple[str, int], ...]

    def to_dict(self) -> dict:
        return {"substitutions": [{"ref": r, "hyp": h, "count": c} for (r, h), c in self.substitutions],
                "deletions": [{"word": w, "count": c} for w, c in self.deletions],
                "insertions": [{"word": w, "count": c} for w, c in self.insertions]}


def error_patterns(alignments: Iterable[Sequence[Edit]], top: int = 20) -> ErrorPatterns:
    """Count substitution pairs, deleted words and inserted words; keep the `top` of each.

    Ties are broken alphabetically so the result does not depend on utterance order.
    """
    subs: Counter[tuple[str, str]] = Counter()
    dels: Counter[str] = Counter()
    ins: Counter[str] = Counter()
    for edits in alignments:
        for edit in edits:
            if edit.op == SUBSTITUTE:
                subs[(edit.ref, edit.hyp)] += 1
            elif edit.op == DELETE:
                dels[edit.ref] += 1
            elif edit.op == INSERT:
                ins[edit.hyp] += 1

    def most(counter: Counter) -> tuple:
        return tuple(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:top])

    return ErrorPatterns(most(subs), most(dels), most(ins))
