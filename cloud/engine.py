"""The model side of recognition: the configured recognizers, run and combined for one clip."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cloud.config import ModelConfig
from cloud.recognizers.combine import Arbiter, arbitrate, reliability
from cloud.recognizers.recognition import Recognition

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeviceHint:
    """What the device thought it heard, sent along with the clip."""

    text: str
    confidence: float


class Engine:
    """Recognizers ordered by measured accuracy: the most accurate answers; with `ensemble` the
    others, and always the device's hypothesis, correct it where the acoustic evidence agrees."""

    def __init__(self, recognizers: Sequence, config: ModelConfig, arbiter: Arbiter | None = None) -> None:
        self.config = config
        self.arbiter = arbiter
        self.recognizers = sorted(recognizers, key=lambda r: -reliability(config.measured_wer.get(r.name)))
        log.info("recognizers, most accurate first: %s", ", ".join(r.name for r in self.recognizers))

    @classmethod
    def from_config(cls, config: ModelConfig, vocabulary: tuple[tuple[str, str], ...] = ()) -> Engine:
        """Load the recognizers `config` names; catalog words (`vocabulary`) adapt pocketsphinx."""
        recognizers, arbiter = [], None
        if config.pocketsphinx:
            from cloud.recognizers.pocketsphinx_recognizer import PocketsphinxOptions, PocketsphinxRecognizer
            arbiter = PocketsphinxRecognizer(PocketsphinxOptions(
                beam=config.beam, wbeam=config.wbeam, nbest=config.nbest, word_weight=config.catalog_word_weight,
                extra_words=vocabulary if config.adapt_to_catalog else ()))
            recognizers.append(arbiter)
        if config.vosk_model:
            from cloud.recognizers.vosk_recognizer import VoskRecognizer
            recognizers.append(VoskRecognizer(config.vosk_model, nbest=config.nbest))
        if config.onnx_bundle:
            from cloud.recognizers.onnx_recognizer import OnnxBundleRecognizer
            recognizers.append(OnnxBundleRecognizer(config.onnx_bundle, threads=config.onnx_threads))
        return cls(recognizers, config, arbiter)

    @property
    def names(self) -> list[str]:
        return [r.name for r in self.recognizers]

    def recognize(self, samples: np.ndarray, hint: DeviceHint | None = None) -> Recognition:
        """Transcribe 16 kHz float32 samples with the best model, corrected by the others and the device."""
        primary = self.recognizers[0].recognize(samples, 16000)
        transcript = primary.transcript
        if self.arbiter is not None and self.config.ensemble:
            for other in self.recognizers[1:]:
                second = other.transcribe(samples, 16000)
                transcript = arbitrate(self.arbiter, samples, transcript, second.text, second.confidence, other.name)
        if self.arbiter is not None and hint is not None and hint.text and self.config.use_device_hypothesis:
            transcript = arbitrate(self.arbiter, samples, transcript, hint.text, hint.confidence, "device")
        alternatives = tuple(a for a in primary.alternatives if a != transcript.text)
        if transcript.text != primary.transcript.text and primary.transcript.text:
            alternatives = (primary.transcript.text, *alternatives)  # the model's own guess stays searchable
        return Recognition(transcript, alternatives[: self.config.nbest])
