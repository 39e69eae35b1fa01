"""Turn an fp32 bundle into a quantized one: build the variants, measure them, pick the default, report.

The output folder is a complete bundle: everything the source carried (tokens, LM, calibration,
profile, card), the fp32 ONNX model, the int8 ONNX model, the TFLite fp32 and int8 models, and
quantization/ with the report. A variant that misses the accuracy budget stays in the folder
under "<name>-rejected", so `Bundle.pick_variant` (which prefers "<runtime>-int8") never picks
it. The folder is assembled next to the destination and renamed into place at the end, so a
failed run leaves no half-written bundle behind.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from edge.bundle import MANIFEST, load_bundle
from edge.errors import EarshotError
from quantize.calibration import DEFAULT_UTTERANCES, calibration_features
from quantize.evalsets import EvalSet
from quantize.onnx_int8 import PERCENTILE, OnnxInt8Options, quantize_onnx
from quantize.report import REPORT_MD, card_section, update_card, write_report
from quantize.select import Selection, SelectionRule, select_variant
from quantize.validate import THREADS, Measurement, latency_clip, validate
from quantize.variants import REFERENCE, REJECTED_SUFFIX, Variant

REPORT_DIR = "quantization"
CARD = "MODEL_CARD.md"
FILES = {"onnx": "model.onnx", "onnx-int8": "model.int8.onnx",
         "tflite": "model.tflite", "tflite-int8": "model.int8.tflite"}


@dataclass(frozen=True)
class QuantizeOptions:
    """What `earshot quantize` builds and how it judges it."""

    calibration: tuple[Path, ...]
    eval_sets: tuple[EvalSet, ...] = ()
    onnx: OnnxInt8Options = field(default_factory=OnnxInt8Options)
    calibration_utterances: int = DEFAULT_UTTERANCES
    tflite: bool = True
    rule: SelectionRule = field(default_factory=SelectionRule)
    threads: tuple[int, ...] = THREADS
    measure_rss: bool = True
    ship: tuple[str, ...] = ()  # variants whose files go into the output bundle (empty: all)

    def __post_init__(self) -> None:
        if not self.calibration:
            raise ValueError("calibration needs at least one manifest")
        if self.calibration_utterances < 1:
            raise ValueError(f"calibration_utterances must be >= 1, got {self.calibration_utterances}")


@dataclass(frozen=True)
class QuantizeResult:
    """Where the bundle went, what was measured and what was chosen."""

    bundle: Path
    measurements: tuple[Measurement, ...]
    selection: Selection
    report: Path


def quantize_bundle(source: Path, out: Path, options: QuantizeOptions,
                    progress: Callable[[str], None] = lambda message: None) -> QuantizeResult:
    """Build, measure and select; write the quantized bundle to `out` (which must not hold files)."""
    bundle = load_bundle(source)
    if REFERENCE not in bundle.networks:
        raise EarshotError(f"{source}: the bundle has no fp32 ONNX network ('{REFERENCE}' in {MANIFEST}) to quantize")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise EarshotError(f"{out}: already exists and is not an empty folder; remove it or choose another --out")
    if out.resolve() == source.resolve():
        raise EarshotError("--out must differ from the source bundle")
    work = out.parent / f".{out.name}.partial"
    if work.exists():
        shutil.rmtree(work)  # left by an interrupted run of this command
    try:
        _copy_source(bundle, work)
        variants = _build_variants(work, options, progress)
        _write_networks(work, {v.name: v.file for v in variants}, None)
        built = load_bundle(work)
        clip = latency_clip(options.eval_sets, fallback=_calibration_audio(options.calibration))
        measurements = validate(built, variants, options.eval_sets, clip, threads=options.threads,
                                rss=options.measure_rss, progress=progress)
        selection = select_variant(measurements, options.rule)
        context = _context(source, options)
        paths = write_report(measurements, selection, work / REPORT_DIR, context)
        update_card(work / CARD, card_section(measurements, selection, context))
        try:
            shipped = _shipped(variants, selection.chosen, options.ship)
        except EarshotError as refused:  # measured for minutes: the report outlives the refusal
            raise EarshotError(f"{refused} (the measurements are in {_keep_report(work / REPORT_DIR, out)})") from None
        for v in variants:
            if v.name not in shipped:
                (work / v.file).unlink()
        networks = {(v.name if selection.verdict(v.name).eligible else v.name + REJECTED_SUFFIX): v.file
                    for v in variants if v.name in shipped}
        for runtime in runtimes_left_without_network(variants, shipped, selection):
            progress(f"warning: every {runtime} network shipped missed the accuracy budget, so the bundle has "
                     f"none that `--runtime {runtime}` can run; add --ship {runtime} to keep its fp32 network")
        _write_networks(work, networks, {
            "default": selection.chosen, "rule": selection.rule.describe(),
            "unchecked": list(selection.unchecked), "report": f"{REPORT_DIR}/{REPORT_MD}",
            "variants": {v.name: {"file": v.file, "recipe": v.recipe, "eligible": selection.verdict(v.name).eligible,
                                  "shipped": v.name in shipped}
                         for v in variants},
            "calibration": {"manifests": [str(p) for p in options.calibration],
                            "utterances": options.calibration_utterances, "method": options.onnx.method},
        })
        if out.exists():
            out.rmdir()
        os.replace(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return QuantizeResult(out, tuple(measurements), selection, out / REPORT_DIR / paths[REPORT_MD].name)


def _shipped(variants: Sequence[Variant], chosen: str, ship: Sequence[str]) -> set[str]:
    """The variants whose files stay in the bundle: `ship`, or all when it is empty."""
    names = {v.name for v in variants}
    if not ship:
        return names
    unknown = sorted(set(ship) - names)
    if unknown:
        raise EarshotError(f"--ship {', '.join(unknown)}: no such variant (built: {', '.join(sorted(names))})")
    if chosen not in ship:
        raise EarshotError(f"--ship leaves out {chosen}, the variant the rule chose as the default; add --ship {chosen}")
    return set(ship)


def runtimes_left_without_network(variants: Sequence[Variant], shipped: set[str], selection: Selection) -> list[str]:
    """The runtimes whose shipped variants were all rejected: the bundle keeps their files under
    "<name>-rejected", which `Bundle.pick_variant` never picks, so that runtime has nothing to run."""
    kept = [v for v in variants if v.name in shipped]
    runnable = {v.runtime for v in kept if selection.verdict(v.name).eligible}
    return sorted({v.runtime for v in kept} - runnable)


def _keep_report(report: Path, out: Path) -> Path:
    """Move a refused run's report folder next to `out`, never over an earlier one."""
    target = out.parent / f"{out.name}.quantize-report"
    number = 1
    while target.exists():
        number += 1
        target = out.parent / f"{out.name}.quantize-report-{number}"
    shutil.move(report, target)
    return target


def _copy_source(bundle, work: Path) -> None:
    """Copy the source bundle's files, except its networks and any earlier quantization report."""
    skip = set(bundle.networks.values()) | {REPORT_DIR}
    work.mkdir(parents=True)
    for item in bundle.path.iterdir():
        if item.name in skip:
            continue
        if item.is_dir():
            shutil.copytree(item, work / item.name)
        else:
            shutil.copy2(item, work / item.name)
    shutil.copy2(bundle.network_path(REFERENCE), work / FILES["onnx"])


def _build_variants(work: Path, options: QuantizeOptions, progress) -> list[Variant]:
    from quantize.tflite import convert_to_tflite

    progress(f"computing calibration features ({options.calibration_utterances} utterances)")
    features = calibration_features(options.calibration, utterances=options.calibration_utterances)
    variants = [Variant("onnx", "onnx", "fp32", FILES["onnx"], "fp32 as exported")]
    progress(f"quantizing ONNX ({options.onnx.label})")
    quantize_onnx(work / FILES["onnx"], work / FILES["onnx-int8"], features, options.onnx)
    variants.append(Variant("onnx-int8", "onnx", "int8", FILES["onnx-int8"], f"static QDQ: {options.onnx.label}"))
    if options.tflite:
        progress("converting to TFLite fp32 and full-integer int8 (TensorFlow, child process)")
        converted = convert_to_tflite(work / FILES["onnx"], work / FILES["tflite"], work / FILES["tflite-int8"],
                                      features)
        variants.append(Variant("tflite", "tflite", "fp32", FILES["tflite"],
                                f"fp32 via TensorFlow (log-probs within {converted.fp32_max_abs_diff:.1e} of ONNX)"))
        variants.append(Variant("tflite-int8", "tflite", "int8", FILES["tflite-int8"],
                                f"full integer: int8 I/O, int8 per-channel weights, {PERCENTILE:g}th-percentile "
                                "activation ranges"))
    return variants


def _calibration_audio(manifests: Sequence[Path], count: int = 50) -> list[Path]:
    """Audio for the latency clip when no evaluation set was given."""
    from train.corpus import read_manifest

    return [u.audio for u in read_manifest(manifests[0])[:count]]


def _write_networks(work: Path, networks: dict[str, str], quantization: dict | None) -> None:
    manifest = work / MANIFEST
    meta = json.loads(manifest.read_text())
    meta["networks"] = networks
    if quantization is None:
        meta.pop("quantization", None)
    else:
        meta["quantization"] = quantization
    manifest.write_text(json.dumps(meta, indent=2) + "\n")


def _context(source: Path, options: QuantizeOptions) -> dict:
    sets = ", ".join(f"{s.name} ({s.kind}, {len(s.utterances)} utterances)" for s in options.eval_sets)
    return {"source bundle": str(source),
            "calibration": f"{options.calibration_utterances} utterances from "
                           + ", ".join(str(p) for p in options.calibration),
            "evaluation sets": sets or "none",
            "threads timed": ", ".join(map(str, options.threads)),
            "machine": f"{os.cpu_count()} CPUs, 1-minute load average {os.getloadavg()[0]:.1f} after timing"}
