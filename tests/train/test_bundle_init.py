"""Tests for train/bundle_init.py: a bundle's ONNX network read back into a trainable model."""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="fine-tuning needs the train extra (torch)")

from train.bundle_init import BundleInitError, conv_norm_pairs, model_from_bundle  # noqa: E402
from train.export import write_bundle  # noqa: E402
from train.model import ConvCtcModel, ModelConfig  # noqa: E402

CONFIG = ModelConfig(channels=24, block_kernels=(5, 7), epilog_channels=32, epilog_kernel=9)


def _examples(n=6, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(-4.0, 2.0, size=(int(rng.integers(60, 160)), 80)).astype(np.float32) for _ in range(n)]


@pytest.fixture(scope="module")
def trained_like(tmp_path_factory):
    """A model with non-trivial batch norms and feature statistics, exported as a bundle."""
    torch.manual_seed(3)
    model = ConvCtcModel(CONFIG)
    with torch.no_grad():
        for _, norm in conv_norm_pairs(model):
            if norm is not None:
                norm.weight.uniform_(0.5, 1.5)
                norm.bias.normal_(0, 0.3)
                norm.running_mean.normal_(0, 0.5)
                norm.running_var.uniform_(0.5, 2.0)
        model.set_feature_stats(torch.full((80,), -4.0), torch.full((80,), 2.0))
    model.eval()
    out = tmp_path_factory.mktemp("bundle") / "exported"
    write_bundle(model, out, name="bundle-init-test", feature_examples=_examples(1))
    return model, out


def test_the_rebuilt_model_computes_what_the_exported_one_does(trained_like):
    model, bundle = trained_like
    rebuilt = model_from_bundle(bundle, _examples(4, seed=1), expected=CONFIG)
    with torch.no_grad():
        for feats in _examples(3, seed=2):
            x = torch.from_numpy(feats[None])
            assert torch.allclose(rebuilt(x), model(x), atol=1e-4)


def test_unfolded_batch_norms_keep_train_mode_close_to_eval_mode(trained_like):
    """Batch statistics match the measured running ones, so fine-tuning starts from the same function."""
    _, bundle = trained_like
    examples = _examples(8, seed=4)
    rebuilt = model_from_bundle(bundle, examples)
    norms = [n for _, n in conv_norm_pairs(rebuilt) if n is not None]
    assert all(float(n.running_var.min()) > 0 for n in norms)
    batch = torch.from_numpy(examples[0][None])
    with torch.no_grad():
        expected = rebuilt.eval()(batch)
        rebuilt.train()
        for module in rebuilt.modules():
            if isinstance(module, torch.nn.Dropout):
                module.eval()
            if isinstance(module, torch.nn.BatchNorm1d):
                module.momentum = 0.0  # keep the running statistics as measured
        got = rebuilt(batch)
    # one utterance's own statistics differ a little from those of all examples
    assert (got.argmax(-1) == expected.argmax(-1)).float().mean() > 0.8


def test_a_bundle_of_another_shape_is_refused(trained_like):
    _, bundle = trained_like
    with pytest.raises(BundleInitError, match="model_config"):
        model_from_bundle(bundle, _examples(1), expected=ModelConfig(channels=48))


def test_a_bundle_without_a_model_config_is_refused(trained_like, tmp_path):
    _, bundle = trained_like
    copy = tmp_path / "copy"
    copy.mkdir()
    for item in bundle.iterdir():
        (copy / item.name).write_bytes(item.read_bytes())
    meta = json.loads((copy / "bundle.json").read_text())
    del meta["model_config"]
    (copy / "bundle.json").write_text(json.dumps(meta))
    with pytest.raises(BundleInitError, match="no model_config"):
        model_from_bundle(copy, _examples(1))


@pytest.mark.slow
def test_the_shipped_int8_network_reads_back_close_to_itself():
    """The default bundle has only int8 networks: dequantized weights give nearly its outputs."""
    import onnxruntime as ort

    from edge.bundle import default_bundle_path, load_bundle

    bundle = load_bundle(default_bundle_path())
    if "onnx-int8" not in bundle.networks:
        pytest.skip("the shipped bundle has no int8 ONNX network")
    config = ModelConfig.from_dict(bundle.extra["model_config"])
    examples = _examples(4, seed=5)
    rebuilt = model_from_bundle(bundle.path, examples, expected=config)
    session = ort.InferenceSession(str(bundle.network_path("onnx-int8")), providers=["CPUExecutionProvider"])
    feats = examples[0]
    with torch.no_grad():
        ours = rebuilt(torch.from_numpy(feats[None])).numpy()
    theirs = session.run(None, {"feats": feats[None]})[0]
    assert ours.shape == theirs.shape
    assert (ours.argmax(-1) == theirs.argmax(-1)).mean() > 0.9
