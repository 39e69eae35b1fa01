"""quantize/validate.py: every variant measured for accuracy, agreement, size, latency and memory."""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pytest

pytest.importorskip("onnxruntime", reason="validation runs ONNX models (onnx extra)")

from edge.bundle import load_bundle  # noqa: E402
from quantize.evalsets import load_eval_set  # noqa: E402
from quantize.onnx_int8 import OnnxInt8Options, quantize_onnx  # noqa: E402
from quantize.validate import latency_clip, validate  # noqa: E402
from quantize.variants import Variant  # noqa: E402

VARIANTS = (Variant("onnx", "onnx", "fp32", "model.onnx"), Variant("onnx-int8", "onnx", "int8", "model.int8.onnx"))


@pytest.fixture(scope="module")
def two_variant_bundle(tiny_bundle, calibration_feats, tmp_path_factory):
    folder = tmp_path_factory.mktemp("validate") / "bundle"
    shutil.copytree(tiny_bundle, folder)
    quantize_onnx(folder / "model.onnx", folder / "model.int8.onnx", calibration_feats, OnnxInt8Options("minmax"))
    meta = json.loads((folder / "bundle.json").read_text())
    meta["networks"] = {v.name: v.file for v in VARIANTS}
    (folder / "bundle.json").write_text(json.dumps(meta))
    return load_bundle(folder)


@pytest.mark.slow
def test_every_variant_is_measured(two_variant_bundle, eval_manifest):
    sets = [load_eval_set(f"real:{eval_manifest}")]
    clip = latency_clip(sets, duration_s=2.0)
    assert len(clip) == 32000 and clip.dtype == np.float32
    fp32, int8 = validate(two_variant_bundle, VARIANTS, sets, clip, threads=(1,), repeats=2)
    assert fp32.accuracy[0].agreement == 1.0 and 0.0 <= int8.accuracy[0].agreement <= 1.0
    for m in (fp32, int8):
        (accuracy,) = m.accuracy
        assert accuracy.kind == "real" and accuracy.utterances == 4 and accuracy.words > 0
        assert math.isfinite(accuracy.wer) and math.isfinite(accuracy.cer)
        (latency,) = m.latency
        assert latency.threads == 1 and 0 < latency.runner_s_per_s <= latency.runner_median_s_per_s
        assert latency.end_to_end_s_per_s > 0
        assert m.peak_rss_mb > m.before_model_rss_mb > 0
    assert int8.size_bytes < fp32.size_bytes


def test_the_reference_comes_first(two_variant_bundle):
    with pytest.raises(ValueError, match="reference"):
        validate(two_variant_bundle, VARIANTS[::-1], [], np.zeros(16000, np.float32))


def test_latency_clip_repeats_short_audio(eval_manifest):
    clip = latency_clip([load_eval_set(str(eval_manifest), limit=1)], duration_s=10.0)
    assert len(clip) == 160000
