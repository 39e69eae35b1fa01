"""Build a real-speech evaluation manifest from Debian's Asterisk prompts (one speaker, 8 kHz).

    python -m train.asterisk --out DIR

Reads the transcripts in core-sounds-en.txt (package asterisk-core-sounds-en) and the WAV files
of asterisk-core-sounds-en-wav, resamples each prompt to 16 kHz 16-bit mono and writes
DIR/wav/... and DIR/manifest.jsonl. Prompts whose transcript is not plain speech are left out:
descriptions of sounds ([beep], (silence)), symbols a reader would say in different ways
(*, #, @), and numbers of three or more digits ("500" may be "five hundred" or "five oh oh").
Licence of the recordings: CC-BY-SA-3.0 (evaluation only, never training).
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
from pathlib import Path

import soundfile as sf

from edge.audio import read_audio
from edge.text import normalize_text
from train.corpus import Utterance, write_manifest

TRANSCRIPTS = Path("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")
SOUNDS = Path("/usr/share/asterisk/sounds/en_US_f_Allison")
LICENCE = "CC-BY-SA-3.0"
SPEAKER = "allison"
_NOT_SPEECH = re.compile(r"[\[\]()<>*#@$=+/\"]|\d{3,}")


def prompts(transcripts: Path = TRANSCRIPTS) -> list[tuple[str, str]]:
    """(name, transcript) pairs of prompts read as plain speech."""
    opener = gzip.open if transcripts.suffix == ".gz" else open
    pairs = []
    with opener(transcripts, "rt", encoding="utf-8", errors="replace") as handle:
        for line in handle:
            name, sep, text = line.partition(":")
            if not sep or line.startswith(";") or not text.strip() or _NOT_SPEECH.search(text):
                continue
            pairs.append((name.strip(), text.strip()))
    return pairs


def build(out: Path, transcripts: Path = TRANSCRIPTS, sounds: Path = SOUNDS) -> list[Utterance]:
    """Convert every usable prompt to 16 kHz WAV under `out`; utterances in transcript order."""
    utterances = []
    for name, text in prompts(transcripts):
        source = sounds / f"{name}.wav"
        if not source.exists():
            continue
        chunk = read_audio(source)
        target = out / "wav" / f"{name}.wav"
        target.parent.mkdir(parents=True, exist_ok=True)
        sf.write(target, chunk.samples, chunk.sample_rate, subtype="PCM_16")
        category = name.split("/")[0] if "/" in name else "prompt"
        utterances.append(Utterance(target.resolve(), normalize_text(text), chunk.duration_s, SPEAKER, SPEAKER,
                                    {"source": f"debian:asterisk-core-sounds-en-wav:{name}", "license": LICENCE,
                                     "category": category, "domain": "in" if category == "digits" else "out",
                                     "split": "eval"}))
    return utterances


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m train.asterisk", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if not TRANSCRIPTS.exists() or not SOUNDS.exists():
        print(f"needs {TRANSCRIPTS} and {SOUNDS}: apt-get install asterisk-core-sounds-en "
              "asterisk-core-sounds-en-wav (scripts/install_tts.sh)", file=sys.stderr)
        return 2
    utterances = build(args.out)
    write_manifest(args.out / "manifest.jsonl", utterances)
    print(f"{args.out / 'manifest.jsonl'}: {len(utterances)} utterances, "
          f"{sum(u.duration for u in utterances) / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
