"""The server's recognizers behind `create(spec)`: pocketsphinx always, Vosk and ONNX when present."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

from cloud.recognizers.pocketsphinx_recognizer import create as create_pocketsphinx
from edge.errors import AudioFormatError, EarshotError
from tests.cloud.serving import GO_FORWARD, needs_eval_clips, tone

VOSK_MODEL = os.environ.get("EARSHOT_VOSK_MODEL")
needs_vosk = pytest.mark.skipif(importlib.util.find_spec("vosk") is None,
                                reason="vosk is not installed (pip install vosk)")


def _onnx_bundle() -> str | None:
    """EARSHOT_ONNX_BUNDLE, else edge's shipped default bundle when there is one."""
    if os.environ.get("EARSHOT_ONNX_BUNDLE"):
        return os.environ["EARSHOT_ONNX_BUNDLE"]
    try:
        from edge.bundle import default_bundle_path
    except ImportError:
        return None
    return str(default_bundle_path()) if (default_bundle_path() / "bundle.json").exists() else None


ONNX_BUNDLE = _onnx_bundle()


@pytest.fixture(scope="module")
def pocketsphinx():
    return create_pocketsphinx("")


@needs_eval_clips
def test_pocketsphinx_transcribes_real_speech(pocketsphinx):
    from edge.audio import read_audio

    recognition = pocketsphinx.recognize(read_audio(GO_FORWARD).samples, 16000)
    transcript = recognition.transcript
    assert transcript.text == "go forward ten meters"
    assert transcript.model == "pocketsphinx" and transcript.source == "cloud"
    assert [w.word for w in transcript.words] == transcript.text.split()
    assert all(0 < w.confidence <= 1 for w in transcript.words) and 0 < transcript.confidence <= 1
    assert transcript.timings.duration_s == pytest.approx(2.786, abs=0.01)
    assert transcript.text not in recognition.alternatives and len(recognition.alternatives) <= 5


def test_pocketsphinx_knows_catalog_words_after_adaptation(pocketsphinx):
    assert pocketsphinx.added_words > 1000
    assert pocketsphinx.knows("zhumadian") and pocketsphinx.knows("ouagadougou")
    assert not create_pocketsphinx("catalog=none").knows("zhumadian")


def test_silence_gives_an_empty_transcript(pocketsphinx):
    transcript = pocketsphinx.transcribe(np.zeros(16000, dtype=np.float32), 16000)
    assert transcript.text == "" and transcript.confidence == 0.0 and transcript.words == ()


def test_pocketsphinx_refuses_audio_in_the_wrong_format(pocketsphinx):
    with pytest.raises(AudioFormatError):
        pocketsphinx.transcribe(tone(0.5, 8000), 8000)
    with pytest.raises(AudioFormatError):
        pocketsphinx.transcribe(tone(0.5, channels=2), 16000)


@pytest.mark.parametrize("spec", ["colour=red", "beam=wide", "catalog=/no/such/catalog.jsonl"])
def test_pocketsphinx_spec_errors(spec):
    with pytest.raises(EarshotError):
        create_pocketsphinx(spec)


def test_recognizers_are_registered_for_earshot_eval():
    from importlib.metadata import entry_points

    names = {e.name: e.value for e in entry_points(group="earshot.recognizers")}
    assert names["pocketsphinx"] == "cloud.recognizers.pocketsphinx_recognizer:create"
    assert names["vosk"] == "cloud.recognizers.vosk_recognizer:create"


def test_vosk_without_a_model_says_what_to_do(monkeypatch, tmp_path):
    from cloud.recognizers.vosk_recognizer import create

    monkeypatch.delenv("EARSHOT_VOSK_MODEL", raising=False)
    with pytest.raises(EarshotError, match="model directory"):
        create("")


def test_vosk_refuses_a_folder_that_is_not_a_model(tmp_path):
    from cloud.recognizers.vosk_recognizer import create

    with pytest.raises(EarshotError, match="not a Vosk model"):
        create(str(tmp_path))


@needs_vosk
def test_vosk_says_when_it_cannot_load_a_model(tmp_path):
    from cloud.recognizers.vosk_recognizer import create

    (tmp_path / "am").mkdir()  # laid out like a model, but empty
    with pytest.raises(EarshotError, match="could not load"):
        create(str(tmp_path))


@needs_eval_clips
@needs_vosk
@pytest.mark.skipif(not VOSK_MODEL, reason="no Vosk model: set EARSHOT_VOSK_MODEL to a model unpacked from "
                                           "https://alphacephei.com/vosk/models")
def test_vosk_transcribes_real_speech():
    from cloud.recognizers.vosk_recognizer import create
    from edge.audio import read_audio

    recognition = create(VOSK_MODEL).recognize(read_audio(GO_FORWARD).samples, 16000)
    transcript = recognition.transcript
    assert transcript.model == "vosk" and transcript.source == "cloud" and "forward" in transcript.text.split()
    assert [w.word for w in transcript.words] == transcript.text.split()
    assert all(0 <= w.confidence <= 1 for w in transcript.words)
    assert transcript.text not in recognition.alternatives and len(recognition.alternatives) <= 5


def _edge_recognizer_available() -> bool:
    return importlib.util.find_spec("edge.recognizer") is not None


@needs_eval_clips
@pytest.mark.skipif(not _edge_recognizer_available() or not ONNX_BUNDLE or not Path(ONNX_BUNDLE or ".").is_dir(),
                    reason="needs edge.recognizer and a bundle (EARSHOT_ONNX_BUNDLE, or edge's shipped default)")
def test_onnx_bundle_recognizer_transcribes():
    from cloud.recognizers.onnx_recognizer import OnnxBundleRecognizer
    from edge.audio import read_audio

    transcript = OnnxBundleRecognizer(ONNX_BUNDLE).transcribe(read_audio(GO_FORWARD).samples, 16000)
    assert transcript.source == "cloud" and isinstance(transcript.text, str)
