"""The LM as arrays for the search kernel: the same scores and states as NgramLM, float for float."""

from __future__ import annotations

import math

import numpy as np
import pytest

from edge.decoding.lm import NgramLM
from edge.decoding.lm_tables import NO_WORD, compile_lm, lm_advance, lm_log10_prob
from tests.edge.decoding_fixtures import COMMAND_ARPA, DOMAIN_ARPA

WITHOUT_UNK = COMMAND_ARPA.replace("ngram 1=13", "ngram 1=12").replace("-2.5\t<unk>\n", "")
UNIGRAMS_ONLY = """
\\data\\
ngram 1=4

\\1-grams:
-1.0\t</s>
-99\t<s>
-0.5\ta
-0.7\tb

\\end\\
"""


@pytest.mark.parametrize("arpa", [COMMAND_ARPA, DOMAIN_ARPA, WITHOUT_UNK, UNIGRAMS_ONLY],
                         ids=["trigram", "bigram", "trigram-without-unk", "unigram"])
def test_walks_score_and_end_as_ngram_lm(arpa):
    lm = NgramLM.from_lines(arpa.splitlines())
    compiled = compile_lm(lm)
    tables = compiled.tables
    words = sorted(lm.vocabulary - {"<s>"}) + ["zebra", "qq"]  # two words outside the vocabulary
    rng = np.random.default_rng(0)
    for _ in range(200):
        state, array_state = lm.begin_state(), tables.begin
        for word in rng.choice(words, size=6):
            log_p, state = lm.advance(state, word)
            array_log_p, array_state = lm_advance(tables, array_state, compiled.word_code(word))
            assert array_log_p == log_p
            end = lm_log10_prob(tables, array_state, tables.end_word) * math.log(10.0)
            assert end == lm.end_log_prob(state)


def test_words_outside_the_vocabulary_score_as_unk_or_as_unknown():
    assert compile_lm(NgramLM.from_lines(COMMAND_ARPA.splitlines())).word_code("zebra") >= 0  # <unk>'s id
    assert compile_lm(NgramLM.from_lines(WITHOUT_UNK.splitlines())).word_code("zebra") == NO_WORD
