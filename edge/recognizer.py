"""The recognizer: a loaded bundle (shared, heavy) that transcribes arrays, files and streams."""

from __future__ import annotations

import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from edge.audio import TARGET_RATE, check_samples
from edge.bundle import Bundle, default_bundle_path, load_bundle
from edge.decoding.decoder import CtcDecoder, Decoded
from edge.decoding.options import DecoderOptions
from edge.errors import BundleError
from edge.frontend import FrontEndConfig, LogMel
from edge.frontend.bandwidth import high_band
from edge.frontend.tempo import FeatureTempo
from edge.frontend.variants import SpeakerVariants
from edge.frontend.warp import FeatureWarp
from edge.results import Segment, Timings, Transcript
from edge.runners import Runner, open_runner
from edge.vad import VadOptions, find_segments

if TYPE_CHECKING:
    from edge.session import RecognizerSession


@dataclass(frozen=True, slots=True)
class RecognizerOptions:
    """How a bundle is run. Change with dataclasses.replace."""

    runtime: str = "onnx"
    threads: int = 1
    decoder: DecoderOptions = field(default_factory=DecoderOptions)
    vad: VadOptions = field(default_factory=VadOptions)
    max_window_s: float = 20.0  # clips up to this long go to the model whole; longer ones by VAD
    # Silence each window gets before and after its speech: what its edges lack of this is added
    # at the window's own background level (see _with_edge_silence). The network's convolutions
    # pad their input's edges with the feature mean, which is not silence, so a clip cut tight
    # around a word lost its first and last sounds ("one" came out as "on"; FSDD digits WER 0.60
    # -> 0.31). Clips that already have silence get less or none: more hurt them.
    edge_silence_s: float = 0.25
    # The versions of each window decoded, the best-scoring hypothesis kept (edge.frontend.variants);
    # each costs one network run and one decode. The default decodes the window once, as it is.
    speaker_variants: SpeakerVariants = field(default_factory=SpeakerVariants)

    @classmethod
    def for_bundle(cls, bundle: Bundle, **fields) -> "RecognizerOptions":
        """The options a bundle was tuned for (its bundle.json "decoder" section, chosen on dev data
        by train.tune_decoder, and its "speaker_variants", which its calibration was fitted with), then `fields`."""
        stated = {"decoder": DecoderOptions(**bundle.extra.get("decoder", {}))}
        if "speaker_variants" in bundle.extra:
            try:
                stated["speaker_variants"] = SpeakerVariants.from_dict(bundle.extra["speaker_variants"])
            except ValueError as exc:
                raise BundleError(f"{bundle.path}/bundle.json: speaker_variants: {exc}") from None
        return cls(**{**stated, **fields})

    def __post_init__(self) -> None:
        if self.threads < 1:
            raise ValueError(f"threads must be >= 1, got {self.threads}")
        if not 0.0 <= self.edge_silence_s <= 2.0:
            raise ValueError(f"edge_silence_s must be between 0 and 2 s, got {self.edge_silence_s}")
        if self.max_window_s <= 1.0:
            raise ValueError(f"max_window_s must be > 1 s, got {self.max_window_s}")


class Recognizer:
    """Transcribes 16 kHz mono float32 audio with one bundle. Thread-safe; share one per process."""

    def __init__(self, bundle: Bundle, runner: Runner, options: RecognizerOptions, variant: str) -> None:
        if bundle.frontend != _FRONT_END:
            raise BundleError(f"{bundle.path}: bundle was trained with front-end settings "
                              f"{_differences(bundle.frontend, _FRONT_END)}; this front end uses "
                              "the defaults of edge.frontend.FrontEndConfig")
        self.bundle = bundle
        self.options = options
        self.variant = variant
        self._runner = runner
        self._runner_lock = threading.Lock()  # TFLite interpreters are not re-entrant
        self._pool: ThreadPoolExecutor | None = None  # searches of speaker variants, made when first needed
        self._pool_lock = threading.Lock()
        self._log_mel = LogMel(bundle.frontend)
        self._log_mel(np.zeros(bundle.frontend.window, np.float32))  # load the compiled kernel now, not mid-clip
        self._variants = [(FeatureWarp(warp, bundle.frontend), FeatureTempo(tempo))
                          for warp, tempo in options.speaker_variants.pairs]
        self.decoder = CtcDecoder.from_bundle(bundle, options.decoder)
        self.partial_decoder = CtcDecoder.from_bundle(bundle, replace(options.decoder, beam=1), use_lm=False)

    @classmethod
    def load(cls, bundle_path: str | Path | None = None, options: RecognizerOptions | None = None,
             **overrides) -> "Recognizer":
        """Load a bundle folder (default: the shipped model).

        Settings start from those the bundle was tuned for (RecognizerOptions.for_bundle); `overrides`
        are RecognizerOptions fields, plus `beam` and `hotwords` as a shortcut for the decoder's, and
        `vtln_warps` and `tempos` for the speaker variants' (None keeps the bundle's).
        """
        bundle = load_bundle(bundle_path or default_bundle_path())
        if options is None:
            options = RecognizerOptions.for_bundle(bundle)
        decoder_fields = {k: v for k in ("beam", "hotwords") if (v := overrides.pop(k, None)) is not None}
        if decoder_fields:
            overrides["decoder"] = replace(options.decoder, **decoder_fields)
        variant_fields = {k: v for k in ("vtln_warps", "tempos") if (v := overrides.pop(k, None)) is not None}
        if variant_fields:
            overrides["speaker_variants"] = replace(options.speaker_variants, **variant_fields)
        options = replace(options, **overrides)
        variant = bundle.pick_variant(options.runtime)
        runner = open_runner(bundle.network_path(variant), options.runtime, options.threads)
        return cls(bundle, runner, options, variant)

    @property
    def name(self) -> str:
        return f"{self.bundle.name}:{self.variant}"

    @property
    def vocabulary(self) -> frozenset[str]:
        """The words the beam decoder knows (its LM's and lexicon's, and the hotwords'); empty
        when it knows none and spells freely."""
        return self.decoder.vocabulary.words

    def features(self, samples: np.ndarray) -> np.ndarray:
        """(frames, n_mels) log-mel features of 16 kHz float32 samples, as the model was trained on."""
        return self._log_mel(samples)

    def feature_stream(self):
        """A streaming front end whose frames match features() of the whole input."""
        return self._log_mel.stream()

    def network_input(self, feats: np.ndarray) -> np.ndarray:
        """The features as the network gets them: windows under _MIN_FRAMES padded with silence."""
        if len(feats) >= _MIN_FRAMES:
            return feats
        silence = np.log(self.bundle.frontend.log_floor)
        pad = np.full((_MIN_FRAMES - len(feats), feats.shape[1]), silence, np.float32)
        return np.concatenate([feats, pad])

    def run_model(self, feats: np.ndarray) -> np.ndarray:
        """(steps, tokens) CTC log-probabilities of (frames, n_mels) features."""
        feats = self.network_input(feats)
        with self._runner_lock:
            return self._runner(feats)

    def transcribe(self, samples: np.ndarray, sample_rate: int = TARGET_RATE) -> Transcript:
        """Transcribe a clip; clips longer than max_window_s are cut at VAD segments."""
        samples = check_samples(samples, sample_rate)
        duration_s = len(samples) / TARGET_RATE
        clock = _Clock()
        if duration_s <= self.options.max_window_s:
            windows = [(0.0, samples)]
        else:
            with clock("vad"):
                windows = [(s.start_s, s.samples) for s in
                           _limit_windows(find_segments(samples, self.options.vad), self.options.max_window_s)]
        decoded: list[tuple[float, float, Decoded]] = []
        for start_s, window in windows:
            decoded.append((start_s, start_s + len(window) / TARGET_RATE, self._decode_window(window, start_s, clock)))
        return self._assemble(decoded, duration_s, clock)

    def window_log_probs(self, samples: np.ndarray) -> np.ndarray:
        """(steps, tokens) CTC log-probabilities of one window of 16 kHz samples, computed exactly as
        transcribe does (features, edge silence, network) for the window as it is, no speaker variant:
        what decoder tuning must decode."""
        feats, _, _ = self._window_features(check_samples(samples, TARGET_RATE), _Clock())
        return self.run_model(feats)

    def _window_features(self, samples: np.ndarray, clock: "_Clock") -> tuple[np.ndarray, int, float]:
        """The window's log-mel with edge silence, the frames of silence added before it, its high band."""
        pad = int(round(self.options.edge_silence_s / (self.bundle.frontend.hop_ms / 1000.0)))
        with clock("feature"):
            feats = self._log_mel(samples)
            band = high_band(feats, self.bundle.frontend)
            feats, before = _with_edge_silence(feats, pad)
        return feats, before, band

    def _decode_window(self, samples: np.ndarray, start_s: float, clock: "_Clock") -> Decoded:
        """The best-scoring decoding of the window over its speaker variants (edge.frontend.variants).

        The plain window is decoded first; where its raw confidence reaches the gate, nothing else is.
        Otherwise every other variant is only searched (on up to `threads` threads: the beam kernel
        runs without the GIL), and the best-scoring search, if it beats the plain decoding, is finished
        (alignment and confidences) alone. A strictly higher score wins; on a tie the earlier variant stays."""
        feats, before, band = self._window_features(samples, clock)
        (warp, tempo), *others = self._variants
        log_probs = self._variant_log_probs(feats, warp, tempo, clock)
        with clock("decode"):
            best = self.decoder.decode(log_probs, high_band=band)
        scale = tempo.time_scale(len(feats))
        confident = self.options.speaker_variants.confident_raw
        if others and (confident is None or best.raw_confidence < confident):
            outputs = [self._variant_log_probs(feats, warp, tempo, clock) for warp, tempo in others]
            with clock("decode"):
                searches = self._map(self.decoder.search, outputs)
                winner = max(range(len(searches)), key=lambda i: searches[i].score)  # the first of equals
                if searches[winner].score > best.score:
                    best = self.decoder.finish(searches[winner], high_band=band)
                    scale = others[winner][1].time_scale(len(feats))
        offset_s = start_s - before * self.bundle.frontend.hop_ms / 1000.0
        words = tuple(replace(w, start_s=offset_s + w.start_s * scale, end_s=offset_s + w.end_s * scale)
                      for w in best.words)
        return _words_within(replace(best, words=words), start_s, start_s + len(samples) / TARGET_RATE)

    def _variant_log_probs(self, feats: np.ndarray, warp: FeatureWarp, tempo: FeatureTempo,
                           clock: "_Clock") -> np.ndarray:
        """The network's output for one speaker variant of a window's features."""
        with clock("feature"):
            variant = tempo(warp(feats))
        with clock("model"):
            return self.run_model(variant)

    def _map(self, function, items: list) -> list:
        """[function(item) for item in items], on up to options.threads threads."""
        if self.options.threads < 2 or len(items) < 2:
            return [function(item) for item in items]
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.options.threads, thread_name_prefix="earshot-search")
                weakref.finalize(self, self._pool.shutdown, wait=False)
        return list(self._pool.map(function, items))

    def _assemble(self, decoded: list, duration_s: float, clock: "_Clock") -> Transcript:
        words = tuple(w for _, _, d in decoded for w in d.words)
        segments = tuple(Segment(start, end, d.text, d.confidence) for start, end, d in decoded)
        timings = Timings(feature_ms=clock.ms["feature"], model_ms=clock.ms["model"], decode_ms=clock.ms["decode"],
                          vad_ms=clock.ms["vad"], duration_s=duration_s)
        if not decoded:  # long audio in which the VAD found no speech
            return Transcript(text="", confidence=0.0, timings=timings, model=self.bundle.name,
                              runtime=self.options.runtime)
        spoken = [d for _, _, d in decoded if d.text] or [d for _, _, d in decoded]
        weakest = min(spoken, key=lambda d: d.confidence)  # an utterance is as sure as its weakest part
        return Transcript(
            text=" ".join(d.text for d in spoken if d.text),
            confidence=float(weakest.confidence),
            raw_confidence=float(weakest.raw_confidence),
            features=weakest.features.as_dict(),
            alternatives=tuple(text for text, _ in spoken[0].nbest[:MAX_ALTERNATIVES]) if len(spoken) == 1 else (),
            words=words,
            segments=segments,
            timings=timings,
            model=self.bundle.name,
            runtime=self.options.runtime,
        )

    def session(self) -> "RecognizerSession":
        from edge.session import RecognizerSession

        return RecognizerSession(self)


_FRONT_END = FrontEndConfig()
MAX_ALTERNATIVES = 8  # n-best texts a Transcript carries (the beam keeps up to its width)
_MIN_FRAMES = 16  # the conv stack needs a few frames; pad very short windows with silence
EDGE_FLOOR_PERCENTILE = 20.0  # of each mel bin over a window: its background level
SILENCE_BELOW_PEAK_DB = 35.0  # a frame this far below the window's loudest is silence
_SILENCE_BELOW_PEAK_LOG = SILENCE_BELOW_PEAK_DB / 10.0 * np.log(10.0)  # in the features' natural-log units


def _differences(a: FrontEndConfig, b: FrontEndConfig) -> str:
    da, db = a.to_dict(), b.to_dict()
    return ", ".join(f"{k}={da[k]} (expected {db[k]})" for k in da if da[k] != db[k])


def _with_edge_silence(feats: np.ndarray, frames: int) -> tuple[np.ndarray, int]:
    """The window with `frames` frames of silence at each edge, and the frames added before it.

    Silence the window already has at an edge (frames SILENCE_BELOW_PEAK_DB under its loudest)
    counts; only the rest is added, as the window's background: each mel bin at its
    EDGE_FLOOR_PERCENTILE over the window (digital silence for a clean clip, the noise floor for
    a noisy one). Padding with zero audio instead cost 5 WER points at 10 dB SNR; padding clips
    that had silence already cost real speech on dev (Speech Commands clips, 0.25 s: WER 0.274
    against 0.251 topped up)."""
    if frames <= 0 or not len(feats):
        return feats, 0
    level = feats.mean(axis=1)
    loud = np.flatnonzero(level >= level.max() - _SILENCE_BELOW_PEAK_LOG)
    before, after = max(0, frames - int(loud[0])), max(0, frames - (len(level) - 1 - int(loud[-1])))
    floor = np.percentile(feats, EDGE_FLOOR_PERCENTILE, axis=0).astype(feats.dtype)
    return np.concatenate([np.broadcast_to(floor, (before, feats.shape[1])), feats,
                           np.broadcast_to(floor, (after, feats.shape[1]))]), before


def _words_within(decoded: Decoded, start_s: float, end_s: float) -> Decoded:
    """Word times clamped to the window (a word's alignment may reach into the added silence)."""
    def clamp(t: float) -> float:
        return min(max(t, start_s), end_s)

    words = tuple(replace(w, start_s=clamp(w.start_s), end_s=clamp(w.end_s)) for w in decoded.words)
    return replace(decoded, words=words)


def _limit_windows(segments, max_window_s: float):
    """Split VAD segments longer than max_window_s into pieces the model can take whole."""
    for segment in segments:
        step = int(max_window_s * TARGET_RATE)
        for offset in range(0, len(segment.samples), step):
            piece = segment.samples[offset:offset + step]
            if len(piece) >= TARGET_RATE // 10:
                yield replace(segment, start_s=segment.start_s + offset / TARGET_RATE,
                              end_s=segment.start_s + (offset + len(piece)) / TARGET_RATE, samples=piece)


class _Clock:
    """Accumulates wall time per stage in milliseconds."""

    def __init__(self) -> None:
        self.ms = {"feature": 0.0, "model": 0.0, "decode": 0.0, "vad": 0.0}

    @contextmanager
    def __call__(self, stage: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.ms[stage] += (time.perf_counter() - start) * 1000.0
