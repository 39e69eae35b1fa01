"""What recognition returns: small frozen dataclasses with units in their names."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True, slots=True)
class Word:
    word: str
    start_s: float
    end_s: float
    confidence: float


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of speech the VAD found, with its own transcript."""

    start_s: float
    end_s: float
    text: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Timings:
    feature_ms: float = 0.0
    model_ms: float = 0.0
    decode_ms: float = 0.0
    vad_ms: float = 0.0
    duration_s: float = 0.0

    @property
    def total_ms(self) -> float:
        return self.feature_ms + self.model_ms + self.decode_ms + self.vad_ms

    @property
    def rtf(self) -> float:
        """Real-time factor: processing time over audio duration."""
        return self.total_ms / 1000.0 / self.duration_s if self.duration_s > 0 else 0.0


@dataclass(frozen=True, slots=True)
class Transcript:
    text: str
    confidence: float
    words: tuple[Word, ...] = ()
    segments: tuple[Segment, ...] = ()
    timings: Timings = field(default_factory=Timings)
    model: str = ""
    runtime: str = ""
    source: str = "edge"
    raw_confidence: float = 0.0  # before calibration
    features: dict | None = None  # what the confidence was computed from (edge/confidence.py)
    alternatives: tuple[str, ...] = ()  # n-best texts, best first (at most recognizer.MAX_ALTERNATIVES)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["words"] = [
            {"word": w.word, "start": round(w.start_s, 3), "end": round(w.end_s, 3),
             "confidence": round(w.confidence, 4)} for w in self.words]
        data["timings"]["rtf"] = self.timings.rtf
        return data


@dataclass(frozen=True, slots=True)
class Partial:
    """An interim hypothesis from a streaming session."""

    text: str
    end_s: float
