"""Word n-gram LM: ARPA parsing, backoff scoring, OOV handling, decoder states, errors."""

from __future__ import annotations

import gzip
import math

import pytest

from edge.decoding.lm import DEFAULT_UNK_LOG10_PROB, LanguageModelError, NgramLM

ARPA = """some comment before the data

\\data\\
ngram 1=5
ngram 2=3
ngram 3=1

\\1-grams:
-1.0\t</s>
-99\t<s>\t-0.5
-2.0\t<unk>
-0.5\ta\t-0.3
-0.7\tb\t-0.2

\\2-grams:
-0.2\t<s> a\t-0.1
-0.4\ta b\t-0.05
-0.3\tb </s>

\\3-grams:
-0.1\t<s> a b

\\end\\
"""


@pytest.fixture
def lm() -> NgramLM:
    return NgramLM.from_lines(ARPA.splitlines())


def test_reads_order_and_vocabulary(lm):
    assert lm.order == 3
    assert lm.vocabulary == {"</s>", "<s>", "<unk>", "a", "b"}


@pytest.mark.parametrize("word, history, expected", [
    ("b", ("<s>", "a"), -0.1),            # listed trigram
    ("a", ("<s>", "a"), -0.1 - 0.3 - 0.5),  # bow(<s> a) + bow(a) + p(a)
    ("</s>", ("a", "b"), -0.05 - 0.3),    # bow(a b) + p(</s> | b)
    ("b", ("x", "y", "a"), -0.4),         # history longer than the order is cut
    ("a", (), -0.5),
])
def test_backoff_scoring(lm, word, history, expected):
    assert lm.log10_prob(word, history) == pytest.approx(expected)
    assert lm.log_prob(word, history) == pytest.approx(expected * math.log(10.0))


def test_unknown_words_score_as_unk(lm):
    assert lm.log10_prob("zebra", ("a",)) == pytest.approx(-0.3 - 2.0)
    assert lm.unk_log10_prob == -2.0


def test_unknown_words_without_unk_entry_use_the_default():
    text = ARPA.replace("ngram 1=5", "ngram 1=4").replace("-2.0\t<unk>\n", "")
    lm = NgramLM.from_lines(text.splitlines())
    assert lm.log10_prob("zebra", ("a",)) == pytest.approx(-0.3 + DEFAULT_UNK_LOG10_PROB)
    assert lm.log10_prob("zebra", ()) == pytest.approx(DEFAULT_UNK_LOG10_PROB)


def test_sentence_probability(lm):
    assert lm.sentence_log10_prob(["a", "b"]) == pytest.approx(-0.2 - 0.1 - 0.35)


def test_decoder_states_are_minimal_and_score_the_same(lm):
    state = lm.begin_state()
    log_p, state = lm.advance(state, "a")
    assert state == ("<s>", "a") and log_p == pytest.approx(-0.2 * math.log(10))
    log_p, state = lm.advance(state, "b")
    assert state == ("a", "b") and log_p == pytest.approx(-0.1 * math.log(10))
    _, state = lm.advance(state, "b")
    assert state == ("b",)  # "b b" starts no trigram and has no backoff
    _, state = lm.advance(("a",), "zebra")
    assert state == ()  # "<unk>" is no context here
    for history in [("<s>", "a"), ("a", "b"), ("b",), ()]:
        for word in ["a", "b", "</s>", "zebra"]:
            full = lm.log10_prob(word, history) * math.log(10.0)
            assert lm.advance(history, word)[0] == pytest.approx(full)
    assert lm.end_log_prob(("a", "b")) == pytest.approx(-0.35 * math.log(10.0))


def test_load_plain_and_gzipped(tmp_path, lm):
    plain = tmp_path / "lm.arpa"
    plain.write_text(ARPA)
    packed = tmp_path / "lm.arpa.gz"
    with gzip.open(packed, "wt") as handle:
        handle.write(ARPA)
    for path in (plain, packed):
        loaded = NgramLM.load(path)
        assert loaded.log10_prob("b", ("<s>", "a")) == lm.log10_prob("b", ("<s>", "a"))


@pytest.mark.parametrize("text, message", [
    ("no data here\n", "not an ARPA"),
    (ARPA.replace("ngram 2=3", "ngram 2=4"), "declares 4 2-grams, found 3"),
    (ARPA.replace("-0.4\ta b", "x.y\ta b"), r"lm.arpa:\d+: not a number"),
    (ARPA.replace("-0.3\tb </s>", "-0.3\tb"), "expected a log10 probability"),
    (ARPA.replace("ngram 3=1", "ngram three"), "expected 'ngram N=count'"),
])
def test_malformed_files_are_refused_with_file_and_line(tmp_path, text, message):
    path = tmp_path / "lm.arpa"
    path.write_text(text)
    with pytest.raises(LanguageModelError, match=message):
        NgramLM.load(path)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(LanguageModelError, match="not found"):
        NgramLM.load(tmp_path / "nope.arpa")
