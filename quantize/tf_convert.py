"""Convert an ONNX acoustic model to TFLite fp32 and full-integer int8 (run in the TensorFlow process).

`python -m quantize.tf_convert MODEL.onnx --fp32 OUT.tflite --int8 OUT.int8.tflite --calibration F.npz`

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


def convert(onnx_path: Path, fp32_out: Path | None, int8_out: Path | None, calibration: list) -> None:
    """Write the fp32 and/or int8 TFLite files; int8 is calibrated on `calibration` feature arrays."""
    import onnx
    import tensorflow as tf

    from quantize.onnx_to_tf import OnnxFunction

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
        int8_out.write_bytes(converter.convert())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m quantize.tf_convert", description=__doc__.splitlines()[0])
    parser.add_argument("onnx", type=Path)
    parser.add_argument("--fp32", type=Path, help="write the fp32 TFLite model here")
    parser.add_argument("--int8", type=Path, help="write the full-integer int8 TFLite model here")
    parser.add_argument("--calibration", type=Path, help=".npz of (frames, n_mels) float32 feature arrays")
    args = parser.parse_args(argv)
    calibration = []
    if args.calibration is not None:
        import numpy as np

        with np.load(args.calibration) as data:
            calibration = [data[key] for key in sorted(data.files, key=lambda k: int(k.split("_")[-1]))]
    convert(args.onnx, args.fp32, args.int8, calibration)
    return 0


if __name__ == "__main__":
    sys.exit(main())
