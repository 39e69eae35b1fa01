"""End-to-end tests of `earshot eval` (train/eval_cli.py) through the real `earshot` entry point.

The recognizer is registered for real: a dist-info folder on sys.path declares it in the
"earshot.recognizers" entry-point group, exactly as an installed package would.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from edge.bundle import MANIFEST, default_bundle_path
from edge.cli import main
from tests.train.eval_doubles import write_clip

CLIPS = [(16000, "turn on the lights", "turn on the light", 0.4, "awb"),
         (12000, "stop", "stop", 0.95, "awb"),
         (20000, "play some jazz", "play some jazz", 0.9, "slt"),
         (24000, "what time is it", "what time is it now", 0.6, "slt")]
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def registered_table(tmp_path, monkeypatch):
    """Register tests.train.eval_doubles:create as recognizer 'table'; return its spec file."""
    dist = tmp_path / "site" / "earshot_eval_test-0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: earshot-eval-test\nVersion: 0\n")
    (dist / "entry_points.txt").write_text("[earshot.recognizers]\ntable = tests.train.eval_doubles:create\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    table = tmp_path / "table.json"
    table.write_text(json.dumps({str(n): [hyp, conf] for n, _, hyp, conf, _ in CLIPS}))
    return table


@pytest.fixture
def manifest(tmp_path):
    audio = tmp_path / "audio"
    audio.mkdir()
    lines = []
    for i, (n, ref, _, _, voice) in enumerate(CLIPS):
        write_clip(audio / f"u{i}.wav", n, seed=i)
        lines.append(json.dumps({"audio": f"audio/u{i}.wav", "text": ref, "voice": voice,
                                 "tags": {"domain": "in"}}))
    path = tmp_path / "manifest.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_json_output_has_the_promised_fields(manifest, registered_table, capsys):
    code = main(["eval", str(manifest), "--model", f"table:{registered_table}", "--json"])
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out)  # exactly one JSON object on stdout
    assert data["utterances"] == 4 and data["words"] == 12
    assert data["wer"] == pytest.approx(2 / 12)  # light/lights, inserted "now"
    assert data["cer"] > 0 and data["rtf"] > 0
    assert data["auroc"] == 1.0 and 0 <= data["ece"] <= 1
    assert set(data["slices"]["voice"]) == {"awb", "slt"}
    assert data["model"] == "table:table.json"


def test_human_summary_and_report_folder(manifest, registered_table, tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="the report's plots need matplotlib (train extra)")
    report = tmp_path / "report"
    code = main(["eval", str(manifest), "--model", f"table:{registered_table}", "--report", str(report)])
    out = capsys.readouterr().out
    assert code == 0
    assert "WER         16.7%" in out and "by voice:" in out and str(report / "report.md") in out
    for name in ("report.md", "results.json", "reliability.png", "wer_by_slice.png", "confidence_hist.png"):
        assert (report / name).is_file(), name


def test_limit_scores_the_first_n(manifest, registered_table, capsys):
    assert main(["eval", str(manifest), "--model", f"table:{registered_table}", "--json", "--limit", "2"]) == 0
    assert json.loads(capsys.readouterr().out)["utterances"] == 2


def _error_of(argv, capsys) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("earshot eval: error: ") and err.count("\n") == 1, err
    return err


def test_missing_manifest(tmp_path, registered_table, capsys):
    err = _error_of(["eval", str(tmp_path / "nope.jsonl"), "--model", f"table:{registered_table}"], capsys)
    assert "nope.jsonl: no such manifest file" in err


def test_bad_json_line_names_the_line(manifest, registered_table, capsys):
    lines = manifest.read_text().splitlines()
    manifest.write_text("\n".join([lines[0], '{"audio": "x.wav", "text": ', *lines[1:]]) + "\n")
    err = _error_of(["eval", str(manifest), "--model", f"table:{registered_table}"], capsys)
    assert f"{manifest}:2:" in err


def test_missing_audio_names_the_file(manifest, registered_table, capsys):
    (manifest.parent / "audio" / "u3.wav").unlink()
    err = _error_of(["eval", str(manifest), "--model", f"table:{registered_table}"], capsys)
    assert "u3.wav" in err and "does not exist" in err


def test_empty_manifest(tmp_path, registered_table, capsys):
    (tmp_path / "empty.jsonl").write_text("\n")
    err = _error_of(["eval", str(tmp_path / "empty.jsonl"), "--model", f"table:{registered_table}"], capsys)
    assert "lists no utterances" in err


def test_unknown_model_lists_the_registered_ones(manifest, registered_table, capsys):
    err = _error_of(["eval", str(manifest), "--model", "nosuchthing"], capsys)
    assert "no registered recognizer named 'nosuchthing'" in err and "table" in err


def test_bundle_flags_are_refused_for_a_registered_recognizer(manifest, registered_table, capsys):
    err = _error_of(["eval", str(manifest), "--model", f"table:{registered_table}", "--beam", "4"], capsys)
    assert "--beam" in err
    err = _error_of(["eval", str(manifest), "--model", f"table:{registered_table}", "--vtln-warps", "1", "--tempos", "1"],
                    capsys)
    assert "--vtln-warps, --tempos apply to model bundles only" in err


def test_a_file_is_not_a_bundle(manifest, capsys):
    err = _error_of(["eval", str(manifest), "--model", str(manifest)], capsys)
    assert "is a file" in err


def test_a_folder_without_bundle_json_is_refused(manifest, tmp_path, capsys):
    pytest.importorskip("edge.recognizer", reason="edge.recognizer is not importable yet")
    err = _error_of(["eval", str(manifest), "--model", str(tmp_path)], capsys)
    assert "not a model bundle" in err


@pytest.mark.skipif((default_bundle_path() / MANIFEST).is_file(), reason="a default model is installed")
def test_no_default_model_is_one_clear_line(manifest, capsys):
    err = _error_of(["eval", str(manifest)], capsys)
    assert "no default model is installed" in err


def test_earshot_command_exits_2_on_a_bad_manifest(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    proc = subprocess.run([sys.executable, "-m", "edge.cli", "eval", str(bad), "--model", "x"],
                          capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and f"{bad}:1:" in proc.stderr



def test_several_manifests_are_pooled_and_tagged_by_their_folder(manifest, registered_table, tmp_path, capsys):
    import shutil

    copies = []
    for name in ("clean", "noisy"):
        folder = tmp_path / name
        shutil.copytree(manifest.parent / "audio", folder / "audio")
        copies.append(shutil.copy(manifest, folder / "manifest.jsonl"))
    assert main(["eval", *map(str, copies), "--model", f"table:{registered_table}", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["utterances"] == 2 * len(CLIPS)
    assert set(result["slices"]["set"]) == {"clean", "noisy"}
