"""fp32 against int8, ONNX Runtime and TFLite side by side: the network alone on 10 s of speech, one thread.

The bundle is the shipped default (edge/models/default), or the folder in $EARSHOT_BENCH_BUNDLE
(for example the output of `earshot quantize`). Variants the bundle lacks, and runtimes that are
not installed, are skipped with the reason. Run as plain tests with --benchmark-disable.
Targets (issue 4): ONNX int8 at least 3x faster than ONNX fp32, its file at most 30% of fp32.
The int8 ONNX network is also timed with its weights in both storages (quantize.onnx_int8.store_weights:
uint8, ONNX Runtime's U8U8 kernels, as shipped; int8, its U8S8 kernels, which saturate on x86 without VNNI).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

from edge.bundle import default_bundle_path

BUNDLE = Path(os.environ.get("EARSHOT_BENCH_BUNDLE") or default_bundle_path())
VARIANTS = ("onnx", "onnx-int8", "tflite", "tflite-int8")
RUNTIME_MODULES = {"onnx": ("onnxruntime",), "tflite": ("ai_edge_litert", "tflite_runtime")}


def _skip_reason(variant: str) -> str | None:
    if not (BUNDLE / "bundle.json").is_file():
        return f"no model bundle at {BUNDLE} (set EARSHOT_BENCH_BUNDLE or ship edge/models/default)"
    from edge.bundle import load_bundle

    if variant not in load_bundle(BUNDLE).networks:
        return (f"{BUNDLE} has no '{variant}' network (the shipped bundle carries its int8 networks only; "
                "set EARSHOT_BENCH_BUNDLE to an `earshot quantize` output without --ship for all four)")
    runtime = variant.split("-")[0]
    if not any(importlib.util.find_spec(module) for module in RUNTIME_MODULES[runtime]):
        return f"no {runtime} runtime installed ({' or '.join(RUNTIME_MODULES[runtime])})"
    return None


@pytest.fixture(scope="module")
def ten_seconds_of_features(ten_seconds_of_speech) -> np.ndarray:
    from edge.frontend import LogMel

    return LogMel()(ten_seconds_of_speech)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.benchmark(group="runner-10s-1-thread")
def test_runner_10s(benchmark, variant, ten_seconds_of_features):
    reason = _skip_reason(variant)
    if reason:
        pytest.skip(reason)
    from edge.bundle import load_bundle
    from edge.runners import open_runner

    bundle = load_bundle(BUNDLE)
    runner = open_runner(bundle.network_path(variant), variant.split("-")[0], threads=1)
    runner(ten_seconds_of_features)  # first call allocates and sizes the tensors
    log_probs = benchmark(runner, ten_seconds_of_features)
    steps = len(ten_seconds_of_features) // bundle.frame_stride
    assert abs(log_probs.shape[0] - steps) <= 1 and log_probs.shape[1] == len(bundle.tokens)
    assert np.isfinite(log_probs).all()
    benchmark.extra_info.update(variant=variant, file_bytes=bundle.network_path(variant).stat().st_size,
                                bundle=str(BUNDLE))


@pytest.mark.parametrize("storage", ["uint8", "int8"])
@pytest.mark.benchmark(group="onnx-int8-weight-storage-10s-1-thread")
def test_onnx_int8_weight_storage_10s(benchmark, storage, ten_seconds_of_features, tmp_path):
    reason = _skip_reason("onnx-int8") or (importlib.util.find_spec("onnx") is None and "no onnx package (quantize extra)")
    if reason:
        pytest.skip(reason)
    from edge.bundle import load_bundle
    from edge.runners import open_runner
    from quantize.onnx_int8 import store_weights

    model = tmp_path / "model.int8.onnx"
    model.write_bytes(load_bundle(BUNDLE).network_path("onnx-int8").read_bytes())
    store_weights(model, storage)
    runner = open_runner(model, "onnx", threads=1)
    runner(ten_seconds_of_features)
    assert np.isfinite(benchmark(runner, ten_seconds_of_features)).all()
    benchmark.extra_info.update(storage=storage, bundle=str(BUNDLE))
