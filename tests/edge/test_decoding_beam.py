"""Prefix beam search: agreement with greedy, better paths, LM, hotwords, lexicon, word times."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from edge.decoding import CtcDecoder, DecoderOptions, NgramLM
from tests.edge.decoding_fixtures import (BLANK_ID, DOMAIN_ARPA, SEPARATOR, STEP_S, TOKENS, peaky,
                                          rows_to_log_probs)

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _decoder(lm: NgramLM | None = None, lexicon=None, **options) -> CtcDecoder:
    return CtcDecoder(TOKENS, BLANK_ID, SEPARATOR, STEP_S, DecoderOptions(**options), lm=lm, lexicon=lexicon)


def _spell(text: str, ambiguous: dict[int, dict[str, float]] | None = None) -> np.ndarray:
    """Peaky posteriors for `text`, except that character i gets the row ambiguous[i]."""
    ambiguous = ambiguous or {}
    rows: list[dict[str, float]] = [{"_": 0.98}]
    for i, char in enumerate(text):
        rows += [ambiguous.get(i, {char: 0.98}), {"_": 0.98}]
    return rows_to_log_probs(rows)


def _domain_lm() -> NgramLM:
    return NgramLM.from_lines(DOMAIN_ARPA.splitlines())


def _noisy_peaky(rng: np.random.Generator, n_words: int) -> tuple[str, np.ndarray]:
    words = ["".join(rng.choice(list(LETTERS), size=rng.integers(2, 7))) for _ in range(n_words)]
    text = " ".join(words)
    rows: list[dict[str, float]] = [{"_": 0.95}]
    for char in text:
        other = LETTERS[rng.integers(len(LETTERS))]
        rows.append({char: 0.9, other: 0.05} if other != char else {char: 0.95})
        rows.append({"_": 0.9, LETTERS[rng.integers(len(LETTERS))]: 0.03})
    return text, rows_to_log_probs(rows)


@pytest.mark.parametrize("seed", range(5))
def test_beam_agrees_with_greedy_on_peaky_posteriors(seed):
    text, log_probs = _noisy_peaky(np.random.default_rng(seed), n_words=6)
    greedy = _decoder(beam=1).decode(log_probs)
    beam = _decoder(beam=8).decode(log_probs)
    assert greedy.text == text
    assert beam.text == text
    assert [(w.start_s, w.end_s) for w in beam.words] == [(w.start_s, w.end_s) for w in greedy.words]


def test_beam_sums_alignments_that_greedy_misses():
    # Each step: blank 0.4, "a" 0.35, "b" 0.25. The best path is all blank (text ""), but the
    # alignments of "a" (a_, _a, aa) add up to 0.4025 against 0.16 for "".
    log_probs = rows_to_log_probs([{"_": 0.4, "a": 0.35, "b": 0.25}] * 2)
    assert _decoder(beam=1).decode(log_probs).text == ""
    result = _decoder(beam=8).decode(log_probs)
    assert result.text == "a"
    scores = dict(result.nbest)
    assert scores["a"] == pytest.approx(np.log(0.4025), abs=1e-4)
    assert scores[""] == pytest.approx(np.log(0.16), abs=1e-4)


def test_nbest_is_sorted_distinct_and_at_most_beam():
    _, log_probs = _noisy_peaky(np.random.default_rng(7), n_words=4)
    result = _decoder(beam=4).decode(log_probs)
    texts = [text for text, _ in result.nbest]
    scores = [score for _, score in result.nbest]
    assert 1 <= len(result.nbest) <= 4
    assert len(set(texts)) == len(texts)
    assert scores == sorted(scores, reverse=True)
    assert texts[0] == result.text


def test_lm_moves_the_ranking_to_in_domain_words():
    log_probs = _spell("set a tamer", ambiguous={7: {"a": 0.55, "i": 0.43}})
    assert _decoder(beam=8).decode(log_probs).text == "set a tamer"
    assert _decoder(beam=8, lm=_domain_lm()).decode(log_probs).text == "set a timer"
    no_weight = _decoder(beam=8, lm=_domain_lm(), lm_weight=0.0, word_bonus=0.0)
    assert no_weight.decode(log_probs).text == "set a tamer"


def test_lm_scores_enter_the_nbest_scores():
    log_probs = _spell("set a timer")
    lm = _domain_lm()
    plain = dict(_decoder(beam=8).decode(log_probs).nbest)["set a timer"]
    with_lm = dict(_decoder(beam=8, lm=lm, lm_weight=0.5, word_bonus=1.0).decode(log_probs).nbest)
    with_lm = with_lm["set a timer"]
    expected = 0.5 * lm.sentence_log10_prob(["set", "a", "timer"]) * np.log(10.0) + 3 * 1.0
    # beam pruning differs a little with and without the LM, so the acoustic sums may too
    assert with_lm - plain == pytest.approx(expected, abs=0.02)


def test_hotword_boost_picks_the_hotword():
    log_probs = _spell("call jan", ambiguous={6: {"a": 0.55, "o": 0.43}})
    assert _decoder(beam=8).decode(log_probs).text == "call jan"
    assert _decoder(beam=8, hotwords=(("Jon", 1.0),)).decode(log_probs).text == "call jon"


def test_multi_word_hotword_is_boosted_across_the_separator():
    log_probs = _spell("go to new yark", ambiguous={11: {"a": 0.55, "o": 0.43}})
    assert _decoder(beam=8).decode(log_probs).text == "go to new yark"
    assert _decoder(beam=8, hotwords=(("new york", 0.5),)).decode(log_probs).text == "go to new york"


@pytest.mark.parametrize("text, hotword", [("cat", "cats"), ("concat", "cat"), ("new yorker", "new york")])
def test_partial_hotword_boost_is_taken_back(text, hotword):
    log_probs = _spell(text)
    plain = _decoder(beam=8).decode(log_probs)
    boosted = _decoder(beam=8, hotwords=((hotword, 1.0),)).decode(log_probs)
    assert boosted.text == plain.text == text
    assert boosted.nbest[0][1] == pytest.approx(plain.nbest[0][1], abs=0.02)


def test_completed_hotword_keeps_its_boost():
    log_probs = _spell("a cat sat")
    plain = _decoder(beam=8).decode(log_probs).nbest[0][1]
    boosted = _decoder(beam=8, hotwords=(("cat", 2.0),)).decode(log_probs).nbest[0][1]
    assert boosted - plain == pytest.approx(3 * 2.0, abs=0.02)


def test_lexicon_constrains_or_biases_words():
    log_probs = _spell("set a tamer", ambiguous={7: {"a": 0.55, "i": 0.43}})
    lexicon = ["set", "a", "timer"]
    assert _decoder(beam=8, lexicon=lexicon, lexicon_only=True).decode(log_probs).text == "set a timer"
    assert _decoder(beam=8, lexicon=lexicon, oov_penalty=2.0).decode(log_probs).text == "set a timer"
    assert _decoder(beam=8, lexicon=lexicon).decode(log_probs).text == "set a tamer"


def test_lexicon_only_falls_back_to_open_decoding_when_no_lexicon_word_fits():
    log_probs = _spell("jazz")  # every prefix that survives is "jazz", a prefix of "jazzy" but no word
    lexicon = ["jazzy", "timer"]
    assert _decoder(beam=8, lexicon=lexicon, lexicon_only=True)._search.search(log_probs) == []
    decoded = _decoder(beam=8, lexicon=lexicon, lexicon_only=True).decode(log_probs)
    assert decoded.text == "jazz", "the open search answers instead of an empty transcript"
    assert decoded.features.oov_rate == 1.0


def test_lexicon_only_needs_a_vocabulary():
    with pytest.raises(ValueError, match="vocabulary"):
        _decoder(beam=8, lexicon_only=True)


def test_beam_word_times_follow_the_alignment():
    log_probs, steps = peaky("to be", char_steps=2)
    result = _decoder(beam=8).decode(log_probs, offset_s=1.0)
    assert [w.word for w in result.words] == ["to", "be"]
    assert result.words[0].start_s == pytest.approx(1.0 + steps[0][0] * STEP_S)
    assert result.words[0].end_s == pytest.approx(1.0 + (steps[1][1] + 1) * STEP_S)
    assert result.words[1].start_s == pytest.approx(1.0 + steps[3][0] * STEP_S)
    assert result.words[1].end_s == pytest.approx(1.0 + (steps[4][1] + 1) * STEP_S)


def test_empty_input_gives_empty_text():
    result = _decoder(beam=8).decode(np.zeros((0, len(TOKENS)), np.float32))
    assert result.text == "" and result.words == ()


@pytest.mark.parametrize("changes, message", [
    ({"beam": 0}, "beam"), ({"beam": 2.0}, "beam"), ({"lm_weight": -1.0}, "lm_weight"),
    ({"prune_log_prob": 0.5}, "prune_log_prob"), ({"hyp_prune_log_prob": 1.0}, "hyp_prune_log_prob"),
    ({"hotwords": (("", 1.0),)}, "hotword"), ({"hotwords": (("x", float("nan")),)}, "boost"),
    ({"hotwords": "abc"}, "pairs"), ({"max_tokens_per_step": 0}, "max_tokens_per_step"),
    ({"oov_penalty": -1.0}, "oov_penalty"),
])
def test_options_are_checked(changes, message):
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(DecoderOptions(), **changes)


def test_hotwords_the_model_cannot_spell_are_refused():
    with pytest.raises(ValueError, match="no letters"):
        _decoder(beam=8, hotwords=(("Å¿¿", 1.0),))


def test_one_decoder_serves_many_threads():
    from concurrent.futures import ThreadPoolExecutor

    decoder = _decoder(beam=8, lm=_domain_lm(), hotwords=(("timer", 1.0),))
    inputs = [_noisy_peaky(np.random.default_rng(seed), n_words=5)[1] for seed in range(8)]
    expected = [decoder.decode(x) for x in inputs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(decoder.decode, inputs * 3))
    assert [r.nbest for r in results] == [e.nbest for e in expected] * 3


def test_hotword_words_join_the_vocabulary():
    log_probs = _spell("set a jan", ambiguous={7: {"a": 0.55, "o": 0.43}})
    decoder = _decoder(beam=8, lm=_domain_lm(), lexicon_only=True, hotwords=(("jon", 1.0),))
    assert "jon" in decoder.vocabulary
    assert decoder.decode(log_probs).text == "set a jon"
