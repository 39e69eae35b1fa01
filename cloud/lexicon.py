"""Pronunciations for catalog words: CMUdict (shipped with pocketsphinx), else flite's letter-to-sound."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)

# pocketsphinx's en-us acoustic model uses these 39 CMU phones (stress removed).
PHONES = frozenset("AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH "
                   "T TH UH UW V W Y Z ZH".split())
# flite's CMU phone set has a few symbols the acoustic model lacks; these are their nearest phones.
_FLITE_EXTRA = {"AX": "AH", "AXR": "ER", "EL": "AH L", "EM": "AH M", "EN": "AH N", "NX": "N",
                "HV": "HH", "DX": "D", "IX": "IH", "UX": "UW"}
_T2P_BATCH = 200
_WORD = re.compile(r"^[a-z][a-z']*$")


def cmudict_path() -> Path:
    """The English pronunciation dictionary inside the pocketsphinx wheel."""
    from pocketsphinx import get_model_path
    return Path(get_model_path()) / "en-us" / "cmudict-en-us.dict"


def read_dictionary(path: Path) -> dict[str, str]:
    """Words (first pronunciation only) of a pocketsphinx dictionary file."""
    words: dict[str, str] = {}
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            word, _, phones = line.strip().partition(" ")
            if phones and "(" not in word:
                words.setdefault(word, phones.strip())
    return words


def letter_to_sound_available() -> bool:
    """Whether flite's `t2p` (Debian package `flite`) is installed to spell out unknown words."""
    return shutil.which("t2p") is not None


def pronounce(words: list[str], known: dict[str, str]) -> dict[str, str]:
    """Pronunciations of `words`: from `known` when there, else from t2p when installed.

    Words that neither source can pronounce are left out (and logged), so they stay out of the
    recognizer's vocabulary; search still finds them by spelling and phonetic key.
    """
    result = {w: known[w] for w in words if w in known}
    unknown = [w for w in words if w not in known and _WORD.match(w)]
    if unknown and not letter_to_sound_available():
        log.warning("%d catalog words are not in CMUdict and flite's t2p is not installed "
                    "(apt-get install flite); they will not be recognized as words", len(unknown))
        return result
    for start in range(0, len(unknown), _T2P_BATCH):
        result.update(_t2p(unknown[start:start + _T2P_BATCH]))
    return result


def _t2p(words: list[str]) -> dict[str, str]:
    """Run t2p once over 'w1. w2. ...'; fall back to one call per word when pauses do not line up."""
    groups = _t2p_groups(". ".join(w.replace("'", "") for w in words) + ".")
    if len(groups) == len(words):
        return {w: g for w, g in zip(words, groups, strict=True) if g}
    out = {}
    for word in words:
        single = _t2p_groups(word.replace("'", "") + ".")
        if len(single) == 1 and single[0]:
            out[word] = single[0]
    return out


def _t2p_groups(text: str) -> list[str]:
    try:
        output = subprocess.run(["t2p", text], capture_output=True, text=True, timeout=60, check=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("t2p failed (%s)", exc)
        return []
    groups, current = [], []
    for symbol in output.split():
        if symbol == "pau":
            if current:
                groups.append(" ".join(current))
            current = []
            continue
        phone = _FLITE_EXTRA.get(symbol.rstrip("012").upper(), symbol.rstrip("012").upper())
        if all(p in PHONES for p in phone.split()):
            current.append(phone)
    if current:
        groups.append(" ".join(current))
    return groups
