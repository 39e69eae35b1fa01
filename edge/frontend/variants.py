"""Speaker variants: the versions of a window's features the recognizer decodes, keeping the best.

The network was trained on a limited range of voices; a speaker outside it (a longer or shorter
vocal tract, a faster or slower speaking rate) decodes better from features moved towards that
range. The recognizer decodes the window as it is and, unless that decoding is already confident,
every warp of its frequency axis (edge.frontend.warp) at its own tempo and every tempo other than 1
(edge.frontend.tempo) unwarped, then keeps the hypothesis with the best decoder score (acoustic +
LM): the maximum-likelihood choice of vocal tract length and speaking rate. A bundle states its
variants in bundle.json's "speaker_variants", and its calibration is fitted with them, since the
best of several decodings scores higher than one.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.frontend.tempo import check_tempos
from edge.frontend.warp import check_warps

PLAIN = (1.0, 1.0)  # (warp, tempo) of the window as it is


@dataclass(frozen=True, slots=True)
class SpeakerVariants:
    """Which (warp, tempo) variants of each window to decode. The defaults decode it once, as it is."""

    vtln_warps: tuple[float, ...] = (1.0,)
    tempos: tuple[float, ...] = (1.0,)
    # A window whose plain decoding has at least this raw (uncalibrated) confidence is not decoded
    # again; None: every window gets every variant.
    confident_raw: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "vtln_warps", check_warps(self.vtln_warps))
        object.__setattr__(self, "tempos", check_tempos(self.tempos))
        if self.confident_raw is not None:
            if isinstance(self.confident_raw, bool) or not isinstance(self.confident_raw, (int, float)) \
                    or not 0.0 < self.confident_raw <= 1.0:
                raise ValueError(f"confident_raw must be a confidence in (0, 1] or null, got {self.confident_raw!r}")
            object.__setattr__(self, "confident_raw", float(self.confident_raw))

    @property
    def pairs(self) -> tuple[tuple[float, float], ...]:
        """The (warp, tempo) pairs decoded, the plain window first where it is one of them."""
        pairs = [*((w, 1.0) for w in self.vtln_warps), *((1.0, r) for r in self.tempos if r != 1.0)]
        return tuple(sorted(pairs, key=lambda pair: pair != PLAIN))

    @classmethod
    def from_dict(cls, data) -> "SpeakerVariants":
        """From a bundle.json or recipe section; ValueError naming the field and the problem."""
        if not isinstance(data, dict):
            raise ValueError("an object with vtln_warps, tempos and confident_raw")
        unknown = sorted(set(data) - {"vtln_warps", "tempos", "confident_raw"})
        if unknown:
            raise ValueError(f"unknown setting(s) {', '.join(unknown)}")
        return cls(**data)

    def to_dict(self) -> dict:
        return {"vtln_warps": list(self.vtln_warps), "tempos": list(self.tempos), "confident_raw": self.confident_raw}
