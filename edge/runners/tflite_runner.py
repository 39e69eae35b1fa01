"""TFLite runner: LiteRT (ai-edge-litert) when installed, else tflite-runtime."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edge.errors import BundleError, RuntimeMissingError


def _interpreter_class():
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        try:
            from tflite_runtime.interpreter import Interpreter
        except ImportError:
            raise RuntimeMissingError(
                "no TFLite runtime is installed: pip install 'earshot[tflite]' (ai-edge-litert), "
                "or tflite-runtime with numpy<2") from None
    return Interpreter


class TfliteRunner:
    runtime = "tflite"

    def __init__(self, path: Path, threads: int = 1) -> None:
        interpreter_class = _interpreter_class()
        try:
            self._interpreter = interpreter_class(model_path=str(path), num_threads=threads)
        except (ValueError, RuntimeError) as exc:
            raise BundleError(f"{path}: TFLite cannot load it ({str(exc).splitlines()[0]})") from None
        self.path = path
        self._input = self._interpreter.get_input_details()[0]
        self._output_index = self._interpreter.get_output_details()[0]["index"]
        self._frames = -1

    def __call__(self, feats: np.ndarray) -> np.ndarray:
        feats = np.ascontiguousarray(feats, dtype=np.float32)[None]
        if feats.shape[1] != self._frames:  # the time axis is dynamic: resize only when it changes
            self._interpreter.resize_tensor_input(self._input["index"], feats.shape, strict=False)
            self._interpreter.allocate_tensors()
            self._input = self._interpreter.get_input_details()[0]
            self._frames = feats.shape[1]
        scale, zero_point = self._input.get("quantization", (0.0, 0))
        if self._input["dtype"] != np.float32 and scale:
            feats = np.clip(np.round(feats / scale + zero_point), -128, 127).astype(self._input["dtype"])
        self._interpreter.set_tensor(self._input["index"], feats)
        self._interpreter.invoke()
        output = self._interpreter.get_tensor(self._output_index)[0]
        details = self._interpreter.get_output_details()[0]
        scale, zero_point = details.get("quantization", (0.0, 0))
        if output.dtype != np.float32 and scale:
            output = (output.astype(np.float32) - zero_point) * scale
        return output
