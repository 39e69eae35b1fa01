"""The data plan: which utterances train the model and which are dev."""

from __future__ import annotations

import json

import pytest

from train.datasets import plan
from train.recipe import Recipe, RecipeError
from train.voices import voices


def _recipe(tmp_path, **synthetic) -> Recipe:
    path = tmp_path / "recipe.json"
    path.write_text(json.dumps({"name": "plan", "seed": 0, "synthetic": {"dev_fraction": 0.1, **synthetic}}))
    return Recipe.load(path)


def _manifest(tmp_path, names: list[str]):
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps({"audio": str(tmp_path / f"{i}.wav"), "text": f"set a timer for {i} minutes",
                                        "duration": 1.5, "voice": names[i % len(names)], "speaker": names[i % len(names)]})
                            + "\n" for i in range(60)))
    return path


def test_a_dev_voice_is_never_trained_on_and_all_its_utterances_are_dev(tmp_path):
    names = [v.name for v in voices("train", commercial_only=True)[:3]]
    recipe = _recipe(tmp_path, dev_voices=[names[0]])
    data = plan(recipe, _manifest(tmp_path, names))
    trained = {job.audio for job in data.train}
    by_voice = {name: [u for u in data.dev if u.voice == name] for name in names}
    assert len(by_voice[names[0]]) == 20 and not any(str(u.audio) in trained for u in by_voice[names[0]])
    assert 0 < len(by_voice[names[1]]) < 20  # other voices: only the held-out sentences
    assert data.sources["synthetic"]["dev_voices"] == [names[0]] and names[0] not in data.sources["synthetic"]["voices"]
    without = plan(_recipe(tmp_path), _manifest(tmp_path, names))
    assert len(without.dev) < len(data.dev) and "dev_voices" not in without.sources["synthetic"]


@pytest.mark.parametrize("dev_voices, problem", [
    (["nobody"], "no voice named 'nobody'"),
    (["pico-en-GB"], "pico-en-GB is an evaluation voice"),
    ("flite-slt", "a list of voice names"),
    ([next(v.name for v in voices("train") if not v.commercial_ok)], "not commercially usable"),
])
def test_a_bad_dev_voice_is_refused_at_load(tmp_path, dev_voices, problem):
    with pytest.raises(RecipeError, match=problem) as error:
        _recipe(tmp_path, dev_voices=dev_voices)
    assert "synthetic: dev_voices" in str(error.value) or "synthetic: a list" in str(error.value)
    assert "\n" not in str(error.value)
