"""`earshot quantize BUNDLE --calibration MANIFEST --out DIR`: int8 ONNX and TFLite variants, proven."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from edge.cli_args import positive_int
from edge.errors import EarshotError

def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `quantize` subcommand."""
    from quantize.onnx_int8 import ACTIVATION_TYPES, METHODS, WEIGHT_STORAGE, OnnxInt8Options

    defaults = OnnxInt8Options()

    parser = subparsers.add_parser(
        "quantize", help="build int8 ONNX and TFLite variants of a bundle, measure them, ship the fastest safe one",
        description="Quantize a bundle's fp32 ONNX model to static int8 (QDQ, per-channel) and convert it "
                    "to TFLite fp32 and full-integer int8; measure WER/CER, agreement with fp32, size, "
                    "latency and peak memory of each; and write a complete bundle whose default is the "
                    "fastest variant within the accuracy budget, with a report (Markdown, PNG, JSON).")
    parser.add_argument("bundle", metavar="BUNDLE", type=Path, help="source bundle folder with an fp32 model.onnx")
    parser.add_argument("--calibration", metavar="MANIFEST", type=Path, action="append", required=True,
                        help="JSONL manifest of real TRAINING-side speech to calibrate on (repeatable; "
                             "never an evaluation set)")
    parser.add_argument("--out", metavar="DIR", type=Path, required=True, help="output bundle folder (new or empty)")
    parser.add_argument("--method", choices=METHODS, default=defaults.method,
                        help=f"activation calibration method (default: {defaults.method})")
    parser.add_argument("--activations", choices=ACTIVATION_TYPES, default=defaults.activations,
                        help=f"activation type of the int8 ONNX model (default: {defaults.activations})")
    parser.add_argument("--weights", choices=WEIGHT_STORAGE, default=defaults.weights,
                        help="how the int8 ONNX model stores its symmetric int8 weights: uint8 with zero point "
                             "128 runs ONNX Runtime's U8U8 kernels, exact on every CPU; int8 runs U8S8, faster "
                             "on x86 but saturating on CPUs without VNNI (default: %(default)s)")
    parser.add_argument("--keep-fp32", metavar="LAYER", choices=("first", "last"), action="append", default=[],
                        help="leave the first or last convolution in fp32 (repeatable)")
    parser.add_argument("--eval", metavar="[synthetic:|real:]MANIFEST", action="append", default=[],
                        help="evaluation manifest (repeatable); its kind of speech is read from the "
                             "manifest unless prefixed")
    parser.add_argument("--limit", type=positive_int, metavar="N",
                        help="evaluate only the first N utterances of each --eval manifest")
    parser.add_argument("--calibration-utterances", type=positive_int, metavar="N",
                        help="utterances to calibrate on, spread over the calibration manifests (default: 200)")
    parser.add_argument("--no-tflite", action="store_true", help="skip the TFLite variants (no TensorFlow needed)")
    parser.add_argument("--no-rss", action="store_true", help="skip the peak-memory child processes")
    parser.add_argument("--ship", metavar="VARIANT", action="append", default=[],
                        choices=("onnx", "onnx-int8", "tflite", "tflite-int8"),
                        help="keep only these variants' networks in the output bundle (repeatable; default: all); "
                             "the report still covers every variant")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Check the arguments, build and measure the variants, print the summary."""
    from quantize.calibration import DEFAULT_UTTERANCES
    from quantize.evalsets import load_eval_set
    from quantize.onnx_int8 import OnnxInt8Options
    from quantize.pipeline import QuantizeOptions, quantize_bundle
    from quantize.tflite import ConverterMissingError

    if not (args.bundle / "bundle.json").is_file():
        raise EarshotError(f"{args.bundle}: not a model bundle (no bundle.json)")
    for manifest in args.calibration:
        if not manifest.is_file():
            raise EarshotError(f"--calibration {manifest}: no such manifest file")
    if args.no_tflite and any(name.startswith("tflite") for name in args.ship):
        raise EarshotError("--ship names a TFLite variant but --no-tflite builds none")
    eval_sets = _unique_names([load_eval_set(spec, args.limit) for spec in args.eval])
    calibration_files = {p.resolve() for p in args.calibration}
    for eval_set in eval_sets:
        if eval_set.manifest.resolve() in calibration_files:
            raise EarshotError(f"{eval_set.manifest}: used for calibration and evaluation; evaluation "
                               "must be held out")
    if not eval_sets:
        _say("warning: no --eval manifest: accuracy is not measured, so no int8 variant can become the default")
    options = QuantizeOptions(
        calibration=tuple(args.calibration), eval_sets=tuple(eval_sets),
        onnx=OnnxInt8Options(method=args.method, activations=args.activations, exclude=tuple(args.keep_fp32),
                             weights=args.weights),
        calibration_utterances=args.calibration_utterances or DEFAULT_UTTERANCES,
        tflite=not args.no_tflite, measure_rss=not args.no_rss, ship=tuple(args.ship))
    try:
        result = quantize_bundle(args.bundle, args.out, options, progress=_say)
    except ConverterMissingError as exc:
        raise EarshotError(f"{exc}; or pass --no-tflite to build the ONNX variants only") from None
    print(_summary(result))
    return 0


def _summary(result) -> str:
    lines = [f"bundle      {result.bundle}", f"default     {result.selection.chosen}",
             f"report      {result.report}", "",
             f"{'variant':<22}{'size MB':>9}{'net ms/s@1':>12}{'e2e ms/s@1':>12}  WER by set"]
    for m in result.measurements:
        lat = m.latency_at(1)
        wers = "  ".join(f"{a.set_name} {100 * a.wer:.1f}%" for a in m.accuracy if math.isfinite(a.wer))
        verdict = result.selection.verdict(m.variant.name)
        name = m.variant.name + ("" if verdict.eligible else " (rejected)")
        lines.append(f"{name:<22}{m.size_bytes / 1e6:>9.2f}"
                     f"{1000 * lat.runner_s_per_s if lat else math.nan:>12.2f}"
                     f"{1000 * lat.end_to_end_s_per_s if lat else math.nan:>12.2f}  {wers}")
    return "\n".join(lines)


def _unique_names(sets):
    """Evaluation sets with distinct names (a repeated name gets -2, -3, ...)."""
    from dataclasses import replace

    seen: dict[str, int] = {}
    unique = []
    for eval_set in sets:
        count = seen.get(eval_set.name, 0) + 1
        seen[eval_set.name] = count
        unique.append(eval_set if count == 1 else replace(eval_set, name=f"{eval_set.name}-{count}"))
    return unique


def _say(message: str) -> None:
    print(f"earshot quantize: {message}", file=sys.stderr, flush=True)
