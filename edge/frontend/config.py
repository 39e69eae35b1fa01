"""The front end's conventions, written down once: training and inference both read this."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields


def frame_count(n_samples: int, window: int, hop: int) -> int:
    """Frames of `window` samples every `hop` samples that fit in `n_samples` (no padding)."""
    return 0 if n_samples < window else 1 + (n_samples - window) // hop


@dataclass(frozen=True, slots=True)
class FrontEndConfig:
    """Log-mel parameters.

    Conventions (the numba kernel and the NumPy reference both follow them exactly):
    - input: float32 mono samples in [-1, 1] at `sample_rate`;
    - frames: no centring and no padding; frame i covers samples [i*hop, i*hop + window);
      a clip of n samples gives 1 + (n - window) // hop frames (0 if n < window), so a stream
      gives the same frames whatever its chunk sizes;
    - window: periodic Hann of `window` samples, zero-padded to `n_fft`;
    - spectrum: power |rfft|^2 (no pre-emphasis, no dither, no DC removal);
    - mel: HTK mel scale (2595 * log10(1 + f / 700)), triangular filters between `fmin_hz` and
      `fmax_hz` with peak 1 (not area-normalised), evaluated at FFT bin centre frequencies;
    - log: natural log of (mel energy + `log_floor`).
    """

    sample_rate: int = 16000
    window_ms: float = 25.0
    hop_ms: float = 10.0
    n_fft: int = 512
    n_mels: int = 80
    fmin_hz: float = 20.0
    fmax_hz: float = 7600.0
    mel_scale: str = "htk"
    window_type: str = "hann-periodic"
    log_floor: float = 1e-6

    def __post_init__(self) -> None:
        if self.window > self.n_fft:
            raise ValueError(f"window of {self.window} samples is longer than n_fft={self.n_fft}")
        if self.n_fft & (self.n_fft - 1):
            raise ValueError(f"n_fft must be a power of two, got {self.n_fft}")
        if not 0 <= self.fmin_hz < self.fmax_hz <= self.sample_rate / 2:
            raise ValueError(f"need 0 <= fmin_hz < fmax_hz <= {self.sample_rate / 2}")
        if self.mel_scale != "htk" or self.window_type != "hann-periodic":
            raise ValueError("only the htk mel scale and a periodic Hann window are implemented")

    @property
    def window(self) -> int:
        """Window length in samples."""
        return int(round(self.sample_rate * self.window_ms / 1000))

    @property
    def hop(self) -> int:
        """Hop length in samples."""
        return int(round(self.sample_rate * self.hop_ms / 1000))

    def n_frames(self, n_samples: int) -> int:
        """Frames a clip of `n_samples` yields."""
        return frame_count(n_samples, self.window, self.hop)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "FrontEndConfig":
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown front-end settings: {', '.join(sorted(unknown))}")
        return cls(**data)
