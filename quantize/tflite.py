"""TFLite fp32 and full-integer int8 variants of the bundle's ONNX model, built natively in TensorFlow.

Conversion path (chosen because it works offline from registry wheels next to torch 2.13,
numpy 2 and onnxruntime, where the alternatives did not):
  ONNX graph -> quantize/onnx_to_tf.py rebuilds it op by op as a TensorFlow function in
  channels-last layout (1-D convs as CONV_2D / DEPTHWISE_CONV_2D over a unit height axis)
  -> tf.lite.TFLiteConverter (fp32), and again with a representative dataset of real-speech
  features, TFLITE_BUILTINS_INT8 only and int8 input/output (full integer, per-channel weights),
  its recorded activation ranges narrowed to percentiles (quantize/tflite_ranges.py) before
  TensorFlow's quantizer runs -> the fp32 file is checked against ONNX Runtime before it is
  accepted.
Rejected: onnx2tf pins numpy 1.26, onnx 1.19, onnxruntime 1.23 and protobuf 4 (it would replace
this environment's); ai-edge-torch / litert-torch convert torch modules, not the ONNX a bundle
carries, and pin their own torch.

Install (CI and workstations), into the same interpreter:
    pip install tensorflow==2.21.0      # adds TF + keras; keeps numpy 2, protobuf, onnx, torch
or into a separate environment, pointed to by EARSHOT_TF_PYTHON:
    python -m venv ~/.venvs/earshot-tf
    ~/.venvs/earshot-tf/bin/pip install tensorflow==2.21.0 onnx numpy
    export EARSHOT_TF_PYTHON=~/.venvs/earshot-tf/bin/python
The conversion always runs in a child process (`python -m quantize.tf_convert`), so TensorFlow
never loads into the process that measures latency. The files it writes need only LiteRT
(ai-edge-litert) or tflite-runtime to run.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edge.errors import EarshotError
from quantize.calibration import save_features
from quantize.onnx_int8 import PERCENTILE

TF_PYTHON_ENV = "EARSHOT_TF_PYTHON"
INSTALL_HINT = ("install TensorFlow to convert to TFLite: pip install tensorflow==2.21.0 "
                f"(or set {TF_PYTHON_ENV} to a Python that has tensorflow, onnx and numpy)")
FP32_MAX_ABS_DIFF = 1e-3  # log-prob agreement of the fp32 TFLite file with ONNX Runtime
CONVERT_TIMEOUT_S = 1800


class ConverterMissingError(EarshotError):
    """No Python with TensorFlow is available to convert to TFLite; the message says what to install."""


@dataclass(frozen=True, slots=True)
class TfliteModels:
    """The converted files and the fp32 file's largest log-prob difference from ONNX Runtime."""

    fp32: Path
    int8: Path
    fp32_max_abs_diff: float


def converter_python() -> str | None:
    """The interpreter that runs the converter: $EARSHOT_TF_PYTHON, else this one if it has TF."""
    explicit = os.environ.get(TF_PYTHON_ENV)
    if explicit:
        if not Path(explicit).is_file():
            raise ConverterMissingError(f"{TF_PYTHON_ENV}={explicit}: no such interpreter")
        return explicit
    return sys.executable if importlib.util.find_spec("tensorflow") is not None else None


def convert_to_tflite(onnx_path: Path, fp32_out: Path, int8_out: Path, features: Sequence[np.ndarray],
                      *, percentile: float = PERCENTILE, check_features: Sequence[np.ndarray] = ()) -> TfliteModels:
    """Convert `onnx_path` to fp32 and int8 TFLite files (int8 calibrated on `features`).

    Activation ranges cover `percentile` of the calibration values (100: TensorFlow's min-max).
    The fp32 file must reproduce ONNX Runtime's log-probs within FP32_MAX_ABS_DIFF on
    `check_features` (default: the first few calibration features), else RuntimeError.
    """
    python = converter_python()
    if python is None:
        raise ConverterMissingError(INSTALL_HINT)
    if not features:
        raise ValueError("int8 conversion needs calibration features")
    with tempfile.TemporaryDirectory(prefix="earshot-tflite-") as tmp:
        npz = save_features(features, Path(tmp) / "calibration.npz")
        command = [python, "-m", "quantize.tf_convert", str(onnx_path), "--fp32", str(fp32_out),
                   "--int8", str(int8_out), "--calibration", str(npz), "--percentile", str(percentile)]
        _run(command)
    diff = max_abs_diff(onnx_path, fp32_out, list(check_features) or list(features[:4]))
    if diff > FP32_MAX_ABS_DIFF:
        raise RuntimeError(f"{fp32_out}: TFLite and ONNX Runtime log-probs differ by {diff:.2e} "
                           f"(> {FP32_MAX_ABS_DIFF}); the translation is wrong for this graph")
    return TfliteModels(fp32_out, int8_out, diff)


def max_abs_diff(onnx_path: Path, tflite_path: Path, features: Sequence[np.ndarray]) -> float:
    """Largest |log-prob| difference between the two files over the feature arrays."""
    from edge.runners import open_runner

    reference, candidate = open_runner(onnx_path, "onnx"), open_runner(tflite_path, "tflite")
    return max(float(np.abs(reference(f) - candidate(f)).max()) for f in features)


def _run(command: list[str]) -> None:
    # The child imports quantize from this checkout/installation even when it is another venv's Python.
    package_root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])))
    try:
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=CONVERT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"TFLite conversion took longer than {CONVERT_TIMEOUT_S} s") from None
    if result.returncode != 0:
        if "No module named 'tensorflow'" in result.stderr or "No module named 'onnx'" in result.stderr:
            raise ConverterMissingError(f"{command[0]}: {result.stderr.strip().splitlines()[-1]}; {INSTALL_HINT}")
        raise RuntimeError(f"TFLite conversion failed (exit {result.returncode}):\n{_tail(result.stderr)}")


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
