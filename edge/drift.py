"""Input profiles and drift: summarise what a model sees, and compare the device's inputs with training's.

A profile holds histograms over fixed bins of a few cheap per-utterance statistics (level in
dBFS, duration, mean log-mel energy in four bands, recogniser confidence). The bundle carries
the profile of held-out training data (profile.json); a DriftMonitor on the device accumulates
the same histograms and scores each statistic with the population stability index
(PSI = sum((p - q) * ln(p / q)) over bins; < 0.1 stable, 0.1-0.25 moderate, > 0.25 drift:
the usual credit-scoring rule of thumb).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# statistic -> bin edges; the first and last bins are open-ended.
BINS: dict[str, tuple[float, ...]] = {
    "level_dbfs": tuple(np.arange(-70.0, 1.0, 5.0)),
    "duration_s": (0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 20.0),
    "band_low": tuple(np.arange(-14.0, 6.1, 1.0)),
    "band_mid_low": tuple(np.arange(-14.0, 6.1, 1.0)),
    "band_mid_high": tuple(np.arange(-14.0, 6.1, 1.0)),
    "band_high": tuple(np.arange(-14.0, 6.1, 1.0)),
    "confidence": tuple(np.linspace(0.0, 1.0, 11)[1:-1]),
}
DRIFT_PSI = 0.25
EPSILON = 1e-4  # floor on bin shares so empty bins do not make PSI infinite


def utterance_statistics(samples: np.ndarray, feats: np.ndarray, confidence: float | None = None) -> dict[str, float]:
    """The profile's statistics of one utterance (float32 16 kHz samples, its log-mel features)."""
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else 0.0
    stats = {"level_dbfs": 20.0 * np.log10(max(rms, 1e-6)), "duration_s": len(samples) / 16000.0}
    if len(feats):
        for name, band in zip(("band_low", "band_mid_low", "band_mid_high", "band_high"),
                              np.array_split(np.arange(feats.shape[1]), 4)):
            stats[name] = float(np.mean(feats[:, band]))
    if confidence is not None:
        stats["confidence"] = float(confidence)
    return stats


@dataclass
class Profile:
    """Histogram counts per statistic over BINS."""

    counts: dict[str, list[int]]

    @classmethod
    def empty(cls) -> "Profile":
        return cls({name: [0] * (len(edges) + 1) for name, edges in BINS.items()})

    def add(self, stats: dict[str, float]) -> None:
        for name, value in stats.items():
            if name in BINS and np.isfinite(value):
                self.counts[name][int(np.searchsorted(BINS[name], value, side="right"))] += 1

    def shares(self, name: str) -> np.ndarray:
        counts = np.asarray(self.counts[name], dtype=np.float64)
        return np.maximum(counts / max(counts.sum(), 1.0), EPSILON)

    def to_dict(self) -> dict:
        return {"bins": {k: list(map(float, v)) for k, v in BINS.items()}, "counts": self.counts}

    @classmethod
    def from_dict(cls, data: dict) -> "Profile":
        profile = cls.empty()
        for name, counts in data.get("counts", {}).items():
            if name in profile.counts and len(counts) == len(profile.counts[name]):
                profile.counts[name] = [int(c) for c in counts]
        return profile


def population_stability(reference: Profile, current: Profile) -> dict[str, float]:
    """PSI of each statistic that both profiles observed."""
    scores = {}
    for name in BINS:
        if sum(reference.counts[name]) and sum(current.counts[name]):
            p, q = current.shares(name), reference.shares(name)
            scores[name] = float(np.sum((p - q) * np.log(p / q)))
    return scores


class DriftMonitor:
    """Accumulates the device's input profile and reports drift against the bundle's reference."""

    def __init__(self, reference: dict | None) -> None:
        self.reference = Profile.from_dict(reference) if reference else None
        self.current = Profile.empty()
        self.utterances = 0

    def observe(self, samples: np.ndarray, feats: np.ndarray, confidence: float | None = None) -> None:
        self.current.add(utterance_statistics(samples, feats, confidence))
        self.utterances += 1

    def summary(self) -> dict:
        """A telemetry-ready summary: PSI per statistic, which ones drift, and the raw counts."""
        psi = population_stability(self.reference, self.current) if self.reference else {}
        return {"utterances": self.utterances, "psi": psi,
                "drifting": sorted(k for k, v in psi.items() if v > DRIFT_PSI),
                "profile": self.current.to_dict()}
