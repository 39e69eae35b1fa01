"""Audio augmentation: pure functions on float32 mono 16 kHz arrays, randomness from a Generator.

Each function returns a new float32 array. `Augmenter` draws a random chain of them per
utterance; `add_noise_at_snr` also builds the fixed-SNR evaluation sets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import soxr
from scipy import signal

from edge.recognizer import SILENCE_BELOW_PEAK_DB

SAMPLE_RATE = 16000
NOISE_KINDS = ("white", "pink", "brown")
_EPS = 1e-10


def speed_perturb(samples: np.ndarray, factor: float) -> np.ndarray:
    """Play `factor` times faster by resampling: tempo, pitch and formants all scale (Kaldi-style)."""
    if factor <= 0:
        raise ValueError(f"speed factor must be positive, got {factor}")
    out = soxr.resample(samples, SAMPLE_RATE * factor, SAMPLE_RATE, quality="HQ")
    return np.ascontiguousarray(out, dtype=np.float32)


def time_stretch(samples: np.ndarray, factor: float, n_fft: int = 512, hop: int = 128) -> np.ndarray:
    """Play `factor` times faster without changing pitch (phase vocoder)."""
    if factor <= 0:
        raise ValueError(f"stretch factor must be positive, got {factor}")
    if factor == 1.0 or len(samples) < n_fft:
        return samples.astype(np.float32, copy=True)
    window = signal.windows.hann(n_fft, sym=False)
    _, _, spec = signal.stft(samples, nperseg=n_fft, noverlap=n_fft - hop, window=window)
    steps = np.arange(0, spec.shape[1] - 1, factor)
    advance = 2 * np.pi * hop * np.arange(spec.shape[0]) / n_fft
    phase = np.angle(spec[:, 0])
    out = np.empty((spec.shape[0], len(steps)), dtype=complex)
    for k, step in enumerate(steps):
        left, right = spec[:, int(step)], spec[:, int(step) + 1]
        frac = step - int(step)
        out[:, k] = ((1 - frac) * np.abs(left) + frac * np.abs(right)) * np.exp(1j * phase)
        delta = np.angle(right) - np.angle(left) - advance
        phase += advance + (delta - 2 * np.pi * np.round(delta / (2 * np.pi)))
    _, y = signal.istft(out, nperseg=n_fft, noverlap=n_fft - hop, window=window)
    return y.astype(np.float32)


def pitch_shift(samples: np.ndarray, semitones: float) -> np.ndarray:
    """Raise pitch by `semitones` (negative lowers it) keeping the duration."""
    factor = 2.0 ** (semitones / 12)
    shifted = speed_perturb(samples, factor)          # higher and shorter
    return _fit_length(time_stretch(shifted, 1 / factor), len(samples))


def cut_tight(samples: np.ndarray, top_db: float = SILENCE_BELOW_PEAK_DB) -> np.ndarray:
    """The clip without its leading and trailing silence (librosa.effects.trim on 32 ms frames;
    silence is `top_db` under the loudest frame, as the recognizer's edge silence counts it), as
    in recordings trimmed around the words (the FSDD digits)."""
    import librosa

    trimmed, _ = librosa.effects.trim(samples, top_db=top_db, frame_length=512, hop_length=128)
    return np.ascontiguousarray(trimmed, dtype=np.float32)


def gain(samples: np.ndarray, db: float) -> np.ndarray:
    """Scale by `db` decibels, clipped to [-1, 1] as a real converter would."""
    return np.clip(samples * 10 ** (db / 20), -1.0, 1.0).astype(np.float32)


def room_impulse_response(rng: np.random.Generator, rt60_s: float, *, direct_ratio_db: float = 0.0,
                          sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """A synthetic room impulse response: direct path, sparse early reflections, then a
    late tail of noise decaying 60 dB in `rt60_s`, low-passed more as it decays (air absorbs
    high frequencies). `direct_ratio_db` sets the direct path's energy against the rest."""
    length = int(sample_rate * min(rt60_s * 1.2, 2.0)) + 1
    t = np.arange(length) / sample_rate
    decay = np.exp(-6.9078 * t / rt60_s)                       # ln(1000): 60 dB down at rt60
    tail = rng.standard_normal(length) * decay
    early = np.zeros(length)
    for _ in range(int(rng.integers(4, 12))):                  # first reflections within 50 ms
        k = int(rng.integers(int(0.002 * sample_rate), int(0.05 * sample_rate)))
        early[k] += rng.uniform(-0.7, 0.7) * decay[k]
    b, a = signal.butter(1, rng.uniform(2500, 6000) / (sample_rate / 2))
    reverberant = signal.lfilter(b, a, tail * 0.3 + early)
    reverberant[0] = 0.0
    rir = reverberant / np.sqrt(np.sum(reverberant ** 2) + _EPS) * 10 ** (-direct_ratio_db / 20)
    rir[0] = 1.0
    return rir.astype(np.float32)


def reverberate(samples: np.ndarray, rir: np.ndarray) -> np.ndarray:
    """Convolve with a room impulse response, keeping length and peak level."""
    wet = signal.fftconvolve(samples, rir)[: len(samples)]
    peak_in, peak_out = np.abs(samples).max(), np.abs(wet).max()
    return (wet * (peak_in / peak_out if peak_out > 0 else 1.0)).astype(np.float32)


def coloured_noise(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Unit-RMS noise: "white" (flat), "pink" (1/f power) or "brown" (1/f^2 power)."""
    exponent = {"white": 0.0, "pink": 0.5, "brown": 1.0}.get(kind)
    if exponent is None:
        raise ValueError(f"unknown noise kind {kind!r}; use one of {NOISE_KINDS}")
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n)
    freqs[0] = freqs[1] if n > 1 else 1.0
    noise = np.fft.irfft(spectrum / freqs ** exponent, n)
    return (noise / (np.sqrt(np.mean(noise ** 2)) + _EPS)).astype(np.float32)


def babble(others: Sequence[np.ndarray], n: int, rng: np.random.Generator, talkers: int = 5) -> np.ndarray:
    """Unit-RMS babble: `talkers` random other utterances, looped and summed at random offsets."""
    if not others:
        raise ValueError("babble needs at least one other utterance")
    mix = np.zeros(n)
    for _ in range(talkers):
        other = others[int(rng.integers(len(others)))]
        other = other / (np.sqrt(np.mean(other ** 2)) + _EPS)
        mix += np.roll(_fit_length(other, n, loop=True), int(rng.integers(n)))
    return (mix / (np.sqrt(np.mean(mix ** 2)) + _EPS)).astype(np.float32)


def add_noise_at_snr(samples: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """Add `noise` (looped or cut to length) scaled so signal power / noise power = `snr_db`.

    Powers are means over the whole utterance. The sum is clipped to [-1, 1].
    """
    noise = _fit_length(noise, len(samples), loop=True)
    p_signal, p_noise = np.mean(samples.astype(np.float64) ** 2), np.mean(noise.astype(np.float64) ** 2)
    if p_signal <= 0 or p_noise <= 0:
        return samples.astype(np.float32, copy=True)
    scale = np.sqrt(p_signal / (p_noise * 10 ** (snr_db / 10)))
    return np.clip(samples + scale * noise, -1.0, 1.0).astype(np.float32)


def telephone(samples: np.ndarray) -> np.ndarray:
    """A phone line: 300-3400 Hz band, down to 8 kHz, G.711 mu-law, back up to 16 kHz."""
    sos = signal.butter(4, (300, 3400), btype="bandpass", fs=SAMPLE_RATE, output="sos")
    narrow = soxr.resample(signal.sosfilt(sos, samples), SAMPLE_RATE, 8000)
    coded = _mu_law(np.clip(narrow, -1.0, 1.0))
    return _fit_length(soxr.resample(coded, 8000, SAMPLE_RATE).astype(np.float32), len(samples))


def narrowband(samples: np.ndarray, rate: int = 8000) -> np.ndarray:
    """A recording made at `rate` Hz (8 kHz: nothing above 4 kHz, as in many headsets, phone apps
    and old datasets) played back at 16 kHz; unlike telephone() no band-pass and no codec."""
    low = soxr.resample(samples, SAMPLE_RATE, rate, quality="HQ")
    return _fit_length(soxr.resample(low, rate, SAMPLE_RATE, quality="HQ").astype(np.float32), len(samples))


def microphone(samples: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random microphone colouring: high-pass, a few peaking EQ bands of +-6 dB, a gentle low-pass."""
    sos = [signal.butter(2, rng.uniform(40, 250), btype="highpass", fs=SAMPLE_RATE, output="sos")]
    for _ in range(int(rng.integers(1, 4))):
        sos.append(_peaking(rng.uniform(150, 6000), rng.uniform(-6, 6), rng.uniform(0.5, 2.0)))
    sos.append(signal.butter(2, rng.uniform(5000, 7800), btype="lowpass", fs=SAMPLE_RATE, output="sos"))
    out = signal.sosfilt(np.vstack(sos), samples)
    return np.clip(out, -1.0, 1.0).astype(np.float32)


@dataclass(frozen=True)
class Augmenter:
    """Draws a random chain per utterance: a tight cut, speed, pitch, microphone, room, noise,
    phone or narrowband recording, gain.

    Each step happens with its probability; `babble_pool` (other utterances) enables babble
    noise, one noise kind among four unless `babble_share` says how many of the noisy clips get
    it. Call with a seeded Generator for reproducible output.
    """

    p_tight_cut: float = 0.0  # edge silence cut off first (cut_tight; drawn only when > 0)
    p_speed: float = 0.3
    speed_range: tuple[float, float] = (0.9, 1.1)
    p_pitch: float = 0.2
    pitch_range_semitones: tuple[float, float] = (-2.0, 2.0)
    p_microphone: float = 0.5
    p_reverb: float = 0.4
    rt60_range_s: tuple[float, float] = (0.15, 0.8)
    p_noise: float = 0.6
    snr_range_db: tuple[float, float] = (0.0, 30.0)
    p_telephone: float = 0.05
    p_narrowband: float = 0.0  # recorded at one of narrowband_rates (drawn only when > 0)
    narrowband_rates: tuple[int, ...] = (8000, 11025)
    gain_range_db: tuple[float, float] = (-12.0, 6.0)
    babble_pool: tuple[np.ndarray, ...] = ()
    babble_share: float = 0.0  # with a pool: the share of noisy clips given babble (0: one kind of four)
    babble_talkers: tuple[int, int] = (5, 5)  # other talkers in a babble, drawn from this range (inclusive)

    def __post_init__(self) -> None:
        if not 0.0 <= self.babble_share <= 1.0:
            raise ValueError(f"babble_share must be in [0, 1], got {self.babble_share!r}")
        try:
            low, high = self.babble_talkers
        except (TypeError, ValueError):
            raise ValueError(f"babble_talkers must be [low, high], got {self.babble_talkers!r}") from None
        if not 1 <= low <= high:
            raise ValueError(f"babble_talkers must be [low, high] with 1 <= low <= high, got {list(self.babble_talkers)}")

    def __call__(self, samples: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A randomly augmented copy of `samples`."""
        x = samples.astype(np.float32, copy=True)
        if self.p_tight_cut > 0 and rng.random() < self.p_tight_cut:
            x = cut_tight(x)
        if rng.random() < self.p_speed:
            x = speed_perturb(x, rng.uniform(*self.speed_range))
        if rng.random() < self.p_pitch:
            x = pitch_shift(x, rng.uniform(*self.pitch_range_semitones))
        if rng.random() < self.p_microphone:
            x = microphone(x, rng)
        if rng.random() < self.p_reverb:
            x = reverberate(x, room_impulse_response(rng, rng.uniform(*self.rt60_range_s),
                                                     direct_ratio_db=rng.uniform(-3, 10)))
        if rng.random() < self.p_noise:
            kind = self._noise_kind(rng)
            noise = (babble(self.babble_pool, len(x), rng, self._talkers(rng)) if kind == "babble"
                     else coloured_noise(kind, len(x), rng))
            x = add_noise_at_snr(x, noise, rng.uniform(*self.snr_range_db))
        if rng.random() < self.p_telephone:
            x = telephone(x)
        elif self.p_narrowband > 0 and rng.random() < self.p_narrowband:
            x = narrowband(x, int(self.narrowband_rates[int(rng.integers(len(self.narrowband_rates)))]))
        return gain(x, rng.uniform(*self.gain_range_db))

    def _noise_kind(self, rng: np.random.Generator) -> str:
        if self.babble_pool and self.babble_share > 0:
            return "babble" if rng.random() < self.babble_share else NOISE_KINDS[int(rng.integers(len(NOISE_KINDS)))]
        kinds = NOISE_KINDS + (("babble",) if self.babble_pool else ())
        return kinds[int(rng.integers(len(kinds)))]

    def _talkers(self, rng: np.random.Generator) -> int:
        low, high = self.babble_talkers
        return low if low == high else int(rng.integers(low, high + 1))


def _peaking(freq_hz: float, gain_db: float, q: float) -> np.ndarray:
    """One peaking-EQ biquad as a second-order section (RBJ audio EQ cookbook)."""
    a = 10 ** (gain_db / 40)
    w0 = 2 * np.pi * freq_hz / SAMPLE_RATE
    alpha = np.sin(w0) / (2 * q)
    b = np.array([1 + alpha * a, -2 * np.cos(w0), 1 - alpha * a])
    den = np.array([1 + alpha / a, -2 * np.cos(w0), 1 - alpha / a])
    return np.concatenate([b / den[0], den / den[0]])[None, :]


def _mu_law(x: np.ndarray, mu: int = 255) -> np.ndarray:
    """Quantise through 8-bit mu-law and back (G.711)."""
    encoded = np.round((np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu) + 1) / 2 * mu)
    y = encoded / mu * 2 - 1
    return np.sign(y) * ((1 + mu) ** np.abs(y) - 1) / mu


def _fit_length(x: np.ndarray, n: int, loop: bool = False) -> np.ndarray:
    """Cut `x` to `n` samples, or extend it with zeros (or by looping it)."""
    if len(x) >= n:
        return x[:n].astype(np.float32, copy=False)
    if loop and len(x):
        return np.tile(x, n // len(x) + 1)[:n].astype(np.float32, copy=False)
    return np.pad(x, (0, n - len(x))).astype(np.float32, copy=False)
