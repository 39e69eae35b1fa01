"""An earshot model bundle (the larger ONNX model from train/) as a server recognizer."""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np

from cloud.recognizers.recognition import Recognition
from edge.errors import EarshotError
from edge.results import Transcript


class OnnxBundleRecognizer:
    """edge's Recognizer over a configured bundle, run with ONNX Runtime on the server."""

    name = "onnx"

    def __init__(self, bundle: str | os.PathLike, threads: int = 1, beam: int | None = None) -> None:
        """`beam`: the decoder's beam width (default: the bundle's own, as its decoder was tuned)."""
        try:
            from edge.recognizer import Recognizer
        except ImportError as exc:
            raise EarshotError(f"the ONNX bundle recognizer needs edge.recognizer ({exc})") from None
        try:
            self._recognizer = Recognizer.load(bundle, runtime="onnx", threads=threads, beam=beam)
        except ValueError as exc:  # options the bundle's decoder refuses
            raise EarshotError(f"{bundle}: {exc}") from None

    def transcribe(self, samples: np.ndarray, sample_rate: int = 16000) -> Transcript:
        """Decode one utterance with the bundle's model."""
        transcript = self._recognizer.transcribe(samples, sample_rate=sample_rate)
        return replace(transcript, model=transcript.model or self.name, source="cloud")

    def recognize(self, samples: np.ndarray, sample_rate: int = 16000) -> Recognition:
        """Decode one utterance (the bundle's decoder gives no alternatives)."""
        return Recognition(self.transcribe(samples, sample_rate))
