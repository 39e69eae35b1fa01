"""CompactLM, the recognizer's LM: NgramLM's scores float for float, from the kernel's arrays alone."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from edge.decoding.beam import PrefixBeamSearch
from edge.decoding.compact_lm import CompactLM
from edge.decoding.decoder import CtcDecoder
from edge.decoding.lm import NgramLM
from edge.decoding.options import DecoderOptions
from edge.decoding.vocabulary import Vocabulary
from tests.edge.decoding_fixtures import BLANK_ID, COMMAND_ARPA, DOMAIN_ARPA, SEPARATOR, STEP_S, TOKENS
from tests.edge.test_decoding_beam_kernel import _confusable
from tests.edge.test_decoding_lm_tables import UNIGRAMS_ONLY, WITHOUT_UNK

ARPAS = {"trigram": COMMAND_ARPA, "bigram": DOMAIN_ARPA, "trigram-without-unk": WITHOUT_UNK,
         "unigram": UNIGRAMS_ONLY}


def _both(arpa: str) -> tuple[NgramLM, CompactLM]:
    lm = NgramLM.from_lines(arpa.splitlines())
    return lm, CompactLM.of(lm)


@pytest.mark.parametrize("arpa", ARPAS.values(), ids=ARPAS.keys())
def test_scores_words_and_sentences_as_ngram_lm(arpa):
    lm, compact = _both(arpa)
    assert compact.vocabulary == lm.vocabulary
    assert compact.order == lm.order and compact.unk_log10_prob == lm.unk_log10_prob
    words = sorted(lm.vocabulary - {"<s>"}) + ["zebra", "qq"]  # two words outside the vocabulary
    rng = np.random.default_rng(1)
    for _ in range(200):
        sentence = list(rng.choice(words, size=int(rng.integers(1, 7))))
        assert compact.sentence_log10_prob(sentence) == lm.sentence_log10_prob(sentence)
        assert compact.sentence_log10_prob(sentence, bos=False, eos=False) == \
            lm.sentence_log10_prob(sentence, bos=False, eos=False)
        for i, word in enumerate(sentence):
            for history in (("<s>", *sentence[:i]), tuple(sentence[max(0, i - 2):i]), ()):
                assert compact.log10_prob(word, history) == lm.log10_prob(word, history)


@pytest.mark.parametrize("arpa", ARPAS.values(), ids=ARPAS.keys())
def test_walks_a_sentence_as_ngram_lm_with_int_states(arpa):
    lm, compact = _both(arpa)
    words = sorted(lm.vocabulary - {"<s>"}) + ["zebra"]
    rng = np.random.default_rng(2)
    for _ in range(100):
        state, compact_state = lm.begin_state(), compact.begin_state()
        for word in rng.choice(words, size=5):
            log_p, state = lm.advance(state, word)
            compact_log_p, compact_state = compact.advance(compact_state, word)
            assert isinstance(compact_state, int)
            assert compact_log_p == log_p
            assert compact.end_log_prob(compact_state) == lm.end_log_prob(state)


def test_the_reference_search_finds_the_same_hypotheses_with_either_model():
    lm, compact = _both(COMMAND_ARPA)
    searches = []
    for model in (lm, compact):
        vocabulary = Vocabulary(model.vocabulary - {"<s>", "</s>", "<unk>"}, model.log_prob)
        searches.append(PrefixBeamSearch(TOKENS, BLANK_ID, TOKENS.index(" "), DecoderOptions(beam=8),
                                         lm=model, vocabulary=vocabulary))
    for seed in range(3):
        log_probs = _confusable(seed)
        expected = searches[0].search_reference(log_probs)
        assert searches[1].search_reference(log_probs) == expected
        assert searches[1].search(log_probs) == expected


def test_a_decoder_gives_the_same_result_and_confidence_with_either_model():
    lm, compact = _both(COMMAND_ARPA)
    decoders = [CtcDecoder(TOKENS, BLANK_ID, SEPARATOR, STEP_S, DecoderOptions(beam=8), lm=model)
                for model in (lm, compact)]
    for seed in range(3):
        log_probs = _confusable(seed)
        expected, got = (decoder.decode(log_probs) for decoder in decoders)
        assert (got.text, got.confidence, got.features) == (expected.text, expected.confidence, expected.features)


def test_pickles_to_the_same_scores_without_the_parsed_dicts():
    lm, compact = _both(COMMAND_ARPA)
    copy = pickle.loads(pickle.dumps(compact))
    assert not hasattr(copy, "_probs")
    assert copy.sentence_log10_prob(["set", "a", "timer"]) == lm.sentence_log10_prob(["set", "a", "timer"])
