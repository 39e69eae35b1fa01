"""Tests for train/evaluation/calibration_metrics.py on cases whose answers are known."""

import math

import pytest

from train.evaluation.calibration_metrics import (
    auroc, escalation_curve, expected_calibration_error, reliability_bins)


def test_auroc_perfect_inverted_and_chance():
    assert auroc([0.9, 0.8, 0.2, 0.1], [True, True, False, False]) == 1.0
    assert auroc([0.1, 0.2, 0.8, 0.9], [True, True, False, False]) == 0.0
    assert auroc([0.5, 0.5, 0.5, 0.5], [True, False, True, False]) == 0.5


def test_auroc_counts_pairs_and_half_ties():
    # positives 0.8, 0.4; negatives 0.6, 0.4, 0.2
    # pairs: 0.8 beats all 3; 0.4 beats 0.2, ties 0.4, loses to 0.6 -> (3 + 1 + 0.5) / 6
    assert auroc([0.8, 0.4, 0.6, 0.4, 0.2], [True, True, False, False, False]) == pytest.approx(4.5 / 6)


def test_auroc_undefined_for_one_class():
    assert math.isnan(auroc([0.1, 0.2], [True, True]))
    assert math.isnan(auroc([], []))


def test_auroc_rejects_mismatched_lengths():
    with pytest.raises(ValueError):
        auroc([0.1, 0.2], [True])


def test_ece_zero_when_confidence_matches_accuracy():
    # bin 0.7-0.8: confidence 0.75 each, 3 of 4 correct -> perfectly calibrated
    assert expected_calibration_error([0.75] * 4, [True, True, True, False]) == pytest.approx(0.0)


def test_ece_of_overconfident_model():
    # all at 0.95, half right: |0.5 - 0.95| = 0.45
    assert expected_calibration_error([0.95] * 4, [True, False, True, False]) == pytest.approx(0.45)


def test_ece_weights_bins_by_count():
    # bin 0.9-1.0: 3 at 1.0, all right -> gap 0; bin 0.0-0.1: 1 at 0.0, right -> gap 1
    assert expected_calibration_error([1.0, 1.0, 1.0, 0.0], [True] * 4) == pytest.approx(0.25)


def test_reliability_bins_equal_width_with_one_included_in_last_bin():
    bins = reliability_bins([0.05, 0.55, 0.6, 1.0], [False, True, False, True], n_bins=4)
    assert [(b.lower, b.upper, b.count) for b in bins] == [
        (0.0, 0.25, 1), (0.25, 0.5, 0), (0.5, 0.75, 2), (0.75, 1.0, 1)]
    assert bins[2].mean_confidence == pytest.approx(0.575) and bins[2].accuracy == 0.5
    assert math.isnan(bins[1].accuracy) and bins[1].to_dict()["accuracy"] is None
    assert bins[3].accuracy == 1.0


def test_escalation_curve():
    points = escalation_curve([0.2, 0.4, 0.6, 0.9], [False, False, True, True], thresholds=(0.5, 0.3))
    assert points[0].escalated == 0.5 and points[0].errors_escalated == 1.0 and points[0].kept_accuracy == 1.0
    assert points[1].escalated == 0.25 and points[1].errors_escalated == 0.5
    assert points[1].kept_accuracy == pytest.approx(2 / 3)
