"""Calibration features: edge's log-mel of real training-side speech, picked deterministically.

Quantization ranges are measured on what the device will feed the model: features computed by
edge's own front end (the one the recognizer runs) from real recordings. Calibrate on
training-side audio only; an evaluation set used for calibration would no longer be held out.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from edge.audio import read_audio
from edge.errors import AudioInputError, EarshotError
from edge.frontend import FrontEndConfig, LogMel

# ONNX Runtime's and TFLite's calibrators settle with a few hundred utterances; more mostly costs
# time (entropy calibration keeps a histogram per tensor and re-runs the model per utterance).
DEFAULT_UTTERANCES = 200
MIN_FRAMES = 16  # as edge.recognizer pads to: shorter clips are not what the model sees


def calibration_features(manifests: Sequence[Path], *, utterances: int = DEFAULT_UTTERANCES,
                         frontend: FrontEndConfig = FrontEndConfig()) -> list[np.ndarray]:
    """(frames, n_mels) float32 features of `utterances` clips spread evenly over the manifests.

    Each manifest contributes an equal share, taken at evenly spaced positions so a manifest
    sorted by word or speaker is covered end to end. Raises EarshotError for an unreadable
    manifest or when no clip yields enough frames.
    """
    from train.corpus import ManifestError, read_manifest

    if utterances < 1:
        raise ValueError(f"utterances must be >= 1, got {utterances}")
    log_mel = LogMel(frontend)
    features: list[np.ndarray] = []
    share = max(1, utterances // max(1, len(manifests)))
    for manifest in manifests:
        try:
            entries = read_manifest(manifest)
        except (OSError, ManifestError, UnicodeDecodeError) as exc:
            raise EarshotError(f"{manifest}: cannot read the calibration manifest ({exc})") from None
        if not entries:
            raise EarshotError(f"{manifest}: the calibration manifest lists no utterances")
        picks = np.unique(np.linspace(0, len(entries) - 1, min(share, len(entries))).round().astype(int))
        for index in picks:
            try:
                audio = read_audio(entries[index].audio)
            except AudioInputError as exc:
                raise EarshotError(f"{manifest}: calibration audio unusable: {exc}") from None
            feats = log_mel(audio.samples)
            if len(feats) >= MIN_FRAMES:
                features.append(np.ascontiguousarray(feats, dtype=np.float32))
    if not features:
        raise EarshotError("no calibration clip is long enough to use "
                           f"(need >= {MIN_FRAMES} feature frames)")
    return features


def save_features(features: Sequence[np.ndarray], path: Path) -> Path:
    """Write features to an .npz (arrays f_0, f_1, ...) for another process to read."""
    np.savez(path, **{f"f_{i}": feats for i, feats in enumerate(features)})
    return path
