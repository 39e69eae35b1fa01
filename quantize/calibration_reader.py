"""ONNX Runtime's calibration input: one utterance of log-mel features per step, for static quantization."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from onnxruntime.quantization import CalibrationDataReader


class FeatureReader(CalibrationDataReader):
    """Feeds one utterance's (1, frames, n_mels) features per calibration step, longest first.

    Longest first because the histogram calibrators fix their bin width from the first
    utterance's range: a long utterance's range is close to the final one.
    """

    def __init__(self, input_name: str, features: Sequence[np.ndarray]) -> None:
        self._input_name = input_name
        self._features = sorted(features, key=len, reverse=True)
        self._start, self._end = 0, len(self._features)
        self._iterator = self._batches()

    def __len__(self) -> int:
        return len(self._features)

    def set_range(self, start_index: int, end_index: int) -> None:
        """Feed only utterances [start_index, end_index) from now on (ORT's strided collection)."""
        self._start, self._end = start_index, end_index
        self._iterator = self._batches()

    def _batches(self) -> Iterator[dict[str, np.ndarray]]:
        for feats in self._features[self._start:self._end]:
            yield {self._input_name: np.ascontiguousarray(feats, dtype=np.float32)[None]}

    def get_next(self) -> dict[str, np.ndarray] | None:
        """The next input dict, or None when the range is exhausted."""
        return next(self._iterator, None)

    def rewind(self) -> None:
        """Start the current range again."""
        self._iterator = self._batches()
