"""General English sentences for acoustic coverage, from licensed offline sources, split train/eval.

Sources:
- WordNet 3.0 usage examples (Debian `wordnet-base`, /usr/share/wordnet/data.*): the quoted
  example sentences in the synset glosses. Licence: WordNet 3.0 licence (Princeton University;
  use, copy, modify and distribute for any purpose, keeping the copyright notice).
- LJ Speech 1.1 transcripts (public domain), read from a manifest such as
  ../shared/train/ljspeech/manifest.jsonl when one is given.

The train/eval split is a stable hash of the normalised sentence, so a sentence is either in
training text or in the out-of-domain evaluation text, never both, whatever else is added.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from edge.text import normalize_text

WORDNET_DIR = Path("/usr/share/wordnet")
WORDNET_LICENCE = "WordNet-3.0 (Princeton University, permissive)"
LJSPEECH_LICENCE = "Public-Domain (LJ Speech 1.1)"
EVAL_FRACTION = 0.03
MIN_WORDS, MAX_WORDS = 4, 20
_QUOTED = re.compile(r'"([^"]+)"')


@dataclass(frozen=True, slots=True)
class TextLine:
    """A normalised sentence and the source and licence it came from."""

    text: str
    source: str
    licence: str


def wordnet_examples(wordnet_dir: Path = WORDNET_DIR) -> Iterator[TextLine]:
    """Usage examples quoted in WordNet's glosses, normalised, 4-20 words, ASCII only."""
    files = sorted(wordnet_dir.glob("data.*"))
    if not files:
        raise FileNotFoundError(f"no WordNet data files in {wordnet_dir}; apt-get install wordnet-base")
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("  ") or "|" not in line:  # licence header lines start with spaces
                    continue
                for example in _QUOTED.findall(line.split("|", 1)[1]):
                    if example.isascii():
                        yield TextLine(normalize_text(example), "wordnet-3.0", WORDNET_LICENCE)


def manifest_texts(manifest: Path, licence: str = LJSPEECH_LICENCE) -> Iterator[TextLine]:
    """The `text` of every line of a JSONL manifest (e.g. LJ Speech transcripts)."""
    with open(manifest, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                yield TextLine(normalize_text(row["text"]), row.get("source", str(manifest)),
                               row.get("license", licence))


def split_lines(lines: Iterable[TextLine], split: str, *, exclude: Iterable[str] = ()) -> list[TextLine]:
    """Unique sentences of the right length for `split` ("train" or "eval"), minus `exclude`.

    `exclude` holds texts that must never be trained on (e.g. evaluation transcripts); they are
    dropped from both splits.
    """
    if split not in ("train", "eval"):
        raise ValueError(f"split must be 'train' or 'eval', not {split!r}")
    banned = {normalize_text(t) for t in exclude}
    seen: dict[str, TextLine] = {}
    for line in lines:
        if MIN_WORDS <= len(line.text.split()) <= MAX_WORDS and line.text not in banned:
            seen.setdefault(line.text, line)
    return [line for text, line in sorted(seen.items()) if (_unit_hash(text) < EVAL_FRACTION) == (split == "eval")]


def _unit_hash(text: str) -> float:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") / 2**64
