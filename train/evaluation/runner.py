"""Run a recognizer over manifest entries and score every utterance: the `evaluate` API."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from tqdm import tqdm

from edge.audio import read_audio
from edge.errors import AudioInputError
from edge.results import Transcript
from train.evaluation.records import UtteranceResult, score_utterance
from train.evaluation.result import EvalResult


class SpeechRecognizer(Protocol):
    """What evaluation needs of a recognizer: a bundle's Recognizer or any registered one."""

    name: str

    def transcribe(self, samples: np.ndarray, sample_rate: int = 16000) -> Transcript: ...


def evaluate(recognizer: SpeechRecognizer, utterances: Iterable[Any], *, manifest: str = "",
             progress: bool = True) -> EvalResult:
    """Transcribe every utterance with `recognizer` and score it against its reference text.

    `utterances` are manifest entries (see train.corpus.read_manifest): each has `audio` (a
    path) and `text`, and may have `voice`, `speaker` and `tags` (a dict of str to str), which
    become slices. Every audio file is checked to exist before any is transcribed. The progress
    bar goes to stderr and shows only on a terminal (progress=False hides it always).
    A recognizer with a `vocabulary` (its known words) gets the report's vocabulary section.
    Raises AudioInputError (an EarshotError) naming a missing or unreadable audio file.
    """
    entries = list(utterances)
    check_audio_exists(entries)
    records = []
    bar = tqdm(entries, desc=f"evaluating {recognizer.name}", unit="utt", file=sys.stderr,
               disable=None if progress else True, dynamic_ncols=True)
    for entry in bar:
        records.append(transcribe_one(recognizer, entry))
    return EvalResult(model=recognizer.name, records=tuple(records), manifest=manifest,
                      vocabulary=frozenset(getattr(recognizer, "vocabulary", ())))


def transcribe_one(recognizer: SpeechRecognizer, entry: Any) -> UtteranceResult:
    """Read one entry's audio, transcribe it (timing the call alone), and score the result."""
    audio = read_audio(entry.audio)
    start = time.perf_counter()
    transcript = recognizer.transcribe(audio.samples, audio.sample_rate)
    processing_s = time.perf_counter() - start
    tags = getattr(entry, "tags", None) or {}
    return score_utterance(
        id=str(getattr(entry, "id", "") or Path(entry.audio).stem), audio=str(entry.audio),
        reference=entry.text, transcript=transcript, duration_s=audio.duration_s,
        processing_s=processing_s, voice=getattr(entry, "voice", "") or "",
        speaker=getattr(entry, "speaker", "") or "", tags={str(k): str(v) for k, v in tags.items()})


def check_audio_exists(entries: Sequence[Any]) -> None:
    """Raise AudioInputError naming the first missing audio file and how many are missing."""
    missing = [entry.audio for entry in entries if not Path(entry.audio).is_file()]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise AudioInputError(f"{missing[0]}: audio file listed in the manifest does not exist{more}")
