"""Vosk (Kaldi) recognition with a model directory the user downloads (alphacephei.com/vosk/models)."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import numpy as np

from cloud.recognizers.recognition import Recognition, pcm16
from edge.audio import check_samples
from edge.errors import EarshotError
from edge.results import Timings, Transcript, Word
from edge.text import normalize_text

SAMPLE_RATE = 16000
VOSK_MODEL_ENV = "EARSHOT_VOSK_MODEL"
_CHUNK_BYTES = 8000  # feed a quarter second at a time, as Vosk's examples do


class VoskRecognizer:
    """Vosk decoding of 16 kHz float samples into a Transcript with word times and confidences."""

    name = "vosk"

    def __init__(self, model_dir: str | os.PathLike, nbest: int = 5) -> None:
        path = Path(model_dir)
        if not (path / "am").is_dir() and not (path / "final.mdl").exists():
            raise EarshotError(f"{path}: not a Vosk model directory (download one from "
                               "https://alphacephei.com/vosk/models and unpack it)")
        try:
            import vosk
        except ImportError:
            raise EarshotError("Vosk is not installed: pip install vosk") from None
        vosk.SetLogLevel(-1)
        self._vosk = vosk
        try:
            self._model = vosk.Model(str(path))
        except Exception as exc:  # noqa: BLE001 - Vosk raises a bare Exception("Failed to create a model")
            raise EarshotError(f"{path}: Vosk could not load this model ({exc})") from None
        self.nbest = nbest
        self._lock = threading.Lock()

    def transcribe(self, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> Transcript:
        """Decode one utterance."""
        return self.recognize(samples, sample_rate).transcript

    def recognize(self, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> Recognition:
        """Decode one utterance; alternatives come from Vosk's n-best list."""
        pcm = pcm16(check_samples(samples, sample_rate, SAMPLE_RATE))
        started = time.perf_counter()
        with self._lock:
            best, alternatives = self._decode(pcm)
        model_ms = (time.perf_counter() - started) * 1000
        words = tuple(Word(w["word"], float(w["start"]), float(w["end"]), float(w.get("conf", 1.0)))
                      for w in best.get("result", []))
        confidence = float(np.mean([w.confidence for w in words])) if words else 0.0
        transcript = Transcript(text=normalize_text(best.get("text", "")), confidence=confidence, words=words,
                                timings=Timings(model_ms=model_ms, duration_s=len(samples) / sample_rate),
                                model=self.name, runtime="vosk", source="cloud")
        return Recognition(transcript, alternatives)

    def _decode(self, pcm: bytes) -> tuple[dict, tuple[str, ...]]:
        recognizer = self._vosk.KaldiRecognizer(self._model, SAMPLE_RATE)
        recognizer.SetWords(True)
        for start in range(0, len(pcm), _CHUNK_BYTES):
            recognizer.AcceptWaveform(pcm[start:start + _CHUNK_BYTES])
        best = json.loads(recognizer.FinalResult())
        if self.nbest <= 0:
            return best, ()
        # A second pass for alternatives: with max alternatives set, Vosk answers with an n-best
        # list whose entries lack word confidences, which the first pass provides.
        recognizer = self._vosk.KaldiRecognizer(self._model, SAMPLE_RATE)
        recognizer.SetMaxAlternatives(self.nbest + 1)
        recognizer.AcceptWaveform(pcm)
        nbest = json.loads(recognizer.FinalResult()).get("alternatives", [])
        texts = [normalize_text(a.get("text", "")) for a in nbest]
        first = normalize_text(best.get("text", ""))
        return best, tuple(dict.fromkeys(t for t in texts if t and t != first))[:self.nbest]


def create(spec: str = "") -> VoskRecognizer:
    """Entry point for `earshot eval --model vosk[:MODEL_DIR]`; MODEL_DIR defaults to $EARSHOT_VOSK_MODEL."""
    model_dir = spec or os.environ.get(VOSK_MODEL_ENV)
    if not model_dir:
        raise EarshotError(f"vosk needs a model directory: --model vosk:DIR or ${VOSK_MODEL_ENV}")
    return VoskRecognizer(model_dir)
