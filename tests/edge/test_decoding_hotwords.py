"""Hotword biasing state: boost while spelling, keep it when a phrase ends, take it back otherwise."""

from __future__ import annotations

import pytest

from edge.decoding.hotwords import Hotwords


def _spell(hotwords: Hotwords, text: str):
    state = hotwords.start
    for char in text:
        state = hotwords.step(state, char)
    return state


def _score(state) -> float:
    return state[1] + state[2]


def test_boost_grows_per_letter_and_is_kept_at_the_end_of_the_word():
    hotwords = Hotwords([("cat", 1.5)])
    assert _score(_spell(hotwords, "ca")) == pytest.approx(3.0)
    assert _score(_spell(hotwords, "cat ")) == pytest.approx(4.5)
    assert hotwords.finish(_spell(hotwords, "cat")) == pytest.approx(4.5)


@pytest.mark.parametrize("text", ["cab", "cats ", "concat", "ca"])
def test_boost_is_taken_back_when_the_word_differs(text):
    hotwords = Hotwords([("cat", 1.5)])
    state = _spell(hotwords, text)
    assert hotwords.finish(state) == 0.0


def test_phrases_start_only_at_word_starts_and_restart_after_a_separator():
    hotwords = Hotwords([("cat", 1.0)])
    assert hotwords.finish(_spell(hotwords, "bobcat")) == 0.0
    assert hotwords.finish(_spell(hotwords, "bobcat cat")) == pytest.approx(3.0)


def test_multi_word_phrase_and_its_prefix_phrase():
    hotwords = Hotwords([("new york", 1.0), ("new", 2.0)])
    # "new" completes the short phrase (kept); "york" then adds to the long one
    assert hotwords.finish(_spell(hotwords, "new york")) == pytest.approx(3 * 2.0 + 4 * 1.0)
    # "new jersey": "new" is kept, the failed continuation earns nothing
    assert hotwords.finish(_spell(hotwords, "new jersey")) == pytest.approx(3 * 2.0)


def test_a_failed_continuation_may_start_another_phrase():
    hotwords = Hotwords([("new york", 1.0), ("jazz", 1.0)])
    assert hotwords.finish(_spell(hotwords, "new jazz")) == pytest.approx(4.0)


def test_no_hotwords_is_falsy():
    assert not Hotwords([])
    assert Hotwords([("a", 1.0)])
