"""Tests for train/synth.py: planning is deterministic and a tiny corpus is written."""

import shutil

import pytest
import soundfile as sf

from train import synth
from train.corpus import read_manifest
from train.domain import load_catalog
from train.general_text import TextLine
from train.voices import voices

GENERAL = [TextLine(f"this is general sentence number {i}", "test", "test") for i in range(50)]


@pytest.fixture(scope="module")
def sources():
    catalog = load_catalog()
    return synth.Sources(catalog, GENERAL, catalog.spoken_words)


def test_plan_is_deterministic_and_prefix_stable(sources):
    assert synth.plan(sources, "train", 40, seed=5) == synth.plan(sources, "train", 40, seed=5)
    assert synth.plan(sources, "train", 100, seed=5)[:40] == synth.plan(sources, "train", 40, seed=5)


def test_eval_plan_uses_only_eval_voices_and_mixes_phrasings(sources):
    jobs = synth.plan(sources, "eval", 200, seed=1)
    assert {j.voice for j in jobs} <= {v.name for v in voices("eval")}
    assert {j.tags.get("phrasing") for j in jobs if j.tags["domain"] == "in"} == {"seen", "heldout"}
    assert {j.tags["kind"] for j in jobs} == {"in", "general"}


def test_train_plan_never_uses_eval_voices_or_heldout_phrasings(sources):
    jobs = synth.plan(sources, "train", 300, seed=2)
    assert not {j.voice for j in jobs} & {v.name for v in voices("eval")}
    assert all(j.tags.get("phrasing", "seen") == "seen" for j in jobs)


def test_commercial_only_plan_draws_only_commercially_usable_voices(sources):
    jobs = synth.plan(sources, "train", 300, seed=2, commercial_only=True)
    assert {j.voice for j in jobs} <= {v.name for v in voices("train", commercial_only=True)}
    assert all(j.tags["commercial_ok"] == "true" for j in jobs)
    assert len({j.voice for j in jobs}) > 10


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_run_writes_16k_pcm16_and_manifest(tmp_path, sources):
    jobs = [j for j in synth.plan(sources, "train", 200, seed=3) if j.voice.startswith("espeak-en")][:4]
    utterances = synth.run(jobs, tmp_path, workers=1)
    assert [u.text for u in utterances] == [j.text for j in jobs]
    info = sf.info(utterances[0].audio)
    assert (info.samplerate, info.channels, info.subtype) == (16000, 1, "PCM_16")
    assert info.duration == pytest.approx(utterances[0].duration, abs=1e-3)
    synth.write_manifest(tmp_path / "manifest.jsonl", utterances)
    assert read_manifest(tmp_path / "manifest.jsonl") == utterances


def test_scramble_keeps_the_words_in_another_order():
    import numpy as np

    rng = np.random.default_rng(0)
    text = "set a timer for ten minutes"
    for _ in range(20):
        shuffled = synth.scramble(text, rng)
        assert shuffled != text and sorted(shuffled.split()) == sorted(text.split())
    assert synth.scramble("stop", rng) == "stop"
    assert synth.scramble("no no", rng) == "no no"


def test_scrambled_kind_is_out_of_domain_in_domain_words(sources):
    jobs = synth.plan(sources, "train", 200, seed=3, mix={"in": 0.5, "scrambled": 0.5})
    scrambled = [j for j in jobs if j.tags["kind"] == "scrambled"]
    assert 50 < len(scrambled) < 150
    assert all(j.tags["domain"] == "out" and j.tags["intent"] for j in scrambled)
    vocabulary = {w for j in jobs if j.tags["kind"] == "in" for w in j.text.split()}
    words = [w for j in scrambled for w in j.text.split()]
    assert sum(w in vocabulary for w in words) / len(words) > 0.5


def test_acoustic_only_words_are_spoken_but_tagged_out_of_domain_and_out_of_the_lm(sources):
    from train.corpus import NOT_FOR_LM

    jobs = synth.plan(sources, "train", 400, seed=3, mix={"word": 1.0})
    acoustic = [j for j in jobs if j.text in sources.catalog.acoustic_words]
    commands = [j for j in jobs if j.text in sources.catalog.words]
    assert acoustic and commands and len(acoustic) + len(commands) == len(jobs)
    assert all(j.tags["kind"] == "acoustic_word" and j.tags["domain"] == "out" for j in acoustic)
    assert all(j.tags["kind"] == "word" and j.tags["domain"] == "in" for j in commands)
    assert "acoustic_word" in NOT_FOR_LM and "word" not in NOT_FOR_LM


def test_unknown_kind_names_the_kinds(sources):
    with pytest.raises(ValueError, match="scrambled"):
        synth.plan(sources, "train", 5, seed=3, mix={"shouted": 1.0})
