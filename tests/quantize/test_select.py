"""quantize/select.py: the fastest variant within the WER budgets of fp32 ships."""

from __future__ import annotations

import pytest

from quantize.select import SelectionRule, select_variant
from tests.quantize.measurements import measurement

BOTH = {"synthetic": 50, "real": 100}  # fp32: 5.0% and 10.0% WER on 1000 words


def test_fastest_variant_within_budget_is_chosen():
    selection = select_variant([
        measurement("onnx", 2.0, BOTH),
        measurement("onnx-int8", 0.5, {"synthetic": 55, "real": 110}),  # +0.5 and +1.0 points: exactly on budget
        measurement("tflite", 1.8, BOTH),
        measurement("tflite-int8", 0.9, BOTH),
    ])
    assert selection.chosen == "onnx-int8"
    assert all(v.eligible for v in selection.verdicts)
    assert selection.verdict("onnx-int8").wer_delta_points == pytest.approx({"synthetic": 0.5, "real": 1.0})
    assert selection.unchecked == ()


def test_synthetic_budget_is_half_a_point():
    selection = select_variant([measurement("onnx", 2.0, BOTH),
                                measurement("onnx-int8", 0.5, {"synthetic": 56, "real": 100})])
    assert selection.chosen == "onnx"
    verdict = selection.verdict("onnx-int8")
    assert not verdict.eligible and "synthetic WER +0.60 points > budget 0.5" in verdict.reasons


def test_real_budget_is_one_point():
    selection = select_variant([measurement("onnx", 2.0, BOTH),
                                measurement("onnx-int8", 0.5, {"synthetic": 50, "real": 111}),
                                measurement("tflite-int8", 1.0, {"synthetic": 49, "real": 105})])
    assert selection.chosen == "tflite-int8"
    assert not selection.verdict("onnx-int8").eligible


def test_a_faster_fp32_variant_can_win():
    selection = select_variant([measurement("onnx", 2.0, BOTH), measurement("tflite", 1.5, BOTH),
                                measurement("onnx-int8", 0.5, {"synthetic": 90, "real": 100})])
    assert selection.chosen == "tflite"


def test_missing_kind_is_unchecked_but_the_measured_budget_applies():
    selection = select_variant([measurement("onnx", 2.0, {"real": 100}),
                                measurement("onnx-int8", 0.5, {"real": 105})])
    assert selection.chosen == "onnx-int8"
    assert selection.unchecked == ("synthetic",)


def test_without_any_evaluation_no_int8_variant_ships():
    selection = select_variant([measurement("onnx", 2.0, {}), measurement("onnx-int8", 0.5, {}),
                                measurement("tflite", 1.9, {})])
    assert selection.chosen == "tflite"
    assert not selection.verdict("onnx-int8").eligible
    assert selection.unchecked == ("synthetic", "real")


def test_custom_budgets_and_thread_count():
    rule = SelectionRule(synthetic_points=2.0, real_points=2.0, threads=2)
    selection = select_variant([measurement("onnx", 2.0, BOTH),
                                measurement("onnx-int8", 0.5, {"synthetic": 65, "real": 115})], rule)
    assert selection.chosen == "onnx-int8"
    assert selection.verdict("onnx-int8").latency_s_per_s == pytest.approx(0.5 / 1500)
    assert "2 thread" in rule.describe()


def test_the_reference_is_required():
    with pytest.raises(ValueError, match="reference"):
        select_variant([measurement("onnx-int8", 0.5, BOTH)])


@pytest.mark.parametrize("kwargs", [{"synthetic_points": -1}, {"real_points": float("nan")}, {"threads": 0}])
def test_bad_rules_are_refused(kwargs):
    with pytest.raises(ValueError):
        SelectionRule(**kwargs)
