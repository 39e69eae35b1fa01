import json
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

REQUIRED = {"file", "text", "confidence", "words", "duration_s", "rtf", "runtime", "model"}


def earshot(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "edge.cli", *args], capture_output=True, text=True, timeout=120)


def test_json_output_has_one_line_per_file_with_every_field(tiny_bundle, speech_clip, tmp_path):
    other = tmp_path / "copy.flac"
    sf.write(other, sf.read(speech_clip)[0], 16000)
    run = earshot("transcribe", str(speech_clip), str(other), "--json", "--model", str(tiny_bundle))
    assert run.returncode == 0, run.stderr
    records = [json.loads(line) for line in run.stdout.splitlines()]
    assert [r["file"] for r in records] == [str(speech_clip), str(other)]
    for record in records:
        assert REQUIRED <= set(record)
        assert record["runtime"] == "onnx" and record["duration_s"] == pytest.approx(2.786, abs=0.01)
        for word in record["words"]:
            assert {"word", "start", "end", "confidence"} <= set(word)


def test_plain_text_by_default(tiny_bundle, speech_clip):
    run = earshot("transcribe", str(speech_clip), "--model", str(tiny_bundle), "--beam", "1")
    assert run.returncode == 0, run.stderr
    assert len(run.stdout.splitlines()) == 1 and not run.stdout.startswith("{")


def _bad_inputs(tmp_path):
    not_audio = tmp_path / "notes.wav"
    not_audio.write_text("this is not audio")
    truncated = tmp_path / "truncated.wav"
    sf.write(truncated, np.zeros(16000, np.float32), 16000, subtype="PCM_16")
    truncated.write_bytes(truncated.read_bytes()[:1000])
    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros(0, np.float32), 16000)
    nan = tmp_path / "nan.wav"
    sf.write(nan, np.full(1600, np.nan, np.float32), 16000, subtype="FLOAT")
    long = tmp_path / "long.wav"
    sf.write(long, np.zeros(16000 * 5, np.float32), 16000)
    aiff = tmp_path / "sound.aiff"
    sf.write(aiff, np.zeros(1600, np.float32), 16000, format="AIFF")
    return {"not audio": not_audio, "truncated": truncated, "no audio": empty, "NaN": nan,
            "longer than": long, "unsupported format": aiff, "no such file": tmp_path / "missing.wav"}


def test_each_bad_input_gives_one_line_naming_the_file_and_exit_2(tiny_bundle, tmp_path):
    for problem, path in _bad_inputs(tmp_path).items():
        run = earshot("transcribe", str(path), "--model", str(tiny_bundle), "--max-duration", "2")
        assert run.returncode == 2, (problem, run.stderr)
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and str(path) in lines[0], (problem, run.stderr)
        assert "Traceback" not in run.stderr


def test_good_files_are_still_transcribed_when_another_is_bad(tiny_bundle, speech_clip, tmp_path):
    run = earshot("transcribe", str(tmp_path / "missing.wav"), str(speech_clip), "--json", "--model", str(tiny_bundle))
    assert run.returncode == 2
    assert [json.loads(line)["file"] for line in run.stdout.splitlines()] == [str(speech_clip)]


def test_a_missing_model_is_a_one_line_error(tmp_path, speech_clip):
    run = earshot("transcribe", str(speech_clip), "--model", str(tmp_path))
    assert run.returncode == 2 and "not a model bundle" in run.stderr and "Traceback" not in run.stderr


def test_bad_option_values_are_refused_by_the_parser(speech_clip):
    run = earshot("transcribe", str(speech_clip), "--threads", "0")
    assert run.returncode == 2 and "at least 1" in run.stderr


def test_speaker_variants_can_be_chosen_and_bad_ones_are_refused(tiny_bundle, speech_clip):
    from edge.recognizer import Recognizer
    from edge.audio import read_audio

    run = earshot("transcribe", str(speech_clip), "--model", str(tiny_bundle), "--beam", "4", "--vtln-warps", "0.92,1,1.08",
                  "--tempos", "0.85,1")
    assert run.returncode == 0, run.stderr
    warped = Recognizer.load(tiny_bundle, beam=4, vtln_warps=(0.92, 1.0, 1.08), tempos=(0.85, 1.0))
    assert run.stdout.strip() == warped.transcribe(read_audio(speech_clip).samples).text
    run = earshot("transcribe", str(speech_clip), "--vtln-warps", "1,3")
    assert run.returncode == 2 and "'1,3': warps must be between 0.8 and 1.25, got [3.0]" in run.stderr
    run = earshot("transcribe", str(speech_clip), "--tempos", "fast")
    assert run.returncode == 2 and "'fast': tempos must be a list of numbers" in run.stderr


def test_transcribing_imports_no_other_component(tiny_bundle, speech_clip):
    """Only the named subcommand's module loads: no PyTorch (earshot lm's), aiohttp or cloud."""
    probe = ("import sys; from edge.cli import main; "
             f"code = main(['transcribe', {str(speech_clip)!r}, '--model', {str(tiny_bundle)!r}]); "
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'train', 'cloud', 'quantize', 'aiohttp'}))")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[-1] == "[]"


def test_help_still_lists_every_command():
    run = earshot("--help")
    assert run.returncode == 0, run.stderr
    for command in ("transcribe", "listen", "eval", "train", "lm", "serve", "quantize"):
        assert f"    {command}" in run.stdout
