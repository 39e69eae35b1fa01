import json

import pytest

from tests.conftest import PUBLIC_EVAL


def test_tuning_picks_a_setting_from_the_grid_and_records_every_score(tiny_bundle):
    from edge.recognizer import Recognizer
    from train.corpus import read_manifest
    from train.tune_decoder import DECODER_KEYS, LM_WEIGHTS, OOV_PENALTIES, WORD_BONUSES, tune

    manifest = PUBLIC_EVAL / "manifest.jsonl"
    if not manifest.exists():
        pytest.skip("shared evaluation data not found")
    best, table = tune(Recognizer.load(tiny_bundle), read_manifest(manifest)[:3], beam=2, group=lambda u: u.speaker)
    # Without an LM there is no lexicon to restrict the beam to, so only the grid is tried.
    assert len(table) == len(LM_WEIGHTS) * len(WORD_BONUSES) * len(OOV_PENALTIES)
    assert set(best) == {*DECODER_KEYS, "beam"} and best["beam"] == 2
    assert best["lm_weight"] in LM_WEIGHTS and best["lexicon_only"] is False
    assert all(0.0 <= row["wer"] for row in table)
    json.dumps(table)


def test_tuning_keeps_the_recognizers_hypothesis_margin(tiny_bundle):
    """A bundle that decodes with a margin other than the default is tuned with it and keeps it."""
    from dataclasses import replace

    from edge.recognizer import Recognizer
    from train.corpus import read_manifest
    from train.tune_decoder import DECODER_KEYS, tune

    manifest = PUBLIC_EVAL / "manifest.jsonl"
    if not manifest.exists():
        pytest.skip("shared evaluation data not found")
    plain = Recognizer.load(tiny_bundle)
    narrow = Recognizer.load(tiny_bundle, decoder=replace(plain.options.decoder, hyp_prune_log_prob=-12.0))
    best, _ = tune(narrow, read_manifest(manifest)[:2], beam=2)
    assert set(best) == {*DECODER_KEYS, "beam", "hyp_prune_log_prob"} and best["hyp_prune_log_prob"] == -12.0


def test_the_score_averages_the_groups_wer_so_a_small_group_counts_as_much_as_a_large_one(tiny_bundle):
    from edge.audio import read_audio
    from edge.recognizer import Recognizer
    from edge.text import normalize_text
    from train.corpus import read_manifest
    from train.evaluation.scoring import EditCounts, align_words
    from train.tune_decoder import _dev_wer

    manifest = PUBLIC_EVAL / "manifest.jsonl"
    if not manifest.exists():
        pytest.skip("shared evaluation data not found")
    recognizer = Recognizer.load(tiny_bundle, beam=2)
    utterances = read_manifest(manifest)[:4]
    cached = [(recognizer.window_log_probs(read_audio(u.audio).samples), normalize_text(u.text)) for u in utterances]
    settings = {"lm_weight": 0.5, "word_bonus": 0.0, "oov_penalty": 0.0, "lexicon_only": False}
    counts = [EditCounts.of(align_words(ref, normalize_text(recognizer.decoder.decode(lp).text)))
              for lp, ref in cached]
    small, large = EditCounts.pooled(counts[:1]).rate, EditCounts.pooled(counts[1:]).rate
    score = _dev_wer(recognizer.bundle, cached, ["a", "b", "b", "b"], 2, settings)
    assert score == round((small + large) / 2, 4)
    assert _dev_wer(recognizer.bundle, cached, ["a"] * 4, 2, settings) == round(
        EditCounts.pooled(counts).rate, 4)


def test_condition_groups_name_the_condition_and_the_source():
    from pathlib import Path

    from train.calibration_set import condition_group
    from train.corpus import Utterance

    real = Utterance(Path("a.wav"), "yes", 1.0, "", "s1", {"license": "CC-BY-4.0"})
    synthetic = Utterance(Path("b.wav"), "yes", 1.0, "flite-slt", "flite-slt", {"engine": "flite", "condition": "tight"})
    assert condition_group(real) == "recorded/real" and condition_group(synthetic) == "tight/synthetic"
