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
