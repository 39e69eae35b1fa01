"""Tests for train/recipe.py."""

import json
from pathlib import Path

import pytest

from train.recipe import Base, Recipe

RECIPES = sorted((Path(__file__).resolve().parents[2] / "train" / "recipes").glob("*.json"))


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.name)
def test_every_checked_in_recipe_loads(path):
    recipe = Recipe.load(path)
    assert recipe.name and recipe.training.epochs > 0


def test_a_base_is_a_recipe_or_a_bundle():
    assert "bundle `edge/models/default` as committed at abc" in Base(bundle="edge/models/default",
                                                                       commit="abc").describe()
    assert "the model of `r.json`" in Base(recipe="r.json").describe()


@pytest.mark.parametrize("base, problem", [
    ({"recipe": "a.json", "bundle": "b"}, "either a recipe or a bundle"),
    ({"recipe": "a.json", "commit": "abc"}, "needs base.bundle"),
    ({"bundel": "b"}, "unexpected keyword"),
])
def test_a_bad_base_is_refused_naming_the_recipe(tmp_path, base, problem):
    path = tmp_path / "recipe.json"
    path.write_text(json.dumps({"name": "x", "base": base}))
    with pytest.raises(ValueError, match=problem) as error:
        Recipe.load(path)
    assert str(path) in str(error.value)


@pytest.mark.parametrize("with_real_speech", [True, False])
def test_the_lm_takes_real_speech_transcripts_only_when_the_recipe_says_so(tmp_path, with_real_speech):
    from train.pipeline import _language_model
    from train.recipe import RealSpeech

    manifest = tmp_path / "words.jsonl"
    manifest.write_text(json.dumps({"audio": "marvin.wav", "text": "marvin sheila"}) + "\n")
    recipe = Recipe(name="x", real_speech=(RealSpeech(manifest=str(manifest)),), lm_sentences=50,
                    lm_real_speech=with_real_speech)
    arpa = _language_model(recipe, tmp_path / "lm.arpa", ()).read_text()
    assert ("marvin" in arpa.split()) is with_real_speech
    assert int(arpa.split("ngram 1=")[1].split()[0]) > 100  # the domain sentences are always there


def test_a_base_bundle_at_a_commit_that_git_cannot_give_is_refused_in_one_line(tmp_path):
    from train.pipeline import _base_bundle
    from train.recipe import RecipeError

    base = Base(bundle="edge/models/default", commit="0" * 40)
    with pytest.raises(RecipeError, match="git archive failed"):
        _base_bundle(base, tmp_path)
    assert not (tmp_path / "base_bundle" / "edge" / "models" / "default").exists()
