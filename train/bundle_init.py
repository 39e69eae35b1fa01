"""A trainable PyTorch model rebuilt from a bundle's ONNX network, to fine-tune a shipped model.

The shipped bundle carries no PyTorch checkpoint, only its ONNX (fp32 or static QDQ int8) and
TFLite networks. Its ONNX graph is ConvCtcModel exported in eval mode, so each Conv node is one
of the model's Conv1d layers, in the order the model runs them, with every batch norm folded
into the pointwise conv before it (the conv gained a bias). int8 weights and biases are read
back through their DequantizeLinear nodes ((q - zero_point) * scale, per channel), so the
rebuilt model computes what the int8 network computes minus the activation rounding.

A folded batch norm is unfolded so that fine-tuning in train mode starts from the same
function: with the channel's mean m and variance v of the conv output measured on example
features, the norm gets running statistics (m, v), weight sqrt(v + eps) and bias b + m, which
in eval mode gives back exactly conv(x) + b, and in train mode (batch statistics close to m, v)
nearly so.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn

from edge.bundle import load_bundle
from edge.errors import EarshotError
from train.model import ConvCtcModel, ModelConfig

# Preferred network to rebuild from: the fp32 one when the bundle has it.
VARIANTS = ("onnx", "onnx-int8")


class BundleInitError(EarshotError, ValueError):
    """The bundle's network does not match the model it should be read into."""


def model_from_bundle(bundle_dir: str | Path, feature_examples: list[np.ndarray],
                      expected: ModelConfig | None = None) -> ConvCtcModel:
    """The bundle's network as a ConvCtcModel in eval mode, batch norms unfolded on the examples.

    `feature_examples`: (frames, n_mels) log-mel arrays (e.g. dev utterances) the batch-norm
    statistics are measured on. `expected`: the model config the caller will train (a fine-tuning
    recipe's); it must equal the bundle's up to dropout.
    """
    bundle = load_bundle(bundle_dir)
    if "model_config" not in bundle.extra:
        raise BundleInitError(f"{bundle.path}: bundle.json has no model_config; it was not made by earshot train")
    config = ModelConfig.from_dict(bundle.extra["model_config"])
    if expected is not None and _without_dropout(config) != _without_dropout(expected):
        raise BundleInitError(f"{bundle.path}: its model_config {config.to_dict()} differs from the recipe's "
                              f"{expected.to_dict()}")
    variant = next((v for v in VARIANTS if v in bundle.networks), None)
    if variant is None:
        raise BundleInitError(f"{bundle.path}: no ONNX network to start from (it has: {', '.join(bundle.networks)})")
    model = ConvCtcModel(expected or config)
    load_onnx_weights(model, bundle.network_path(variant))
    unfold_batch_norms(model, feature_examples)
    return model.eval()


def load_onnx_weights(model: ConvCtcModel, onnx_path: Path) -> None:
    """Copy an exported ConvCtcModel's weights (fp32 or QDQ int8) into `model`; BNs become pass-throughs."""
    graph = onnx.load(str(onnx_path)).graph
    values = _constant_values(graph)
    by_op = {}
    for node in graph.node:
        by_op.setdefault(node.op_type, []).append(node)
    if len(by_op.get("Sub", ())) != 1 or len(by_op.get("Div", ())) != 1:
        raise BundleInitError(f"{onnx_path}: expected one Sub and one Div (the input normalisation)")
    mean = _value(values, by_op["Sub"][0].input[1], onnx_path)
    std = _value(values, by_op["Div"][0].input[1], onnx_path)
    convs = by_op.get("Conv", [])
    pairs = conv_norm_pairs(model)
    if len(convs) != len(pairs):
        raise BundleInitError(f"{onnx_path}: {len(convs)} Conv nodes, the model has {len(pairs)} conv layers")
    with torch.no_grad():
        model.feat_mean.copy_(torch.from_numpy(mean.reshape(-1)))
        model.feat_std.copy_(torch.from_numpy(std.reshape(-1)))
        for node, (conv, norm) in zip(convs, pairs):
            weight = _value(values, node.input[1], onnx_path)
            if tuple(weight.shape) != tuple(conv.weight.shape):
                raise BundleInitError(f"{onnx_path}: Conv {node.name or node.output[0]} has weight shape "
                                      f"{weight.shape}, the model's layer {tuple(conv.weight.shape)}")
            conv.weight.copy_(torch.from_numpy(weight))
            bias = _value(values, node.input[2], onnx_path) if len(node.input) > 2 and node.input[2] else None
            if conv.bias is not None:
                conv.bias.copy_(torch.from_numpy(bias) if bias is not None else torch.zeros_like(conv.bias))
            elif norm is not None:
                norm.weight.fill_(1.0)
                norm.bias.copy_(torch.from_numpy(bias) if bias is not None else torch.zeros_like(norm.bias))
                norm.running_mean.zero_()
                norm.running_var.fill_(1.0 - norm.eps)  # (x - 0) / sqrt(var + eps) == x
            elif bias is not None and np.any(bias):
                raise BundleInitError(f"{onnx_path}: Conv {node.output[0]} has a bias the model's layer lacks")


def unfold_batch_norms(model: ConvCtcModel, feature_examples: list[np.ndarray]) -> None:
    """Give each pass-through BN the statistics of its input on the examples, keeping eval outputs."""
    if not feature_examples:
        raise BundleInitError("no feature examples to measure batch-norm statistics on")
    norms = [norm for _, norm in conv_norm_pairs(model) if norm is not None]
    sums = {id(n): [0.0, 0.0, 0] for n in norms}

    def hook(module, inputs, _output):
        x = inputs[0].double()  # (batch, channels, steps), or (batch, channels, 1, steps) on a CPU
        over = tuple(d for d in range(x.dim()) if d != 1)  # every axis but the channels
        acc = sums[id(module)]
        acc[0] = acc[0] + x.sum(dim=over)
        acc[1] = acc[1] + (x * x).sum(dim=over)
        acc[2] += x.numel() // x.shape[1]

    handles = [n.register_forward_hook(hook) for n in norms]
    model.eval()
    try:
        with torch.no_grad():
            for feats in feature_examples:
                model(torch.from_numpy(np.asarray(feats, np.float32)[None]))
    finally:
        for handle in handles:
            handle.remove()
    with torch.no_grad():
        for norm in norms:
            total, squares, count = sums[id(norm)]
            mean = total / count
            var = (squares / count - mean * mean).clamp_min(1e-6)
            shift = norm.bias.double().clone()
            norm.running_mean.copy_(mean.float())
            norm.running_var.copy_(var.float())
            norm.weight.copy_(torch.sqrt(var + norm.eps).float())
            norm.bias.copy_((shift + mean).float())


def conv_norm_pairs(model: nn.Module) -> list[tuple[nn.Conv1d, nn.BatchNorm1d | None]]:
    """Every Conv1d in run order, with the BatchNorm1d that directly follows it (or None)."""
    layers = [m for m in model.modules() if isinstance(m, (nn.Conv1d, nn.BatchNorm1d))]
    pairs = []
    for i, layer in enumerate(layers):
        if isinstance(layer, nn.Conv1d):
            following = layers[i + 1] if i + 1 < len(layers) else None
            pairs.append((layer, following if isinstance(following, nn.BatchNorm1d) else None))
    return pairs


def _constant_values(graph) -> dict[str, np.ndarray]:
    """Initializers, plus the outputs of DequantizeLinear nodes over initializers (dequantized)."""
    values = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    for node in graph.node:
        if node.op_type != "DequantizeLinear" or node.input[0] not in values:
            continue
        q = values[node.input[0]].astype(np.float64)
        scale = values[node.input[1]].astype(np.float64)
        zero = values[node.input[2]].astype(np.float64) if len(node.input) > 2 and node.input[2] else 0.0
        axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
        if np.ndim(scale) == 1 and q.ndim > 1:
            shape = [1] * q.ndim
            shape[axis] = -1
            scale = scale.reshape(shape)
            zero = np.reshape(zero, shape) if np.ndim(zero) == 1 else zero
        values[node.output[0]] = ((q - zero) * scale).astype(np.float32)
    return values


def _value(values: dict[str, np.ndarray], name: str, onnx_path: Path) -> np.ndarray:
    if name not in values:
        raise BundleInitError(f"{onnx_path}: tensor {name!r} is not a constant (initializer or dequantized one)")
    return np.array(values[name], np.float32)  # a writable copy


def _without_dropout(config: ModelConfig) -> dict:
    data = config.to_dict()
    data.pop("dropout", None)
    return data
