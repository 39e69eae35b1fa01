import sys
from pathlib import Path

import numpy as np
import pytest

from edge.bundle import default_bundle_path, load_bundle
from edge.errors import RuntimeMissingError
from edge.runners import open_runner


def test_onnx_runner_maps_features_to_log_probabilities(tiny_bundle):
    bundle = load_bundle(tiny_bundle)
    runner = open_runner(bundle.network_path("onnx"), "onnx", threads=1)
    feats = np.random.default_rng(0).normal(size=(300, 80)).astype(np.float32)
    log_probs = runner(feats)
    assert log_probs.shape == (100, len(bundle.tokens))
    np.testing.assert_allclose(np.exp(log_probs).sum(axis=1), 1.0, atol=1e-4)


def test_time_axis_is_dynamic(tiny_bundle):
    runner = open_runner(load_bundle(tiny_bundle).network_path("onnx"), "onnx")
    assert [runner(np.zeros((n, 80), np.float32)).shape[0] for n in (30, 31, 600)] == [10, 11, 200]


def test_thread_count_is_validated(tiny_bundle):
    with pytest.raises(ValueError, match="threads"):
        open_runner(load_bundle(tiny_bundle).network_path("onnx"), "onnx", threads=0)
    with pytest.raises(ValueError, match="unknown runtime"):
        open_runner("model.onnx", "torch")


def test_a_missing_runtime_names_what_to_install(tiny_bundle, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # makes `import onnxruntime` fail
    with pytest.raises(RuntimeMissingError, match=r"pip install 'earshot\[onnx\]'"):
        open_runner(load_bundle(tiny_bundle).network_path("onnx"), "onnx")
    monkeypatch.setitem(sys.modules, "ai_edge_litert.interpreter", None)
    monkeypatch.setitem(sys.modules, "tflite_runtime.interpreter", None)
    with pytest.raises(RuntimeMissingError, match=r"earshot\[tflite\]"):
        open_runner("model.tflite", "tflite")


def _shipped_tflite():
    path = default_bundle_path()
    if not (path / "bundle.json").exists():
        return None
    bundle = load_bundle(path)
    # a variant that missed the accuracy budget ships as "<name>-rejected" and never runs
    runnable = [v for v in bundle.networks if v.startswith("tflite") and not v.endswith("-rejected")]
    return bundle if runnable else None


@pytest.mark.skipif(_shipped_tflite() is None, reason="the shipped bundle has no TFLite network that the recognizer runs")
def test_tflite_and_onnx_runners_agree_on_the_shipped_model(speech_samples):
    from edge.frontend import LogMel

    bundle = _shipped_tflite()
    feats = LogMel()(speech_samples)
    onnx = open_runner(bundle.network_path(bundle.pick_variant("onnx")), "onnx")(feats)
    tflite = open_runner(bundle.network_path(bundle.pick_variant("tflite")), "tflite")(feats)
    assert tflite.shape == onnx.shape
    agreement = np.mean(tflite.argmax(axis=1) == onnx.argmax(axis=1))
    assert agreement > 0.9


def _shipped_onnx_int8():
    path = default_bundle_path()
    if not (path / "bundle.json").exists():
        return None
    bundle = load_bundle(path)
    return bundle.network_path("onnx-int8") if "onnx-int8" in bundle.networks else None


@pytest.mark.skipif(_shipped_onnx_int8() is None, reason="the shipped bundle has no int8 ONNX network")
def test_shipped_int8_network_computes_its_qdq_math_on_this_cpu():
    """ONNX Runtime fuses the QDQ graph into integer kernels; they must compute what the graph says
    (its float reference, graph optimisations off) on whatever CPU runs them. Weights stored as
    int8 ran U8S8 kernels that saturate on x86 without VNNI: 95th percentile 0.06 here on AVX2."""
    import onnxruntime as ort

    from edge.audio import read_audio
    from edge.frontend import LogMel

    path = _shipped_onnx_int8()
    feats = LogMel()(read_audio(Path(__file__).resolve().parents[2] / "examples" / "weather_in_paris.wav").samples)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    reference = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    expected = reference.run(None, {reference.get_inputs()[0].name: feats[None]})[0][0]
    got = open_runner(path, "onnx")(feats)
    step_differences = np.abs(np.exp(got) - np.exp(expected)).max(axis=1)
    assert np.percentile(step_differences, 95) < 0.01, np.percentile(step_differences, 95)
