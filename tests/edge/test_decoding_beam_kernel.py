"""The numba beam search returns exactly what the Python reference does, in every configuration."""

from __future__ import annotations

import numpy as np
import pytest

from edge.decoding.beam import PrefixBeamSearch
from edge.decoding.ranking import INSERTION_MAX_K, _rank_by_insertion, _rank_by_selection
from edge.decoding.hotwords import Hotwords
from edge.decoding.lm import NgramLM
from edge.decoding.options import DecoderOptions
from edge.decoding.vocabulary import Vocabulary
from tests.edge.decoding_fixtures import BLANK_ID, COMMAND_ARPA, TOKENS

SEPARATOR_ID = TOKENS.index(" ")
SENTENCES = ("set a timer for ten minutes", "call mum", "set a tamer for the ten minutes", "call the timer")
LEXICON = ("set", "a", "timer", "for", "ten", "minutes", "call", "mum", "the", "mom")


def _confusable(seed: int, tokens: tuple[str, ...] = TOKENS) -> np.ndarray:
    """Log-probs spelling a command sentence, with confusable tokens and unsure steps (as a small CTC model)."""
    rng = np.random.default_rng(seed)
    text = " ".join(SENTENCES[i] for i in rng.permutation(len(SENTENCES))[:2])
    labels = [BLANK_ID]
    for token in _spelled(text, tokens):
        labels += [token] * int(rng.integers(1, 3)) + [BLANK_ID] * int(rng.integers(0, 2))
    logits = rng.normal(0.0, 2.0, size=(len(labels) + 2, len(tokens)))
    for t, label in enumerate(labels + [BLANK_ID, BLANK_ID]):
        logits[t, label] = rng.normal(12.0, 2.0)
        if rng.random() < 0.4:  # a competitor, sometimes ahead
            logits[t, rng.integers(1, len(tokens))] = logits[t, label] - rng.uniform(-1.0, 5.0)
    return logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))


def _spelled(text: str, tokens: tuple[str, ...]) -> list[int]:
    """Token ids of text, longest token first."""
    ids = []
    while text:
        piece = next(p for p in sorted(tokens, key=len, reverse=True) if p and text.startswith(p))
        ids.append(tokens.index(piece))
        text = text[len(piece):]
    return ids


def _search(tokens: tuple[str, ...] = TOKENS, lm: bool = False, lexicon: tuple[str, ...] = (),
            hotwords: tuple[tuple[str, float], ...] = (), **options) -> PrefixBeamSearch:
    """A search set up as CtcDecoder sets one up (hotword words join a vocabulary, if any)."""
    model = NgramLM.from_lines(COMMAND_ARPA.splitlines()) if lm else None
    words = set(lexicon) | (model.vocabulary - {"<s>", "</s>", "<unk>"} if model else set())
    if words:
        words |= {w for phrase, _ in hotwords for w in phrase.split()}
    vocabulary = Vocabulary(words, model.log_prob if model else None)
    return PrefixBeamSearch(tokens, BLANK_ID, tokens.index(" "), DecoderOptions(hotwords=hotwords, **options),
                            lm=model, vocabulary=vocabulary, hotwords=Hotwords(hotwords))


CONFIGURATIONS = {
    "plain": {},
    "lm": {"lm": True},
    "lm-oov-penalty": {"lm": True, "oov_penalty": 2.0, "word_bonus": 0.5},
    "lm-lexicon-only": {"lm": True, "lexicon_only": True, "lm_weight": 0.8, "word_bonus": 2.0},
    "lexicon-no-lm": {"lexicon": LEXICON, "oov_penalty": 1.5},
    "lexicon-only-no-lm": {"lexicon": LEXICON, "lexicon_only": True},
    "hotwords": {"hotwords": (("ten minutes", 0.7), ("mom", 1.5), ("tame", 1.0))},
    "lm-hotwords-narrow": {"lm": True, "lexicon": LEXICON, "hotwords": (("call mom", 1.0),), "beam": 3,
                           "max_tokens_per_step": 3, "prune_log_prob": -6.0, "hyp_prune_log_prob": -8.0},
    "wide": {"lm": True, "beam": 16, "max_tokens_per_step": 28},
    "wider-than-insertion-ranks": {"lm": True, "beam": 4 * INSERTION_MAX_K, "max_tokens_per_step": 28},
}


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("configuration", CONFIGURATIONS)
def test_kernel_matches_the_reference(configuration, seed):
    search = _search(**CONFIGURATIONS[configuration])
    log_probs = _confusable(seed)
    hypotheses = search.search(log_probs)
    assert hypotheses == search.search_reference(log_probs)  # texts, labels and scores, exactly
    assert hypotheses


def test_kernel_matches_the_reference_with_a_token_of_several_characters():
    tokens = tuple(t for t in TOKENS if t != "h") + ("th",)  # words spell "th" as one token
    th = tokens.index("th")
    search = _search(tokens, lm=True, lexicon=LEXICON, hotwords=(("the timer", 1.0),))
    log_probs = _confusable(5, tokens)
    hypotheses = search.search(log_probs)
    assert hypotheses == search.search_reference(log_probs)
    assert any(th in h.labels for h in hypotheses)


@pytest.mark.parametrize("steps", [0, 1])
def test_kernel_matches_the_reference_on_the_shortest_inputs(steps):
    search = _search(lm=True)
    log_probs = _confusable(0)[:steps]
    assert search.search(log_probs) == search.search_reference(log_probs)


def test_float32_and_strided_input_give_the_reference_result():
    search = _search(lm=True)
    log_probs = _confusable(1).astype(np.float32)
    expected = search.search_reference(log_probs)
    assert search.search(log_probs) == expected
    assert search.search(np.asfortranarray(log_probs)) == expected


@pytest.mark.parametrize("seed", range(40))
def test_ranking_by_selection_equals_ranking_by_insertion(seed):
    """Both ways of ranking the k largest give the same indices in the same order: ties in index
    order, -inf kept when the floor allows it, NaN, values under the floor and `skip` left out."""
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(0, 400)), int(rng.integers(1, 120))
    values = rng.integers(-4, 4, size=n).astype(np.float64) if seed % 2 else rng.normal(size=n)
    if n:
        values[rng.integers(0, n, size=max(1, n // 5))] = -np.inf
        values[rng.integers(0, n)] = np.nan
    skip = int(rng.integers(-1, n)) if n else -1
    floor = -np.inf if seed % 3 else float(rng.normal())
    by_insertion, by_selection = np.full(max(n, 1), -9), np.full(max(n, 1), -9)
    count = _rank_by_insertion(values, n, k, skip, floor, by_insertion)
    assert _rank_by_selection(values, n, k, skip, floor, by_selection) == count
    assert by_selection[:count].tolist() == by_insertion[:count].tolist()
    eligible = [i for i in range(n) if i != skip and values[i] >= floor]
    assert count == min(k, len(eligible))


@pytest.mark.parametrize("seed", range(20))
def test_selection_finds_the_value_a_sort_puts_at_each_position(seed):
    from edge.decoding.ranking import _select

    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 300))
    keys = rng.integers(-3, 3, size=m).astype(np.float64) if seed % 2 else rng.normal(size=m)
    keys[rng.integers(0, m, size=max(1, m // 6))] = -np.inf
    for position in {0, m - 1, int(rng.integers(0, m))}:
        assert _select(keys.copy(), m, position) == np.sort(keys)[position]
