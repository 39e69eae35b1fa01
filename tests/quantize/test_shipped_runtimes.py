"""quantize/pipeline.py: a runtime whose every shipped network missed the budget is named, since
the bundle then has nothing that runtime can run."""

from __future__ import annotations

from quantize.pipeline import runtimes_left_without_network
from quantize.select import select_variant
from tests.quantize.measurements import measurement

FP32 = {"synthetic": 50, "real": 100}


def _measured():
    measurements = [measurement("onnx", 2.0, FP32), measurement("onnx-int8", 0.5, FP32),
                    measurement("tflite", 1.8, FP32), measurement("tflite-int8", 0.9, {"synthetic": 65, "real": 100})]
    return [m.variant for m in measurements], select_variant(measurements)


def test_shipping_only_a_rejected_tflite_network_leaves_tflite_without_one():
    variants, selection = _measured()
    assert not selection.verdict("tflite-int8").eligible
    assert runtimes_left_without_network(variants, {"onnx-int8", "tflite-int8"}, selection) == ["tflite"]


def test_a_runtime_with_an_eligible_network_shipped_or_none_shipped_is_not_named():
    variants, selection = _measured()
    assert runtimes_left_without_network(variants, {"onnx-int8", "tflite-int8", "tflite"}, selection) == []
    assert runtimes_left_without_network(variants, {"onnx-int8"}, selection) == []
