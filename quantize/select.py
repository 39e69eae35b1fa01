"""The rule that picks the shipped default: the fastest variant whose accuracy stays within budget of fp32.

A variant is eligible when its pooled WER is at most `synthetic_points` above the fp32 ONNX
reference's on held-out synthetic speech and at most `real_points` above it on real speech.
Among eligible variants the one with the lowest runner latency at `threads` threads wins (the
network is the only stage that differs between variants; features and decoding are shared).
A budget whose kind of speech was not evaluated is reported as unchecked; with no evaluation
at all, no int8 variant is eligible, because an unmeasured quantized model is not shipped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from quantize.validate import Measurement

EPSILON_POINTS = 1e-9  # WER deltas are ratios of integers; exact ties must not fail the budget


@dataclass(frozen=True, slots=True)
class SelectionRule:
    """WER budgets in percentage points against fp32, and the thread count speed is judged at."""

    synthetic_points: float = 0.5
    real_points: float = 1.0
    threads: int = 1

    def __post_init__(self) -> None:
        if not (self.synthetic_points >= 0 and self.real_points >= 0):
            raise ValueError("WER budgets must be >= 0 points")
        if self.threads < 1:
            raise ValueError(f"threads must be >= 1, got {self.threads}")

    def budget(self, kind: str) -> float:
        return self.synthetic_points if kind == "synthetic" else self.real_points

    def describe(self) -> str:
        return (f"the fastest variant (network latency, {self.threads} thread{'s' if self.threads > 1 else ''}) "
                f"whose WER is within {_points(self.synthetic_points)} of fp32 on held-out synthetic "
                f"speech and within {_points(self.real_points)} on real speech")


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether one variant may ship, and why."""

    variant: str
    eligible: bool
    reasons: tuple[str, ...]
    wer_delta_points: dict  # kind -> points above fp32 (negative: better)
    latency_s_per_s: float

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Selection:
    """The chosen variant, every verdict, and which budgets could not be checked."""

    chosen: str
    rule: SelectionRule
    verdicts: tuple[Verdict, ...]
    unchecked: tuple[str, ...]  # kinds of speech with no evaluation set

    def verdict(self, name: str) -> Verdict:
        return next(v for v in self.verdicts if v.variant == name)

    def to_dict(self) -> dict:
        return {"chosen": self.chosen, "rule": self.rule.describe(), "budgets_points": {
            "synthetic": self.rule.synthetic_points, "real": self.rule.real_points},
            "threads": self.rule.threads, "unchecked": list(self.unchecked),
            "verdicts": [v.to_dict() for v in self.verdicts]}


def select_variant(measurements: Sequence[Measurement], rule: SelectionRule = SelectionRule()) -> Selection:
    """Apply `rule`; the fp32 ONNX reference is always eligible, so something is always chosen."""
    reference = next((m for m in measurements if m.variant.is_reference), None)
    if reference is None:
        raise ValueError("measurements lack the fp32 ONNX reference")
    kinds = [kind for kind in ("synthetic", "real") if reference.pooled(kind)[1]]
    unchecked = tuple(kind for kind in ("synthetic", "real") if kind not in kinds)
    verdicts = [_verdict(m, reference, kinds, rule) for m in measurements]
    eligible = [v for v in verdicts if v.eligible and math.isfinite(v.latency_s_per_s)]
    chosen = min(eligible, key=lambda v: v.latency_s_per_s).variant if eligible else reference.variant.name
    return Selection(chosen, rule, tuple(verdicts), unchecked)


def _points(value: float) -> str:
    return f"{value:g} point" + ("" if value == 1 else "s")


def _verdict(m: Measurement, reference: Measurement, kinds: list[str], rule: SelectionRule) -> Verdict:
    latency = m.latency_at(rule.threads)
    speed = latency.runner_s_per_s if latency else math.nan
    if m.variant.is_reference:
        return Verdict(m.variant.name, True, ("fp32 reference",), {k: 0.0 for k in kinds}, speed)
    reasons, deltas, eligible = [], {}, True
    if not kinds and m.variant.precision != "fp32":
        eligible = False
        reasons.append("accuracy not measured (no evaluation set)")
    for kind in kinds:
        errors, words = m.pooled(kind)
        if not words:
            eligible = False
            reasons.append(f"not evaluated on {kind} speech")
            continue
        delta = 100.0 * (m.pooled_wer(kind) - reference.pooled_wer(kind))
        deltas[kind] = delta
        budget = rule.budget(kind)
        if delta > budget + EPSILON_POINTS:
            eligible = False
            reasons.append(f"{kind} WER +{delta:.2f} points > budget {budget:g}")
        else:
            reasons.append(f"{kind} WER {delta:+.2f} points (budget {budget:g})")
    if not math.isfinite(speed):
        reasons.append(f"latency at {rule.threads} thread(s) not measured")
    return Verdict(m.variant.name, eligible, tuple(reasons), deltas, speed)
