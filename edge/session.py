"""A streaming recognition session: accept chunks, get partial results, then the final one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

import numpy as np

from edge.audio import TARGET_RATE, check_samples
from edge.results import Partial, Transcript

if TYPE_CHECKING:
    from edge.recognizer import Recognizer

PARTIAL_EVERY_S = 0.5  # how much new audio triggers a new partial hypothesis


class RecognizerSession:
    """One utterance's stream. Light: create one per utterance from a shared Recognizer.

    Features are computed incrementally as chunks arrive (the streaming front end gives the same
    frames as the whole clip); partials re-run the model on the features so far and decode
    greedily, the final result decodes with the recognizer's full decoder options.
    """

    def __init__(self, recognizer: "Recognizer") -> None:
        self._recognizer = recognizer
        self._features = recognizer.feature_stream()
        self._frames: list[np.ndarray] = []
        self._samples: list[np.ndarray] = []
        self._n_samples = 0
        self._last_partial_samples = 0

    def accept(self, samples: np.ndarray, sample_rate: int = TARGET_RATE) -> Iterator[Partial]:
        """Feed a chunk; yields a partial hypothesis when enough new audio has arrived."""
        samples = check_samples(samples, sample_rate)
        self._samples.append(samples)
        self._n_samples += len(samples)
        self._frames.append(self._features.accept(samples))
        if self._n_samples - self._last_partial_samples >= PARTIAL_EVERY_S * TARGET_RATE:
            self._last_partial_samples = self._n_samples
            feats = np.concatenate(self._frames)
            if len(feats):
                text = self._recognizer.partial_decoder.decode(self._recognizer.run_model(feats)).text
                yield Partial(text=text, end_s=self._n_samples / TARGET_RATE)

    def finish(self) -> Transcript:
        """The final transcript of everything accepted."""
        samples = np.concatenate(self._samples) if self._samples else np.zeros(0, np.float32)
        return self._recognizer.transcribe(samples, TARGET_RATE)
