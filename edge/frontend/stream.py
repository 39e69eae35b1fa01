"""Whole-clip and streaming log-mel built on the numba kernel."""

from __future__ import annotations

import numpy as np

from edge.frontend.config import FrontEndConfig
from edge.frontend.kernel import KernelTables, log_mel_frames


class LogMel:
    """Computes log-mel features of whole clips; holds the precomputed tables, so reuse one."""

    def __init__(self, config: FrontEndConfig = FrontEndConfig()) -> None:
        self.config = config
        self._tables = KernelTables(config)

    def __call__(self, samples: np.ndarray) -> np.ndarray:
        """(n_frames, n_mels) float32 features of float32 mono samples at the config's rate."""
        return log_mel_frames(samples, self.config.n_frames(len(samples)), self._tables)

    def stream(self) -> "StreamingLogMel":
        return StreamingLogMel(self)


class StreamingLogMel:
    """Feeds chunks of any size and returns the frames each completes.

    Concatenating its outputs gives exactly what LogMel returns for the whole input.
    """

    def __init__(self, log_mel: LogMel) -> None:
        self._log_mel = log_mel
        self._pending = np.zeros(0, dtype=np.float32)

    def accept(self, samples: np.ndarray) -> np.ndarray:
        """Frames completed by this chunk, (n, n_mels) float32, possibly n = 0."""
        config = self._log_mel.config
        buffer = np.concatenate([self._pending, np.asarray(samples, dtype=np.float32)])
        n = config.n_frames(len(buffer))
        feats = self._log_mel(buffer[: (n - 1) * config.hop + config.window] if n else buffer[:0])
        self._pending = buffer[n * config.hop:]
        return feats
