"""An NgramLM as flat arrays, and numba scoring over them: the beam search kernel's view of the LM.

Histories become state ids: every history the model can condition on (the NgramLM's contexts),
the empty history, the sentence start, and all their suffixes. A history h followed by a word w
is the key state(h) * n_words + word(w) in one sorted array, which gives log10 p(w | h) when the
n-gram h + w is listed and the state h + w when that is a state. `lm_log10_prob` and
`lm_advance` follow `NgramLM.log10_prob` and `NgramLM.advance` step by step, so they give the
same floats. (Few arrays on purpose: each one a jitted call takes costs reference counting.)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from edge.decoding.lm import LN_10, SENTENCE_END, UNKNOWN, NgramLM

NO_WORD = -1  # word code of a word outside the LM's vocabulary when it has no <unk>


# columns of LmTables.states
SHORTER, LENGTH, IS_CONTEXT = range(3)
NOT_LISTED = -1  # LmTables.key_state of a key whose history + word is not a state


class LmTables(NamedTuple):
    """The arrays `lm_log10_prob` and `lm_advance` read (see the module docstring)."""

    order: int
    n_words: int
    root: int  # state of the empty history
    begin: int  # state at the start of a sentence
    end_word: int  # word code of </s>
    unk_log10_prob: float
    keys: np.ndarray  # int64, sorted: state(h) * n_words + word(w)
    key_prob: np.ndarray  # float64 log10 p(w | h) of a listed n-gram h + w, else NaN
    key_state: np.ndarray  # int64 state h + w, or NOT_LISTED
    backoff: np.ndarray  # float64 log10 backoff weight per state (0 when not listed)
    states: np.ndarray  # (states, 3) int64: the state without its oldest word (the root for
    # the root), its length in words, and 1 if the NgramLM keeps it as a decoder state


class CompiledLm(NamedTuple):
    """LmTables plus the word codes the search needs for its words."""

    tables: LmTables
    word_ids: dict[str, int]  # the vocabulary's
    unk_word: int  # code of a word outside the vocabulary: <unk>'s id, or NO_WORD

    def word_code(self, word: str) -> int:
        """The code `lm_log10_prob` takes for `word` (words outside the vocabulary score as unknown)."""
        return self.word_ids[word] if word in self.word_ids else self.unk_word


def compiled(lm) -> CompiledLm:
    """compile_lm(lm), computed once per NgramLM and kept on it; a CompactLM (edge.decoding.compact_lm)
    is made of it."""
    tables = getattr(lm, "_compiled", None)
    if tables is None:
        tables = lm._compiled = compile_lm(lm)
    return tables


def compile_lm(lm: NgramLM) -> CompiledLm:
    """The arrays of `lm` (see the module docstring)."""
    probs, backoffs, contexts = lm._probs, lm._backoffs, lm._contexts
    word_ids = {w: i for i, w in enumerate(sorted(lm.vocabulary))}
    n_words = len(word_ids)

    begin = lm._context_of(lm.begin_state())
    histories = list(dict.fromkeys([(), begin, *contexts]))
    known = set(histories)
    for history in histories:  # the list grows by the suffixes it lacks, so they are visited too
        if history[1:] not in known:
            known.add(history[1:])
            histories.append(history[1:])
    states = {h: i for i, h in enumerate(histories)}  # the root is state 0
    # A history followed by a word is a key. Pairs with a word outside the unigrams (only in
    # a malformed file) are left out: the LM scores such words as unknown.
    extended = [(states.get(h[:-1]), word_ids.get(h[-1]), state) for h, state in states.items() if h]
    extended = [(prefix * n_words + word, state) for prefix, word, state in extended
                if prefix is not None and word is not None]
    listed = [(states[g[:-1]] * n_words + word_ids[g[-1]], p) for g, p in probs.items() if g[-1] in word_ids]
    unk_word = word_ids[UNKNOWN] if UNKNOWN in lm.vocabulary else NO_WORD
    end_word = word_ids[SENTENCE_END] if SENTENCE_END in lm.vocabulary else unk_word
    prob_keys = np.array([key for key, _ in listed], dtype=np.int64)
    state_keys = np.array([key for key, _ in extended], dtype=np.int64)
    keys = np.unique(np.concatenate([prob_keys, state_keys]))
    key_prob = np.full(len(keys), np.nan)
    key_prob[np.searchsorted(keys, prob_keys)] = [p for _, p in listed]
    key_state = np.full(len(keys), NOT_LISTED, dtype=np.int64)
    key_state[np.searchsorted(keys, state_keys)] = [state for _, state in extended]
    states_table = np.array([(states[h[1:]] if h else 0, len(h), h in contexts) for h in histories],
                            dtype=np.int64).reshape(-1, 3)
    tables = LmTables(int(lm.order), n_words, 0, states[begin], end_word, float(lm.unk_log10_prob), keys, key_prob,
                      key_state, np.array([backoffs.get(h, 0.0) for h in histories], dtype=np.float64),
                      states_table)
    return CompiledLm(tables, word_ids, unk_word)


@njit(cache=True, nogil=True)
def _find(keys: np.ndarray, key: int) -> int:  # pragma: no cover - numba
    """Index of `key` in the sorted `keys`, or -1 (a binary search; numba compiles np.searchsorted's
    general version for about half a second more)."""
    low, high = 0, keys.shape[0]
    while low < high:
        middle = (low + high) // 2
        if keys[middle] < key:
            low = middle + 1
        else:
            high = middle
    return low if low < keys.shape[0] and keys[low] == key else -1


@njit(cache=True, nogil=True)
def lm_log10_prob(lm: LmTables, state: int, word: int) -> float:  # pragma: no cover - numba
    """log10 p(word | state) by backoff, as NgramLM.log10_prob; `word` is a word code."""
    total = 0.0
    if word == NO_WORD:  # unknown, and no <unk>: listed under no history, so every backoff applies
        while state != lm.root:
            total += lm.backoff[state]
            state = lm.states[state, SHORTER]
        return lm.unk_log10_prob + total
    while True:
        index = _find(lm.keys, state * lm.n_words + word)
        if index >= 0 and not np.isnan(lm.key_prob[index]):
            return total + lm.key_prob[index]
        if state == lm.root:  # a word without a unigram: only in a malformed file
            return lm.unk_log10_prob + total
        total += lm.backoff[state]
        state = lm.states[state, SHORTER]


@njit(cache=True, nogil=True)
def lm_advance(lm: LmTables, state: int, word: int) -> tuple[float, int]:  # pragma: no cover - numba
    """Natural-log p(word | state) and the next state, as NgramLM.advance."""
    log_p = lm_log10_prob(lm, state, word) * LN_10
    if word == NO_WORD:
        return log_p, lm.root
    # The longest suffix of state + word that fits the order and is a context; else the root.
    while True:
        if lm.states[state, LENGTH] + 1 < lm.order:
            index = _find(lm.keys, state * lm.n_words + word)
            if index >= 0:
                extended = lm.key_state[index]
                if extended != NOT_LISTED and lm.states[extended, IS_CONTEXT]:
                    return log_p, extended
        if state == lm.root:
            return log_p, lm.root
        state = lm.states[state, SHORTER]
