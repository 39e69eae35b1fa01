"""Fit the confidence calibration map that edge.confidence.apply_calibration reads.

From held-out pairs (raw confidence or features, correct) where correct means "the utterance
(or word) was recognised without error":

- isotonic: pool-adjacent-violators (Barlow et al. 1972) on raw confidence, a non-decreasing
  step function stored as the ends of its steps, so apply_calibration's linear interpolation
  keeps each step flat and joins neighbouring steps with a straight line;
- platt: p = sigmoid(a * raw + b) by Newton's method, with Platt's target smoothing
  (targets (n+ + 1) / (n+ + 2) and 1 / (n- + 2); Platt 1999) so separable data stays finite;
- logistic: p = sigmoid(bias + sum_i w_i (f_i - mean_i) / scale_i) over named utterance features
  (edge.confidence.FEATURE_NAMES), by Newton's method with an L2 penalty on w.

A bundle's calibration.json holds one map, or {"utterance": map, "word": map}. Bundles get both
(fit_bundle_calibration): the utterance map by logistic regression over the utterance features, then
the word map by logistic regression over the word features (edge.confidence.word_features: the raw
word confidence and the utterance's confidence under the map just fitted) against whether each
returned word was right (train/evaluation/word_confidence.py), on results decoded by
recognizer_for_calibration.

    python -m train.calibrate RECORDS.jsonl OUT.json [--method isotonic|platt|logistic]

RECORDS.jsonl: one object per line with "raw" (float), "correct" (bool) and, for logistic,
"features" (the dict Decoded.features.as_dict() returns).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from edge.confidence import (FEATURE_NAMES, WORD_FEATURE_NAMES, apply_calibration, check_calibration,
                             word_features)

METHODS = ("isotonic", "platt", "logistic")
NEWTON_ITERATIONS = 100
NEWTON_TOLERANCE = 1e-10
DEFAULT_L2 = 1.0  # penalty on standardised logistic weights: mild, keeps small sets stable
# Newton's method for Platt scaling needs a tiny ridge to stay solvable when raw is constant.
PLATT_RIDGE = 1e-9


def fit_isotonic(raw: Sequence[float], correct: Sequence[bool]) -> dict:
    """Isotonic (non-decreasing) map from raw confidence to accuracy, by pool-adjacent-violators."""
    x, y = _checked_pairs(raw, correct)
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    # equal raw values share one estimate, so pool them before anything else
    unique_x, first = np.unique(x, return_index=True)
    sums = np.add.reduceat(y, first)
    counts = np.diff(np.r_[first, x.size]).astype(np.float64)
    blocks: list[list[float]] = []  # [sum, count, x_low, x_high]
    for value, total, count in zip(unique_x, sums, counts):
        blocks.append([total, count, value, value])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1]:
            total, count, _, high = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
            blocks[-1][3] = high
    xs: list[float] = []
    ys: list[float] = []
    for total, count, low, high in blocks:
        for point in ((low,) if low == high else (low, high)):
            xs.append(float(point))
            ys.append(float(total / count))
    return {"method": "isotonic", "x": xs, "y": ys}


def fit_platt(raw: Sequence[float], correct: Sequence[bool]) -> dict:
    """Platt scaling: a and b of sigmoid(a * raw + b)."""
    x, y = _checked_pairs(raw, correct)
    positives = float(y.sum())
    negatives = float(y.size - positives)
    targets = np.where(y > 0, (positives + 1.0) / (positives + 2.0), 1.0 / (negatives + 2.0))
    design = np.column_stack([x, np.ones_like(x)])
    a, b = _newton_logistic(design, targets, penalty=np.array([PLATT_RIDGE, PLATT_RIDGE]))
    return {"method": "platt", "a": float(a), "b": float(b)}


def fit_logistic(features: Sequence[Mapping[str, float]], correct: Sequence[bool],
                 names: Sequence[str] = FEATURE_NAMES, l2: float = DEFAULT_L2) -> dict:
    """Logistic regression over named utterance or word features, standardised; returns a "logistic" map."""
    known = (*FEATURE_NAMES, *WORD_FEATURE_NAMES)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown features {unknown}; known: {', '.join(known)}")
    if len(features) != len(correct):
        raise ValueError(f"{len(features)} feature rows but {len(correct)} labels")
    if not features:
        raise ValueError("no calibration data")
    try:
        matrix = np.array([[float(row[n]) for n in names] for row in features], dtype=np.float64)
    except KeyError as exc:
        raise ValueError(f"a feature row lacks {exc}") from None
    if not np.isfinite(matrix).all():
        raise ValueError("features must be finite")
    y = np.asarray(correct, dtype=np.float64)
    mean = matrix.mean(axis=0)
    scale = matrix.std(axis=0)
    scale[scale == 0.0] = 1.0
    design = np.column_stack([(matrix - mean) / scale, np.ones(len(y))])
    penalty = np.r_[np.full(len(names), float(l2)), PLATT_RIDGE]
    coefficients = _newton_logistic(design, y, penalty)
    return {"method": "logistic", "features": list(names), "weights": coefficients[:-1].tolist(),
            "bias": float(coefficients[-1]), "mean": mean.tolist(), "scale": scale.tolist()}


def fit_calibration(records: Sequence[Mapping], method: str = "isotonic") -> dict:
    """Fit `method` from records with "raw", "correct" and (for logistic) "features"."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    correct = [bool(r["correct"]) for r in records]
    if method == "logistic":
        calibration = fit_logistic([r["features"] for r in records], correct)
    else:
        raw = [float(r["raw"]) for r in records]
        calibration = fit_isotonic(raw, correct) if method == "isotonic" else fit_platt(raw, correct)
    check_calibration(calibration)
    return calibration


def fit_on_results(results: Sequence, method: str = "logistic") -> dict:
    """Fit `method` on evaluation results (train.evaluation's UtteranceResult: transcript, correct)."""
    return fit_calibration([{"raw": r.transcript.raw_confidence, "features": r.transcript.features,
                             "correct": r.correct} for r in results], method=method)


def fit_bundle_calibration(results: Sequence) -> dict:
    """A bundle's calibration from evaluation results decoded by recognizer_for_calibration:
    {"utterance": logistic map, "word": logistic map over the word features}, or the utterance
    map alone when no word came out."""
    utterance = fit_on_results(results, method="logistic")
    rows: list[dict[str, float]] = []
    correct: list[bool] = []
    for result in results:
        confidence = apply_calibration(result.transcript.raw_confidence, utterance, result.features)
        for outcome in result.word_outcomes:
            rows.append(word_features(outcome.confidence, confidence, outcome.word))
            correct.append(outcome.correct)
    if not rows:
        return utterance
    calibration = {"utterance": utterance, "word": fit_logistic(rows, correct, names=WORD_FEATURE_NAMES)}
    check_calibration(calibration)
    return calibration


def recognizer_for_calibration(bundle: Path):
    """The bundle's Recognizer with its word map left out, so that its words' confidences come
    out raw: what a new word map is fitted on (the utterance map reads raw features anyway)."""
    from dataclasses import replace

    from edge.confidence import split_calibration
    from edge.decoding.decoder import CtcDecoder
    from edge.recognizer import Recognizer

    recognizer = Recognizer.load(bundle)
    utterance_map, _ = split_calibration(recognizer.bundle.calibration)
    without_word_map = replace(recognizer.bundle, calibration=utterance_map)
    recognizer.decoder = CtcDecoder.from_bundle(without_word_map, recognizer.options.decoder)
    return recognizer


def main(argv: list[str] | None = None) -> int:
    """Command line: fit a map from RECORDS.jsonl and write it as JSON."""
    parser = argparse.ArgumentParser(prog="python -m train.calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("records", type=Path, help="JSONL with raw, correct and features per line")
    parser.add_argument("out", type=Path, help="calibration JSON to write")
    parser.add_argument("--method", choices=METHODS, default="isotonic")
    args = parser.parse_args(argv)
    try:
        lines = args.records.read_text(encoding="utf-8").splitlines()
        records = [json.loads(line) for line in lines if line.strip()]
        calibration = fit_calibration(records, args.method)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"{args.records}: {exc}", file=sys.stderr)
        return 2
    args.out.write_text(json.dumps(calibration, indent=1) + "\n", encoding="utf-8")
    return 0


def _checked_pairs(raw: Sequence[float], correct: Sequence[bool]) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(raw, dtype=np.float64)
    y = np.asarray(correct, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"raw and correct must be 1-D and of equal length, got {x.shape} and {y.shape}")
    if x.size == 0:
        raise ValueError("no calibration data")
    if not np.isfinite(x).all():
        raise ValueError("raw confidences must be finite")
    return x, y


def _newton_logistic(design: np.ndarray, targets: np.ndarray, penalty: np.ndarray) -> np.ndarray:
    """Coefficients minimising log-loss + 0.5 * sum(penalty * w**2), by Newton's method."""
    weights = np.zeros(design.shape[1])
    for _ in range(NEWTON_ITERATIONS):
        z = np.clip(design @ weights, -500.0, 500.0)
        p = 1.0 / (1.0 + np.exp(-z))
        gradient = design.T @ (p - targets) + penalty * weights
        hessian = (design * (p * (1.0 - p))[:, None]).T @ design + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if float(np.abs(step).max()) < NEWTON_TOLERANCE:
            break
    if not np.isfinite(weights).all():
        raise ValueError("logistic fit did not converge")
    return weights


if __name__ == "__main__":
    sys.exit(main())
