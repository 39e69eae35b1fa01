"""One scored utterance: reference, hypothesis, their alignment, confidence and timing."""

from __future__ import annotations

from dataclasses import dataclass, field

from edge.results import Transcript
from edge.text import normalize_text
from train.evaluation.scoring import Edit, EditCounts, align_words, char_counts
from train.evaluation.word_confidence import WordOutcome, word_outcomes


@dataclass(frozen=True, slots=True)
class UtteranceResult:
    """What the recognizer made of one manifest entry, scored against its reference.

    `transcript` is the recognizer's full answer (words, segments, timings), kept so that
    training code can fit a confidence calibration on held-out data from the same records.
    """

    id: str
    audio: str
    reference: str  # as written in the manifest
    hypothesis: str  # as the recognizer returned it
    reference_norm: str  # after edge.text.normalize_text
    hypothesis_norm: str
    confidence: float
    duration_s: float  # decoded audio length
    processing_s: float  # wall-clock time of the transcribe call
    word_edits: tuple[Edit, ...]
    words: EditCounts
    chars: EditCounts
    voice: str = ""
    speaker: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    transcript: Transcript | None = None

    @property
    def correct(self) -> bool:
        """True when the normalised hypothesis has no word errors."""
        return self.words.errors == 0

    @property
    def wer(self) -> float:
        return self.words.rate

    @property
    def cer(self) -> float:
        return self.chars.rate

    @property
    def features(self) -> dict[str, float] | None:
        """The recognizer's confidence features, when its Transcript carries them, else None.

        edge's decoder computes edge.confidence.UtteranceFeatures per utterance; a Transcript
        with a `features` attribute (an UtteranceFeatures or a dict) hands them on here, ready
        for fitting a calibration map on held-out records.
        """
        found = getattr(self.transcript, "features", None)
        if found is None:
            return None
        return dict(found.as_dict() if hasattr(found, "as_dict") else found)

    @property
    def word_outcomes(self) -> tuple[WordOutcome, ...]:
        """Each word the recognizer returned, with its confidence and whether it was right
        (train/evaluation/word_confidence.py); empty when the transcript has no words."""
        words = getattr(self.transcript, "words", ()) or ()
        return word_outcomes(self.reference_norm, words)

    @property
    def rtf(self) -> float:
        """Processing time over audio duration for this clip."""
        return self.processing_s / self.duration_s if self.duration_s > 0 else 0.0

    def to_dict(self) -> dict:
        """A JSON-ready summary (without the alignment and the full transcript)."""
        return {"id": self.id, "audio": self.audio, "reference": self.reference_norm,
                "hypothesis": self.hypothesis_norm, "confidence": self.confidence,
                "correct": self.correct, "wer": self.wer, "cer": self.cer,
                "word_errors": self.words.errors, "words": self.words.reference_length,
                "substitutions": self.words.substitutions, "deletions": self.words.deletions,
                "insertions": self.words.insertions, "duration_s": self.duration_s,
                "processing_s": self.processing_s, "voice": self.voice, "speaker": self.speaker,
                "tags": dict(self.tags), "features": self.features}


def score_utterance(*, id: str, audio: str, reference: str, transcript: Transcript,
                    duration_s: float, processing_s: float, voice: str = "", speaker: str = "",
                    tags: dict[str, str] | None = None) -> UtteranceResult:
    """Normalise reference and hypothesis with edge.text.normalize_text, align them, and score."""
    ref = normalize_text(reference)
    hyp = normalize_text(transcript.text)
    edits = align_words(ref, hyp)
    return UtteranceResult(
        id=id, audio=audio, reference=reference, hypothesis=transcript.text,
        reference_norm=ref, hypothesis_norm=hyp, confidence=float(transcript.confidence),
        duration_s=duration_s, processing_s=processing_s, word_edits=edits,
        words=EditCounts.of(edits), chars=char_counts(ref, hyp), voice=voice or "",
        speaker=speaker or "", tags=dict(tags or {}), transcript=transcript)
