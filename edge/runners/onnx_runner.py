"""ONNX Runtime runner."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edge.errors import BundleError, RuntimeMissingError


class OnnxRunner:
    runtime = "onnx"

    def __init__(self, path: Path, threads: int = 1) -> None:
        try:
            import onnxruntime as ort
        except ImportError:
            raise RuntimeMissingError(
                "ONNX Runtime is not installed: pip install 'earshot[onnx]' (or onnxruntime)") from None
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # ORT raises its own untyped errors for unreadable models
            raise BundleError(f"{path}: ONNX Runtime cannot load it ({str(exc).splitlines()[0]})") from None
        self.path = path
        self._input = self._session.get_inputs()[0].name
        self._output = self._session.get_outputs()[0].name

    def __call__(self, feats: np.ndarray) -> np.ndarray:
        batch = np.ascontiguousarray(feats, dtype=np.float32)[None]
        return self._session.run([self._output], {self._input: batch})[0][0]
