"""Measure every variant of a bundle: accuracy, agreement with fp32, size, latency and peak memory.

Accuracy comes from `earshot eval`'s API (train.evaluation.evaluate) with the recognizer's
shipped decoding settings. Latency is measured side by side: the variants take turns within each
repetition, so a change in machine load hits all of them alike. Each figure is seconds of
compute per second of audio; the headline is the fastest repetition (on a shared machine the
least disturbed one, the closest to a dedicated device), and the median is kept beside it.
"runner" times the network alone on precomputed features; "end to end" times
Recognizer.transcribe (features, network and beam decoding).
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edge.audio import TARGET_RATE, read_audio
from edge.bundle import Bundle
from edge.frontend import LogMel
from quantize.evalsets import EvalSet
from quantize.variants import Variant, open_recognizer

THREADS = (1, 2)
CLIP_S = 10.0  # latency clip: long enough that per-call overhead does not dominate
REPEATS = 9


@dataclass(frozen=True, slots=True)
class SetAccuracy:
    """One variant on one evaluation set."""

    set_name: str
    kind: str
    utterances: int
    words: int
    word_errors: int
    chars: int
    char_errors: int
    agreement: float  # fraction of utterances whose transcript equals the fp32 reference's

    @property
    def wer(self) -> float:
        return self.word_errors / self.words if self.words else math.nan

    @property
    def cer(self) -> float:
        return self.char_errors / self.chars if self.chars else math.nan

    def to_dict(self) -> dict:
        return {"set": self.set_name, "kind": self.kind, "utterances": self.utterances, "words": self.words,
                "word_errors": self.word_errors, "wer": _finite(self.wer), "chars": self.chars,
                "char_errors": self.char_errors, "cer": _finite(self.cer), "agreement": _finite(self.agreement)}


@dataclass(frozen=True, slots=True)
class Latency:
    """Compute seconds per second of audio at one thread count: fastest repetition, and median."""

    threads: int
    runner_s_per_s: float
    end_to_end_s_per_s: float
    runner_median_s_per_s: float = math.nan
    end_to_end_median_s_per_s: float = math.nan

    def to_dict(self) -> dict:
        return {"threads": self.threads, "runner_s_per_s": self.runner_s_per_s,
                "end_to_end_s_per_s": self.end_to_end_s_per_s,
                "runner_median_s_per_s": _finite(self.runner_median_s_per_s),
                "end_to_end_median_s_per_s": _finite(self.end_to_end_median_s_per_s)}


@dataclass(frozen=True)
class Measurement:
    """Everything measured about one variant."""

    variant: Variant
    size_bytes: int
    accuracy: tuple[SetAccuracy, ...] = ()
    latency: tuple[Latency, ...] = ()
    peak_rss_mb: float = math.nan  # a fresh process loading this variant and transcribing the clip
    before_model_rss_mb: float = math.nan  # the same process before it loaded the network
    extra: dict = field(default_factory=dict)

    def latency_at(self, threads: int) -> Latency | None:
        return next((lat for lat in self.latency if lat.threads == threads), None)

    def pooled(self, kind: str) -> tuple[int, int]:
        """(word errors, reference words) over every set of `kind`."""
        sets = [a for a in self.accuracy if a.kind == kind]
        return sum(a.word_errors for a in sets), sum(a.words for a in sets)

    def pooled_wer(self, kind: str) -> float:
        errors, words = self.pooled(kind)
        return errors / words if words else math.nan

    def to_dict(self) -> dict:
        return {"variant": self.variant.to_dict(), "size_bytes": self.size_bytes,
                "accuracy": [a.to_dict() for a in self.accuracy],
                "latency": [lat.to_dict() for lat in self.latency],
                "peak_rss_mb": _finite(self.peak_rss_mb), "before_model_rss_mb": _finite(self.before_model_rss_mb),
                **self.extra}


def validate(bundle: Bundle, variants: Sequence[Variant], sets: Sequence[EvalSet], clip: np.ndarray, *,
             threads: Sequence[int] = THREADS, repeats: int = REPEATS, rss: bool = True,
             progress=None) -> list[Measurement]:
    """Measure each variant; the first must be the fp32 reference that agreement is counted against."""
    if not variants or not variants[0].is_reference:
        raise ValueError("the first variant must be the fp32 ONNX reference")
    say = progress or (lambda message: None)
    accuracy: dict[str, list[SetAccuracy]] = {v.name: [] for v in variants}
    for eval_set in sets:
        reference_hypotheses = None
        for variant in variants:
            say(f"evaluating {variant.name} on {eval_set.name} ({len(eval_set.utterances)} utterances)")
            result, hypotheses = evaluate_variant(bundle, variant, eval_set)
            if variant.is_reference:
                reference_hypotheses = hypotheses
            accuracy[variant.name].append(_set_accuracy(eval_set, result, hypotheses, reference_hypotheses))
    say(f"timing {len(variants)} variants side by side at {', '.join(map(str, threads))} thread(s)")
    latencies = {v.name: [] for v in variants}
    for count in threads:
        for name, latency in measure_latency(bundle, variants, clip, count, repeats).items():
            latencies[name].append(latency)
    memory = {}
    if rss:
        say("measuring peak memory in child processes")
        memory = {v.name: measure_peak_rss(bundle, v, clip) for v in variants}
    return [Measurement(v, (bundle.path / v.file).stat().st_size, tuple(accuracy[v.name]),
                        tuple(latencies[v.name]), *memory.get(v.name, (math.nan, math.nan)))
            for v in variants]


def evaluate_variant(bundle: Bundle, variant: Variant, eval_set: EvalSet):
    """earshot eval's result for one variant on one set, and its normalised transcripts by utterance id."""
    from train.evaluation import evaluate

    recognizer = open_recognizer(bundle, variant, threads=1)
    result = evaluate(recognizer, eval_set.utterances, manifest=str(eval_set.manifest), progress=False)
    return result, {r.id: r.hypothesis_norm for r in result.records}


def _set_accuracy(eval_set: EvalSet, result, hypotheses: dict, reference: dict) -> SetAccuracy:
    same = sum(hypotheses[key] == reference.get(key) for key in hypotheses)
    return SetAccuracy(eval_set.name, eval_set.kind, len(result.records), result.words.reference_length,
                       result.words.errors, result.chars.reference_length, result.chars.errors,
                       same / len(hypotheses) if hypotheses else math.nan)


def measure_latency(bundle: Bundle, variants: Sequence[Variant], clip: np.ndarray, threads: int,
                    repeats: int = REPEATS) -> dict[str, Latency]:
    """Runner-only and end-to-end seconds per audio second of each variant, the variants taking turns."""
    duration_s = len(clip) / TARGET_RATE
    feats = LogMel(bundle.frontend)(clip)
    recognizers = {v.name: open_recognizer(bundle, v, threads) for v in variants}
    runner_times = {name: [] for name in recognizers}
    e2e_times = {name: [] for name in recognizers}
    for name in recognizers:  # warm-up: first calls allocate, resize and JIT
        recognizers[name].run_model(feats)
        recognizers[name].transcribe(clip)
    for _ in range(repeats):
        for name in recognizers:
            start = time.perf_counter()
            recognizers[name].run_model(feats)
            runner_times[name].append(time.perf_counter() - start)
            start = time.perf_counter()
            recognizers[name].transcribe(clip)
            e2e_times[name].append(time.perf_counter() - start)
    return {name: Latency(threads, min(runner_times[name]) / duration_s, min(e2e_times[name]) / duration_s,
                          statistics.median(runner_times[name]) / duration_s,
                          statistics.median(e2e_times[name]) / duration_s) for name in recognizers}


def measure_peak_rss(bundle: Bundle, variant: Variant, clip: np.ndarray, threads: int = 1) -> tuple[float, float]:
    """(peak, before loading) RSS in MB of a child process that loads `variant` and transcribes `clip`."""
    with tempfile.TemporaryDirectory(prefix="earshot-rss-") as tmp:
        clip_file = Path(tmp) / "clip.npy"
        np.save(clip_file, clip.astype(np.float32))
        command = [sys.executable, "-m", "quantize.rss_probe", str(bundle.path), str(clip_file),
                   "--variant", variant.name, "--runtime", variant.runtime, "--precision", variant.precision,
                   "--threads", str(threads)]
        package_root = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])))
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"peak-memory probe failed for {variant.name}:\n"
                           + "\n".join(result.stderr.strip().splitlines()[-10:]))
    data = json.loads(result.stdout.strip().splitlines()[-1])
    return float(data["peak_rss_mb"]), float(data["before_model_rss_mb"])


def latency_clip(sets: Sequence[EvalSet], fallback: Sequence[Path] = (), duration_s: float = CLIP_S) -> np.ndarray:
    """`duration_s` of real speech: evaluation utterances (else `fallback` audio) joined end to end."""
    wanted = int(duration_s * TARGET_RATE)
    pieces, total = [], 0
    paths = [u.audio for s in sets for u in s.utterances] + list(fallback)
    for path in paths:
        samples = read_audio(path).samples
        pieces.append(samples)
        total += len(samples)
        if total >= wanted:
            break
    if total == 0:
        raise ValueError("no audio to build a latency clip from")
    clip = np.concatenate(pieces)
    while len(clip) < wanted:  # too little audio: repeat it
        clip = np.concatenate([clip, clip])
    return clip[:wanted].astype(np.float32)


def _finite(value: float):
    return value if isinstance(value, (int, float)) and math.isfinite(value) else None
