"""Tests for edge/listen_cli.py: the listen loop, its callback, and `earshot listen` end to end."""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pytest
import soxr

from edge import listen_cli
from edge.audio import AudioChunk
from edge.cli import main
from edge.listen_cli import first_seconds, listen, register
from edge.vad import VadOptions, find_segments
from tests.edge.file_mic import DEVICE_NAME, make_file_mic, why_no_file_mic
from tests.edge.signals import BURSTS, EVAL_CLIPS, EVAL_DIR, RATE, public_speech, synthetic_speech

NO_FILE_MIC = why_no_file_mic()
needs_file_mic = pytest.mark.skipif(NO_FILE_MIC is not None,
                                    reason=f"no file-backed ALSA microphone: {NO_FILE_MIC}")
needs_eval_clips = pytest.mark.skipif(not EVAL_CLIPS, reason=f"no real speech clips in {EVAL_DIR}")
EARSHOT = [sys.executable, "-m", "edge.cli"]


def chunked(samples: np.ndarray, size: int = 480):
    for pos in range(0, len(samples), size):
        yield AudioChunk(samples[pos:pos + size], RATE, pos / RATE)


def times(segments) -> list[str]:
    return [f"{s.start_s:.2f}\t{s.end_s:.2f}" for s in segments]


# --- the loop and its callback ---------------------------------------------------------------

def test_listen_hands_each_segment_to_the_callback_as_it_closes():
    signal, got = synthetic_speech(), []
    count = listen(chunked(signal), got.append)
    assert count == len(got) == len(BURSTS)
    assert times(got) == times(find_segments(signal))


def test_ctrl_c_ends_listening_and_flushes_the_open_segment():
    signal = synthetic_speech()

    def interrupted():
        yield from chunked(signal[: int(2.0 * RATE)])  # in the middle of the first burst
        raise KeyboardInterrupt

    got = []
    assert listen(interrupted(), got.append) == 1
    assert got[0].end_s == pytest.approx(2.0)


def test_first_seconds_stops_at_exactly_that_much_audio():
    signal = synthetic_speech()
    kept = list(first_seconds(chunked(signal, 700), 1.25))
    assert sum(len(c.samples) for c in kept) == int(1.25 * RATE)
    assert len(list(first_seconds(chunked(signal, 700), None))) == len(list(chunked(signal, 700)))


def test_register_passes_segments_to_the_callback_it_is_given(monkeypatch):
    signal = synthetic_speech()

    class FakeMic:  # the real one is tested through PortAudio below and in test_capture.py
        device_name, sample_rate, channels, dropped_s, overflows = "fake", RATE, 1, 0.0, 0

        def __init__(self, device=None, sample_rate=None):
            self.device = device

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

        def __iter__(self):
            return chunked(signal)

    monkeypatch.setattr(listen_cli, "MicrophoneStream", FakeMic)
    parser = argparse.ArgumentParser()
    got = []
    register(parser.add_subparsers(), on_segment=got.append)
    args = parser.parse_args(["listen", "--seconds", "3", "--aggressiveness", "3"])
    assert args.handler(args) == 0
    assert times(got) == times(find_segments(signal[: 3 * RATE], VadOptions(aggressiveness=3)))


def test_listen_without_sounddevice_is_one_line_with_the_install_hint(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "sounddevice", None)
    assert main(["listen", "--vad-only", "--seconds", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "pip install 'earshot[mic]'" in err


@pytest.mark.parametrize("argv", [["--seconds", "0"], ["--seconds", "soon"], ["--sample-rate", "-8000"],
                                  ["--aggressiveness", "4"]])
def test_bad_arguments_exit_2(argv):
    with pytest.raises(SystemExit) as exit_info:
        main(["listen", "--vad-only", *argv])
    assert exit_info.value.code == 2


# --- `earshot listen` through PortAudio, with a file as the microphone -----------------------

@needs_file_mic
def test_list_devices_shows_the_file_mic_as_default(tmp_path):
    mic = make_file_mic(tmp_path, synthetic_speech(), RATE)
    result = mic.run([*EARSHOT, "listen", "--list-devices"])
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stdout.splitlines() if DEVICE_NAME in line]
    assert line.startswith("*") and "16000 Hz" in line


@needs_file_mic
def test_listen_prints_the_segments_of_a_synthetic_recording(tmp_path):
    signal = synthetic_speech()
    mic = make_file_mic(tmp_path, signal, RATE)
    result = mic.run([*EARSHOT, "listen", "--vad-only", "--device", DEVICE_NAME, "--seconds", "6"])
    assert result.returncode == 0, result.stderr
    device_audio = np.fromfile(mic.raw_path, dtype="<i2").astype(np.float32) / 32768
    assert result.stdout.splitlines() == times(find_segments(device_audio[: 6 * RATE]))
    assert len(result.stdout.splitlines()) == len(BURSTS)


@needs_file_mic
@needs_eval_clips
def test_listen_prints_the_segments_of_real_speech_at_48k(tmp_path):
    speech_48k = soxr.resample(public_speech(max_s=12), RATE, 48000, quality="HQ")
    mic = make_file_mic(tmp_path, speech_48k, 48000)
    result = mic.run([*EARSHOT, "listen", "--vad-only", "--device", "0", "--seconds", "10"])
    assert result.returncode == 0, result.stderr
    device_audio = np.fromfile(mic.raw_path, dtype="<i2").astype(np.float32) / 32768
    expected = find_segments(soxr.resample(device_audio, 48000, RATE, quality="HQ")[: 10 * RATE])
    assert len(expected) >= 1
    assert result.stdout.splitlines() == times(expected)


@needs_file_mic
def test_an_unknown_device_is_one_line_and_exit_2(tmp_path):
    mic = make_file_mic(tmp_path, synthetic_speech(), RATE)
    result = mic.run([*EARSHOT, "listen", "--vad-only", "--device", "no such mic", "--seconds", "1"])
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "earshot listen: error: input device 'no such mic': No input device matching 'no such mic'; "
        "`earshot listen --list-devices` shows what there is"]


@needs_file_mic
@needs_eval_clips
def test_listen_transcribes_each_segment_with_a_model(tmp_path, tiny_bundle):
    speech = public_speech(max_s=8)
    mic = make_file_mic(tmp_path, speech, RATE)
    result = mic.run([*EARSHOT, "listen", "--model", str(tiny_bundle), "--device", DEVICE_NAME, "--seconds", "6"])
    assert result.returncode == 0, result.stderr
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert rows and all(len(row) == 4 for row in rows)
    for start, end, confidence, _text in rows:
        assert 0 <= float(start) < float(end) <= 6.0 and 0 <= float(confidence) <= 1
