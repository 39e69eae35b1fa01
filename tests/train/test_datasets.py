"""The data plan: which utterances train the model and which are dev."""

from __future__ import annotations

import json
from pathlib import Path

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


def _real_recipe(tmp_path, manifest, **real) -> Recipe:
    path = tmp_path / "real.json"
    path.write_text(json.dumps({"name": "real", "seed": 0, "real_speech": [{"manifest": str(manifest), **real}]}))
    return Recipe.load(path)


def _real_manifest(tmp_path, counts: dict[str, int]):
    path = tmp_path / "speech_commands" / "manifest.jsonl"
    path.parent.mkdir()
    rows = [{"audio": f"{text}_{i}.wav", "text": text, "duration": 1.0, "speaker": f"s{i}"}
            for text, n in counts.items() for i in range(n)]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def test_balance_to_gives_the_clips_of_a_rare_transcript_more_copies_up_to_max_copies(tmp_path):
    manifest = _real_manifest(tmp_path, {"go": 30, "two": 3, "six": 6})
    data = plan(_real_recipe(tmp_path, manifest, copies=2, balance_to=30, max_copies=8), None)
    copies = {}
    for job in data.train:
        copies.setdefault(job.audio, []).append(job)
    by_text = {text: {len(jobs) for audio, jobs in copies.items() if Path(audio).name.startswith(text + "_")}
               for text in ("go", "two", "six")}
    assert by_text == {"go": {2}, "two": {8}, "six": {5}}  # at least copies; ceil(30 / 6); capped at max_copies
    assert all(len({job.seed for job in jobs}) == len(jobs) for jobs in copies.values())  # each copy its own augmentation
    assert data.sources["speech_commands"]["copies"] == "2-8"
    assert data.sources["speech_commands"]["copy_jobs"] == len(data.train) == 30 * 2 + 3 * 8 + 6 * 5
    plain = plan(_real_recipe(tmp_path, manifest, copies=2), None)
    assert len(plain.train) == 39 * 2 and plain.sources["speech_commands"]["copies"] == 2


@pytest.mark.parametrize("real, problem", [
    ({"copies": 4, "max_copies": 3}, "max_copies \\(3\\) must be at least copies \\(4\\)"),
    ({"balance_to": -1}, "balance_to must be 0 or more"),
    ({"copies": 0}, "copies must be at least 1"),
])
def test_bad_real_speech_copies_are_refused_at_load(tmp_path, real, problem):
    with pytest.raises(RecipeError, match=problem) as error:
        _real_recipe(tmp_path, tmp_path / "m.jsonl", **real)
    assert "real_speech" in str(error.value)
