"""Export a trained model to ONNX (opset 17, dynamic time axis), check it against PyTorch, bundle it."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import torch

from edge.bundle import write_bundle_manifest
from edge.frontend import FrontEndConfig
from train import tokens as vocabulary
from train.model import ConvCtcModel

OPSET = 17
ONNX_FILE = "model.onnx"
LM_FILE = "lm.arpa.gz"
MAX_ABS_DIFF = 1e-3  # log-prob agreement between ONNX Runtime and PyTorch


def export_onnx(model: ConvCtcModel, path: Path) -> None:
    """Write the model as ONNX with input "feats" (batch, frames, n_mels), output "log_probs"."""
    model = model.eval()
    example = torch.zeros(1, 200, model.config.n_mels)
    torch.onnx.export(model, (example,), str(path), input_names=["feats"], output_names=["log_probs"],
                      dynamic_axes={"feats": {0: "batch", 1: "frames"}, "log_probs": {0: "batch", 1: "steps"}},
                      opset_version=OPSET, dynamo=False, do_constant_folding=True)


def check_onnx(model: ConvCtcModel, path: Path, feature_examples: list[np.ndarray]) -> float:
    """Largest |log-prob| difference between ONNX Runtime and PyTorch on the examples; raises if too big."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    worst = 0.0
    with torch.no_grad():
        for feats in feature_examples:
            expected = model(torch.from_numpy(feats[None].astype(np.float32))).numpy()
            got = session.run(None, {"feats": feats[None].astype(np.float32)})[0]
            worst = max(worst, float(np.abs(expected - got).max()))
    if worst > MAX_ABS_DIFF:
        raise RuntimeError(f"{path}: ONNX and PyTorch outputs differ by {worst:.2e} (> {MAX_ABS_DIFF})")
    return worst


def write_bundle(model: ConvCtcModel, out: Path, *, name: str, feature_examples: list[np.ndarray],
                 lm_file: Path | None = None, card: str | None = None, extra: dict | None = None) -> float:
    """Write a complete fp32 bundle folder; returns the ONNX-vs-PyTorch check's max difference."""
    out.mkdir(parents=True, exist_ok=True)
    export_onnx(model, out / ONNX_FILE)
    diff = check_onnx(model, out / ONNX_FILE, feature_examples)
    if lm_file is not None:
        write_gzipped(lm_file.read_bytes(), out / LM_FILE)
    write_bundle_manifest(out, name=name, tokens=list(vocabulary.TOKENS), frontend=FrontEndConfig(),
                          networks={"onnx": ONNX_FILE}, frame_stride=model.config.stride,
                          lm=LM_FILE if lm_file is not None else None,
                          model_config=model.config.to_dict(), onnx_check_max_abs_diff=diff, **(extra or {}))
    if card:
        (out / "MODEL_CARD.md").write_text(card)
    return diff


def write_gzipped(data: bytes, target: Path) -> None:
    """Gzip `data` into `target` (named target.stem inside) with a fixed timestamp, so a rebuild
    gives the same bytes."""
    with open(target, "wb") as out, gzip.GzipFile(filename=target.stem, mode="wb", fileobj=out, mtime=0) as packed:
        packed.write(data)


def update_manifest(bundle: Path, **fields) -> None:
    """Set top-level fields of an existing bundle.json (e.g. calibration, profile)."""
    manifest = bundle / "bundle.json"
    meta = json.loads(manifest.read_text())
    meta.update(fields)
    manifest.write_text(json.dumps(meta, indent=2) + "\n")
