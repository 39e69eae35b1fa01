"""The recipe's LM: domain sentences and synthetic transcripts, but never scrambled ones or acoustic-only words."""

import json

from edge.decoding.lm import NgramLM
from train.pipeline import _language_model
from train.recipe import Recipe


def test_scrambled_transcripts_stay_out_of_the_lm(tmp_path):
    manifest = tmp_path / "manifest.jsonl"
    rows = [{"audio": "a.wav", "text": "zebra crossing lights", "duration": 1.0, "tags": {"kind": "general"}},
            {"audio": "b.wav", "text": "lights zebra crossing", "duration": 1.0, "tags": {"kind": "scrambled"}},
            {"audio": "c.wav", "text": "marmoset", "duration": 1.0, "tags": {"kind": "acoustic_word"}}]
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    recipe = Recipe(name="t", lm_sentences=20, lm_real_speech=False)
    lm = NgramLM.load(_language_model(recipe, tmp_path / "lm.arpa", (manifest,)))
    assert lm.log10_prob("crossing", ("zebra",)) > lm.log10_prob("zebra", ("lights",)) + 0.5
    assert "zebra" in lm.vocabulary and "marmoset" not in lm.vocabulary


def test_slot_coverage_puts_every_catalog_term_in_the_lm(tmp_path):
    """With lm_slot_coverage a term the 20 random sentences do not draw, the list's last one-word
    city, is in the LM's vocabulary; without it, not."""
    from edge.text import normalize_text
    from train.domain import load_catalog

    city = [name for name in map(normalize_text, load_catalog().slots["city"]) if " " not in name][-1]
    plain = NgramLM.load(_language_model(Recipe(name="t", lm_sentences=20, lm_real_speech=False),
                                         tmp_path / "plain.arpa", ()))
    covered = NgramLM.load(_language_model(Recipe(name="t", lm_sentences=20, lm_real_speech=False,
                                                  lm_slot_coverage=True), tmp_path / "covered.arpa", ()))
    assert city not in plain.vocabulary and city in covered.vocabulary


def test_even_command_words_tops_up_each_lone_command_to_the_most_frequent():
    from train.lm_text import even_command_words

    sentences = ["skip", "skip", "Skip", "six", "play some jazz", "skip the song", "stop"]
    added = even_command_words(sentences, ["skip", "six", "Stop", "go"])
    assert sorted(added) == ["go", "go", "go", "six", "six", "stop", "stop"]  # three of each on its own
    assert even_command_words(["play some jazz"], ["skip"]) == []  # none said alone: nothing to even out


def test_with_even_command_words_a_lone_digit_is_as_likely_as_a_lone_command(tmp_path):
    from train.domain import load_catalog

    words = load_catalog().words
    assert {"six", "skip"} <= set(words)
    odds = {}
    for even in (False, True):
        recipe = Recipe(name="t", lm_sentences=3000, lm_real_speech=False, lm_even_command_words=even)
        lm = NgramLM.load(_language_model(recipe, tmp_path / f"{even}.arpa", ()))
        odds[even] = {w: lm.sentence_log10_prob([w]) for w in words}
    spread = {even: max(odds[even].values()) - min(odds[even].values()) for even in odds}
    assert spread[True] < spread[False] / 2, spread
    assert abs(odds[True]["six"] - odds[True]["skip"]) < 0.1
