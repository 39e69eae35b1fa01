"""quantize/onnx_int8.py: static QDQ int8 of a tiny random model, calibrated on speech-like audio."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("onnxruntime", reason="ONNX quantization needs onnxruntime (quantize extra)")
onnx = pytest.importorskip("onnx", reason="ONNX quantization needs onnx (quantize extra)")

from edge.runners import open_runner  # noqa: E402
from quantize.onnx_int8 import OnnxInt8Options, quantize_onnx, store_weights, weight_types  # noqa: E402


@pytest.fixture(scope="module")
def int8_model(tiny_bundle, calibration_feats, tmp_path_factory):
    out = tmp_path_factory.mktemp("int8") / "model.int8.onnx"
    return quantize_onnx(tiny_bundle / "model.onnx", out, calibration_feats, OnnxInt8Options(method="minmax"))


@pytest.fixture(scope="module")
def int8_stored_model(tiny_bundle, calibration_feats, tmp_path_factory):
    out = tmp_path_factory.mktemp("int8_stored") / "model.int8.onnx"
    return quantize_onnx(tiny_bundle / "model.onnx", out, calibration_feats,
                         OnnxInt8Options(method="minmax", weights="int8"))


def _conv_weights(path):
    """Each Conv's weight as its DequantizeLinear reads it: (quantized, scale, zero point)."""
    graph = onnx.load(str(path)).graph
    initializers = {t.name: onnx.numpy_helper.to_array(t) for t in graph.initializer}
    producers = {out: node for node in graph.node for out in node.output}
    return [tuple(initializers[name] for name in producers[conv.input[1]].input)
            for conv in graph.node if conv.op_type == "Conv"]


@pytest.mark.parametrize("storage, dtype, zero_point", [("uint8", np.uint8, 128), ("int8", np.int8, 0)])
def test_graph_is_qdq_with_symmetric_per_channel_weights(int8_model, int8_stored_model, storage, dtype, zero_point):
    model = int8_model if storage == "uint8" else int8_stored_model
    ops = {node.op_type for node in onnx.load(str(model)).graph.node}
    assert {"QuantizeLinear", "DequantizeLinear", "Conv"} <= ops
    types = weight_types(model)
    assert types and set(types.values()) == {storage}, types
    # per channel: each Conv weight's DequantizeLinear has one scale per output channel
    for weight, scale, zero in _conv_weights(model):
        assert weight.dtype == dtype and scale.shape == (weight.shape[0],)
        assert zero.dtype == dtype and (zero == zero_point).all()


def test_uint8_storage_holds_the_same_weights(int8_model, int8_stored_model, calibration_feats):
    for (q8, scale8, _), (u8, scale_u, zero_u) in zip(_conv_weights(int8_stored_model), _conv_weights(int8_model)):
        assert np.array_equal(scale8, scale_u)
        assert np.array_equal(q8.astype(np.int16), u8.astype(np.int16) - zero_u.astype(np.int16)[:, None, None])
    stored, shifted = open_runner(int8_stored_model, "onnx"), open_runner(int8_model, "onnx")
    for feats in calibration_feats[:3]:
        np.testing.assert_allclose(np.exp(shifted(feats)), np.exp(stored(feats)), atol=0.02)


def test_weight_storage_converts_both_ways_and_twice_changes_nothing(int8_model, int8_stored_model, tmp_path):
    copy = tmp_path / "m.onnx"
    copy.write_bytes(int8_model.read_bytes())
    assert store_weights(copy, "uint8") == 0
    assert copy.read_bytes() == int8_model.read_bytes()
    assert store_weights(copy, "int8") == len(weight_types(int8_stored_model))
    assert weight_types(copy) == weight_types(int8_stored_model)
    for (back, back_scale, _), (stored, stored_scale, _) in zip(_conv_weights(copy), _conv_weights(int8_stored_model)):
        assert np.array_equal(back, stored) and np.array_equal(back_scale, stored_scale)
    with pytest.raises(ValueError, match="stored as"):
        store_weights(copy, "int4")


def test_int8_model_runs_and_roughly_agrees_with_fp32(tiny_bundle, int8_model, calibration_feats):
    fp32, int8 = open_runner(tiny_bundle / "model.onnx", "onnx"), open_runner(int8_model, "onnx")
    for feats in calibration_feats[:4]:
        expected, got = fp32(feats), int8(feats)
        assert got.shape == expected.shape and got.dtype == np.float32
        assert np.isfinite(got).all()
        # log-probs of a random network are close to uniform; int8 must stay close to fp32
        assert np.abs(np.exp(got) - np.exp(expected)).max() < 0.1


def test_int8_weights_take_a_quarter_of_the_bytes(tiny_bundle, int8_model):
    def conv_weight_bytes(path, dtype):
        arrays = [onnx.numpy_helper.to_array(t) for t in onnx.load(str(path)).graph.initializer]
        return sum(a.nbytes for a in arrays if a.dtype == dtype and a.ndim == 3)

    assert conv_weight_bytes(int8_model, np.uint8) * 4 == conv_weight_bytes(tiny_bundle / "model.onnx", np.float32)


@pytest.mark.parametrize("method", ["entropy", "percentile"])
def test_histogram_methods_accept_utterances_of_different_lengths(tiny_bundle, calibration_feats, tmp_path, method):
    assert len({len(f) for f in calibration_feats}) > 1
    out = quantize_onnx(tiny_bundle / "model.onnx", tmp_path / "m.onnx", calibration_feats[:6],
                        OnnxInt8Options(method=method, activations="int8"))
    assert open_runner(out, "onnx")(calibration_feats[0]).shape[1] == 29


def test_first_and_last_conv_can_stay_fp32(tiny_bundle, calibration_feats, tmp_path):
    out = quantize_onnx(tiny_bundle / "model.onnx", tmp_path / "m.onnx", calibration_feats[:4],
                        OnnxInt8Options(method="minmax", exclude=("first", "last")))
    types = list(weight_types(out).values())
    assert types[0] == "float32" and types[-1] == "float32"
    assert set(types[1:-1]) == {"uint8"}


@pytest.mark.parametrize("kwargs", [{"method": "kl"}, {"activations": "int4"}, {"exclude": ("middle",)},
                                    {"weights": "int4"}])
def test_bad_options_are_refused(kwargs):
    with pytest.raises(ValueError):
        OnnxInt8Options(**kwargs)


def test_no_calibration_data_is_refused(tiny_bundle, tmp_path):
    with pytest.raises(ValueError, match="calibration"):
        quantize_onnx(tiny_bundle / "model.onnx", tmp_path / "m.onnx", [])
