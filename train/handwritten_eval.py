"""Synthesise the hand-written commands (train/evaluation/handwritten_commands.txt) as an evaluation set.

    python -m train.handwritten_eval --out DIR [--commands FILE] [--voices-per-line 2] [--seed 0] [--domain-dir DIR ...]

The held-out phrasings of synth_eval_clean come from the domain's own templates; these lines were
written by hand, without the templates, the way a user speaks to a voice assistant (numbers as
digits, times as "7 a.m."). Each line is spoken by `--voices-per-line` voices drawn (by seed) from
the voices a commercial-only recipe never trains on: the catalogue's held-out "eval" voices and
its non-commercial ones (mbrola, festival rab/don, two RHVoice voices; evaluation only, never
shipped). The TTS reads each line as edge.text.normalize_text spells it, so it says what the
reference says. Tags: intent, voice_group ("held-out" or "non-commercial"), and template: "seen"
or "heldout" when the line has the shape of a domain template of that split (its {slots} matched
by one to four words of any kind; templates of slots alone never match), else "none". Any file laid
out like the packaged one can be spoken the same way (`--commands`).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
import soundfile as sf
from tqdm import tqdm

from edge.audio import TARGET_RATE
from edge.text import normalize_text
from train.corpus import Utterance, write_manifest
from train.domain.catalog import SLOT, Catalog, DomainDataError, load_catalog
from train.voices import Voice, voices

COMMANDS = Path(__file__).parent / "evaluation" / "handwritten_commands.txt"
_INTENT = re.compile(r"#\s*intent:\s*([a-z_]+)\s*$")


class CommandsFileError(ValueError):
    """The commands file has a line outside an intent or a line twice."""


def read_commands(path: Path = COMMANDS) -> list[tuple[str, str]]:
    """(intent, line) pairs in file order; comments and blank lines skipped."""
    commands: list[tuple[str, str]] = []
    seen: set[str] = set()
    intent = ""
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        header = _INTENT.match(line)
        if header:
            intent = header.group(1)
            continue
        if not line or line.startswith("#"):
            continue
        if not intent:
            raise CommandsFileError(f"{path}:{number}: {line!r} comes before any '# intent: NAME' header")
        key = normalize_text(line)
        if key in seen:
            raise CommandsFileError(f"{path}:{number}: {line!r} is already in the file")
        seen.add(key)
        commands.append((intent, line))
    return commands


def unheard_voices() -> tuple[tuple[Voice, str], ...]:
    """(voice, group) for every voice a commercial-only recipe never trains on."""
    return (*((v, "held-out") for v in voices("eval")),
            *((v, "non-commercial") for v in voices("train") if not v.commercial_ok))


def template_shapes(catalog: Catalog) -> list[tuple[bool, re.Pattern]]:
    """(held out?, pattern) for each template with at least one word besides its slots: its words
    literally, a word with a {slot} as one to four words of any kind (slot values are not checked),
    over normalised text."""
    shapes = []
    for template in catalog.templates:
        if not SLOT.sub("", template.text).strip():
            continue
        words = [r"\S+(?: \S+){0,3}" if SLOT.search(word) else re.escape(normalize_text(word))
                 for word in template.text.split()]
        shapes.append((template.heldout, re.compile(" ".join(w for w in words if w))))
    return shapes


def template_split(text: str, shapes: list[tuple[bool, re.Pattern]]) -> str:
    """"seen" or "heldout" if normalised `text` has the shape of a template of that split, else "none"."""
    splits = {heldout for heldout, pattern in shapes if pattern.fullmatch(text)}
    return "seen" if False in splits else "heldout" if True in splits else "none"


def build(out: Path, voices_per_line: int, seed: int, catalog: Catalog, path: Path = COMMANDS,
          pool: tuple[tuple[Voice, str], ...] | None = None) -> list[Utterance]:
    """Speak every line with `voices_per_line` voices of `pool` (default: unheard_voices()); WAVs
    under out/wav, utterances in file order."""
    from train.tts import Synthesizer

    pool = pool or unheard_voices()
    rng = np.random.default_rng(seed)
    commands = read_commands(path)
    shapes = template_shapes(catalog)
    utterances = []
    with Synthesizer() as speak:
        for index, (intent, line) in enumerate(tqdm(commands, desc="hand-written commands", unit="line")):
            text = normalize_text(line)
            shape = template_split(text, shapes)
            for pick in rng.choice(len(pool), size=min(voices_per_line, len(pool)), replace=False):
                voice, group = pool[int(pick)]
                samples = speak(voice, text)
                target = out / "wav" / f"{index:03d}_{voice.name}.wav"
                target.parent.mkdir(parents=True, exist_ok=True)
                sf.write(target, samples, TARGET_RATE, subtype="PCM_16")
                utterances.append(Utterance(target.resolve(), text, round(len(samples) / TARGET_RATE, 4), voice.name,
                                            voice.name, {"intent": intent, "domain": "in", "kind": "handwritten",
                                                         "voice_group": group, "template": shape,
                                                         "licence": voice.licence, "split": "eval"}))
    return utterances


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m train.handwritten_eval", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--commands", type=Path, default=COMMANDS,
                        help="the commands, one per line under '# intent: NAME' headers (default: the packaged file)")
    parser.add_argument("--voices-per-line", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--domain-dir", action="append", default=[],
                        help="extra domain folder whose templates the 'template' tag also matches")
    args = parser.parse_args(argv)
    if args.voices_per_line < 1:
        parser.error("--voices-per-line must be at least 1")
    if not args.commands.is_file():
        parser.error(f"--commands {args.commands}: no such file")
    try:
        utterances = build(args.out, args.voices_per_line, args.seed, load_catalog(tuple(args.domain_dir)),
                           args.commands)
    except (CommandsFileError, DomainDataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    write_manifest(args.out / "manifest.jsonl", utterances)
    print(f"{args.out / 'manifest.jsonl'}: {len(utterances)} utterances, "
          f"{sum(u.duration for u in utterances) / 60:.1f} min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
