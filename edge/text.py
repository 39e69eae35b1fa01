"""Text normalisation: the one function every transcript and reference goes through before scoring."""

from __future__ import annotations

import re
import unicodedata

from num2words import num2words

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_ORDINAL = re.compile(r"\b(\d+)(st|nd|rd|th)\b")
_NOT_WORD = re.compile(r"[^a-z' ]+")
_STRAY_APOSTROPHE = re.compile(r"(?<![a-z])'|'(?![a-z])")
# Titles written abbreviated by some recognisers and spelled out in the references.
ABBREVIATIONS = {"mr": "mister", "mrs": "missus", "dr": "doctor"}
# Words a time of day ends with (seven, four thirty, six oh five, nine o'clock), after which "am" and
# "pm" are the letters said ("7am", "7 a.m." and "seven AM" all become "seven a m").
_TIME_END = frozenset(("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
                       "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty o'clock").split())
_MERIDIEM = {"am": "a m", "pm": "p m"}


def normalize_text(text: str) -> str:
    """Lowercase words separated by single spaces, as the references are written.

    Steps: Unicode NFKC; curly apostrophes become '; ordinals (21st) and numbers (42, 3.5) are
    spelled out in English words without hyphens or commas ("twenty one", "three point five");
    "&" becomes "and", "%" becomes "percent"; everything but a-z, apostrophes inside words and
    spaces becomes a space; whitespace collapses. Apostrophes are kept inside words (don't).
    The titles mr, mrs and dr are spelled out (mister, missus, doctor). "am" and "pm" after a time
    are written as the letters said ("7am", "7 a.m." and "seven AM" all become "seven a m").
    """
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("&", " and ").replace("%", " percent ")
    text = _ORDINAL.sub(lambda m: " " + num2words(int(m.group(1)), to="ordinal") + " ", text)
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    text = _NUMBER.sub(lambda m: " " + num2words(float(m.group()) if "." in m.group() else int(m.group())) + " ", text)
    text = text.replace("-", " ")
    text = _NOT_WORD.sub(" ", text)
    text = _STRAY_APOSTROPHE.sub(" ", text)
    words = [ABBREVIATIONS.get(word, word) for word in text.split()]
    return " ".join(_MERIDIEM[word] if word in _MERIDIEM and i and words[i - 1] in _TIME_END else word
                    for i, word in enumerate(words))
