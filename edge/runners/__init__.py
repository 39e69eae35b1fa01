"""Model runners: one narrow interface, ONNX Runtime and TFLite behind it, chosen once."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

RUNTIMES = ("onnx", "tflite")


class Runner(Protocol):
    """(frames, n_mels) float32 features -> (steps, n_tokens) float32 CTC log-probabilities."""

    runtime: str
    path: Path

    def __call__(self, feats: np.ndarray) -> np.ndarray: ...


def open_runner(path: str | Path, runtime: str, threads: int = 1) -> Runner:
    """Load the network at `path` with `runtime` ("onnx" or "tflite") using `threads` threads."""
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    if runtime == "onnx":
        from edge.runners.onnx_runner import OnnxRunner

        return OnnxRunner(Path(path), threads)
    if runtime == "tflite":
        from edge.runners.tflite_runner import TfliteRunner

        return TfliteRunner(Path(path), threads)
    raise ValueError(f"unknown runtime '{runtime}'; choose one of {', '.join(RUNTIMES)}")
