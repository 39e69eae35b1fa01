"""The beam search's configuration as arrays for the numba kernel: spelling, lexicon, hotwords, LM.

Words are followed character by character, so tokens of several characters work as in the
reference search. The lexicon is a trie over characters whose nodes carry the look-ahead
(`Vocabulary.prefix_best`); hotword states are the phrase prefixes of `Hotwords` (0 is a word
start, -1 a word that matches no phrase). The LM tables come from `lm_tables.compiled`.
"""

from __future__ import annotations

from typing import NamedTuple, get_type_hints

import numpy as np

from edge.decoding.compact_lm import CompactLM
from edge.decoding.hotwords import Hotwords
from edge.decoding.lm import NgramLM
from edge.decoding.lm_tables import LmTables, compiled
from edge.decoding.vocabulary import Vocabulary

OFF_TRIE = -1  # trie node of a word that has left the vocabulary
NOT_A_WORD = -2  # Spelling.trie_word of a prefix that is no vocabulary word
NO_MATCH = -1  # hotword state inside a word that matches no phrase
NO_CHAR = -2  # character id that matches no character


class SearchParams(NamedTuple):
    """The scalars of one PrefixBeamSearch (scores in nats).

    Make it with `typed`, which fixes each field's type: another type is another numba
    signature, and so a compilation of the kernel at run time.
    """

    blank: int
    separator: int
    beam: int
    hyp_margin: float
    gain_bound: float
    lm_weight: float
    word_bonus: float
    oov_penalty: float
    oov_estimate: float
    lexicon_only: bool
    has_vocabulary: bool
    has_lm: bool
    has_hotwords: bool

    @classmethod
    def typed(cls, **fields) -> "SearchParams":
        """SearchParams from keyword fields, each converted to its annotated type."""
        types = get_type_hints(cls)
        return cls(**{name: types[name](fields[name]) for name in cls._fields})


class Spelling(NamedTuple):
    """Token texts as character ids, and the lexicon trie over those characters."""

    token_chars: np.ndarray  # (tokens, longest) int64, padded with NO_CHAR
    token_lengths: np.ndarray  # int64
    trie_next: np.ndarray  # (nodes, chars) int64 child node, or OFF_TRIE; node 0 is the empty word
    trie_best: np.ndarray  # float64 Vocabulary.prefix_best of the node's prefix
    trie_word: np.ndarray  # int64 LM word code of the vocabulary word the prefix spells, or NOT_A_WORD
    oov_word: int  # LM word code of a word outside the vocabulary


class HotwordTables(NamedTuple):
    """Hotwords' prefix states: state 0 is a word start, state s > 0 a phrase prefix."""

    next: np.ndarray  # (states, chars) int64 state of prefix + char, or NO_MATCH
    gain: np.ndarray  # float64 boost of the state's last character
    is_phrase: np.ndarray  # bool: the prefix is a whole phrase
    ends_with_separator: np.ndarray  # bool
    separator_char: int  # id of the separator character, or NO_CHAR


class SearchTables(NamedTuple):
    params: SearchParams
    spelling: Spelling
    hotwords: HotwordTables
    lm: LmTables


def compile_search(tokens: tuple[str, ...], params: SearchParams, vocabulary: Vocabulary | None,
                   hotwords: Hotwords | None, lm: NgramLM | CompactLM | None) -> SearchTables:
    """Arrays for `beam_kernel.prefix_beam_search` of one search configuration."""
    chars = sorted({c for i, t in enumerate(tokens) if i != params.blank for c in t})
    char_ids = {c: i for i, c in enumerate(chars)}
    longest = max(len(t) for t in tokens)
    token_chars = np.full((len(tokens), longest), NO_CHAR, dtype=np.int64)
    for i, text in enumerate(tokens):
        if i != params.blank:
            token_chars[i, :len(text)] = [char_ids[c] for c in text]
    token_lengths = np.array([0 if i == params.blank else len(t) for i, t in enumerate(tokens)], dtype=np.int64)
    # Without an LM, an empty one stands in: the kernel's arguments keep their types and
    # has_lm keeps it from being read.
    compiled_lm = compiled(lm if lm is not None else NgramLM({}, {}, order=1))
    spelling = Spelling(token_chars, token_lengths, *_trie(vocabulary, char_ids, compiled_lm.word_code),
                        oov_word=compiled_lm.unk_word)
    separator_text = tokens[params.separator]
    return SearchTables(params, spelling, _hotword_tables(hotwords, separator_text, char_ids), compiled_lm.tables)


def _trie(vocabulary: Vocabulary | None, char_ids: dict[str, int], word_code) -> tuple:
    """(next, best, word) of the vocabulary's prefixes; a lone root without one."""
    ids = {"": 0}
    for prefix in sorted(vocabulary.prefix_best, key=len) if vocabulary is not None else ():
        if prefix[:-1] in ids and prefix[-1] in char_ids:  # words the tokens cannot spell are left out
            ids[prefix] = len(ids)
    prefixes = list(ids)[1:]
    trie_next = np.full((len(ids), len(char_ids)), OFF_TRIE, dtype=np.int64)
    if prefixes:
        trie_next[[ids[p[:-1]] for p in prefixes], [char_ids[p[-1]] for p in prefixes]] = np.arange(1, len(ids))
    best = np.array([0.0] + [vocabulary.prefix_best[p] for p in prefixes], dtype=np.float64)
    words = vocabulary.words if vocabulary is not None else frozenset()
    word = np.array([NOT_A_WORD] + [word_code(p) if p in words else NOT_A_WORD for p in prefixes], dtype=np.int64)
    return trie_next, best, word


def _hotword_tables(hotwords: Hotwords | None, separator: str, char_ids: dict[str, int]) -> HotwordTables:
    boosts = hotwords.letter_boosts if hotwords is not None else {}
    prefixes = ["", *sorted(boosts, key=len)]
    ids = {p: i for i, p in enumerate(prefixes)}
    next_state = np.full((len(prefixes), len(char_ids)), NO_MATCH, dtype=np.int64)
    for prefix, state in ids.items():
        for char, char_id in char_ids.items():
            next_state[state, char_id] = ids.get(prefix + char, NO_MATCH)
    phrases = hotwords.phrases if hotwords is not None else {}
    return HotwordTables(
        next_state, np.array([boosts.get(p, 0.0) for p in prefixes], dtype=np.float64),
        np.array([p in phrases for p in prefixes], dtype=np.bool_),
        np.array([p.endswith(separator) for p in prefixes], dtype=np.bool_),
        char_ids.get(separator, NO_CHAR) if len(separator) == 1 else NO_CHAR)
