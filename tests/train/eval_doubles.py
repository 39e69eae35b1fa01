"""Test doubles for evaluation tests: a recognizer that answers from a table, and record builders.

`TableRecognizer` stands in for the recognizer interface (name + transcribe); it is used in
tests only, to give evaluation known hypotheses and confidences.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile as sf

from edge.results import Timings, Transcript, Word
from train.evaluation.records import UtteranceResult, score_utterance

RATE = 16000


class TableRecognizer:
    """Answers each clip with the (text, confidence) listed for its length in samples."""

    def __init__(self, table: dict[int, tuple[str, float]], name: str = "table") -> None:
        self.name = name
        self.table = table

    def transcribe(self, samples: np.ndarray, sample_rate: int = RATE) -> Transcript:
        text, confidence = self.table[len(samples)]
        return Transcript(text=text, confidence=confidence,
                          timings=Timings(model_ms=1.0, duration_s=len(samples) / sample_rate))


def create(spec: str) -> TableRecognizer:
    """Entry-point factory: `spec` is a JSON file mapping sample counts to [text, confidence]."""
    table = json.loads(Path(spec).read_text())
    return TableRecognizer({int(k): (v[0], float(v[1])) for k, v in table.items()}, name=f"table:{Path(spec).name}")


def write_clip(path: Path, n_samples: int, seed: int = 0) -> Path:
    """Write a quiet noise clip of exactly `n_samples` at 16 kHz as 16-bit WAV."""
    rng = np.random.default_rng(seed)
    sf.write(path, (0.05 * rng.standard_normal(n_samples)).astype(np.float32), RATE, subtype="PCM_16")
    return path


def record(ref: str, hyp: str, confidence: float = 0.9, duration_s: float = 1.5, voice: str = "",
           speaker: str = "", tags: dict[str, str] | None = None, id: str = "utt",
           word_confidences: list[float] | None = None, raw_confidence: float = 0.0,
           features: dict | None = None) -> UtteranceResult:
    """A scored utterance built without audio; with `word_confidences` its transcript has words."""
    words = tuple(Word(w, 0.1 * i, 0.1 * i + 0.1, c) for i, (w, c) in enumerate(zip(hyp.split(), word_confidences or ())))
    return score_utterance(id=id, audio=f"{id}.wav", reference=ref,
                           transcript=Transcript(text=hyp, confidence=confidence, words=words,
                                                 raw_confidence=raw_confidence, features=features),
                           duration_s=duration_s, processing_s=duration_s / 10, voice=voice,
                           speaker=speaker, tags=tags)
