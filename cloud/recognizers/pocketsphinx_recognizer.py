"""The server's default large-vocabulary recognizer: pocketsphinx's bundled US English model.

Its dictionary and language model are adapted toward the search catalog: catalog words it does
not know are added with pronunciations from CMUdict or flite's letter-to-sound rules (see
cloud/lexicon.py), so place names like "Zhumadian" can be recognized at all. The decoder also
arbitrates between candidate transcripts (the device's, another model's) on acoustic evidence.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from cloud.recognizers.recognition import Recognition, pcm16
from edge.audio import check_samples
from edge.errors import EarshotError
from edge.results import Timings, Transcript, Word
from edge.text import normalize_text

SAMPLE_RATE = 16000  # the en-us acoustic model is wideband
FRAMES_PER_S = 100  # pocketsphinx's default frame rate (-frate)
_FILLER = re.compile(r"^(<.*>|\[.*\]|\+\+.*\+\+|\+.*\+)$")
_VARIANT = re.compile(r"\(\d+\)$")
_MAX_NBEST_SCANNED = 30  # the lattice's n-best list repeats itself; stop scanning after this many
DEFAULT_BEAM, DEFAULT_WBEAM = 1e-48, 7e-29  # pocketsphinx's own defaults
SILENT_PEAK = 2 / 32768  # quieter than two 16-bit steps: no signal (CMN would turn it into words)
DEFAULT_WORD_WEIGHT = 0.3  # LM unigram weight of added words relative to uniform: chosen in cloud/README.md
_REBUILD_WORD = "<rebuild>"  # a silence-only entry, used only when every added word was in the LM
_UNKNOWN_LOGPROB = -(2**28)  # NGramModel.prob answers about -2**29 for words it lacks


@dataclass(frozen=True, slots=True)
class PocketsphinxOptions:
    """Decoder settings; beams as in pocketsphinx (smaller = wider, slower, more accurate)."""

    beam: float = DEFAULT_BEAM
    wbeam: float = DEFAULT_WBEAM
    nbest: int = 5
    word_weight: float = DEFAULT_WORD_WEIGHT
    extra_words: tuple[tuple[str, str], ...] = field(default=(), repr=False)  # (word, CMU phones)


class PocketsphinxRecognizer:
    """pocketsphinx decoding of 16 kHz float samples into a Transcript, one utterance at a time."""

    name = "pocketsphinx"

    def __init__(self, options: PocketsphinxOptions = PocketsphinxOptions()) -> None:
        try:
            from pocketsphinx import Decoder
        except ImportError:
            raise EarshotError("pocketsphinx is not installed: pip install 'earshot[cloud]'") from None
        self.options = options
        self._decoder = Decoder(loglevel="FATAL", beam=options.beam, wbeam=options.wbeam)
        self._lock = threading.Lock()  # a decoder decodes one utterance at a time
        self.added_words = self._add_words(options.extra_words)

    def _add_words(self, words: Iterable[tuple[str, str]]) -> int:
        """Add words to the dictionary and, at `word_weight`, to the language model; return how many.

        pocketsphinx's add_word gives each new word the uniform unigram probability, which over
        thousands of place names takes probability from everyday words. So each word goes into
        the active search's LM first at the configured weight; add_word then puts it in the
        dictionary (and refuses the LM part, the word being there already); the last word goes
        through add_word alone, which rebuilds the search over the adapted LM and dictionary.
        A search rebuilt with add_lm instead measured 1 WER point worse on held-out LJ Speech.
        """
        new = [(w, p) for w, p in words if self._decoder.lookup_word(w) is None]
        if not new:
            return 0
        lm = self._decoder.get_lm(self._decoder.current_search())
        for word, phones in new[:-1]:
            if lm.prob([word]) <= _UNKNOWN_LOGPROB:
                lm.add_word(word, self.options.word_weight)
            try:
                self._decoder.add_word(word, phones, update=False)
            except RuntimeError:  # "failed to add word" to the LM: it is there already, as intended
                pass
        last_word, last_phones = new[-1]
        try:
            self._decoder.add_word(last_word, last_phones, update=True)
        except RuntimeError:  # the LM knew it (unlisted in the dictionary): rebuild with a word it lacks
            self._decoder.add_word(_REBUILD_WORD, "SIL", update=True)
        return sum(self._decoder.lookup_word(w) is not None for w, _ in new)

    def knows(self, word: str) -> bool:
        """Whether `word` is in the decoder's dictionary (so it can be recognized or aligned)."""
        return self._decoder.lookup_word(word) is not None

    def transcribe(self, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> Transcript:
        """Decode one utterance."""
        return self.recognize(samples, sample_rate).transcript

    def recognize(self, samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> Recognition:
        """Decode one utterance; also return up to `nbest` distinct alternative transcripts."""
        samples = check_samples(samples, sample_rate, SAMPLE_RATE)
        if not samples.size or float(np.max(np.abs(samples))) < SILENT_PEAK:
            return Recognition(Transcript("", 0.0, timings=Timings(duration_s=len(samples) / sample_rate),
                                          model=self.name, runtime="pocketsphinx", source="cloud"))
        pcm = pcm16(samples)
        with self._lock:
            started = time.perf_counter()
            self._decode(pcm)
            transcript = self._transcript(len(samples) / sample_rate, 0.0)
            alternatives = self._alternatives(transcript.text) if self.options.nbest > 0 else ()
            model_ms = (time.perf_counter() - started) * 1000  # the n-best search is model work too
        return Recognition(replace(transcript, timings=replace(transcript.timings, model_ms=model_ms)), alternatives)

    def choose(self, samples: np.ndarray, grammar: str, sample_rate: int = SAMPLE_RATE) -> Transcript | None:
        """Decode against a JSGF grammar (e.g. the paths through a word confusion network).

        Returns None when nothing in the grammar matched. The grammar carries no language model,
        so this compares candidates on acoustic evidence alone.
        """
        pcm = pcm16(check_samples(samples, sample_rate, SAMPLE_RATE))
        with self._lock:
            started = time.perf_counter()
            try:
                self._decoder.add_jsgf_string("choose", grammar)
                self._decoder.activate_search("choose")
                self._decode(pcm)
                model_ms = (time.perf_counter() - started) * 1000
                transcript = self._transcript(len(samples) / sample_rate, model_ms)
            except RuntimeError:
                return None
            finally:
                self._decoder.activate_search()
                self._decoder.remove_search("choose")
        return transcript if transcript.text else None

    def _decode(self, pcm: bytes) -> None:
        self._decoder.start_utt()
        self._decoder.process_raw(pcm, full_utt=True)  # whole-utterance CMN: the clip is complete
        self._decoder.end_utt()

    def _transcript(self, duration_s: float, model_ms: float) -> Transcript:
        words = []
        for seg in self._decoder.seg() or ():
            if _FILLER.match(seg.word):
                continue
            words.append(Word(_VARIANT.sub("", seg.word), seg.start_frame / FRAMES_PER_S,
                              (seg.end_frame + 1) / FRAMES_PER_S, float(seg.prob)))
        text = normalize_text(" ".join(w.word for w in words))
        confidence = float(np.mean([w.confidence for w in words])) if words else 0.0
        return Transcript(text=text, confidence=confidence, words=tuple(words),
                          timings=Timings(model_ms=model_ms, duration_s=duration_s),
                          model=self.name, runtime="pocketsphinx", source="cloud")

    def _alternatives(self, best: str) -> tuple[str, ...]:
        seen, out = {best}, []
        if not best:  # no best path, no lattice to draw alternatives from
            return ()
        for number, hyp in enumerate(self._decoder.nbest()):
            if number >= _MAX_NBEST_SCANNED or len(out) >= self.options.nbest or hyp is None:
                break
            text = normalize_text(" ".join(w for w in hyp.hypstr.split() if not _FILLER.match(w)))
            if text and text not in seen:
                seen.add(text)
                out.append(text)
        return tuple(out)


def create(spec: str = "") -> PocketsphinxRecognizer:
    """Entry point for `earshot eval --model pocketsphinx[:SPEC]`.

    SPEC is comma-separated key=value settings: `catalog=default|none|PATH.jsonl` (whose title
    words are added to the vocabulary; default: the shipped places catalog), `weight=` (their
    LM weight relative to uniform), `beam=`, `wbeam=`.
    """
    from cloud.recognizers.vocabulary import catalog_vocabulary

    settings = dict(part.split("=", 1) if "=" in part else (part, "") for part in spec.split(",") if part)
    unknown = set(settings) - {"catalog", "beam", "wbeam", "weight"}
    if unknown:
        raise EarshotError(f"pocketsphinx: unknown setting(s) {', '.join(sorted(unknown))}; "
                           "use catalog=default|none|PATH, weight=FLOAT, beam=FLOAT, wbeam=FLOAT")
    catalog = settings.get("catalog", "default")
    try:
        options = PocketsphinxOptions(beam=float(settings.get("beam", DEFAULT_BEAM)),
                                      wbeam=float(settings.get("wbeam", DEFAULT_WBEAM)),
                                      word_weight=float(settings.get("weight", DEFAULT_WORD_WEIGHT)),
                                      extra_words=catalog_vocabulary(catalog))
    except ValueError as exc:
        raise EarshotError(f"pocketsphinx: bad setting ({exc})") from None
    return PocketsphinxRecognizer(options)
