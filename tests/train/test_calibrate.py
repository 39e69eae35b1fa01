"""Calibration fitting: isotonic (PAV), Platt and logistic maps that edge.confidence reads."""

from __future__ import annotations

import json

import numpy as np
import pytest

from edge.confidence import FEATURE_NAMES, WORD_FEATURE_NAMES, apply_calibration, check_calibration
from tests.train.eval_doubles import record
from train.calibrate import fit_bundle_calibration, fit_calibration, fit_isotonic, fit_logistic, fit_platt, main


def _noisy_pairs(seed: int = 0, n: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    raw = rng.random(n)
    correct = rng.random(n) < raw ** 2  # raw overstates accuracy
    return raw, correct


def test_pool_adjacent_violators_on_a_known_case():
    calibration = fit_isotonic([0.1, 0.2, 0.3, 0.4, 0.5], [1, 0, 0, 1, 1])
    # 1, 0, 0 pool to 1/3 over x in [0.1, 0.3]; 1, 1 pool to 1 over [0.4, 0.5]
    assert calibration == {"method": "isotonic", "x": [0.1, 0.3, 0.4, 0.5],
                           "y": pytest.approx([1 / 3, 1 / 3, 1.0, 1.0])}


def test_equal_raw_values_share_one_estimate():
    calibration = fit_isotonic([0.5, 0.5, 0.5, 0.9], [1, 0, 0, 1])
    assert calibration["x"] == [0.5, 0.9]
    assert calibration["y"] == pytest.approx([1 / 3, 1.0])


@pytest.mark.parametrize("fit", [fit_isotonic, fit_platt])
def test_maps_are_monotone_and_in_unit_interval(fit):
    raw, correct = _noisy_pairs()
    calibration = fit(raw, correct)
    check_calibration(calibration)
    grid = np.linspace(-0.2, 1.2, 141)
    mapped = np.array([apply_calibration(x, calibration) for x in grid])
    assert np.all(np.diff(mapped) >= -1e-12)
    assert np.all((mapped >= 0.0) & (mapped <= 1.0))


@pytest.mark.parametrize("fit", [fit_isotonic, fit_platt])
def test_maps_follow_the_observed_accuracy(fit):
    raw, correct = _noisy_pairs(seed=1, n=20000)
    calibration = fit(raw, correct)
    for x in (0.3, 0.5, 0.8):
        assert apply_calibration(x, calibration) == pytest.approx(x ** 2, abs=0.08)


def test_platt_stays_finite_on_separable_data():
    calibration = fit_platt([0.1, 0.2, 0.8, 0.9], [False, False, True, True])
    assert np.isfinite([calibration["a"], calibration["b"]]).all()
    assert calibration["a"] > 0
    assert apply_calibration(0.9, calibration) > 0.5 > apply_calibration(0.1, calibration)


def test_logistic_finds_the_informative_feature():
    rng = np.random.default_rng(3)
    rows = [{name: float(rng.normal()) for name in FEATURE_NAMES} for _ in range(1000)]
    correct = [row["log_min_word"] + 0.3 * rng.normal() > 0 for row in rows]
    calibration = fit_logistic(rows, correct)
    check_calibration(calibration)
    weights = dict(zip(calibration["features"], calibration["weights"]))
    assert weights["log_min_word"] > 2.0
    assert all(abs(w) < 0.5 for name, w in weights.items() if name != "log_min_word")
    high = apply_calibration(0.0, calibration, {**rows[0], "log_min_word": 2.0})
    low = apply_calibration(0.0, calibration, {**rows[0], "log_min_word": -2.0})
    assert high > 0.9 and low < 0.1


def test_a_bundles_calibration_has_an_utterance_map_and_a_word_map_that_reads_both_confidences():
    """Words are right when their raw confidence is high and their utterance is right; the word map
    learns both (the utterance's confidence under the utterance map fitted first)."""
    rng = np.random.default_rng(5)
    results = []
    for i in range(600):
        features = {name: float(rng.normal()) for name in FEATURE_NAMES}
        utterance_right = features["log_top_posterior"] + 0.3 * rng.normal() > 0
        confidences = rng.random(3).tolist()
        words = ["go", "home", "now"]
        said = [w if utterance_right and c > 0.3 else "no" for w, c in zip(words, confidences)]
        results.append(record(" ".join(words), " ".join(said), word_confidences=confidences,
                              raw_confidence=0.5, features=features, id=f"u{i}"))
    calibration = fit_bundle_calibration(results)
    check_calibration(calibration)
    assert calibration["utterance"]["method"] == calibration["word"]["method"] == "logistic"
    weights = dict(zip(calibration["word"]["features"], calibration["word"]["weights"]))
    assert list(weights) == list(WORD_FEATURE_NAMES)
    assert weights["log_odds_word"] > 0.5 and weights["log_odds_utterance"] > 0.5
    # results whose transcripts have no words get the utterance map alone
    plain = [record("go", "go" if i % 2 else "no", raw_confidence=0.5, features=r.features, id=f"p{i}")
             for i, r in enumerate(results[:50])]
    assert fit_bundle_calibration(plain)["method"] == "logistic"


@pytest.mark.parametrize("call, message", [
    (lambda: fit_isotonic([], []), "no calibration data"),
    (lambda: fit_platt([0.1, 0.2], [True]), "equal length"),
    (lambda: fit_isotonic([float("nan")], [True]), "finite"),
    (lambda: fit_logistic([{"n_words": 1.0}], [True], names=["n_words", "shoe_size"]), "unknown features"),
    (lambda: fit_logistic([{"n_words": 1.0}], [True]), "lacks"),
    (lambda: fit_calibration([{"raw": 0.5, "correct": True}], method="magic"), "unknown method"),
])
def test_bad_input_is_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_command_line_writes_a_map(tmp_path):
    raw, correct = _noisy_pairs(n=300)
    records = tmp_path / "records.jsonl"
    records.write_text("".join(json.dumps({"raw": float(r), "correct": bool(c)}) + "\n"
                               for r, c in zip(raw, correct)))
    out = tmp_path / "calibration.json"
    assert main([str(records), str(out), "--method", "platt"]) == 0
    calibration = json.loads(out.read_text())
    assert calibration["method"] == "platt"
    check_calibration(calibration)
