"""Convert an ONNX acoustic model to TFLite fp32 and full-integer int8 (run in the TensorFlow process).

`python -m quantize.tf_convert MODEL.onnx --fp32 OUT.tflite --int8 OUT.int8.tflite --calibration F.npz
[--percentile 99.999]`

quantize/tflite.py starts this in a separate process (the interpreter that has tensorflow), so
TensorFlow's import cost, threads and memory never enter the process that measures latency.
It needs only tensorflow, onnx and numpy, so it can also run from a separate virtual environment.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before tensorflow is imported: keep stderr readable
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")


def convert(onnx_path: Path, fp32_out: Path | None, int8_out: Path | None, calibration: list,
            percentile: float = 100.0) -> None:
    """Write the fp32 and/or int8 TFLite files; int8 is calibrated on `calibration` feature arrays.

    `percentile` < 100 narrows every activation range to those percentiles of the calibration
    values (quantize/tflite_ranges.py); 100 keeps TensorFlow's min-max ranges.
    """
    import onnx
    import tensorflow as tf
    from tensorflow.lite.python import convert as tf_lite_convert

    from quantize.onnx_to_tf import OnnxFunction
    from quantize.tflite_ranges import narrow_ranges

    function = OnnxFunction(onnx.load(str(onnx_path)))
    concrete = function.signature()
    if fp32_out is not None:
        converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete], function)
        fp32_out.write_bytes(converter.convert())
    if int8_out is not None:
        if not calibration:
            raise ValueError("int8 conversion needs calibration features")
        converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete], function)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: ([feats[None].astype("float32")] for feats in calibration)
        # Full integer: every op int8 (conversion fails rather than leave a float op behind),
        # int8 input and output whose scale and zero point the runner reads from the file.
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
        if percentile >= 100.0:
            int8_out.write_bytes(converter.convert())
            return
        # TensorFlow has no percentile calibration: take its calibrated float model (ranges
        # recorded, nothing quantized yet), narrow the ranges, then run its quantizer on that,
        # as TFLiteConverter itself does after calibrating. Both hooks are internal to
        # TensorFlow (pinned: tensorflow==2.21.0).
        converter._experimental_calibrate_only = True
        calibrated = narrow_ranges(converter.convert(), calibration, percentile)
        int8_out.write_bytes(tf_lite_convert.mlir_quantize(
            calibrated, fully_quantize=True, input_data_type=tf.int8, output_data_type=tf.int8))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m quantize.tf_convert", description=__doc__.splitlines()[0])
    parser.add_argument("onnx", type=Path)
    parser.add_argument("--fp32", type=Path, help="write the fp32 TFLite model here")
    parser.add_argument("--int8", type=Path, help="write the full-integer int8 TFLite model here")
    parser.add_argument("--calibration", type=Path, help=".npz of (frames, n_mels) float32 feature arrays")
    parser.add_argument("--percentile", type=float, default=100.0,
                        help="activation ranges cover this percentile of calibration values (100: min-max)")
    args = parser.parse_args(argv)
    calibration = []
    if args.calibration is not None:
        import numpy as np

        with np.load(args.calibration) as data:
            calibration = [data[key] for key in sorted(data.files, key=lambda k: int(k.split("_")[-1]))]
    convert(args.onnx, args.fp32, args.int8, calibration, args.percentile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
