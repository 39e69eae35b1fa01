"""Kneser-Ney LM estimation: a proper distribution, ARPA round trip, the command line."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from edge.decoding.lm import NgramLM
from train.lm_build import (DISCOUNT_FALLBACK, _modified_discounts, arpa_text, build_arpa, count_ngrams,
                             kneser_ney, main)

SENTENCES = [
    "what is the weather in paris", "what is the weather today", "what is the time",
    "set a timer for ten minutes", "set a timer for 5 minutes", "set an alarm for seven",
    "play some music", "play some jazz", "what time is it in paris",
]


@pytest.fixture(scope="module")
def lm() -> NgramLM:
    return NgramLM.from_lines(build_arpa(SENTENCES, order=3).splitlines())


def test_counts_pad_sentences():
    counts = count_ngrams([["a", "b"]], order=2)
    assert counts[0] == {("<s>",): 1, ("a",): 1, ("b",): 1, ("</s>",): 1}
    assert counts[1] == {("<s>", "a"): 1, ("a", "b"): 1, ("b", "</s>"): 1}


@pytest.mark.parametrize("history", [(), ("<s>",), ("what", "is"), ("is", "the"), ("set", "a"),
                                     ("zebra",), ("the", "music"), ("for",)])
def test_every_history_gives_a_distribution(lm, history):
    words = [w for w in lm.vocabulary if w != "<s>"]
    assert sum(10 ** lm.log10_prob(w, history) for w in words) == pytest.approx(1.0, abs=1e-4)


def test_in_domain_continuations_are_likely(lm):
    assert lm.log10_prob("weather", ("is", "the")) > lm.log10_prob("music", ("is", "the"))
    assert lm.log10_prob("timer", ("set", "a")) > math.log10(0.5)
    assert lm.log10_prob("zebra", ("set", "a")) < lm.log10_prob("music", ("set", "a"))
    assert lm.log10_prob("<unk>") < 0  # <unk> gets a share of the mass


def test_numbers_are_normalised(lm):
    assert "five" in lm.vocabulary and "5" not in lm.vocabulary


def test_kneser_ney_uses_continuation_counts():
    # "francisco" is frequent but follows only "san": as a unigram it is unlikely
    sentences = [["san", "francisco"]] * 5 + [["in", "paris"], ["to", "paris"], ["from", "paris"]]
    log_probs, _ = kneser_ney(sentences, order=2)
    assert log_probs[("francisco",)] < log_probs[("paris",)]


@pytest.mark.parametrize("order", [1, 2, 4])
def test_other_orders_round_trip(order):
    text = build_arpa(SENTENCES, order=order)
    lm = NgramLM.from_lines(text.splitlines())
    assert lm.order == order
    words = [w for w in lm.vocabulary if w != "<s>"]
    assert sum(10 ** lm.log10_prob(w, ("<s>", "what", "is")) for w in words) == pytest.approx(1.0, abs=1e-4)


# Sentences seen once to four times, so that every order has n-grams of counts 1, 2, 3 and 4.
REPEATED = [sentence for k, sentence in enumerate(SENTENCES) for _ in range(1 + k % 4)]


@pytest.mark.parametrize("history", [(), ("<s>",), ("what", "is"), ("set", "a"), ("zebra",), ("for",)])
def test_modified_kneser_ney_gives_distributions(history):
    lm = NgramLM.from_lines(build_arpa(REPEATED, order=3, modified=True).splitlines())
    words = [w for w in lm.vocabulary if w != "<s>"]
    assert sum(10 ** lm.log10_prob(w, history) for w in words) == pytest.approx(1.0, abs=1e-4)


def test_modified_kneser_ney_differs_from_one_discount():
    plain, modified = build_arpa(REPEATED, order=3), build_arpa(REPEATED, order=3, modified=True)
    assert plain != modified
    assert build_arpa(REPEATED, order=3, modified=False) == plain


def test_modified_discounts_follow_chen_and_goodman():
    # n1..n4 = 4, 2, 2, 1: Y = 4 / 8; D1 = 1 - 2Y n2/n1, D2 = 2 - 3Y n3/n2, D3+ = 3 - 4Y n4/n3
    counts = Counter({("a",): 1, ("b",): 1, ("c",): 1, ("d",): 1, ("e",): 2, ("f",): 2,
                      ("g",): 3, ("h",): 3, ("i",): 4, ("j",): 9})
    assert _modified_discounts(counts) == pytest.approx((0.5, 0.5, 2.0))


def test_modified_discounts_fall_back_to_one_where_a_count_is_missing():
    counts = Counter({("a",): 1, ("b",): 1, ("c",): 2})  # nothing seen 3 or 4 times
    d1, d2, d3 = _modified_discounts(counts)
    assert d1 == d2 == d3 == pytest.approx(1 / (1 + 2 * 1 / 2))


def test_arpa_round_trip_keeps_every_entry():
    log_probs, backoffs = kneser_ney([s.split() for s in SENTENCES], order=3)
    lm = NgramLM.from_lines(arpa_text(log_probs, backoffs).splitlines())
    for gram, value in log_probs.items():
        assert lm.log10_prob(gram[-1], gram[:-1]) == pytest.approx(value, abs=1e-6)


def test_tiny_corpus_uses_the_fallback_discount():
    log_probs, _ = kneser_ney([["hello"]], order=1)
    # unigrams hello, </s> (one each) and <unk>: (1 - D) / 2 + D * 2 / 2 / 3
    expected = (1 - DISCOUNT_FALLBACK) / 2 + DISCOUNT_FALLBACK / 3
    assert 10 ** log_probs[("hello",)] == pytest.approx(expected, abs=1e-6)


def test_command_line(tmp_path):
    text = tmp_path / "domain.txt"
    text.write_text("\n".join(SENTENCES) + "\n\n")
    out = tmp_path / "lm" / "domain.arpa"
    assert main([str(text), str(out), "--order", "2"]) == 0
    assert NgramLM.load(out).order == 2
    modified = tmp_path / "modified.arpa"
    (tmp_path / "repeated.txt").write_text("\n".join(REPEATED) + "\n")
    assert main([str(tmp_path / "repeated.txt"), str(modified), "--order", "3", "--modified"]) == 0
    assert modified.read_text() == build_arpa(REPEATED, order=3, modified=True)


def test_command_line_refuses_empty_text(tmp_path, capsys):
    text = tmp_path / "empty.txt"
    text.write_text("\n")
    assert main([str(text), str(tmp_path / "out.arpa")]) == 2
    assert "no sentences" in capsys.readouterr().err
