"""The outcome of an evaluation: scored utterances and every summary computed from them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

from train.evaluation.calibration_metrics import (
    EscalationPoint, ReliabilityBin, auroc, escalation_curve, expected_calibration_error,
    reliability_bins)
from train.evaluation.records import UtteranceResult
from train.evaluation.scoring import EditCounts, ErrorPatterns, error_patterns
from train.evaluation.slices import SliceStats, slice_stats
from train.evaluation.vocabulary import VocabularyCoverage, vocabulary_coverage
from train.evaluation.word_confidence import WordOutcome

TOP_PATTERNS = 20
WORST_UTTERANCES = 20


@dataclass(frozen=True)
class EvalResult:
    """Scored utterances of one recognizer on one set; summaries are computed on first use."""

    model: str
    records: tuple[UtteranceResult, ...]
    manifest: str = ""
    vocabulary: frozenset[str] = frozenset()  # the recognizer's known words; empty: it has none

    @cached_property
    def words(self) -> EditCounts:
        """Word edit counts pooled over all utterances."""
        return EditCounts.pooled(r.words for r in self.records)

    @cached_property
    def chars(self) -> EditCounts:
        """Character edit counts pooled over all utterances."""
        return EditCounts.pooled(r.chars for r in self.records)

    @property
    def wer(self) -> float:
        """Pooled word error rate: all word errors over all reference words."""
        return self.words.rate if self.records else math.nan

    @property
    def cer(self) -> float:
        """Pooled character error rate."""
        return self.chars.rate if self.records else math.nan

    @property
    def sentence_error_rate(self) -> float:
        """Fraction of utterances with at least one word error."""
        return sum(not r.correct for r in self.records) / len(self.records) if self.records else math.nan

    @property
    def audio_s(self) -> float:
        return sum(r.duration_s for r in self.records)

    @property
    def processing_s(self) -> float:
        return sum(r.processing_s for r in self.records)

    @property
    def rtf(self) -> float:
        """Pooled real-time factor: total transcribe wall time over total audio duration."""
        return self.processing_s / self.audio_s if self.audio_s > 0 else math.nan

    @property
    def mean_confidence(self) -> float:
        return sum(r.confidence for r in self.records) / len(self.records) if self.records else math.nan

    @property
    def auroc(self) -> float:
        """AUROC of 1 - confidence for "the utterance has a word error"; NaN if all or none do."""
        return auroc([1.0 - r.confidence for r in self.records], [not r.correct for r in self.records])

    @property
    def ece(self) -> float:
        """Expected calibration error of confidence as P(utterance correct), 10 equal-width bins."""
        return expected_calibration_error(*self._confidence_and_correct())

    @property
    def reliability(self) -> tuple[ReliabilityBin, ...]:
        return reliability_bins(*self._confidence_and_correct())

    @property
    def escalation(self) -> tuple[EscalationPoint, ...]:
        return escalation_curve(*self._confidence_and_correct())

    @cached_property
    def word_outcomes(self) -> tuple[WordOutcome, ...]:
        """Every word the recognizer returned, with its confidence and whether it was right."""
        return tuple(outcome for r in self.records for outcome in r.word_outcomes)

    @property
    def word_auroc(self) -> float:
        """AUROC of 1 - word confidence for "the word is wrong"; NaN if all or none are."""
        return auroc([1.0 - o.confidence for o in self.word_outcomes], [not o.correct for o in self.word_outcomes])

    @property
    def word_ece(self) -> float:
        """Expected calibration error of word confidence as P(word right), 10 equal-width bins."""
        return expected_calibration_error(*self._word_confidence_and_correct())

    @property
    def word_reliability(self) -> tuple[ReliabilityBin, ...]:
        return reliability_bins(*self._word_confidence_and_correct())

    @cached_property
    def slices(self) -> dict[str, tuple[SliceStats, ...]]:
        return slice_stats(self.records)

    @cached_property
    def patterns(self) -> ErrorPatterns:
        """The most frequent substitution pairs, deleted words and inserted words."""
        return error_patterns((r.word_edits for r in self.records), TOP_PATTERNS)

    @cached_property
    def coverage(self) -> VocabularyCoverage | None:
        """Reference words known and unknown to the recognizer's vocabulary; None without one."""
        if not self.vocabulary:
            return None
        return vocabulary_coverage((r.word_edits for r in self.records), self.vocabulary)

    def worst(self, n: int = WORST_UTTERANCES) -> list[UtteranceResult]:
        """Wrong utterances, most word errors first, then highest WER, then highest confidence."""
        wrong = [r for r in self.records if not r.correct]
        return sorted(wrong, key=lambda r: (-r.words.errors, -r.wer, -r.confidence, r.id))[:n]

    def confidently_wrong(self, n: int = 10) -> list[UtteranceResult]:
        """Wrong utterances with the highest confidence: the ones escalation would miss."""
        wrong = [r for r in self.records if not r.correct]
        return sorted(wrong, key=lambda r: (-r.confidence, r.id))[:n]

    def _confidence_and_correct(self) -> tuple[list[float], list[bool]]:
        return [r.confidence for r in self.records], [r.correct for r in self.records]

    def _word_confidence_and_correct(self) -> tuple[list[float], list[bool]]:
        return [o.confidence for o in self.word_outcomes], [o.correct for o in self.word_outcomes]

    def summary(self) -> dict:
        """The headline numbers, JSON-ready (NaN becomes None)."""
        return _clean({
            "model": self.model, "manifest": self.manifest,
            "utterances": len(self.records), "words": self.words.reference_length,
            "chars": self.chars.reference_length, "wer": self.wer, "cer": self.cer,
            "sentence_error_rate": self.sentence_error_rate,
            "substitutions": self.words.substitutions, "deletions": self.words.deletions,
            "insertions": self.words.insertions, "audio_s": self.audio_s,
            "processing_s": self.processing_s, "rtf": self.rtf,
            "mean_confidence": self.mean_confidence, "auroc": self.auroc, "ece": self.ece,
            "hypothesis_words": len(self.word_outcomes), "word_auroc": self.word_auroc, "word_ece": self.word_ece,
            "oov_rate": self.coverage.oov_rate if self.coverage else None,
        })

    def to_dict(self, *, utterances: bool = False) -> dict:
        """Summary, slices, calibration, error patterns and worst utterances; all records if asked."""
        data = self.summary()
        data["slices"] = {key: {s.value: s.to_dict() for s in stats} for key, stats in self.slices.items()}
        data["reliability"] = [b.to_dict() for b in self.reliability]
        data["escalation"] = [p.to_dict() for p in self.escalation]
        data["word_reliability"] = [b.to_dict() for b in self.word_reliability]
        data["errors"] = self.patterns.to_dict()
        data["vocabulary"] = self.coverage.to_dict() if self.coverage else None
        data["worst"] = [r.to_dict() for r in self.worst()]
        if utterances:
            data["utterances"] = [r.to_dict() for r in self.records]
        return _clean(data)


def _clean(value):
    """Replace NaN and infinities with None, recursively, so json.dumps writes valid JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value
