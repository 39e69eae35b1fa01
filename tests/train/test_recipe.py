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
