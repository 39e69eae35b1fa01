"""Whole-clip and streaming log-mel built on the numba kernel."""

from __future__ import annotations

import numpy as np

from edge.frontend.config import FrontEndConfig, frame_count
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
        self._tables = log_mel._tables
        # Plain ints: the config's window and hop are computed properties, and this is called
        # every 10-100 ms, so the per-call arithmetic shows up in the streaming benchmark.
        self._window, self._hop = log_mel.config.window, log_mel.config.hop
        # Staging buffer: the carried-over samples (fewer than a window) followed by the new
        # chunk, so a call copies the chunk once instead of concatenating into a new array.
        self._buffer = np.zeros(self._window + log_mel.config.sample_rate // 10, dtype=np.float32)
        self._pending = 0

    def accept(self, samples: np.ndarray) -> np.ndarray:
        """Frames completed by this chunk, (n, n_mels) float32, possibly n = 0."""
        pending, end = self._pending, self._pending + len(samples)
        if end > len(self._buffer):
            grown = np.zeros(max(end, 2 * len(self._buffer)), dtype=np.float32)
            grown[:pending] = self._buffer[:pending]
            self._buffer = grown
        self._buffer[pending:end] = samples
        n = frame_count(end, self._window, self._hop)
        feats = log_mel_frames(self._buffer, n, self._tables)
        consumed = n * self._hop
        if consumed:
            self._buffer[:end - consumed] = self._buffer[consumed:end]  # NumPy copies overlaps safely
        self._pending = end - consumed
        return feats
