"""Match keys for error-tolerant search: folded spelling, phonetic skeletons, trigram sets, Dice."""

from __future__ import annotations

import re
import unicodedata

from edge.text import normalize_text

# A phonetic skeleton keeps consonants (one letter per CMU phone class) and drops vowels, whose
# quality is what recognizers and speakers get wrong most; voiced/voiceless pairs that are
# easily confused (S/Z, TH/DH, SH/ZH) share a letter.
_PHONE_KEY = {"P": "p", "B": "b", "T": "t", "D": "d", "K": "k", "G": "g", "CH": "c", "JH": "j",
              "F": "f", "V": "v", "TH": "0", "DH": "0", "S": "s", "Z": "s", "SH": "x", "ZH": "x",
              "HH": "h", "M": "m", "N": "n", "NG": "n", "L": "l", "R": "r", "ER": "r", "W": "w", "Y": "y"}
# Spelling rules for words without a pronunciation, producing the same alphabet (a small
# Metaphone-like subset; the order matters: longer patterns first).
_SPELLING_RULES = [
    (r"^kn", "n"), (r"^wr", "r"), (r"^ps", "s"), (r"^x", "s"), (r"ph", "f"), (r"gh(?![aeiou])", ""),
    (r"sch", "sk"), (r"tch", "c"), (r"ch", "c"), (r"sh", "x"), (r"th", "0"), (r"wh", "w"),
    (r"ck", "k"), (r"qu", "kw"), (r"q", "k"), (r"x", "ks"), (r"dg(?=[eiy])", "j"),
    (r"c(?=[eiy])", "s"), (r"c", "k"), (r"g(?=[eiy])", "j"), (r"z", "s"),
    (r"(?<=[aeiou])y", ""), (r"(?<=[aeiou])w", ""), (r"(?<=[aeiou])h", ""), (r"[aeiou']", ""),
]
_SPELLING_RULES = [(re.compile(p), r) for p, r in _SPELLING_RULES]
STOPWORDS = frozenset(
    "a an and are at be by can could do does for from how i in into is it me my near of on or "
    "please search show tell the to uh um what whats what's where which who will with would you".split())


def fold(text: str) -> str:
    """Lowercase words without accents, numbers spelled out: 'Bogotá, D.C.' -> 'bogota d c'."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return normalize_text(ascii_text)


def phones_key(phones: str) -> str:
    """Phonetic skeleton of a CMU phone string: 'R EH K Y AH V IH K' -> 'rkyvk'."""
    return "".join(_PHONE_KEY.get(p.rstrip("012"), "") for p in phones.split())


def spelling_key(word: str) -> str:
    """Phonetic skeleton guessed from spelling, for words with no known pronunciation."""
    key = word.lower()
    for pattern, replacement in _SPELLING_RULES:
        key = pattern.sub(replacement, key)
    key = re.sub(r"[^a-z0]", "", key)
    return re.sub(r"(.)\1+", r"\1", key)


def trigrams(text: str) -> frozenset[str]:
    """Character trigrams of `text` padded with boundary marks, so short keys still have some."""
    padded = f"^{text}$"
    if len(padded) < 3:
        return frozenset((padded,))
    return frozenset([padded[i:i + 3] for i in range(len(padded) - 2)])


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    """Dice similarity of two trigram sets, in [0, 1]."""
    if not a or not b:
        return 0.0
    return 2.0 * len(a & b) / (len(a) + len(b))


def spans(words: list[str], max_words: int = 4) -> list[tuple[int, int]]:
    """Every contiguous (start, end) run of up to `max_words` words."""
    return [(i, j) for i in range(len(words)) for j in range(i + 1, min(len(words), i + max_words) + 1)]
