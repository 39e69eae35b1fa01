"""How well confidence tells right from wrong: AUROC, expected calibration error, reliability bins.

Convention: an utterance is *correct* when its normalised hypothesis has no word errors, and
its confidence is read as the probability of that. AUROC scores 1 - confidence as a detector
of "the utterance has an error".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DEFAULT_BINS = 10
DEFAULT_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def auroc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Area under the ROC curve of `scores` (higher = more likely positive) for boolean `labels`.

    Equals the probability that a random positive outscores a random negative, ties counting
    one half (the Mann-Whitney U statistic over both class sizes). NaN when either class is empty.
    """
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=bool)
    if scores.shape != labels.shape or scores.ndim != 1:
        raise ValueError(f"scores and labels must be 1-D and equally long, got {scores.shape} "
                         f"and {labels.shape}")
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return math.nan
    ranks = _average_ranks(scores)
    u = ranks[labels].sum() - positives * (positives + 1) / 2
    return float(u / (positives * negatives))


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks of `values`, tied values sharing the mean of their ranks."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], len(values)]
    mean_rank = (starts + ends + 1) / 2.0  # mean of ranks start+1 .. end
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return ranks


@dataclass(frozen=True, slots=True)
class ReliabilityBin:
    """Utterances whose confidence falls in [lower, upper) (the last bin includes 1.0)."""

    lower: float
    upper: float
    count: int
    mean_confidence: float  # NaN for an empty bin
    accuracy: float  # fraction correct; NaN for an empty bin

    def to_dict(self) -> dict:
        return {"lower": self.lower, "upper": self.upper, "count": self.count,
                "mean_confidence": _finite_or_none(self.mean_confidence),
                "accuracy": _finite_or_none(self.accuracy)}


def reliability_bins(confidences: Sequence[float], correct: Sequence[bool],
                     n_bins: int = DEFAULT_BINS) -> tuple[ReliabilityBin, ...]:
    """Split [0, 1] into `n_bins` equal-width bins and give each bin's mean confidence and accuracy.

    Confidences outside [0, 1] are clipped into it.
    """
    if n_bins < 1:
        raise ValueError(f"n_bins must be >= 1, got {n_bins}")
    conf = np.clip(np.asarray(confidences, dtype=np.float64), 0.0, 1.0)
    ok = np.asarray(correct, dtype=np.float64)
    if conf.shape != ok.shape or conf.ndim != 1:
        raise ValueError("confidences and correct must be 1-D and equally long")
    index = np.minimum((conf * n_bins).astype(np.int64), n_bins - 1)
    bins = []
    for b in range(n_bins):
        members = index == b
        count = int(members.sum())
        bins.append(ReliabilityBin(
            lower=b / n_bins, upper=(b + 1) / n_bins, count=count,
            mean_confidence=float(conf[members].mean()) if count else math.nan,
            accuracy=float(ok[members].mean()) if count else math.nan))
    return tuple(bins)


def expected_calibration_error(confidences: Sequence[float], correct: Sequence[bool],
                               n_bins: int = DEFAULT_BINS) -> float:
    """ECE: the count-weighted mean of |accuracy - mean confidence| over equal-width bins.

    NaN for no utterances.
    """
    bins = reliability_bins(confidences, correct, n_bins)
    total = sum(b.count for b in bins)
    if total == 0:
        return math.nan
    return float(sum(b.count * abs(b.accuracy - b.mean_confidence) for b in bins if b.count) / total)


@dataclass(frozen=True, slots=True)
class EscalationPoint:
    """What an escalation threshold would do: utterances below it go to the cloud."""

    threshold: float
    escalated: float  # fraction of all utterances below the threshold
    errors_escalated: float  # fraction of wrong utterances below it (NaN if none is wrong)
    kept_accuracy: float  # fraction correct among those kept on the device (NaN if none kept)

    def to_dict(self) -> dict:
        return {"threshold": self.threshold, "escalated": _finite_or_none(self.escalated),
                "errors_escalated": _finite_or_none(self.errors_escalated),
                "kept_accuracy": _finite_or_none(self.kept_accuracy)}


def escalation_curve(confidences: Sequence[float], correct: Sequence[bool],
                     thresholds: Sequence[float] = DEFAULT_THRESHOLDS) -> tuple[EscalationPoint, ...]:
    """For each threshold, the share escalated, the share of errors escalated, and kept accuracy."""
    conf = np.asarray(confidences, dtype=np.float64)
    ok = np.asarray(correct, dtype=bool)
    points = []
    for threshold in thresholds:
        below = conf < threshold
        wrong = ~ok
        kept = ~below
        points.append(EscalationPoint(
            threshold=float(threshold),
            escalated=float(below.mean()) if len(conf) else math.nan,
            errors_escalated=float((below & wrong).sum() / wrong.sum()) if wrong.any() else math.nan,
            kept_accuracy=float(ok[kept].mean()) if kept.any() else math.nan))
    return tuple(points)


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None
