import json

import pytest

from edge.bundle import default_bundle_path, load_bundle
from edge.errors import BundleError
from edge.frontend import FrontEndConfig


def test_a_built_bundle_loads_with_its_front_end_and_tokens(tiny_bundle):
    bundle = load_bundle(tiny_bundle)
    assert bundle.frontend == FrontEndConfig()
    assert bundle.tokens[0] == "<blk>" and bundle.tokens[1] == " " and len(bundle.tokens) == 29
    assert bundle.pick_variant("onnx") == "onnx"
    assert bundle.step_s == pytest.approx(0.03)


def test_missing_or_broken_bundles_are_refused_with_the_reason(tmp_path, tiny_bundle):
    with pytest.raises(BundleError, match="not a model bundle"):
        load_bundle(tmp_path)
    (tmp_path / "bundle.json").write_text("{not json")
    with pytest.raises(BundleError, match="not valid JSON"):
        load_bundle(tmp_path)
    meta = json.loads((tiny_bundle / "bundle.json").read_text())
    meta["networks"] = {"onnx": "missing.onnx"}
    (tmp_path / "bundle.json").write_text(json.dumps(meta))
    (tmp_path / "tokens.txt").write_text((tiny_bundle / "tokens.txt").read_text())
    with pytest.raises(BundleError, match="missing.onnx is missing"):
        load_bundle(tmp_path)


def test_a_bundle_without_the_requested_runtime_says_what_it_has(tiny_bundle):
    with pytest.raises(BundleError, match="has: onnx"):
        load_bundle(tiny_bundle).pick_variant("tflite")


def test_the_default_bundle_ships_inside_the_package():
    path = default_bundle_path()
    if not (path / "bundle.json").exists():
        pytest.skip("the default model has not been trained into edge/models/default yet")
    bundle = load_bundle(path)
    size = sum(f.stat().st_size for f in path.iterdir())
    assert size <= 10 * 1024 * 1024
    assert "onnx" in {v.split("-")[0] for v in bundle.networks}
