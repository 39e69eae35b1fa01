"""Tests for edge/capture.py on the real sounddevice/PortAudio/ALSA stack, with a file as the microphone.

PortAudio reads the ALSA configuration when it initialises, so each test that captures runs a
child process that sees the test's asoundrc (tests/edge/file_mic.py explains the device).
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
import soxr

from edge import capture
from edge.capture import BlockConverter, CaptureError, MicrophoneStream
from tests.edge.file_mic import DEVICE_NAME, FileMic, make_file_mic, why_no_file_mic

RATE = 16000
NO_FILE_MIC = why_no_file_mic()
needs_file_mic = pytest.mark.skipif(NO_FILE_MIC is not None,
                                    reason=f"no file-backed ALSA microphone: {NO_FILE_MIC}")

# Runs in the child: capture `seconds` of 16 kHz audio with MicrophoneStream(**kwargs), save it.
CAPTURE = """
import json, sys, time
import numpy as np
from edge.capture import MicrophoneStream
out, seconds, kwargs, wait_s = sys.argv[1], float(sys.argv[2]), json.loads(sys.argv[3]), float(sys.argv[4])
chunks, total = [], 0
with MicrophoneStream(**kwargs) as mic:
    time.sleep(wait_s)  # a consumer that falls behind
    for chunk in mic:
        chunks.append(chunk)
        total += len(chunk.samples)
        if total >= seconds * 16000:
            break
np.savez(out, samples=np.concatenate([c.samples for c in chunks]), starts=[c.start_s for c in chunks],
         lengths=[len(c.samples) for c in chunks], rates=[c.sample_rate for c in chunks],
         float32=all(c.samples.dtype == np.float32 and c.samples.ndim == 1 for c in chunks),
         device_rate=mic.sample_rate, channels=mic.channels, name=mic.device_name, dropped_s=mic.dropped_s)
"""

# Runs in the child: open MicrophoneStream(**kwargs) and print the CaptureError it raises.
OPEN_FAILS = """
import json, sys
from edge.capture import BlockConverter, CaptureError, MicrophoneStream
try:
    MicrophoneStream(**json.loads(sys.argv[1])).open()
except CaptureError as exc:
    print(exc)
else:
    sys.exit("no CaptureError")
"""

LIST = """
import dataclasses, json
from edge.capture import list_input_devices
print(json.dumps([dataclasses.asdict(d) for d in list_input_devices()]))
"""


def tone(rate: int, seconds: float, *freqs_amps: tuple[float, float]) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return sum(amp * np.sin(2 * np.pi * freq * t) for freq, amp in freqs_amps)


def record(mic: FileMic, tmp_path, seconds: float, wait_s: float = 0.0, **kwargs) -> dict:
    out = tmp_path / "captured.npz"
    mic.run_python(CAPTURE, str(out), str(seconds), json.dumps(kwargs), str(wait_s))
    with np.load(out) as data:
        return {key: data[key] for key in data.files}


def device_pcm(mic: FileMic) -> np.ndarray:
    """What the device holds, as float (frames, channels), scaled the way capture scales int16."""
    return np.fromfile(mic.raw_path, dtype="<i2").reshape(-1, mic.channels).astype(np.float32) / 32768


def peak_hz(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.argmax(spectrum) * RATE / len(samples))


# --- through PortAudio -----------------------------------------------------------------------

@needs_file_mic
def test_lists_the_file_mic_as_the_default_input(tmp_path):
    mic = make_file_mic(tmp_path, tone(44100, 1, (440, 0.5)), 44100)
    devices = json.loads(mic.run_python(LIST).stdout)
    (device,) = [d for d in devices if d["name"] == DEVICE_NAME]
    assert device["default_sample_rate"] == 44100
    assert device["is_default"] and device["host_api"] == "ALSA"


@needs_file_mic
@pytest.mark.parametrize("rate", [8000, 22050, 44100, 48000])
def test_capture_at_the_device_rate_becomes_16k_mono(tmp_path, rate):
    mic = make_file_mic(tmp_path, tone(rate, 3.0, (440, 0.5)), rate)
    got = record(mic, tmp_path, seconds=2.0)
    assert int(got["device_rate"]) == rate and int(got["channels"]) == 1 and str(got["name"]) == DEVICE_NAME
    assert set(got["rates"].tolist()) == {RATE} and bool(got["float32"])
    # chunk times are contiguous and count from the first sample
    np.testing.assert_allclose(got["starts"], np.concatenate([[0], np.cumsum(got["lengths"])[:-1]]) / RATE)
    # one stateful resampler over the stream gives what resampling the whole recording gives
    expected = soxr.resample(device_pcm(mic)[:, 0], rate, RATE, quality="HQ")
    samples = got["samples"]
    assert len(samples) >= 2 * RATE
    np.testing.assert_allclose(samples, expected[: len(samples)], atol=1e-6)
    assert peak_hz(samples) == pytest.approx(440, abs=2)


@needs_file_mic
def test_a_16k_device_is_passed_through_unresampled(tmp_path):
    mic = make_file_mic(tmp_path, tone(RATE, 2.0, (1000, 0.3)), RATE)
    got = record(mic, tmp_path, seconds=1.0, block_ms=10)
    assert int(got["device_rate"]) == RATE and set(got["lengths"].tolist()) == {160}
    np.testing.assert_array_equal(got["samples"], device_pcm(mic)[: len(got["samples"]), 0])


@needs_file_mic
def test_a_stereo_device_is_averaged_to_mono(tmp_path):
    stereo = np.stack([tone(48000, 2.0, (440, 0.5)), tone(48000, 2.0, (1000, 0.3))], axis=1)
    mic = make_file_mic(tmp_path, stereo, 48000)
    got = record(mic, tmp_path, seconds=1.0, device=DEVICE_NAME, channels=2)
    assert int(got["channels"]) == 2
    expected = soxr.resample(device_pcm(mic).mean(axis=1), 48000, RATE, quality="HQ")
    np.testing.assert_allclose(got["samples"], expected[: len(got["samples"])], atol=1e-6)


@needs_file_mic
def test_device_chosen_by_index_and_rate_chosen_explicitly(tmp_path):
    mic = make_file_mic(tmp_path, tone(32000, 2.0, (440, 0.5)), 32000)
    got = record(mic, tmp_path, seconds=1.0, device=0, sample_rate=32000, block_ms=20)
    assert int(got["device_rate"]) == 32000
    expected = soxr.resample(device_pcm(mic)[:, 0], 32000, RATE, quality="HQ")
    np.testing.assert_allclose(got["samples"], expected[: len(got["samples"])], atol=1e-6)


@needs_file_mic
def test_a_slow_consumer_loses_the_newest_blocks_not_the_oldest(tmp_path):
    # The file device delivers as fast as it is read, so waiting 0.5 s overfills a 0.3 s queue.
    mic = make_file_mic(tmp_path, tone(RATE, 3.0, (440, 0.5)), RATE)
    got = record(mic, tmp_path, seconds=0.25, wait_s=0.5, block_ms=10, max_queue_s=0.3)
    assert float(got["dropped_s"]) > 0
    np.testing.assert_array_equal(got["samples"][: int(0.25 * RATE)], device_pcm(mic)[: int(0.25 * RATE), 0])


@needs_file_mic
@pytest.mark.parametrize("device, words", [("no such mic", ["'no such mic'", "--list-devices"]),
                                           (7, ["7", "--list-devices"])])
def test_an_unknown_device_is_a_capture_error_naming_it(tmp_path, device, words):
    mic = make_file_mic(tmp_path, tone(RATE, 1.0, (440, 0.5)), RATE)
    message = mic.run_python(OPEN_FAILS, json.dumps({"device": device})).stdout
    for word in words:
        assert word in message


@needs_file_mic
def test_settings_the_device_refuses_are_a_capture_error(tmp_path):
    mic = make_file_mic(tmp_path, tone(RATE, 1.0, (440, 0.5)), RATE)
    message = mic.run_python(OPEN_FAILS, json.dumps({"channels": 500})).stdout
    assert DEVICE_NAME in message and "500" in message


# --- without PortAudio -----------------------------------------------------------------------

@pytest.mark.parametrize("rate, channels", [(44100, 2), (48000, 1), (8000, 1), (22050, 4)])
@pytest.mark.parametrize("block", [7, 160, 1323, 4096])
def test_block_conversion_does_not_depend_on_block_size(rate, channels, block):
    rng = np.random.default_rng(rate + channels)
    noise = rng.normal(0, 300, (rate, channels))  # makes the channels differ
    pcm = (tone(rate, 1.0, (440, 0.4))[:, None] * 32767 + noise).astype(np.int16)
    convert = BlockConverter(rate)
    streamed = np.concatenate([convert(pcm[i:i + block]) for i in range(0, len(pcm), block)])
    whole = soxr.resample(pcm.astype(np.float32).mean(axis=1) / 32768, rate, RATE, quality="HQ")
    assert streamed.dtype == np.float32 and len(streamed) <= len(whole)
    assert len(streamed) >= len(whole) - 0.1 * RATE  # soxr holds back its filter delay until the end
    np.testing.assert_allclose(streamed, whole[: len(streamed)], atol=1e-6)


def test_block_conversion_at_16k_is_only_scaling():
    pcm = np.array([[0], [16384], [-32768], [32767]], dtype=np.int16)
    np.testing.assert_array_equal(BlockConverter(RATE)(pcm), [0.0, 0.5, -1.0, 32767 / 32768])


def test_missing_sounddevice_says_what_to_pip_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # makes `import sounddevice` fail
    with pytest.raises(CaptureError, match=r"pip install 'earshot\[mic\]'"):
        MicrophoneStream().open()
    with pytest.raises(CaptureError, match="sounddevice"):
        capture.list_input_devices()


def test_missing_portaudio_says_what_to_apt_install(monkeypatch):
    def no_portaudio(name):
        raise OSError("PortAudio library not found")
    monkeypatch.setattr(capture.importlib, "import_module", no_portaudio)
    with pytest.raises(CaptureError, match="apt install libportaudio2"):
        MicrophoneStream().open()


@pytest.mark.parametrize("kwargs", [{"device": 1.5}, {"device": True}, {"sample_rate": 0},
                                    {"sample_rate": 44100.0}, {"block_ms": 0}, {"block_ms": 5000},
                                    {"channels": 0}, {"max_queue_s": 0}])
def test_bad_arguments_are_refused_up_front(kwargs):
    with pytest.raises(ValueError):
        MicrophoneStream(**kwargs)


def test_iterating_a_stream_that_is_not_open_is_an_error():
    with pytest.raises(RuntimeError, match="open"):
        next(iter(MicrophoneStream()))
