"""Tests for train/recipe.py."""

import json
from pathlib import Path

import pytest

from train.lm_build import build_arpa
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
    rows = [{"audio": "marvin.wav", "text": "marvin sheila"}, {"audio": "wow.wav", "text": "wow"}]
    manifest.write_text("".join(json.dumps(row) + "\n" for row in rows))
    recipe = Recipe(name="x", real_speech=(RealSpeech(manifest=str(manifest)),), lm_sentences=50,
                    lm_real_speech=with_real_speech)
    arpa = _language_model(recipe, tmp_path / "lm.arpa", ()).read_text()
    assert ("marvin" in arpa.split()) is with_real_speech
    assert "wow" not in arpa.split()  # a lone acoustic-only word is no utterance the LM should expect
    assert int(arpa.split("ngram 1=")[1].split()[0]) > 100  # the domain sentences are always there


def test_a_base_bundle_at_a_commit_that_git_cannot_give_is_refused_in_one_line(tmp_path):
    from train.pipeline import _base_bundle
    from train.recipe import RecipeError

    base = Base(bundle="edge/models/default", commit="0" * 40)
    with pytest.raises(RecipeError, match="git archive failed"):
        _base_bundle(base, tmp_path)
    assert not (tmp_path / "base_bundle" / "edge" / "models" / "default").exists()


def test_a_recipe_that_extends_another_overrides_only_what_it_states(tmp_path):
    (tmp_path / "parent.json").write_text(json.dumps({
        "name": "parent", "seed": 3, "domain_dirs": ["a"],
        "synthetic": {"utterances": 100, "seed": 1, "mix": {"in": 0.5, "general": 0.5}},
        "training": {"epochs": 4, "peak_lr": 0.001}}))
    (tmp_path / "child.json").write_text(json.dumps({
        "extends": "parent.json", "name": "child", "domain_dirs": ["b"],
        "synthetic": {"seed": 2}, "training": {"epochs": 2}}))
    child = Recipe.load(tmp_path / "child.json")
    assert (child.name, child.seed, child.domain_dirs) == ("child", 3, ("b",))  # lists replace
    assert (child.synthetic.utterances, child.synthetic.seed) == (100, 2)  # objects merge
    assert child.synthetic.mix == {"in": 0.5, "general": 0.5}
    assert (child.training.epochs, child.training.peak_lr) == (2, 0.001)


@pytest.mark.parametrize("files, problem", [
    ({"r.json": {"extends": "gone.json", "name": "r"}}, "gone.json: no such recipe \\(extended by"),
    ({"r.json": {"extends": "s.json", "name": "r"}, "s.json": {"extends": "r.json", "name": "s"}}, "in a loop"),
    ({"r.json": {"seed": 1}}, "r.json: a recipe needs a name"),
])
def test_a_bad_extends_chain_is_refused_in_one_line(tmp_path, files, problem):
    from train.recipe import RecipeError

    for name, data in files.items():
        (tmp_path / name).write_text(json.dumps(data))
    with pytest.raises(RecipeError, match=problem):
        Recipe.load(tmp_path / "r.json")


def test_a_recipes_domain_folders_reach_the_synthesiser_and_the_lm(tmp_path):
    from train.pipeline import _language_model
    from train.recipe import Synthetic

    mine = tmp_path / "mine"
    (mine / "templates").mkdir(parents=True)
    (mine / "templates" / "gardening.txt").write_text("water the aspidistra\nprune the aspidistra today\n"
                                                       "feed the aspidistra\nrepot the aspidistra\n")
    recipe = Recipe(name="x", domain_dirs=(str(mine),), lm_sentences=3000, lm_real_speech=False)
    argv = Synthetic().synth_argv(tmp_path / "out", 1, recipe.domain_dirs)
    assert argv[argv.index("--domain-dir") + 1] == str(mine)
    assert "aspidistra" in _language_model(recipe, tmp_path / "lm.arpa", ()).read_text().split()


@pytest.mark.parametrize("fields, problem", [
    ({"trainng": {"epochs": 2}}, "unknown field\\(s\\) trainng"),
    ({"lm_slot_coverage": "yes"}, "lm_slot_coverage: true or false, got 'yes'"),
    ({"lm_population_prior": 1}, "lm_population_prior: true or false, got 1"),
    ({"lm_even_command_words": "yes"}, "lm_even_command_words: true or false, got 'yes'"),
    ({"lm_smoothing": "witten-bell"}, "lm_smoothing: must be one of kneser-ney, modified-kneser-ney, got 'witten-bell'"),
    ({"training": {"epoch": 2}}, "training: .*epoch"),
    ({"augment": {"p_nosie": 0.5}}, "augment: unknown setting\\(s\\) p_nosie"),
    ({"augment": {"babble_pool": [0.1]}}, "augment: unknown setting\\(s\\) babble_pool"),
    ({"augment": {"babble_pool_utterances": -3}}, "augment: babble_pool_utterances is a count of clips"),
    ({"augment": {"babble_pool_utterances": 2.5}}, "augment: babble_pool_utterances is a count of clips"),
    ({"augment": {"babble_share": 1.5}}, "augment: babble_share must be in \\[0, 1\\]"),
    ({"augment": {"babble_talkers": [4, 2]}}, "augment: babble_talkers must be \\[low, high\\]"),
    ({"augment": {"babble_talkers": 3}}, "augment: babble_talkers must be \\[low, high\\]"),
    ({"model": {"channels": 64, "kernels": [3]}}, "model: .*kernels"),
    ({"domain_dirs": "train/domain/broader"}, "domain_dirs: a list of folder names"),
    ({"synthetic": {"utterances": 10, "sed": 3}}, "synthetic: .*sed"),
    ({"decoder": {"lm_weight": 0.5, "word_bonus": 1, "oov_penalty": 10, "bean": 4}}, "decoder: unknown setting\\(s\\) bean"),
    ({"decoder": {"lm_weight": 0.5, "word_bonus": 1, "oov_penalty": 10, "beam": 0}}, "decoder: beam must be an integer"),
    ({"decoder": {"lm_weight": 0.5, "word_bonus": 1}}, "decoder: missing oov_penalty"),
    ({"decoder": {"lm_weight": "high", "word_bonus": 1, "oov_penalty": 10}}, "decoder: .*are numbers"),
    ({"decoder": {"lm_weight": -1, "word_bonus": 1, "oov_penalty": 10}}, "decoder: lm_weight must be"),
    ({"decoder": 0.5}, "decoder: an object with lm_weight"),
    ({"decoder": {"lm_weight": 0.5, "word_bonus": 1, "oov_penalty": 10, "hyp_prune_log_prob": "wide"}},
     "decoder: hyp_prune_log_prob is a number"),
    ({"decoder": {"lm_weight": 0.5, "word_bonus": 1, "oov_penalty": 10, "hyp_prune_log_prob": 3}},
     "decoder: hyp_prune_log_prob must be < 0"),
    ({"base": {"bundle": "edge/models/default"}, "training": {"base_blend": 1.0}}, "training: base_blend must be in"),
    ({"training": {"base_blend": 0.5}}, "training: base_blend blends with a base model, and the recipe has no base"),
    ({"base": {"bundle": "edge/models/default"}, "training": {"base_blend": [0.3, 1.0]}}, "training: base_blend must be in"),
    ({"base": {"bundle": "edge/models/default"}, "training": {"base_blend": []}}, "training: base_blend: an empty list"),
    ({"training": {"base_blend": [0.0, 0.5]}}, "training: base_blend blends with a base model, and the recipe has no base"),
])
def test_a_misspelt_or_malformed_field_is_refused_at_load_naming_it(tmp_path, fields, problem):
    from train.recipe import RecipeError

    path = tmp_path / "recipe.json"
    path.write_text(json.dumps({"name": "x", **fields}))
    with pytest.raises(RecipeError, match=problem) as error:
        Recipe.load(path)
    assert str(path) in str(error.value) and "\n" not in str(error.value)


def test_an_extending_recipe_can_drop_or_switch_its_parents_base(tmp_path):
    (tmp_path / "parent.json").write_text(json.dumps({"name": "p", "base": {"bundle": "b", "commit": "abc"}}))
    (tmp_path / "scratch.json").write_text(json.dumps({"extends": "parent.json", "base": None}))
    (tmp_path / "switch.json").write_text(json.dumps({"extends": "parent.json",
                                                      "base": {"recipe": "r.json", "bundle": None, "commit": None}}))
    assert Recipe.load(tmp_path / "scratch.json").base is None
    assert Recipe.load(tmp_path / "switch.json").base == Base(recipe="r.json")


def test_a_recipe_can_fix_the_decoder_settings_and_an_extending_one_can_tune_them_again(tmp_path):
    from edge.decoding.options import DEFAULT_BEAM

    fixed = {"lm_weight": 0.5, "word_bonus": 1, "oov_penalty": 10}
    (tmp_path / "parent.json").write_text(json.dumps({"name": "p", "decoder": fixed}))
    (tmp_path / "tuned.json").write_text(json.dumps({"extends": "parent.json", "decoder": None}))
    assert Recipe.load(tmp_path / "parent.json").decoder == {"lm_weight": 0.5, "word_bonus": 1.0, "oov_penalty": 10.0,
                                                            "lexicon_only": False, "beam": DEFAULT_BEAM}
    assert Recipe.load(tmp_path / "tuned.json").decoder is None
    (tmp_path / "narrow.json").write_text(json.dumps({"name": "n", "decoder": {**fixed, "beam": 16}}))
    assert Recipe.load(tmp_path / "narrow.json").decoder["beam"] == 16
    (tmp_path / "margin.json").write_text(json.dumps({"name": "m", "decoder": {**fixed, "hyp_prune_log_prob": -12}}))
    assert Recipe.load(tmp_path / "margin.json").decoder["hyp_prune_log_prob"] == -12.0
    assert "hyp_prune_log_prob" not in Recipe.load(tmp_path / "narrow.json").decoder  # DecoderOptions' default
    assert Recipe.load(RECIPES[0].parent / "broader_catalog.json").decoder is None
    shipped = Recipe.load(RECIPES[0].parent / "default.json").decoder
    assert (shipped["beam"], shipped["hyp_prune_log_prob"]) == (512, -12.0)


def test_a_recipe_says_how_its_lm_is_smoothed():
    text = ["set a timer", "set a timer", "set an alarm", "play some jazz"] * 3 + ["play some music"]
    plain, modified = Recipe(name="p"), Recipe(name="m", lm_smoothing="modified-kneser-ney")
    assert plain.lm_smoothing == "kneser-ney"  # what recipes without the field were built with
    assert plain.language_model(text) == build_arpa(text, order=3)
    assert modified.language_model(text) == build_arpa(text, order=3, modified=True)
    shipped = Recipe.load(RECIPES[0].parent / "default.json")
    assert (shipped.lm_order, shipped.lm_smoothing, shipped.lm_even_command_words) == (4, "modified-kneser-ney", True)


def test_a_recipe_states_the_speaker_variants_its_bundle_decodes(tmp_path):
    from edge.frontend.variants import SpeakerVariants
    from train.recipe import RecipeError

    (tmp_path / "plain.json").write_text(json.dumps({"name": "p", "speaker_variants": {"tempos": [0.85, 1.0]}}))
    (tmp_path / "warped.json").write_text(json.dumps({"extends": "plain.json", "speaker_variants": {"vtln_warps": [0.92, 1]}}))
    assert Recipe.load(tmp_path / "plain.json").speaker_variants == SpeakerVariants(tempos=(0.85, 1.0))
    assert Recipe.load(tmp_path / "warped.json").speaker_variants == SpeakerVariants((0.92, 1.0), (0.85, 1.0))  # merged
    assert Recipe.load(RECIPES[0].parent / "broader_catalog.json").speaker_variants == SpeakerVariants()
    assert Recipe.load(RECIPES[0].parent / "default.json").speaker_variants == SpeakerVariants(
        (0.92, 1.0, 1.08), (0.85, 1.0, 1.15), 0.2)
    (tmp_path / "bad.json").write_text(json.dumps({"name": "b", "speaker_variants": {"vtln_warps": [1.0, 2.0]}}))
    with pytest.raises(RecipeError, match=r"bad\.json: speaker_variants: warps must be between 0.8 and 1.25, got \[2.0\]"):
        Recipe.load(tmp_path / "bad.json")
