"""Fixtures shared by the test suites: real speech clips and a tiny bundle the tests build."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
PUBLIC_EVAL = SHARED / "eval" / "public"


@pytest.fixture(scope="session")
def speech_clip() -> Path:
    """A real human speech clip (16 kHz mono WAV) from the shared evaluation set."""
    clip = PUBLIC_EVAL / "ps_goforward.wav"
    if not clip.exists():
        pytest.skip(f"shared evaluation data not found at {PUBLIC_EVAL}")
    return clip


@pytest.fixture(scope="session")
def speech_samples(speech_clip) -> np.ndarray:
    from edge.audio import read_audio

    return read_audio(speech_clip).samples


@pytest.fixture(scope="session")
def tiny_bundle(tmp_path_factory) -> Path:
    """A small randomly initialised model exported as a real bundle (ONNX), built by the test run."""
    torch = pytest.importorskip("torch", reason="building a test model needs the train extra (torch)")
    from train.export import write_bundle
    from train.model import ConvCtcModel, ModelConfig

    torch.manual_seed(0)
    model = ConvCtcModel(ModelConfig(channels=32, block_kernels=(5, 7), epilog_channels=48, epilog_kernel=9)).eval()
    out = tmp_path_factory.mktemp("bundle") / "tiny"
    examples = [np.random.default_rng(0).normal(size=(120, 80)).astype(np.float32)]
    write_bundle(model, out, name="tiny-test", feature_examples=examples)
    return out


def write_json_lines(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path
