"""quantize/tflite.py: TFLite fp32 and full-integer int8 conversion of a tiny random model."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from quantize.tflite import ConverterMissingError, converter_python

pytest.importorskip("onnxruntime", reason="the fp32 check compares with ONNX Runtime (onnx extra)")
pytestmark = pytest.mark.skipif(
    converter_python() is None,
    reason="TFLite conversion needs TensorFlow: pip install tensorflow==2.21.0 (or set EARSHOT_TF_PYTHON)")

from edge.runners import open_runner  # noqa: E402


@pytest.fixture(scope="module")
def converted(tiny_bundle, calibration_feats, tmp_path_factory):
    from quantize.tflite import convert_to_tflite

    pytest.importorskip("ai_edge_litert", reason="running TFLite files needs ai-edge-litert (tflite extra)")
    out = tmp_path_factory.mktemp("tflite")
    return convert_to_tflite(tiny_bundle / "model.onnx", out / "model.tflite", out / "model.int8.tflite",
                             calibration_feats)


@pytest.mark.parametrize("frames", [16, 97, 100, 301])
def test_fp32_matches_onnx_at_any_length(tiny_bundle, converted, frames):
    feats = np.random.default_rng(frames).normal(-6, 3, (frames, 80)).astype(np.float32)
    expected = open_runner(tiny_bundle / "model.onnx", "onnx")(feats)
    got = open_runner(converted.fp32, "tflite")(feats)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=1e-3)


def test_int8_is_full_integer_and_runs_in_litert(converted):
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(converted.int8))
    assert interpreter.get_input_details()[0]["dtype"] == np.int8
    assert interpreter.get_output_details()[0]["dtype"] == np.int8
    ops = {op["op_name"] for op in interpreter._get_ops_details()}
    assert {"CONV_2D", "DEPTHWISE_CONV_2D"} <= ops
    assert not ops & {"DEQUANTIZE", "QUANTIZE"}  # nothing falls back to float inside


def test_int8_roughly_agrees_with_fp32(converted, calibration_feats):
    fp32, int8 = open_runner(converted.fp32, "tflite"), open_runner(converted.int8, "tflite")
    for feats in calibration_feats[:4]:
        expected, got = fp32(feats), int8(feats)
        assert got.shape == expected.shape and got.dtype == np.float32
        assert np.abs(np.exp(got) - np.exp(expected)).max() < 0.1


def test_int8_file_is_smaller(converted):
    assert converted.int8.stat().st_size < converted.fp32.stat().st_size


@pytest.mark.skipif(importlib.util.find_spec("tflite_runtime") is None,
                    reason="tflite-runtime is not installed (it needs numpy<2)")
def test_int8_runs_in_tflite_runtime(converted, calibration_feats):
    from tflite_runtime.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(converted.int8))
    details = interpreter.get_input_details()[0]
    feats = calibration_feats[0][None]
    interpreter.resize_tensor_input(details["index"], feats.shape)
    interpreter.allocate_tensors()
    scale, zero = details["quantization"]
    interpreter.set_tensor(details["index"], np.clip(np.round(feats / scale + zero), -128, 127).astype(np.int8))
    interpreter.invoke()
    assert interpreter.get_tensor(interpreter.get_output_details()[0]["index"]).shape[-1] == 29


def test_missing_converter_python_is_reported(monkeypatch):
    monkeypatch.setenv("EARSHOT_TF_PYTHON", "/nonexistent/python")
    with pytest.raises(ConverterMissingError, match="EARSHOT_TF_PYTHON"):
        converter_python()


def test_unsupported_op_is_named(tmp_path):
    import onnx
    from onnx import TensorProto, helper

    from quantize.tflite import convert_to_tflite

    node = helper.make_node("Sigmoid", ["feats"], ["out"])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("feats", TensorProto.FLOAT, [1, None, 80])],
                              [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, None, 80])])
    onnx.save(helper.make_model(graph), str(tmp_path / "sigmoid.onnx"))
    with pytest.raises(RuntimeError, match="not supported by the TFLite translator: Sigmoid"):
        convert_to_tflite(tmp_path / "sigmoid.onnx", tmp_path / "a.tflite", tmp_path / "b.tflite",
                          [np.zeros((20, 80), np.float32)])

