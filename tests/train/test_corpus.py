"""Tests for train/corpus.py."""

import json

import pytest

from train.corpus import ManifestError, Utterance, read_manifest, write_manifest


def test_round_trip_keeps_paths_relative(tmp_path):
    audio = tmp_path / "wav" / "a.wav"
    utterances = [Utterance(audio, "hello there", 1.25, "flite-slt", "flite-slt", {"domain": "in"})]
    write_manifest(tmp_path / "manifest.jsonl", utterances)
    row = json.loads((tmp_path / "manifest.jsonl").read_text())
    assert row["audio"] == "wav/a.wav"
    assert read_manifest(tmp_path / "manifest.jsonl") == utterances


def test_reads_shared_manifest_fields(tmp_path):
    line = {"audio": "x.flac", "text": "down", "speaker": "022cd682", "source": "owner/repo:p@c",
            "license": "CC-BY-4.0", "duration": 1.0}
    (tmp_path / "m.jsonl").write_text(json.dumps(line) + "\n\n")
    [u] = read_manifest(tmp_path / "m.jsonl")
    assert u.audio == tmp_path / "x.flac" and u.speaker == "022cd682" and u.voice == ""
    assert u.tags == {"source": "owner/repo:p@c", "license": "CC-BY-4.0"}


def test_bad_line_names_file_and_line(tmp_path):
    (tmp_path / "m.jsonl").write_text('{"audio": "a.wav", "text": "x"}\n{"text": "no audio"}\n')
    with pytest.raises(ManifestError, match="m.jsonl:2"):
        read_manifest(tmp_path / "m.jsonl")


def test_lines_that_are_not_objects_or_have_non_string_fields_name_the_line(tmp_path):
    import pytest

    from train.corpus import ManifestError, read_manifest

    for bad in ('[1, 2]', '{"audio": 3, "text": "x"}', '"just a string"'):
        manifest = tmp_path / "m.jsonl"
        manifest.write_text('{"audio": "a.wav", "text": "ok"}\n' + bad + "\n")
        with pytest.raises(ManifestError, match=r"m.jsonl:2"):
            read_manifest(manifest)
