"""numba log-mel kernel: a radix-2 FFT run on 16 frames at once so the inner loops vectorise.

The maths is exactly `reference.log_mel_reference`; only the evaluation order differs. The
512-point real FFT is computed as a 256-point complex FFT of the even/odd samples packed into
real and imaginary parts, followed by the standard split step (e.g. Press et al., Numerical
Recipes, section 12.3). Arrays are laid out (fft_bin, frame) so every butterfly is a loop over
the 16 frames of a batch, which LLVM turns into SIMD.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from edge.frontend.config import FrontEndConfig
from edge.frontend.reference import hann_periodic, mel_filterbank

LANES = 16  # frames per batch: one SIMD lane per frame


class KernelTables:
    """Precomputed constants for one FrontEndConfig (window, twiddles, sparse mel filters)."""

    def __init__(self, config: FrontEndConfig) -> None:
        half = config.n_fft // 2
        self.window = hann_periodic(config.window).astype(np.float64)
        self.bitrev = _bit_reverse_permutation(half)
        angle = 2.0 * np.pi * np.arange(half) / half
        self.fft_cos, self.fft_sin = np.cos(angle), -np.sin(angle)
        angle = 2.0 * np.pi * np.arange(half + 1) / config.n_fft
        self.split_cos, self.split_sin = np.cos(angle), -np.sin(angle)
        filters = mel_filterbank(config)
        nonzero = [np.flatnonzero(row) for row in filters]
        self.mel_lo = np.array([idx[0] if len(idx) else 0 for idx in nonzero], dtype=np.int64)
        self.mel_hi = np.array([idx[-1] + 1 if len(idx) else 0 for idx in nonzero], dtype=np.int64)
        self.mel_weights = np.ascontiguousarray(filters)
        self.hop = config.hop
        self.log_floor = float(config.log_floor)


def _bit_reverse_permutation(n: int) -> np.ndarray:
    bits = n.bit_length() - 1
    return np.array([int(format(i, f"0{bits}b")[::-1], 2) for i in range(n)], dtype=np.int64)


def log_mel_frames(samples: np.ndarray, n_frames: int, tables: KernelTables) -> np.ndarray:
    """(n_frames, n_mels) float32 log-mel of frames starting every hop samples from samples[0]."""
    out = np.empty((n_frames, len(tables.mel_lo)), dtype=np.float32)
    if n_frames:
        _log_mel_kernel(
            np.ascontiguousarray(samples, dtype=np.float32), n_frames, tables.hop, tables.window,
            tables.bitrev, tables.fft_cos, tables.fft_sin, tables.split_cos, tables.split_sin,
            tables.mel_lo, tables.mel_hi, tables.mel_weights, tables.log_floor, out,
        )
        # The log runs here, over the whole block at once: NumPy's SIMD log is several times
        # faster than the scalar libm call numba would make per element inside the kernel.
        np.log(out, out=out)
    return out


@njit(cache=True, nogil=True, boundscheck=False, fastmath=True)
def _log_mel_kernel(x, n_frames, hop, window, bitrev, fft_cos, fft_sin, split_cos, split_sin,
                    mel_lo, mel_hi, mel_weights, log_floor, out):  # pragma: no cover - numba
    half = bitrev.shape[0]
    win = window.shape[0]
    n_mels = mel_lo.shape[0]
    # np.empty, not np.zeros: zeroing ~100 kB of workspace is a tenth of a 10-frame call, and
    # every element is written before it is read.
    re = np.empty((half, LANES))
    im = np.empty((half, LANES))
    power = np.empty((half + 1, LANES))
    acc = np.empty(LANES)
    starts = np.empty(LANES, dtype=np.int64)
    for first in range(0, n_frames, LANES):
        lanes = min(LANES, n_frames - first)
        # Lanes past the last frame of a partial batch repeat it: finite values (not
        # uninitialised memory, which could hold NaNs or slow denormals) that are never written out.
        for b in range(LANES):
            starts[b] = min(first + b, n_frames - 1) * hop
        # Load: pack even samples into re, odd into im, in bit-reversed order. Rows past the
        # window are the zero padding.
        for n in range(half):
            dst = bitrev[n]
            i0 = 2 * n
            if i0 + 1 < win:
                w0 = window[i0]
                w1 = window[i0 + 1]
                for b in range(LANES):
                    re[dst, b] = x[starts[b] + i0] * w0
                    im[dst, b] = x[starts[b] + i0 + 1] * w1
            elif i0 < win:
                w0 = window[i0]
                for b in range(LANES):
                    re[dst, b] = x[starts[b] + i0] * w0
                    im[dst, b] = 0.0
            else:
                for b in range(LANES):
                    re[dst, b] = 0.0
                    im[dst, b] = 0.0
        # Iterative radix-2 decimation-in-time butterflies; the first two stages (twiddles 1
        # and -i) are done together without multiplications.
        for base in range(0, half, 4):
            for b in range(LANES):
                a0r = re[base, b] + re[base + 1, b]
                a0i = im[base, b] + im[base + 1, b]
                a1r = re[base, b] - re[base + 1, b]
                a1i = im[base, b] - im[base + 1, b]
                a2r = re[base + 2, b] + re[base + 3, b]
                a2i = im[base + 2, b] + im[base + 3, b]
                a3r = re[base + 2, b] - re[base + 3, b]
                a3i = im[base + 2, b] - im[base + 3, b]
                re[base, b] = a0r + a2r
                im[base, b] = a0i + a2i
                re[base + 2, b] = a0r - a2r
                im[base + 2, b] = a0i - a2i
                re[base + 1, b] = a1r + a3i
                im[base + 1, b] = a1i - a3r
                re[base + 3, b] = a1r - a3i
                im[base + 3, b] = a1i + a3r
        size = 8
        while size <= half:
            step = half // size
            hs = size // 2
            for base in range(0, half, size):
                for j in range(hs):
                    wr = fft_cos[j * step]
                    wi = fft_sin[j * step]
                    a = base + j
                    c = a + hs
                    for b in range(LANES):
                        tr = wr * re[c, b] - wi * im[c, b]
                        ti = wr * im[c, b] + wi * re[c, b]
                        re[c, b] = re[a, b] - tr
                        im[c, b] = im[a, b] - ti
                        re[a, b] += tr
                        im[a, b] += ti
            size *= 2
        # Split step: spectrum of the real 2*half-point signal, then its power.
        for k in range(half + 1):
            ka = k if k < half else 0  # Z[half] is Z[0]: the complex FFT is periodic
            kb = half - k if k > 0 else 0
            cr = split_cos[k]
            sr = split_sin[k]
            for b in range(LANES):
                er = 0.5 * (re[ka, b] + re[kb, b])
                ei = 0.5 * (im[ka, b] - im[kb, b])
                orr = 0.5 * (im[ka, b] + im[kb, b])
                oi = -0.5 * (re[ka, b] - re[kb, b])
                xr = er + cr * orr - sr * oi
                xi = ei + cr * oi + sr * orr
                power[k, b] = xr * xr + xi * xi
        # Sparse mel filters (plus the log floor; the caller takes the log).
        for m in range(n_mels):
            for b in range(LANES):
                acc[b] = 0.0
            for k in range(mel_lo[m], mel_hi[m]):
                w = mel_weights[m, k]
                for b in range(LANES):
                    acc[b] += w * power[k, b]
            for b in range(lanes):
                out[first + b, m] = acc[b] + log_floor
