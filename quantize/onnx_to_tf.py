"""Rebuild an exported ONNX acoustic model as a TensorFlow function, op by op, channels-last.

Runs inside the TensorFlow converter process (see quantize/tflite.py); it imports tensorflow.

The exported graph (train/export.py) works on (batch, channels, time) tensors between a
Transpose after the input and one before the output. TFLite's convolution kernels want
channels-last 4-D tensors, so every tensor that ONNX holds as (N, C, W) is held here as
(N, 1, W, C) ("channels-last", or "cl"): each 1-D Conv becomes a CONV_2D or DEPTHWISE_CONV_2D
with a (1, k) kernel, and the two Transposes become reshapes. Tensors outside that region keep
ONNX's own shape ("same"). Only the ops this model class exports are supported; any other
op raises UnsupportedGraphError naming it, rather than converting it approximately.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx
import tensorflow as tf
from onnx import numpy_helper

SAME = "same"  # the TF tensor has the ONNX tensor's shape
CHANNELS_LAST = "cl"  # an ONNX (N, C, W) tensor held as TF (N, 1, W, C)


class UnsupportedGraphError(ValueError):
    """The ONNX graph uses an op or an attribute this translator does not handle."""


@dataclass(frozen=True)
class Value:
    """A TF tensor and how its axes relate to the ONNX tensor it stands for."""

    tensor: tf.Tensor
    layout: str


class OnnxFunction(tf.Module):
    """The ONNX graph as a callable: (1, frames, n_mels) float32 -> (1, steps, tokens) log-probs."""

    def __init__(self, model: onnx.ModelProto) -> None:
        super().__init__()
        graph = model.graph
        self._constants = {t.name: numpy_helper.to_array(t).astype(np.float32) for t in graph.initializer}
        for node in graph.node:  # Constant nodes are constants too
            if node.op_type == "Constant":
                self._constants[node.output[0]] = numpy_helper.to_array(node.attribute[0].t).astype(np.float32)
        self._nodes = [n for n in graph.node if n.op_type != "Constant"]
        inputs = [i for i in graph.input if i.name not in self._constants]
        if len(inputs) != 1 or len(graph.output) != 1:
            raise UnsupportedGraphError(f"expected one input and one output, got {len(inputs)} and {len(graph.output)}")
        self.input_name = inputs[0].name
        self.output_name = graph.output[0].name
        dims = inputs[0].type.tensor_type.shape.dim
        if len(dims) != 3 or not dims[2].dim_value:
            raise UnsupportedGraphError("expected input (batch, frames, n_mels) with a fixed n_mels")
        self.n_mels = int(dims[2].dim_value)
        unknown = sorted({n.op_type for n in self._nodes} - set(_OPS))
        if unknown:
            raise UnsupportedGraphError(f"ops not supported by the TFLite translator: {', '.join(unknown)}")

    def __call__(self, feats: tf.Tensor) -> tf.Tensor:
        values = {self.input_name: Value(feats, SAME)}
        for node in self._nodes:
            args = [self._lookup(values, name) for name in node.input if name]
            values[node.output[0]] = _OPS[node.op_type](node, *args)
        return _to_same(values[self.output_name])

    def signature(self, batch: int = 1) -> tf.types.experimental.ConcreteFunction:
        """A concrete function with a dynamic time axis, ready for TFLiteConverter."""
        spec = tf.TensorSpec([batch, None, self.n_mels], tf.float32, name="feats")
        return tf.function(self.__call__, input_signature=[spec]).get_concrete_function()

    def _lookup(self, values: dict, name: str) -> "Value | np.ndarray":
        if name in values:
            return values[name]
        if name in self._constants:
            return self._constants[name]
        raise UnsupportedGraphError(f"tensor '{name}' is used before it is computed")


def _attr(node: onnx.NodeProto, name: str, default=None):
    for attribute in node.attribute:
        if attribute.name == name:
            return onnx.helper.get_attribute_value(attribute)
    return default


def _to_same(value: Value) -> tf.Tensor:
    """The tensor in ONNX's own layout."""
    if value.layout == SAME:
        return value.tensor
    return tf.transpose(tf.squeeze(value.tensor, axis=1), [0, 2, 1])


def _to_channels_last(value: Value) -> tf.Tensor:
    """An ONNX (N, C, W) tensor as TF (N, 1, W, C)."""
    if value.layout == CHANNELS_LAST:
        return value.tensor
    return tf.expand_dims(tf.transpose(value.tensor, [0, 2, 1]), axis=1)


def _conv(node: onnx.NodeProto, x: Value, weight: np.ndarray, bias: np.ndarray | None = None) -> Value:
    """1-D Conv (plain or depthwise) as a 2-D convolution over (1, W)."""
    if weight.ndim != 3:
        raise UnsupportedGraphError(f"{node.name}: only 1-D convolutions are supported (weight {weight.shape})")
    c_out, c_in_per_group, kernel = weight.shape
    group = int(_attr(node, "group", 1))
    stride = int(_attr(node, "strides", [1])[0])
    dilation = int(_attr(node, "dilations", [1])[0])
    pads = list(_attr(node, "pads", [0, 0]))
    if _attr(node, "auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        raise UnsupportedGraphError(f"{node.name}: auto_pad is not supported; export with explicit pads")
    tensor = _to_channels_last(x)
    reach = dilation * (kernel - 1)
    if stride == 1 and pads[0] == pads[1] and pads[0] + pads[1] == reach:
        padding = "SAME"  # TF's SAME is symmetric exactly when stride is 1 and the reach is even
    else:
        tensor = tf.pad(tensor, [[0, 0], [0, 0], [pads[0], pads[1]], [0, 0]])
        padding = "VALID"
    if group == 1:
        kernel_tf = np.transpose(weight, (2, 1, 0))[None]  # (1, k, c_in, c_out)
        y = tf.nn.conv2d(tensor, kernel_tf, strides=[1, 1, stride, 1], padding=padding,
                         dilations=[1, 1, dilation, 1])
    elif c_in_per_group == 1 and group == c_out:
        kernel_tf = np.transpose(weight, (2, 0, 1))[None]  # (1, k, channels, multiplier 1)
        # TF's depthwise conv needs equal strides on both spatial axes; the height axis has size 1,
        # so a stride on it changes nothing.
        y = tf.nn.depthwise_conv2d(tensor, kernel_tf, strides=[1, stride, stride, 1], padding=padding,
                                   dilations=[1, dilation] if stride == 1 else None)
    else:
        raise UnsupportedGraphError(f"{node.name}: grouped convolution with {group} groups is not supported")
    if bias is not None:
        y = tf.nn.bias_add(y, bias)
    return Value(y, CHANNELS_LAST)


def _constant_for(layout: str, constant: np.ndarray) -> np.ndarray:
    """An ONNX constant reshaped to broadcast against a tensor held in `layout`."""
    if layout == SAME or constant.size == 1:
        return constant
    squeezed = constant.reshape(-1)
    if constant.ndim >= 2 and constant.shape[-1] == 1:  # (C, 1) or (1, C, 1): one value per channel
        return squeezed
    raise UnsupportedGraphError(f"cannot broadcast a constant of shape {constant.shape} over channels-last")


def _binary(op):
    def apply(node: onnx.NodeProto, a, b) -> Value:
        if isinstance(a, Value) and isinstance(b, Value):
            if a.layout != b.layout:
                a, b = Value(_to_same(a), SAME), Value(_to_same(b), SAME)
            return Value(op(a.tensor, b.tensor), a.layout)
        if isinstance(a, Value):
            return Value(op(a.tensor, _constant_for(a.layout, b)), a.layout)
        if isinstance(b, Value):
            return Value(op(_constant_for(b.layout, a), b.tensor), b.layout)
        raise UnsupportedGraphError(f"{node.name}: {node.op_type} of two constants; fold it before converting")
    return apply


def _div(node: onnx.NodeProto, a, b) -> Value:
    if isinstance(b, np.ndarray):  # multiplying by the reciprocal quantizes; a division does not
        return _binary(tf.multiply)(node, a, (1.0 / b).astype(np.float32))
    return _binary(tf.divide)(node, a, b)


def _transpose(node: onnx.NodeProto, x: Value) -> Value:
    perm = list(_attr(node, "perm", []))
    if perm != [0, 2, 1]:
        raise UnsupportedGraphError(f"{node.name}: Transpose with perm {perm} is not supported")
    if x.layout == CHANNELS_LAST:  # ONNX (N, C, W) -> (N, W, C): drop the unit height axis
        return Value(tf.squeeze(x.tensor, axis=1), SAME)
    return Value(tf.expand_dims(x.tensor, axis=1), CHANNELS_LAST)  # (N, W, C) -> held as (N, 1, W, C)


def _log_softmax(node: onnx.NodeProto, x: Value) -> Value:
    axis = int(_attr(node, "axis", -1))
    if x.layout == SAME:
        return Value(tf.nn.log_softmax(x.tensor, axis=axis), SAME)
    onnx_axis = axis % 3
    tf_axis = {1: 3, 2: 2}.get(onnx_axis)
    if tf_axis is None:
        raise UnsupportedGraphError(f"{node.name}: LogSoftmax over the batch axis")
    return Value(tf.nn.log_softmax(x.tensor, axis=tf_axis), CHANNELS_LAST)


_OPS = {
    "Identity": lambda node, x: x,
    "Conv": _conv,
    "Relu": lambda node, x: Value(tf.nn.relu(x.tensor), x.layout),
    "Add": _binary(tf.add),
    "Sub": _binary(tf.subtract),
    "Mul": _binary(tf.multiply),
    "Div": _div,
    "Transpose": _transpose,
    "LogSoftmax": _log_softmax,
}
