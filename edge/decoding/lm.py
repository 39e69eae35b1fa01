"""Word n-gram language model read from an ARPA file: backoff scoring with dicts keyed by tuples.

ARPA (the format SRILM, KenLM and `train/lm_build.py` write) stores log10 probabilities and
log10 backoff weights. For a word w after history h (oldest word first):

    log10 p(w | h) = log10 p(w | h)                         if the n-gram h+w is listed
                   = bow(h) + log10 p(w | h without its oldest word)   otherwise

with bow(h) = 0 when h has no backoff weight, and the recursion ending at the unigram. A word
outside the vocabulary scores as "<unk>" when the model lists it, else `unk_log10_prob`.
"""

from __future__ import annotations

import gzip
import math
import re
from pathlib import Path

from edge.errors import EarshotError

SENTENCE_START = "<s>"
SENTENCE_END = "</s>"
UNKNOWN = "<unk>"
LN_10 = math.log(10.0)
# log10 probability of an unknown word when the ARPA file has no <unk> entry: one in a million,
# a penalty of about 3 decades against a typical in-domain word (not -100, KenLM's choice, which
# would forbid out-of-vocabulary words outright).
DEFAULT_UNK_LOG10_PROB = -6.0

_NGRAM_COUNT = re.compile(r"^ngram\s+(\d+)\s*=\s*(\d+)\s*$")
_SECTION = re.compile(r"^\\(\d+)-grams:\s*$")

State = tuple[str, ...]


class LanguageModelError(EarshotError):
    """An ARPA language model file is missing or malformed; the message names the file and line."""


class NgramLM:
    """A backoff word n-gram model of any order, scoring words given a history of words."""

    def __init__(self, probs: dict[State, float], backoffs: dict[State, float], order: int,
                 unk_log10_prob: float = DEFAULT_UNK_LOG10_PROB) -> None:
        if order < 1:
            raise ValueError(f"order must be >= 1, got {order}")
        self.order = order
        self._probs = probs
        self._backoffs = backoffs
        self.vocabulary = frozenset(ngram[0] for ngram in probs if len(ngram) == 1)
        has_unk = (UNKNOWN,) in probs
        self.unk_log10_prob = probs[(UNKNOWN,)] if has_unk else float(unk_log10_prob)
        self._unk = UNKNOWN if has_unk else None
        # Histories that change some word's score: a listed backoff weight or a longer n-gram
        # starting with them. Any other history can lose its oldest word without changing a
        # score, which keeps decoder states few (KenLM calls this state minimisation).
        self._contexts = set(backoffs)
        self._contexts.update(ngram[:-1] for ngram in probs if len(ngram) > 1)

    @classmethod
    def load(cls, path: str | Path, unk_log10_prob: float = DEFAULT_UNK_LOG10_PROB) -> NgramLM:
        """Read an ARPA file (plain or .gz); raises LanguageModelError naming file and line."""
        path = Path(path)
        try:
            opener = gzip.open if path.suffix == ".gz" else open
            with opener(path, "rt", encoding="utf-8") as handle:
                return cls.from_lines(handle, name=str(path), unk_log10_prob=unk_log10_prob)
        except FileNotFoundError:
            raise LanguageModelError(f"{path}: language model file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise LanguageModelError(f"{path}: cannot read language model ({exc})") from None

    @classmethod
    def from_lines(cls, lines, name: str = "<arpa>",
                   unk_log10_prob: float = DEFAULT_UNK_LOG10_PROB) -> NgramLM:
        """Parse ARPA text given as an iterable of lines."""
        declared: dict[int, int] = {}
        probs: dict[State, float] = {}
        backoffs: dict[State, float] = {}
        words: dict[str, str] = {}  # one string per word, shared by all its n-grams
        section = -1  # -1: before \data\, 0: in \data\, n: in \n-grams:, -2: after \end\
        for number, raw in enumerate(lines, start=1):
            line = raw.strip()
            if not line or section == -2:
                continue
            if line == "\\data\\":
                section = 0
                continue
            if line == "\\end\\":
                section = -2
                continue
            match = _SECTION.match(line)
            if match:
                section = int(match.group(1))
                if section not in declared:
                    raise LanguageModelError(f"{name}:{number}: section {line} not declared in \\data\\")
                continue
            if section == 0:
                match = _NGRAM_COUNT.match(line)
                if not match:
                    raise LanguageModelError(f"{name}:{number}: expected 'ngram N=count', got {line!r}")
                declared[int(match.group(1))] = int(match.group(2))
            elif section > 0:
                _parse_entry(line, section, probs, backoffs, words, f"{name}:{number}")
            # lines before \data\ are free-form comments
        if not declared:
            raise LanguageModelError(f"{name}: not an ARPA language model (no \\data\\ section)")
        for n, count in declared.items():
            found = sum(1 for ngram in probs if len(ngram) == n)
            if found != count:
                raise LanguageModelError(f"{name}: \\data\\ declares {count} {n}-grams, found {found}")
        return cls(probs, backoffs, max(declared), unk_log10_prob)

    def log10_prob(self, word: str, history: State = ()) -> float:
        """log10 p(word | history); history is oldest word first and may start with "<s>"."""
        if word not in self.vocabulary:
            if self._unk is None:
                return self.unk_log10_prob + self._backoff_sum(history)
            word = self._unk
        history = self._context_of(history)
        total = 0.0
        while True:
            prob = self._probs.get(history + (word,))
            if prob is not None:
                return total + prob
            total += self._backoffs.get(history, 0.0)
            history = history[1:]

    def log_prob(self, word: str, history: State = ()) -> float:
        """Natural-log p(word | history)."""
        return self.log10_prob(word, history) * LN_10

    def begin_state(self) -> State:
        """The history at the start of a sentence."""
        return (SENTENCE_START,)

    def advance(self, state: State, word: str) -> tuple[float, State]:
        """Natural-log p(word | state) and the shortest history that scores the next word the same."""
        log_p = self.log10_prob(word, state) * LN_10
        if word not in self.vocabulary:
            word = self._unk or word
        state = self._context_of(state + (word,))
        while state and state not in self._contexts:
            state = state[1:]
        return log_p, state

    def end_log_prob(self, state: State) -> float:
        """Natural-log p(</s> | state): the cost of ending the sentence here."""
        return self.log10_prob(SENTENCE_END, state) * LN_10

    def sentence_log10_prob(self, words: list[str] | tuple[str, ...], bos: bool = True,
                            eos: bool = True) -> float:
        """log10 probability of a whole sentence of words."""
        history: State = (SENTENCE_START,) if bos else ()
        total = 0.0
        for word in list(words) + ([SENTENCE_END] if eos else []):
            total += self.log10_prob(word, history)
            history = self._context_of(history + (word,))
        return total

    def _context_of(self, history: State) -> State:
        """The last order - 1 words of a history: all an n-gram of this order can condition on."""
        return history[-(self.order - 1):] if self.order > 1 else ()

    def _backoff_sum(self, history: State) -> float:
        # An unknown word without <unk> is listed under no context, so every backoff applies.
        history = self._context_of(history)
        return sum(self._backoffs.get(history[i:], 0.0) for i in range(len(history)))


def _parse_entry(line: str, n: int, probs: dict, backoffs: dict, words: dict, where: str) -> None:
    parts = line.split()
    if len(parts) not in (n + 1, n + 2):
        raise LanguageModelError(f"{where}: expected a log10 probability, {n} words and an optional "
                                 f"backoff, got {line!r}")
    try:
        prob = float(parts[0])
        backoff = float(parts[n + 1]) if len(parts) == n + 2 else None
    except ValueError:
        raise LanguageModelError(f"{where}: not a number in {line!r}") from None
    ngram = tuple(words.setdefault(word, word) for word in parts[1:n + 1])
    probs[ngram] = prob
    if backoff is not None and backoff != 0.0:
        backoffs[ngram] = backoff
