"""Confidence in [0, 1] for words and utterances from CTC posteriors, and the calibration map.

Word confidence. A word owns the steps from just after the previous word's separator (step 0
for the first word) to the end of its own separator (the last step for the last word). With
p_t(x) the posterior of token x at step t and the decoded alignment (decoding/alignment.py):

    peak(c)        = max over the steps of character c's run of p_t(c)   (also for the separator)
    competitor(t)  = max over tokens x not blank and not the tokens emitted just before and
                     just after t of p_t(x), for each blank step t the word owns; the separator
                     competes only inside a word (between two of its letters), since an extra
                     separator at a word boundary or an utterance edge changes no text
    acoustic(word) = min( min over its characters and separator of peak(c),
                          min over its blank steps of 1 - competitor(t) )

so a word is as doubtful as its least certain character (a substitution or an insertion) or
its likeliest missing character (a deletion). Blank/repeat splits of one character do not count
against it. With a beam, the word's n-best support multiplies in:

    support(word_k) = sum of the n-best posteriors of the hypotheses that have word_k among their
                      words k-1, k, k+1, where posterior = softmax of the hypotheses' scores
    word confidence = acoustic(word) * support(word)          (support = 1 for greedy)

Utterance confidence. Features (UtteranceFeatures): mean and min word confidence, the best
hypothesis's n-best posterior (the margin over the runner-up; 1 for greedy), the fraction of
words outside the decoder's vocabulary, the LM's natural-log probability per word, the word
count, the audio's level above 4 kHz (edge/frontend/bandwidth.py: narrowband audio, which
the model handles worse, is told apart there), the mean entropy of the network's per-step token
distributions (frame_entropy, nats: noise and voices unlike training's spread the posteriors of
every step, not only of the decoded words') and the log of the window's length in seconds. An
empty transcript has one pseudo-word whose confidence is the smallest blank posterior over the
steps (how sure the least sure step is that nothing was said).
The uncalibrated (raw) confidence is

    raw = sqrt(mean_word * min_word) * top_posterior * (1 - OOV_WEIGHT * oov_rate)

Calibration maps raw (or the features) to the probability that the utterance is right, fitted
on held-out data by `train/calibrate.py`. A bundle's calibration.json holds one map for the
utterance, or {"utterance": map, "word": map}. The word map gives the probability that a word is
right; a one-number map reads the word's raw confidence, a logistic one its WORD_FEATURE_NAMES
(word_features): the log-odds of its raw confidence and of its utterance's calibrated confidence,
and the log of its length. A word's posteriors alone do not tell an out-of-domain utterance's
clearly spoken but wrong words from right ones; the utterance's confidence does. A map is one of

    {"method": "identity"}
    {"method": "isotonic", "x": [...], "y": [...]}   piecewise-linear through (x, y), x increasing,
                                                      flat beyond the ends
    {"method": "platt", "a": a, "b": b}               1 / (1 + exp(-(a * raw + b)))
    {"method": "logistic", "features": [names], "weights": [...], "bias": b,
     "mean": [...], "scale": [...]}                   1 / (1 + exp(-(b + sum_i w_i (f_i - mean_i) / scale_i)))
                                                      over named features (FEATURE_NAMES, or
                                                      WORD_FEATURE_NAMES in a word map); mean
                                                      and scale are optional (0 and 1)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from edge.decoding.alignment import TokenSpan, WordSpan

# How much words outside the vocabulary lower the raw utterance confidence: an utterance of
# only such words keeps half of it. The edge model is trained on its domain's words; words
# outside them are where its errors concentrate.
OOV_WEIGHT = 0.5
# Smallest value whose log a feature takes, so that a zero confidence stays finite.
LOG_FLOOR = 1e-6
# A window's length in seconds is floored here before its log is taken (an empty window has none).
MIN_DURATION_S = 0.01
FEATURE_NAMES = ("log_mean_word", "log_min_word", "log_top_posterior", "oov_rate",
                 "lm_log_prob_per_word", "n_words", "log_raw", "high_band", "frame_entropy", "log_duration")
WORD_FEATURE_NAMES = ("log_odds_word", "log_odds_utterance", "log_word_length")
CALIBRATION_METHODS = ("identity", "isotonic", "platt", "logistic")


@dataclass(frozen=True, slots=True)
class UtteranceFeatures:
    """What the utterance confidence is computed from (see the module docstring)."""

    mean_word: float
    min_word: float
    top_posterior: float
    oov_rate: float
    lm_log_prob_per_word: float
    n_words: int
    high_band: float = 0.0  # the audio's level above 4 kHz (edge.frontend.bandwidth); 0.0 when unknown
    frame_entropy: float = 0.0  # mean entropy (nats) of the per-step token distributions (mean_frame_entropy)
    duration_s: float = 0.0  # the decoded window's length

    @property
    def raw(self) -> float:
        """Uncalibrated utterance confidence in [0, 1]."""
        value = math.sqrt(self.mean_word * self.min_word) * self.top_posterior
        return _clip01(value * (1.0 - OOV_WEIGHT * self.oov_rate))

    def as_dict(self) -> dict[str, float]:
        """The named features a logistic calibration map reads (FEATURE_NAMES)."""
        return {
            "log_mean_word": math.log(max(self.mean_word, LOG_FLOOR)),
            "log_min_word": math.log(max(self.min_word, LOG_FLOOR)),
            "log_top_posterior": math.log(max(self.top_posterior, LOG_FLOOR)),
            "oov_rate": self.oov_rate,
            "lm_log_prob_per_word": self.lm_log_prob_per_word,
            "n_words": float(self.n_words),
            "log_raw": math.log(max(self.raw, LOG_FLOOR)),
            "high_band": self.high_band,
            "frame_entropy": self.frame_entropy,
            "log_duration": math.log(max(self.duration_s, MIN_DURATION_S)),
        }

    def to_dict(self) -> dict:
        return asdict(self)


def word_acoustic_confidences(log_probs: np.ndarray, path: np.ndarray, spans: list[TokenSpan],
                              words: list[WordSpan], blank_id: int, separator_id: int) -> list[float]:
    """acoustic(word) for each word of an alignment (module docstring)."""
    if not words:
        return []
    n_steps = log_probs.shape[0]
    path = np.asarray(path)
    on_path = np.exp(np.asarray(log_probs[np.arange(n_steps), path], dtype=np.float64))
    on_path[path == blank_id] = 0.0
    firsts = np.array([span.first_step for span in spans], dtype=np.int64)
    # max over [first step of a span, first step of the next span): the span's run, then blanks
    peak_of = dict(zip(firsts.tolist(), np.maximum.reduceat(on_path, firsts).tolist()))
    competitor = _blank_step_competitors(log_probs, path, spans, blank_id, separator_id)
    starts = [0]
    for word in words[:-1]:
        owned_last = word.separator if word.separator is not None else word.chars[-1]
        starts.append(owned_last.last_step + 1)
    worst_gaps = np.maximum.reduceat(competitor, np.array(starts, dtype=np.int64)).tolist()
    confidences = []
    for word, worst_gap in zip(words, worst_gaps):
        peak = min(peak_of[span.first_step] for span in word.chars)
        if word.separator is not None:
            peak = min(peak, peak_of[word.separator.first_step])
        confidences.append(_clip01(min(peak, 1.0 - worst_gap)))
    return confidences


def mean_frame_entropy(log_probs: np.ndarray) -> float:
    """Mean over the steps of (steps, tokens) log-probabilities of each step's entropy in nats:
    0 when every step is sure of one token; 0.0 for no steps."""
    if not len(log_probs):
        return 0.0
    log_probs = np.asarray(log_probs, dtype=np.float64)
    probs = np.exp(log_probs)
    terms = np.multiply(probs, log_probs, out=np.zeros_like(probs), where=probs > 0.0)  # 0 log 0 = 0
    return float(-terms.sum(axis=1).mean())


def word_features(word_confidence: float, utterance_confidence: float, word: str) -> dict[str, float]:
    """The named features a logistic word map reads (WORD_FEATURE_NAMES): the log-odds of the
    word's raw confidence and of its utterance's calibrated confidence, and the log of the word's
    length in characters."""
    return {"log_odds_word": _log_odds(word_confidence), "log_odds_utterance": _log_odds(utterance_confidence),
            "log_word_length": math.log(max(len(word), 1))}


def _log_odds(p: float) -> float:
    p = min(max(p, LOG_FLOOR), 1.0 - LOG_FLOOR)
    return math.log(p / (1.0 - p))


def nbest_posteriors(scores: Sequence[float]) -> np.ndarray:
    """Softmax of hypothesis scores (nats): each hypothesis's share of the n-best."""
    values = np.asarray(scores, dtype=np.float64)
    if values.size == 0:
        return values
    weights = np.exp(values - values.max())
    return weights / weights.sum()


def word_support(best_words: Sequence[str], nbest_words: Sequence[Sequence[str]],
                 posteriors: np.ndarray) -> list[float]:
    """support(word_k): the n-best posterior mass of hypotheses with word k near position k."""
    support = []
    for k, word in enumerate(best_words):
        nearby = slice(max(k - 1, 0), k + 2)
        mass = sum(float(p) for words, p in zip(nbest_words, posteriors) if word in words[nearby])
        support.append(_clip01(mass))
    return support


def utterance_features(word_confidences: Sequence[float], top_posterior: float, oov_rate: float,
                       lm_log_prob_per_word: float, blank_confidence: float,
                       high_band: float = 0.0, frame_entropy: float = 0.0,
                       duration_s: float = 0.0) -> UtteranceFeatures:
    """Collect the utterance features; `blank_confidence` stands in for words when there are none."""
    values = list(word_confidences) or [blank_confidence]
    return UtteranceFeatures(
        mean_word=_clip01(sum(values) / len(values)),
        min_word=_clip01(min(values)),
        top_posterior=_clip01(top_posterior),
        oov_rate=_clip01(oov_rate),
        lm_log_prob_per_word=float(lm_log_prob_per_word),
        n_words=len(word_confidences),
        high_band=float(high_band),
        frame_entropy=float(frame_entropy),
        duration_s=float(duration_s),
    )


def split_calibration(calibration: Mapping | None) -> tuple[Mapping | None, Mapping | None]:
    """(utterance map, word map) from a bundle's calibration (either may be None)."""
    if calibration is None:
        return None, None
    if "method" in calibration:
        return calibration, None
    return calibration.get("utterance"), calibration.get("word")


def check_calibration(calibration: Mapping | None) -> None:
    """Raise ValueError, saying what is wrong, if `calibration` is not a map apply_calibration reads."""
    if calibration is None:
        return
    if not isinstance(calibration, Mapping):
        raise ValueError(f"calibration must be a JSON object, got {type(calibration).__name__}")
    if "method" not in calibration:
        unknown = set(calibration) - {"utterance", "word"}
        if unknown or not calibration:
            raise ValueError("calibration must have a 'method', or 'utterance' and/or 'word' maps; "
                             f"got keys {sorted(calibration)}")
        for part, known in (("utterance", FEATURE_NAMES), ("word", WORD_FEATURE_NAMES)):
            if calibration.get(part) is not None:
                if not isinstance(calibration[part], Mapping) or "method" not in calibration[part]:
                    raise ValueError(f"calibration '{part}' map has no 'method'")
                _check_map(calibration[part], known)
        return
    _check_map(calibration, FEATURE_NAMES)


def _check_map(calibration: Mapping, known: Sequence[str]) -> None:
    """Raise ValueError if `calibration` is not one map whose logistic features are among `known`."""
    method = calibration["method"]
    if method not in CALIBRATION_METHODS:
        raise ValueError(f"unknown calibration method {method!r}; expected one of "
                         f"{', '.join(CALIBRATION_METHODS)}")
    if method == "isotonic":
        x, y = calibration.get("x"), calibration.get("y")
        if not isinstance(x, Sequence) or not isinstance(y, Sequence) or len(x) != len(y) or not x:
            raise ValueError("isotonic calibration needs lists 'x' and 'y' of the same non-zero length")
        if any(b < a for a, b in zip(x, x[1:])):
            raise ValueError("isotonic calibration 'x' must be increasing")
    elif method == "platt":
        for key in ("a", "b"):
            if not isinstance(calibration.get(key), (int, float)):
                raise ValueError(f"platt calibration needs a number '{key}'")
    elif method == "logistic":
        names, weights = calibration.get("features"), calibration.get("weights")
        if not isinstance(names, Sequence) or not isinstance(weights, Sequence) or len(names) != len(weights):
            raise ValueError("logistic calibration needs lists 'features' and 'weights' of the same length")
        unknown = [name for name in names if name not in known]
        if unknown:
            raise ValueError(f"logistic calibration: unknown features {unknown}; "
                             f"known: {', '.join(known)}")
        for key in ("mean", "scale"):
            if key in calibration and len(calibration[key]) != len(names):
                raise ValueError(f"logistic calibration '{key}' must have one value per feature")
        if not isinstance(calibration.get("bias", 0.0), (int, float)):
            raise ValueError("logistic calibration 'bias' must be a number")


def apply_calibration(raw: float, calibration: Mapping | None,
                      features: Mapping[str, float] | None = None) -> float:
    """Map a raw confidence (or, for "logistic", named features) through a calibration map to [0, 1]."""
    if calibration is None:
        return _clip01(raw)
    method = calibration.get("method")
    if method == "identity":
        return _clip01(raw)
    if method == "isotonic":
        return _clip01(float(np.interp(raw, calibration["x"], calibration["y"])))
    if method == "platt":
        return _sigmoid(float(calibration["a"]) * raw + float(calibration["b"]))
    if method == "logistic":
        if features is None:
            raise ValueError("logistic calibration needs the utterance features")
        names = calibration["features"]
        means = calibration.get("mean") or [0.0] * len(names)
        scales = calibration.get("scale") or [1.0] * len(names)
        z = float(calibration.get("bias", 0.0))
        for name, weight, mean, scale in zip(names, calibration["weights"], means, scales):
            z += float(weight) * (float(features[name]) - float(mean)) / (float(scale) or 1.0)
        return _sigmoid(z)
    raise ValueError(f"unknown calibration method {method!r}; expected one of "
                     f"{', '.join(CALIBRATION_METHODS)}")


def _blank_step_competitors(log_probs: np.ndarray, path: np.ndarray, spans: list[TokenSpan],
                            blank_id: int, separator_id: int) -> np.ndarray:
    """competitor(t) at blank steps of the path, 0 elsewhere."""
    competitor = np.zeros(log_probs.shape[0])
    blank_steps = np.flatnonzero(path == blank_id)
    if blank_steps.size == 0:
        return competitor
    rows = np.exp(np.asarray(log_probs[blank_steps], dtype=np.float64))
    rows[:, blank_id] = 0.0
    # the tokens emitted just before and just after each blank step (the separator stands for
    # "none" at the utterance edges)
    tokens = np.array([separator_id] + [s.token for s in spans] + [separator_id])
    firsts = np.array([s.first_step for s in spans], dtype=np.int64)
    after = np.searchsorted(firsts, blank_steps) + 1  # index into `tokens`
    before_token, after_token = tokens[after - 1], tokens[after]
    index = np.arange(blank_steps.size)
    rows[index, before_token] = 0.0
    rows[index, after_token] = 0.0
    at_boundary = (before_token == separator_id) | (after_token == separator_id)
    rows[at_boundary, separator_id] = 0.0
    competitor[blank_steps] = rows.max(axis=1)
    return competitor


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _clip01(value: float) -> float:
    if not value > 0.0:  # also NaN
        return 0.0
    return 1.0 if value > 1.0 else float(value)
