"""`earshot train`'s refusals: a bad recipe fails in one line before any work is done."""

from __future__ import annotations

import json

import pytest

from edge.cli import main


@pytest.mark.parametrize("recipe, problem", [
    ({"name": "x", "trainng": {"epochs": 1}}, "unknown field(s) trainng"),
    ({"name": "x", "domain_dirs": ["nowhere"]}, "nowhere: no such domain folder"),
])
def test_a_bad_recipe_is_refused_in_one_line_and_nothing_is_made(tmp_path, capsys, recipe, problem):
    path = tmp_path / "recipe.json"
    path.write_text(json.dumps(recipe))
    work = tmp_path / "work"
    assert main(["train", "--recipe", str(path), "--work", str(work), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert problem in err and "\n" not in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
    assert not work.exists() or not any(work.iterdir())


@pytest.mark.parametrize("argv, problem", [
    (["--pack", "P", "--out", "B"], "--pack writes a training pack and builds no bundle"),
    (["--pack", "P", "--pack-mb", "0"], "--pack-mb 0: must be positive"),
    (["--pack", "P", "--pack-volumes", "0"], "--pack-volumes 0: must be at least 1"),
    ([], "--out: the bundle folder to write is required"),
])
def test_contradictory_options_are_refused_in_one_line(tmp_path, capsys, argv, problem):
    assert main(["train", "--work", str(tmp_path / "work"), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert problem in err and "\n" not in err and "Traceback" not in err
    assert not (tmp_path / "work").exists()


def test_a_pack_is_never_written_over_existing_files_and_nothing_is_made_first(tmp_path, capsys):
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "mine.txt").write_text("keep me")
    assert main(["train", "--work", str(tmp_path / "work"), "--pack", str(tmp_path / "pack")]) == 2
    err = capsys.readouterr().err.strip()
    assert "exists and is not an empty folder; refusing to overwrite it" in err and "\n" not in err
    assert (tmp_path / "pack" / "mine.txt").read_text() == "keep me"
    assert not (tmp_path / "work").exists()
