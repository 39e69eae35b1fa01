"""Tests for train/handwritten_eval.py: the hand-written commands file and the set built from it."""

import shutil

import pytest

from edge.text import normalize_text
from train.corpus import read_manifest, write_manifest
from train.domain.catalog import Catalog, Template, load_catalog
from train.handwritten_eval import (CommandsFileError, build, main, read_commands, template_shapes, template_split,
                                    unheard_voices)
from train.voices import voice, voices


def test_the_shipped_file_has_every_intent_of_the_catalog_and_no_line_twice():
    commands = read_commands()
    intents = {intent for intent, _ in commands}
    assert len(commands) >= 100
    assert intents == set(load_catalog(("train/domain/broader",)).intents)
    assert len({normalize_text(line) for _, line in commands}) == len(commands)


def test_a_line_before_any_intent_or_a_repeated_line_is_refused(tmp_path):
    orphan = tmp_path / "orphan.txt"
    orphan.write_text("# a comment\nturn on the lights\n")
    with pytest.raises(CommandsFileError, match=r"orphan.txt:2: 'turn on the lights' comes before"):
        read_commands(orphan)
    twice = tmp_path / "twice.txt"
    twice.write_text("# intent: timer\nset a timer for 5 minutes\n# intent: other\nSet a timer for five minutes\n")
    with pytest.raises(CommandsFileError, match=r"twice.txt:4: .* is already in the file"):
        read_commands(twice)


def test_template_split_matches_shapes_of_either_split_and_never_a_bare_slot():
    shapes = template_shapes(Catalog((Template("timer", "set a timer for {duration}", False),
                                      Template("home", "is the {door} locked", True),
                                      Template("search", "{query}", False))))
    assert template_split("set a timer for ten minutes", shapes) == "seen"
    assert template_split("is the front door locked", shapes) == "heldout"
    assert template_split("turn on the lights", shapes) == "none"
    assert template_split("set a timer for one two three four five", shapes) == "none"  # a slot is 1-4 words


def test_unheard_voices_are_the_held_out_and_the_non_commercial_ones():
    pool = unheard_voices()
    names = {v.name for v, _ in pool}
    assert names.isdisjoint(v.name for v in voices("train", commercial_only=True))
    assert {v.name for v in voices("eval")} <= names
    assert {group for _, group in pool} == {"held-out", "non-commercial"}


@pytest.mark.skipif(shutil.which("flite") is None, reason="flite is not installed (scripts/install_tts.sh)")
def test_build_speaks_each_line_and_tags_it(tmp_path):
    commands = tmp_path / "commands.txt"
    commands.write_text("# intent: timer_alarm\nset a timer for 5 minutes\n# intent: confirm\nyes please\n")
    catalog = Catalog((Template("timer_alarm", "set a timer for {duration}", False),))
    utterances = build(tmp_path / "set", 1, 0, catalog, commands, pool=((voice("flite-rms"), "held-out"),))
    assert [u.text for u in utterances] == ["set a timer for five minutes", "yes please"]
    assert [u.tags["template"] for u in utterances] == ["seen", "none"]
    assert all(u.audio.exists() and 0.3 < u.duration < 5 and u.voice == "flite-rms" for u in utterances)
    assert utterances[0].tags["intent"] == "timer_alarm" and utterances[0].tags["voice_group"] == "held-out"
    write_manifest(tmp_path / "set" / "manifest.jsonl", utterances)
    assert [u.text for u in read_manifest(tmp_path / "set" / "manifest.jsonl")] == [u.text for u in utterances]


def test_main_says_what_is_wrong_with_the_file_in_one_line(tmp_path, capsys):
    bad = tmp_path / "commands.txt"
    bad.write_text("yes\n")
    assert main(["--out", str(tmp_path / "out"), "--commands", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "comes before" in err
    assert not (tmp_path / "out" / "manifest.jsonl").exists()


def test_main_refuses_a_missing_commands_file_or_domain_folder(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--out", str(tmp_path / "out"), "--commands", str(tmp_path / "absent.txt")])
    assert stop.value.code == 2 and "absent.txt: no such file" in capsys.readouterr().err
    assert main(["--out", str(tmp_path / "out"), "--domain-dir", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "nowhere: no such domain folder" in err
