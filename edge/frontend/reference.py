"""Plain NumPy log-mel: the readable reference the numba kernel is tested against."""

from __future__ import annotations

import numpy as np

from edge.frontend.config import FrontEndConfig


def hann_periodic(length: int) -> np.ndarray:
    """Periodic Hann window (as torch.hann_window / scipy.signal.get_window('hann'))."""
    n = np.arange(length)
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * n / length)


def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    """HTK mel scale (Young et al., The HTK Book, section 5.4)."""
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


def mel_to_hz(mel: np.ndarray | float) -> np.ndarray:
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0)


def mel_filterbank(config: FrontEndConfig) -> np.ndarray:
    """(n_mels, n_fft // 2 + 1) triangular filters with peak 1 on the HTK mel scale."""
    n_bins = config.n_fft // 2 + 1
    bin_hz = np.arange(n_bins) * config.sample_rate / config.n_fft
    edges_hz = mel_to_hz(
        np.linspace(hz_to_mel(config.fmin_hz), hz_to_mel(config.fmax_hz), config.n_mels + 2)
    )
    lower, centre, upper = edges_hz[:-2, None], edges_hz[1:-1, None], edges_hz[2:, None]
    rising = (bin_hz[None, :] - lower) / (centre - lower)
    falling = (upper - bin_hz[None, :]) / (upper - centre)
    return np.maximum(0.0, np.minimum(rising, falling))


def frame_signal(samples: np.ndarray, config: FrontEndConfig) -> np.ndarray:
    """(n_frames, window) view of the frames the conventions define."""
    n = config.n_frames(len(samples))
    if n == 0:
        return np.zeros((0, config.window), dtype=samples.dtype)
    starts = np.arange(n) * config.hop
    return samples[starts[:, None] + np.arange(config.window)[None, :]]


def log_mel_reference(samples: np.ndarray, config: FrontEndConfig = FrontEndConfig()) -> np.ndarray:
    """(n_frames, n_mels) float32 log-mel features of float32 mono `samples`."""
    frames = frame_signal(np.asarray(samples, dtype=np.float64), config)
    spectrum = np.fft.rfft(frames * hann_periodic(config.window), n=config.n_fft, axis=1)
    power = spectrum.real**2 + spectrum.imag**2
    mel = power @ mel_filterbank(config).T
    return np.log(mel + config.log_floor).astype(np.float32)
