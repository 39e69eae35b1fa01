"""A recipe's dev set made without its training audio is the dev set of the whole corpus."""

from __future__ import annotations

import json
import shutil

import pytest

ENGINES = ("flite", "espeak-ng", "text2wave", "pico2wave", "RHVoice-test")


@pytest.mark.slow
@pytest.mark.skipif(any(shutil.which(e) is None for e in ENGINES),
                    reason="the TTS engines are not installed (scripts/install_tts.sh)")
def test_the_dev_share_synthesised_alone_is_the_dev_share_of_the_whole_corpus(tmp_path):
    from train import synth
    from train.datasets import plan
    from train.dev_set import recipe_dev_set
    from train.recipe import Recipe

    from train.voices import voice

    path = tmp_path / "recipe.json"
    # every voice synthesised, only commercially usable ones kept: the dev set must filter the same
    # way; and one voice is a dev voice, all its utterances dev
    spec = {"name": "dev-set", "seed": 5, "real_speech": [], "workers": 1,
            "synthetic": {"utterances": 30, "seed": 3, "dev_fraction": 0.3, "commercial_only": True,
                          "synthesise_commercial_only": False}}
    path.write_text(json.dumps(spec))
    jobs = synth.plan_corpus(Recipe.load(path).synthetic)
    dev_voice = next(job.voice for job in jobs if voice(job.voice).commercial_ok)
    spec["synthetic"]["dev_voices"] = [dev_voice]
    path.write_text(json.dumps(spec))
    recipe = Recipe.load(path)
    whole = tmp_path / "whole"
    assert synth.main(recipe.synthetic.synth_argv(whole, 1)) == 0
    expected = plan(recipe, whole / "manifest.jsonl").dev
    got = recipe_dev_set(recipe, tmp_path / "work").dev
    assert expected, "the seed gives no dev utterances; pick another"
    assert sum(job.voice == dev_voice for job in jobs) == sum(u.voice == dev_voice for u in expected)
    assert [(u.text, u.voice, u.duration, u.audio.read_bytes()) for u in got] == \
        [(u.text, u.voice, u.duration, u.audio.read_bytes()) for u in expected]
    made = list((tmp_path / "work" / "dev_synth" / "wav").rglob("*.wav"))
    assert len(made) < len(list((whole / "wav").rglob("*.wav")))  # only the dev share was synthesised
