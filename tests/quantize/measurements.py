"""Hand-made measurements for testing the selection rule and the report without running models."""

from __future__ import annotations

from quantize.validate import Latency, Measurement, SetAccuracy
from quantize.variants import Variant

FILES = {"onnx": "model.onnx", "onnx-int8": "model.int8.onnx", "tflite": "model.tflite",
         "tflite-int8": "model.int8.tflite"}


def measurement(name: str, runner_ms: float, errors: dict[str, int], *, words: int = 1000,
                size_bytes: int = 4_000_000) -> Measurement:
    """A variant with `errors[kind]` word errors per `words` on one set of each kind in `errors`."""
    runtime = name.split("-")[0]
    precision = "int8" if name.endswith("int8") else "fp32"
    accuracy = tuple(SetAccuracy(f"{kind}-set", kind, 100, words, count, 5 * words, 2 * count, 0.9)
                     for kind, count in errors.items())
    latency = (Latency(1, runner_ms / 1000, 2 * runner_ms / 1000), Latency(2, runner_ms / 1500, runner_ms / 800))
    return Measurement(Variant(name, runtime, precision, FILES[name]), size_bytes, accuracy, latency, 200.0, 160.0)
