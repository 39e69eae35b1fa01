"""Percentile activation ranges for a TFLite model calibrated by TensorFlow (run in the TensorFlow process).

TensorFlow's post-training calibrator records each activation's minimum and maximum over the
representative data, and int8 quantization spans that whole range: one rare outlier spends most
of the 256 levels on values that almost never occur. This narrows every recorded range to the
[100 - p, p] percentiles of the values (the same idea as ONNX Runtime's percentile calibration,
which quantize/onnx_int8.py uses), before TensorFlow's quantizer turns the model into int8.
Measured on the shipped model: min-max ranges cost +1.1 WER points on noisy synthetic speech,
percentile ranges +0.0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

BINS = 2048  # histogram resolution within each recorded [min, max]


def narrow_ranges(calibrated: bytes, features: Sequence[np.ndarray], percentile: float) -> bytes:
    """The calibrated model with each per-tensor [min, max] narrowed to the given percentiles."""
    from tensorflow.lite.tools import flatbuffer_utils

    if not 50.0 < percentile <= 100.0:
        raise ValueError(f"percentile must be in (50, 100], got {percentile}")
    model = flatbuffer_utils.convert_bytearray_to_object(calibrated)
    tensors = model.subgraphs[0].tensors
    recorded = {i: (float(t.quantization.min[0]), float(t.quantization.max[0])) for i, t in enumerate(tensors)
                if t.quantization is not None and t.quantization.min is not None and len(t.quantization.min) == 1}
    histograms = _histograms(calibrated, features, recorded)
    for index, (low, high) in recorded.items():
        new_low, new_high = _percentile_range(histograms[index], low, high, percentile)
        tensors[index].quantization.min = [min(new_low, 0.0)]  # zero must stay exactly representable
        tensors[index].quantization.max = [max(new_high, 0.0)]
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


def _histograms(model_content: bytes, features: Sequence[np.ndarray], recorded: dict) -> dict[int, np.ndarray]:
    """Per-tensor histograms over each recorded range, from running the float model on `features`."""
    interpreter = _float_interpreter(model_content)
    input_index = interpreter.get_input_details()[0]["index"]
    histograms = {i: np.zeros(BINS, np.int64) for i in recorded}
    for feats in features:
        interpreter.resize_tensor_input(input_index, [1, *feats.shape], strict=False)
        interpreter.allocate_tensors()
        interpreter.set_tensor(input_index, np.ascontiguousarray(feats, dtype=np.float32)[None])
        interpreter.invoke()
        for index, (low, high) in recorded.items():
            values = np.clip(interpreter.get_tensor(index), low, high)
            histograms[index] += np.histogram(values, bins=BINS, range=(low, high))[0]
    return histograms


def _percentile_range(histogram: np.ndarray, low: float, high: float, percentile: float) -> tuple[float, float]:
    if histogram.sum() == 0 or high <= low:
        return low, high
    cdf = np.cumsum(histogram) / histogram.sum()
    edges = np.linspace(low, high, BINS + 1)
    new_low = edges[int(np.searchsorted(cdf, 1.0 - percentile / 100.0))] if low < 0 else low
    new_high = edges[min(int(np.searchsorted(cdf, percentile / 100.0)) + 1, BINS)] if high > 0 else high
    return float(new_low), float(new_high)


def _float_interpreter(model_content: bytes):
    """An interpreter that keeps every intermediate tensor readable (no delegate reusing buffers)."""
    try:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType
    except ImportError:  # a converter environment with TensorFlow alone
        import tensorflow as tf

        Interpreter, OpResolverType = tf.lite.Interpreter, tf.lite.experimental.OpResolverType
    return Interpreter(model_content=model_content, experimental_preserve_all_tensors=True,
                       experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
