"""Error rates by slice: any manifest tag, plus voice, speaker and duration bucket.

A slice key names a property of an utterance ("voice", "snr", "duration"); its values split
the utterances into groups, and each group gets pooled WER and CER. An utterance that lacks a
key lands in the group MISSING, so every key's groups add up to the whole set. A key whose
value differs for every utterance (a file's `source`, say) identifies clips rather than
grouping them, and is left out. The shared real-speech manifests name each clip's `source` as
`owner/repo:path@commit`; its `owner/repo` becomes the derived key `source_repo`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from train.evaluation.scoring import EditCounts

if TYPE_CHECKING:
    from train.evaluation.records import UtteranceResult

MISSING = "(none)"
DURATION_KEY = "duration"
# Upper bounds in seconds of the duration buckets; the last bucket is open-ended.
DURATION_EDGES_S = (1.0, 2.0, 4.0, 8.0)


def duration_bucket(duration_s: float) -> str:
    """The duration bucket label of a clip: "<1s", "1-2s", "2-4s", "4-8s" or ">=8s"."""
    lower = 0.0
    for upper in DURATION_EDGES_S:
        if duration_s < upper:
            return f"<{upper:g}s" if lower == 0.0 else f"{lower:g}-{upper:g}s"
        lower = upper
    return f">={lower:g}s"


def slice_values(record: UtteranceResult) -> dict[str, str]:
    """Every slice key of one utterance and its value: manifest tags, voice, speaker, duration."""
    values = {key: str(value) for key, value in record.tags.items()}
    if record.voice:
        values.setdefault("voice", record.voice)
    if record.speaker:
        values.setdefault("speaker", record.speaker)
    source = values.get("source", "")
    if ":" in source and "/" in source.split(":", 1)[0]:
        values.setdefault("source_repo", source.split(":", 1)[0])
    values[DURATION_KEY] = duration_bucket(record.duration_s)
    return values


@dataclass(frozen=True, slots=True)
class SliceStats:
    """Pooled scores of the utterances whose `key` has `value`."""

    key: str
    value: str
    utterances: int
    words: EditCounts
    chars: EditCounts
    wrong_utterances: int
    mean_confidence: float

    @property
    def wer(self) -> float:
        return self.words.rate

    @property
    def cer(self) -> float:
        return self.chars.rate

    @property
    def sentence_error_rate(self) -> float:
        return self.wrong_utterances / self.utterances if self.utterances else math.nan

    def to_dict(self) -> dict:
        return {"utterances": self.utterances, "words": self.words.reference_length,
                "wer": self.wer, "cer": self.cer, "sentence_error_rate": self.sentence_error_rate,
                "substitutions": self.words.substitutions, "deletions": self.words.deletions,
                "insertions": self.words.insertions, "mean_confidence": self.mean_confidence}


def slice_stats(records: Sequence[UtteranceResult]) -> dict[str, tuple[SliceStats, ...]]:
    """Scores for every value of every grouping slice key in `records`, keys and values in order.

    Values sort numerically when they all read as numbers (SNR 5 before 10), else as text;
    duration buckets sort by duration.
    """
    per_record = [slice_values(r) for r in records]
    keys = sorted({key for values in per_record for key in values})
    result: dict[str, tuple[SliceStats, ...]] = {}
    for key in keys:
        groups: dict[str, list[UtteranceResult]] = {}
        for record, values in zip(records, per_record):
            groups.setdefault(values.get(key, MISSING), []).append(record)
        if len(records) > 2 and len(groups) == len(records) and MISSING not in groups:
            continue  # an identifier, not a grouping
        order = _value_order(key, groups)
        result[key] = tuple(_stats(key, value, groups[value]) for value in order)
    return result


def _stats(key: str, value: str, records: Sequence[UtteranceResult]) -> SliceStats:
    return SliceStats(
        key=key, value=value, utterances=len(records),
        words=EditCounts.pooled(r.words for r in records),
        chars=EditCounts.pooled(r.chars for r in records),
        wrong_utterances=sum(not r.correct for r in records),
        mean_confidence=sum(r.confidence for r in records) / len(records))


def _value_order(key: str, groups: Iterable[str]) -> list[str]:
    values = [v for v in groups if v != MISSING]
    if key == DURATION_KEY:
        labels = [duration_bucket(0.0)] + [duration_bucket(edge) for edge in DURATION_EDGES_S]
        values.sort(key=labels.index)
    else:
        try:
            values.sort(key=float)
        except ValueError:
            values.sort()
    return values + ([MISSING] if MISSING in groups else [])
