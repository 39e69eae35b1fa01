"""Static int8 quantization of an ONNX model: QDQ format, per-channel weights, calibrated on real audio.

The steps follow ONNX Runtime's own recipe (onnxruntime.quantization): `quant_pre_process`
(symbolic shape inference and graph optimisation, so that quantization sees the final graph),
then `quantize_static` with a CalibrationDataReader that feeds edge's log-mel of real speech.
Weights are symmetric int8 per output channel, stored by default as uint8 with zero point 128
(`store_weights`: the same values, so the same model); activations are per-tensor, their
type and the calibration method are options. Dynamic quantization is not offered: it made this model class
3-8x slower than fp32 (measured here: 121 ms against 23 ms for 10 s of audio, one thread):
it turns each Conv into DynamicQuantizeLinear + ConvInteger + Cast + Mul, and ONNX Runtime's
ConvInteger kernel is far slower than the QLinearConv that static QDQ graphs are fused into.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

METHODS = ("percentile", "entropy", "minmax")
ACTIVATION_TYPES = ("uint8", "int8")
WEIGHT_STORAGE = ("uint8", "int8")  # how the symmetric int8 weights are stored (see store_weights)
EXCLUDABLE = ("first", "last")  # convolution layers that may stay fp32

# Percentile calibration's cut-off: the fraction of activation magnitudes kept inside the range.
PERCENTILE = 99.999


@dataclass(frozen=True, slots=True)
class OnnxInt8Options:
    """How to quantize: calibration method, activation type, conv layers left in fp32, weight storage.

    Defaults are what measured best on this model class here: uint8 activations ran ONNX
    Runtime's U8S8 x86 kernels 1.9-2x faster than int8 activations on an AVX512-VNNI CPU;
    percentile calibration clips rare activation outliers that min-max keeps and matched or beat
    min-max and entropy on every set, where entropy lost up to 3 WER points. On ARM (a Pi),
    re-measure the activation type with benchmarks/bench_runners.py.

    Weights are stored as uint8 (zero point 128) by default: with uint8 activations ONNX Runtime then
    runs its U8U8 kernels, whose sums are exact on every CPU. Stored as int8 they run the U8S8
    kernels, which on x86 CPUs without VNNI (AVX2 only) add pairs of u8 x s8 products into 16 bits
    that saturate: the shipped network lost 0.6 WER points on the digits set on an AVX2 machine
    (0.2075 -> 0.2138) and none on the AVX512-VNNI one. U8U8 costs that AVX2 machine 36% more
    network time (1.00 -> 1.36 ms per second of audio); on ARM, MLAS runs both with one kernel.
    """

    method: str = "percentile"
    activations: str = "uint8"
    exclude: tuple[str, ...] = ()
    weights: str = "uint8"

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"calibration method must be one of {', '.join(METHODS)}, got {self.method!r}")
        if self.activations not in ACTIVATION_TYPES:
            raise ValueError(f"activations must be one of {', '.join(ACTIVATION_TYPES)}, got {self.activations!r}")
        if self.weights not in WEIGHT_STORAGE:
            raise ValueError(f"weights must be stored as one of {', '.join(WEIGHT_STORAGE)}, got {self.weights!r}")
        unknown = set(self.exclude) - set(EXCLUDABLE)
        if unknown:
            raise ValueError(f"exclude takes {', '.join(EXCLUDABLE)}; got {', '.join(sorted(unknown))}")

    @property
    def label(self) -> str:
        """A short description such as "entropy, uint8 activations, int8 per-channel weights stored as
        uint8, first/last conv fp32"."""
        text = f"{self.method}, {self.activations} activations, int8 per-channel weights"
        text += " stored as uint8" if self.weights == "uint8" else ""
        return text + (f", {'/'.join(self.exclude)} conv fp32" if self.exclude else "")


def quantize_onnx(fp32_path: Path, out_path: Path, features: Sequence[np.ndarray],
                  options: OnnxInt8Options = OnnxInt8Options()) -> Path:
    """Write the static QDQ int8 version of `fp32_path` to `out_path`, calibrated on `features`."""
    from onnxruntime.quantization import QuantFormat, QuantType, quant_pre_process, quantize_static

    from quantize.calibration_reader import FeatureReader

    if not features:
        raise ValueError("static quantization needs calibration features")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="earshot-quant-") as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(fp32_path), str(prepared))
        activation = QuantType.QUInt8 if options.activations == "uint8" else QuantType.QInt8
        with contextlib.redirect_stdout(io.StringIO()):  # the calibrators print a line per utterance
            quantize_static(
                str(prepared), str(out_path), FeatureReader(_input_name(prepared), features),
                quant_format=QuantFormat.QDQ, per_channel=True, reduce_range=False,
                activation_type=activation, weight_type=QuantType.QInt8,
                nodes_to_exclude=excluded_nodes(prepared, options.exclude),
                calibrate_method=_calibration_method(options.method),
                # CalibStridedMinMax=1 (despite its name, honoured by every calibrator) collects one
                # utterance at a time: histograms merge across calls, so utterances may differ in
                # length and intermediate tensors of only one utterance are held in memory.
                extra_options={"WeightSymmetric": True, "CalibPercentile": PERCENTILE, "CalibStridedMinMax": 1},
            )
    if options.weights == "uint8":
        store_weights(out_path, "uint8")
    return out_path


def store_weights(model_path: Path, storage: str) -> int:
    """Rewrite in place each symmetric int8 weight of a QDQ graph (an initializer that a
    DequantizeLinear reads with a zero point of 0 as int8, or of 128 as uint8) into the other
    storage: q + 128 as uint8 with zero point 128 ("uint8"), or back ("int8"). Both dequantize to
    the same values, so the model computes the same function; ONNX Runtime picks its U8U8 or U8S8
    kernels by it (OnnxInt8Options). Returns how many weights it rewrote (0 when none was left)."""
    import onnx
    from onnx import numpy_helper

    if storage not in WEIGHT_STORAGE:
        raise ValueError(f"weights must be stored as one of {', '.join(WEIGHT_STORAGE)}, got {storage!r}")
    source_type, source_zero, target_dtype, target_zero = (
        (onnx.TensorProto.INT8, 0, np.uint8, 128) if storage == "uint8" else (onnx.TensorProto.UINT8, 128, np.int8, 0))
    model = onnx.load(str(model_path))
    initializers = {tensor.name: tensor for tensor in model.graph.initializer}
    weights, zero_points = set(), set()
    for node in model.graph.node:
        if node.op_type != "DequantizeLinear" or len(node.input) < 3:
            continue
        weight, zero_point = initializers.get(node.input[0]), initializers.get(node.input[2])
        if weight is None or zero_point is None or weight.data_type != source_type:
            continue
        if (numpy_helper.to_array(zero_point) != source_zero).any():
            raise ValueError(f"{model_path}: weight {weight.name} is not symmetric (zero point not {source_zero})")
        weights.add(weight.name)
        zero_points.add(zero_point.name)
    for name in weights:
        values = numpy_helper.to_array(initializers[name]).astype(np.int16) - source_zero + target_zero
        initializers[name].CopyFrom(numpy_helper.from_array(values.astype(target_dtype), name))
    for name in zero_points:
        shape = numpy_helper.to_array(initializers[name]).shape
        initializers[name].CopyFrom(numpy_helper.from_array(np.full(shape, target_zero, target_dtype), name))
    if weights:
        onnx.save(model, str(model_path))
    return len(weights)


def excluded_nodes(model_path: Path, which: Sequence[str]) -> list[str]:
    """Names of the first and/or last Conv nodes of a (topologically sorted) ONNX graph."""
    import onnx

    if not which:
        return []
    convs = [node.name for node in onnx.load(str(model_path)).graph.node if node.op_type == "Conv"]
    if not convs:
        return []
    return sorted({convs[0] if side == "first" else convs[-1] for side in which})


def weight_types(model_path: Path) -> dict[str, str]:
    """Element type of each Conv weight in a QDQ graph (the DequantizeLinear input's type)."""
    import onnx

    graph = onnx.load(str(model_path)).graph
    types = {t.name: onnx.helper.tensor_dtype_to_np_dtype(t.data_type).name for t in graph.initializer}
    producers = {out: node for node in graph.node for out in node.output}
    found = {}
    for node in graph.node:
        if node.op_type != "Conv" or len(node.input) < 2:
            continue
        weight = node.input[1]
        source = producers.get(weight)
        if source is not None and source.op_type == "DequantizeLinear":
            weight = source.input[0]
        found[node.name] = types.get(weight, "computed")
    return found


def _input_name(model_path: Path) -> str:
    import onnx

    graph = onnx.load(str(model_path)).graph
    initializers = {t.name for t in graph.initializer}
    return next(i.name for i in graph.input if i.name not in initializers)


def _calibration_method(name: str):
    from onnxruntime.quantization import CalibrationMethod

    return {"minmax": CalibrationMethod.MinMax, "entropy": CalibrationMethod.Entropy,
            "percentile": CalibrationMethod.Percentile}[name]
