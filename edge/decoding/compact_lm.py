"""The language model the recognizer keeps: an NgramLM reduced to the search kernel's arrays.

NgramLM holds an ARPA file as dicts keyed by tuples of words, which is clear and easy to check
but costs about 400 bytes per n-gram (the shipped 4-gram's 205k n-grams take about 80 MB of
resident memory). The beam kernel reads only the flat arrays of `lm_tables.compile_lm`, about
40 bytes per n-gram. CompactLM keeps those arrays and the word codes and answers the decoder's
few questions from them (the vocabulary, unigram look-ahead, a sentence's probability) through
the kernel's own `lm_log10_prob` and `lm_advance`, so every score is the float the search uses.

Its states are the kernel's state ids (ints) instead of NgramLM's tuples of words; both are
opaque to a search. A history given as words is walked from the empty history word by word.
"""

from __future__ import annotations

from edge.decoding.lm import LN_10, SENTENCE_START, NgramLM, State
from edge.decoding.lm_tables import CompiledLm, compile_lm, lm_advance, lm_log10_prob


class CompactLM:
    """An NgramLM's scores and states without its dicts (see the module docstring)."""

    def __init__(self, compiled: CompiledLm) -> None:
        self._compiled = compiled  # the attribute lm_tables.compiled() looks for
        tables = compiled.tables
        self.order = tables.order
        self.unk_log10_prob = tables.unk_log10_prob
        self.vocabulary = frozenset(compiled.word_ids)

    @classmethod
    def of(cls, lm: NgramLM) -> CompactLM:
        return cls(compile_lm(lm))

    def log10_prob(self, word: str, history: State = ()) -> float:
        """log10 p(word | history), as NgramLM.log10_prob; history is words, oldest first."""
        return float(lm_log10_prob(self._compiled.tables, self._state_of(history), self._compiled.word_code(word)))

    def log_prob(self, word: str, history: State = ()) -> float:
        """Natural-log p(word | history)."""
        return self.log10_prob(word, history) * LN_10

    def begin_state(self) -> int:
        """The state at the start of a sentence."""
        return int(self._compiled.tables.begin)

    def advance(self, state: int, word: str) -> tuple[float, int]:
        """Natural-log p(word | state) and the state after it, as NgramLM.advance."""
        log_p, state = lm_advance(self._compiled.tables, state, self._compiled.word_code(word))
        return float(log_p), int(state)

    def end_log_prob(self, state: int) -> float:
        """Natural-log p(</s> | state): the cost of ending the sentence here."""
        tables = self._compiled.tables
        return float(lm_log10_prob(tables, state, tables.end_word)) * LN_10

    def sentence_log10_prob(self, words: list[str] | tuple[str, ...], bos: bool = True,
                            eos: bool = True) -> float:
        """log10 probability of a whole sentence of words, as NgramLM.sentence_log10_prob."""
        tables = self._compiled.tables
        state = tables.begin if bos else tables.root
        total = 0.0
        for word in words:
            code = self._compiled.word_code(word)
            total += lm_log10_prob(tables, state, code)
            state = lm_advance(tables, state, code)[1]
        if eos:
            total += lm_log10_prob(tables, state, tables.end_word)
        return float(total)

    def _state_of(self, history: State) -> int:
        """The state that scores the next word as `history` does: walked from the empty history,
        or from the sentence start when the history begins with <s>."""
        tables = self._compiled.tables
        if history[:1] == (SENTENCE_START,):
            state, history = tables.begin, history[1:]
        else:
            state = tables.root
        for word in history:
            state = lm_advance(tables, state, self._compiled.word_code(word))[1]
        return int(state)
