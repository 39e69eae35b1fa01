"""Load the domain's templates and slot lists from data folders into a Catalog."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from edge.errors import EarshotError
from train.domain import builtin_slots

DATA_DIR = Path(__file__).parent / "data"
ENV_EXTRA_DIRS = "EARSHOT_DOMAIN_DIRS"  # os.pathsep-separated folders laid out like DATA_DIR
HELDOUT_FRACTION = 0.2
SLOT = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


class DomainDataError(EarshotError, ValueError):
    """A template or slot file is malformed or names a slot that does not exist."""


@dataclass(frozen=True, slots=True)
class Template:
    """One phrasing of an intent, with {slot} placeholders."""

    intent: str
    text: str
    heldout: bool  # True: kept out of training, used to test phrasings never seen

    @property
    def slots(self) -> tuple[str, ...]:
        return tuple(SLOT.findall(self.text))


@dataclass(frozen=True)
class Catalog:
    """Templates by intent, slot values by slot name, single command words, and the words spoken
    on their own for acoustic coverage only (never commands, so never in the LM)."""

    templates: tuple[Template, ...]
    slots: dict[str, tuple[str, ...]] = field(default_factory=dict)
    words: tuple[str, ...] = ()
    acoustic_words: tuple[str, ...] = ()

    @property
    def spoken_words(self) -> tuple[str, ...]:
        """Every word synthesised on its own: the command words, then the acoustic-only ones."""
        return (*self.words, *self.acoustic_words)

    @property
    def intents(self) -> tuple[str, ...]:
        return tuple(sorted({t.intent for t in self.templates}))

    def phrasings(self, phrasing: str) -> tuple[Template, ...]:
        """Templates for "seen" (training) or "heldout" phrasings, or "any"."""
        if phrasing not in ("seen", "heldout", "any"):
            raise ValueError(f"phrasing must be 'seen', 'heldout' or 'any', not {phrasing!r}")
        return tuple(t for t in self.templates if phrasing == "any" or t.heldout == (phrasing == "heldout"))


def load_catalog(extra_dirs: tuple[str | os.PathLike, ...] = ()) -> Catalog:
    """Read DATA_DIR plus `extra_dirs` and $EARSHOT_DOMAIN_DIRS; extra files add to the packaged ones.

    Raises DomainDataError when a template names a slot that has neither a file nor a built-in.
    """
    env = tuple(p for p in os.environ.get(ENV_EXTRA_DIRS, "").split(os.pathsep) if p)
    dirs = (DATA_DIR, *map(Path, extra_dirs), *map(Path, env))
    for folder in dirs[1:]:
        if not folder.is_dir():
            raise DomainDataError(f"{folder}: no such domain folder (it should hold templates/ and slots/)")
    lines_by_intent: dict[str, list[str]] = {}
    slot_values: dict[str, list[str]] = {}
    words: list[str] = []
    acoustic_words: list[str] = []
    for folder in dirs:
        for path in sorted((folder / "templates").glob("*.txt")):
            lines_by_intent.setdefault(path.stem, []).extend(_lines(path))
        for path in sorted((folder / "slots").glob("*.txt")):
            slot_values.setdefault(path.stem, []).extend(_lines(path))
        if (folder / "words.txt").exists():
            words.extend(_lines(folder / "words.txt"))
        if (folder / "acoustic_words.txt").exists():
            acoustic_words.extend(_lines(folder / "acoustic_words.txt"))
    for name, registry in builtin_slots.REGISTRY.items():
        slot_values[name] = [*registry(), *slot_values.get(name, [])]
    templates = tuple(t for intent, lines in sorted(lines_by_intent.items())
                      for t in _split_heldout(intent, list(dict.fromkeys(lines))))
    slots = {name: tuple(dict.fromkeys(values)) for name, values in slot_values.items()}
    commands = tuple(dict.fromkeys(words))
    acoustic_only = tuple(w for w in dict.fromkeys(acoustic_words) if w not in commands)
    catalog = Catalog(templates, slots, commands, acoustic_only)
    _check_slots(catalog)
    return catalog


def _lines(path: Path) -> list[str]:
    """Non-empty lines of a data file, without comments and surrounding spaces."""
    text = path.read_text(encoding="utf-8")
    return [line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip()]


def _split_heldout(intent: str, lines: list[str]) -> list[Template]:
    """Hold out ~HELDOUT_FRACTION of an intent's phrasings by a stable hash of their text.

    A hash per phrasing (not a shuffle) keeps the split of existing phrasings unchanged when a
    user adds new ones; an intent with three or more phrasings always holds out at least one.
    A phrasing of one literal word ("cancel") is vocabulary, not a way of phrasing something:
    it is never held out, so every command word can be trained on.
    """
    scores = [_unit_hash(f"{intent}|{line}") if _is_phrase(line) else 1.0 for line in lines]
    heldout = [s < HELDOUT_FRACTION for s in scores]
    if sum(map(_is_phrase, lines)) >= 3 and not any(heldout):
        heldout[scores.index(min(scores))] = True
    return [Template(intent, line, h) for line, h in zip(lines, heldout)]


def _is_phrase(line: str) -> bool:
    return len(line.split()) > 1 or bool(SLOT.search(line))


def _unit_hash(text: str) -> float:
    """A stable number in [0, 1) from `text` (unlike hash(), the same in every process)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") / 2**64


def _check_slots(catalog: Catalog) -> None:
    known = set(catalog.slots) | set(builtin_slots.GENERATED)
    for template in catalog.templates:
        for name in template.slots:
            if name not in known:
                raise DomainDataError(f"template {template.intent}: {template.text!r} uses slot {{{name}}}, "
                                      f"which has no slots/{name}.txt and no built-in generator")
    for name, values in catalog.slots.items():
        for value in values:
            for inner in SLOT.findall(value):
                if inner not in known:
                    raise DomainDataError(f"slots/{name}.txt: {value!r} uses unknown slot {{{inner}}}")
