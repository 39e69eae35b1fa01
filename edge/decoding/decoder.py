"""CtcDecoder: CTC log-probabilities in, text with word times, confidences and alternatives out."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np

from edge import confidence as conf
from edge.bundle import Bundle
from edge.decoding.alignment import TokenSpan, WordSpan, token_spans, viterbi_path, word_spans
from edge.decoding.beam import Hypothesis, PrefixBeamSearch
from edge.decoding.compact_lm import CompactLM
from edge.decoding.greedy import GreedyResult, greedy_decode
from edge.decoding.hotwords import Hotwords
from edge.decoding.lm import LN_10, SENTENCE_END, SENTENCE_START, UNKNOWN, NgramLM
from edge.decoding.lm_cache import load_cached
from edge.decoding.options import DecoderOptions
from edge.decoding.vocabulary import Vocabulary
from edge.errors import BundleError
from edge.results import Word
from edge.text import normalize_text

_LM_MARKERS = frozenset({SENTENCE_START, SENTENCE_END, UNKNOWN})


@dataclass(frozen=True, slots=True)
class Decoded:
    """One decoded utterance.

    text: words separated by single spaces. words: each with start/end seconds from the CTC
    alignment of the best hypothesis (plus offset_s) and its confidence. confidence: calibrated
    utterance confidence (raw_confidence when the decoder has no calibration). nbest: up to
    `beam` (text, score) alternatives, best first; score in nats (acoustic + context).
    features: what the utterance confidence was computed from (for fitting calibration).
    """

    text: str
    words: tuple[Word, ...]
    confidence: float
    raw_confidence: float
    nbest: tuple[tuple[str, float], ...]
    features: conf.UtteranceFeatures

    @property
    def score(self) -> float:
        """The best hypothesis's score in nats (acoustic + context): what ranks decodings of one window."""
        return self.nbest[0][1]


class Searched(NamedTuple):
    """A window's search (CtcDecoder.search): its checked log-probabilities and either the greedy
    result or the beam's hypotheses, best first; score: the best one's, in nats (acoustic + context),
    as Decoded.score will be (-inf when the beam found none)."""

    log_probs: np.ndarray
    greedy: GreedyResult | None
    hypotheses: tuple[Hypothesis, ...]
    score: float


class _Best(NamedTuple):
    """The chosen hypothesis: its alignment, words, the n-best and the n-best's view of it."""

    path: np.ndarray
    spans: list[TokenSpan]
    words: list[WordSpan]
    nbest: tuple[tuple[str, float], ...]
    top_posterior: float
    support: list[float]


class CtcDecoder:
    """Turns (steps, tokens) CTC log-probabilities into a Decoded; shareable across threads."""

    def __init__(self, tokens: Sequence[str], blank_id: int, word_separator: str, step_s: float,
                 options: DecoderOptions | None = None, lm: NgramLM | CompactLM | None = None,
                 calibration: dict | None = None, lexicon: Iterable[str] | None = None) -> None:
        self.tokens = tuple(tokens)
        if not 0 <= blank_id < len(self.tokens):
            raise ValueError(f"blank_id {blank_id} is not a token index (0..{len(self.tokens) - 1})")
        if word_separator not in self.tokens:
            raise ValueError(f"word separator {word_separator!r} is not among the tokens")
        if not (isinstance(step_s, (int, float)) and math.isfinite(step_s) and step_s > 0):
            raise ValueError(f"step_s must be a positive number of seconds, got {step_s!r}")
        self.blank_id = blank_id
        self.word_separator = word_separator
        self.separator_id = self.tokens.index(word_separator)
        self.step_s = float(step_s)
        self.options = options if options is not None else DecoderOptions()
        self.lm = lm
        conf.check_calibration(calibration)
        self.calibration = calibration
        self._utterance_map, self._word_map = conf.split_calibration(calibration)
        hotwords = [(self._spellable_phrase(phrase), boost) for phrase, boost in self.options.hotwords]
        self.hotwords = Hotwords(hotwords, separator=word_separator)
        self.vocabulary = self._vocabulary(lexicon, hotwords)
        self._search = self._open_search = None
        if self.options.beam > 1:
            self._search = PrefixBeamSearch(self.tokens, blank_id, self.separator_id, self.options,
                                            lm=lm, vocabulary=self.vocabulary, hotwords=self.hotwords)
        if self.options.beam > 1 and self.options.lexicon_only:
            # When no lexicon-only hypothesis completes (every surviving prefix ends inside a word
            # that no lexicon entry finishes), decode without the constraint rather than return
            # nothing: the out-of-vocabulary words then lower the confidence and the clip escalates.
            self._open_search = PrefixBeamSearch(self.tokens, blank_id, self.separator_id,
                                                 replace(self.options, lexicon_only=False), lm=lm,
                                                 vocabulary=self.vocabulary, hotwords=self.hotwords)

    @classmethod
    def from_bundle(cls, bundle: Bundle, options: DecoderOptions | None = None,
                    use_lm: bool = True) -> CtcDecoder:
        """A decoder for an edge.bundle.Bundle: its tokens, LM (when `use_lm`), lexicon and calibration.

        The lexicon is the optional file named by bundle.json's "lexicon" key, one word per line.
        """
        lm = load_cached(bundle.lm_path) if use_lm and bundle.lm_path is not None else None
        lexicon = None
        if bundle.extra.get("lexicon"):
            path = bundle.path / bundle.extra["lexicon"]
            try:
                lexicon = path.read_text(encoding="utf-8").split()
            except (OSError, UnicodeDecodeError) as exc:
                raise BundleError(f"{path}: cannot read the lexicon ({exc})") from None
        return cls(bundle.tokens, bundle.blank_id, bundle.word_separator, bundle.step_s,
                   options=options, lm=lm, calibration=bundle.calibration, lexicon=lexicon)

    def decode(self, log_probs: np.ndarray, offset_s: float = 0.0, high_band: float = 0.0) -> Decoded:
        """Decode one utterance's (steps, tokens) log-probabilities; word times start at offset_s.

        high_band: the audio's level above 4 kHz (edge.frontend.bandwidth), a confidence feature.
        """
        return self.finish(self.search(log_probs), offset_s, high_band)

    def search(self, log_probs: np.ndarray) -> Searched:
        """The search half of `decode`: the n-best (the beam's, or the greedy path), whose score ranks
        decodings of one window. It holds the GIL little (the beam kernel releases it), so several
        may run on threads at once; `finish` turns the one kept into a Decoded."""
        log_probs = self._checked(log_probs)
        if self._search is None:
            greedy = greedy_decode(log_probs, self.blank_id)
            return Searched(log_probs, greedy, (), greedy.log_prob)
        hypotheses = self._search.search(log_probs)
        if not hypotheses and self._open_search is not None:
            hypotheses = self._open_search.search(log_probs)
        return Searched(log_probs, None, tuple(hypotheses), hypotheses[0].score if hypotheses else float("-inf"))

    def finish(self, searched: Searched, offset_s: float = 0.0, high_band: float = 0.0) -> Decoded:
        """The rest of `decode`: alignment, word times and confidences of a search's best hypothesis."""
        log_probs = searched.log_probs
        if searched.greedy is not None:
            best = self._greedy(searched.greedy)
        else:
            best = self._beam(log_probs, searched.hypotheses)
        acoustic = conf.word_acoustic_confidences(log_probs, best.path, best.spans, best.words,
                                                   self.blank_id, self.separator_id)
        word_confidences = [a * s for a, s in zip(acoustic, best.support)]
        word_texts = [w.text for w in best.words]
        least_blank = float(np.exp(log_probs[:, self.blank_id].min())) if len(log_probs) else 1.0
        features = conf.utterance_features(word_confidences, best.top_posterior, self._oov_rate(word_texts),
                                           self._lm_per_word(word_texts), blank_confidence=least_blank,
                                           high_band=high_band, frame_entropy=conf.mean_frame_entropy(log_probs),
                                           duration_s=len(log_probs) * self.step_s)
        raw = features.raw
        confidence = conf.apply_calibration(raw, self._utterance_map, features.as_dict())
        words = tuple(
            Word(w.text, offset_s + w.first_step * self.step_s, offset_s + (w.last_step + 1) * self.step_s,
                 self._calibrated_word(c, confidence, w.text))
            for w, c in zip(best.words, word_confidences))
        return Decoded(" ".join(word_texts), words, confidence, raw, best.nbest, features)

    def _calibrated_word(self, raw: float, utterance_confidence: float, text: str) -> float:
        """A word's confidence through the word map (as it is without one)."""
        if not self._word_map:
            return raw
        return conf.apply_calibration(raw, self._word_map, conf.word_features(raw, utterance_confidence, text))

    def _greedy(self, greedy: GreedyResult) -> _Best:
        spans = token_spans(greedy.path, self.blank_id)
        words = word_spans(spans, self.tokens, self.separator_id)
        nbest = ((" ".join(w.text for w in words), greedy.log_prob),)
        return _Best(greedy.path, spans, words, nbest, 1.0, [1.0] * len(words))

    def _beam(self, log_probs: np.ndarray, hypotheses: tuple[Hypothesis, ...]) -> _Best:
        labels = hypotheses[0].labels if hypotheses else ()
        path = viterbi_path(log_probs, labels, self.blank_id)
        spans = token_spans(path, self.blank_id)
        words = word_spans(spans, self.tokens, self.separator_id)
        texts = [self._words_of(h.text) for h in hypotheses]
        nbest = tuple((" ".join(t), h.score) for t, h in zip(texts, hypotheses))
        posteriors = conf.nbest_posteriors([h.score for h in hypotheses])
        top_posterior = float(posteriors[0]) if posteriors.size else 1.0
        support = conf.word_support([w.text for w in words], texts, posteriors)
        return _Best(path, spans, words, nbest, top_posterior, support)

    def _checked(self, log_probs: np.ndarray) -> np.ndarray:
        if not isinstance(log_probs, np.ndarray) or log_probs.ndim != 2:
            raise ValueError(f"log_probs must be a 2-D array (steps, tokens), got "
                             f"{getattr(log_probs, 'shape', type(log_probs).__name__)}")
        if log_probs.shape[1] != len(self.tokens):
            raise ValueError(f"log_probs has {log_probs.shape[1]} tokens per step, the decoder "
                             f"has {len(self.tokens)}")
        if np.isnan(log_probs).any():
            raise ValueError("log_probs contains NaN")
        return log_probs

    def _words_of(self, text: str) -> list[str]:
        return [w for w in text.split(self.word_separator) if w]

    def _spellable_phrase(self, phrase: str) -> str:
        normalised = normalize_text(phrase)
        if not normalised:
            raise ValueError(f"hotword {phrase!r} has no letters left after normalisation")
        missing = sorted({c for c in normalised.replace(" ", "") if c not in self.tokens})
        if missing:
            raise ValueError(f"hotword {phrase!r} uses characters the model cannot emit: "
                             f"{''.join(missing)!r}")
        return normalised.replace(" ", self.word_separator)

    def _vocabulary(self, lexicon: Iterable[str] | None, hotwords: list[tuple[str, float]]) -> Vocabulary:
        letters = set(self.tokens) - {self.tokens[self.blank_id], self.word_separator}
        words: set[str] = set()
        if self.lm is not None:
            words.update(w for w in self.lm.vocabulary if w not in _LM_MARKERS)
        if lexicon is not None:
            words.update(w for w in lexicon if w)
        if words:  # hotword words join a vocabulary; they do not make one on their own
            for phrase, _ in hotwords:
                words.update(self._words_of(phrase))
        spellable = [w for w in words if set(w) <= letters]
        unigram = (lambda w: self.lm.log_prob(w, ())) if self.lm is not None else None
        return Vocabulary(spellable, unigram)

    def _oov_rate(self, words: list[str]) -> float:
        if not words or not len(self.vocabulary):
            return 0.0
        return sum(1 for w in words if w not in self.vocabulary) / len(words)

    def _lm_per_word(self, words: list[str]) -> float:
        if self.lm is None:
            return 0.0
        return self.lm.sentence_log10_prob(words) * LN_10 / (len(words) + 1)
