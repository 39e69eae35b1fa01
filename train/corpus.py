"""Read and write JSONL speech manifests: one utterance per line, audio paths relative to the file.

A line holds `audio` (path relative to the manifest), `text` (normalised), `duration` (s),
`voice`, `speaker` and `tags` (str -> str: engine, domain, intent, phrasing, split, snr_db, ...).
Manifests written by others (../shared) carry `source` and `license` instead of tags and may
lack `voice` and `speaker`; reading folds any extra field into `tags`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from edge.errors import EarshotError

FIELDS = ("audio", "text", "duration", "voice", "speaker", "tags")
# The kinds of text a synthetic corpus mixes (tag `kind`). "scrambled" texts never go into an LM,
# nor do the "word" draws that land on an acoustic-only word (tagged kind "acoustic_word").
KINDS = ("in", "general", "word", "scrambled")
NOT_FOR_LM = frozenset({"scrambled", "acoustic_word"})


class ManifestError(EarshotError, ValueError):
    """A manifest line is not valid JSON or lacks a required field."""


@dataclass(frozen=True, slots=True)
class Utterance:
    """One manifest line, with `audio` an absolute path."""

    audio: Path
    text: str
    duration: float
    voice: str = ""
    speaker: str = ""
    tags: dict[str, str] = field(default_factory=dict)


def read_manifest(path: str | os.PathLike) -> list[Utterance]:
    """Every utterance of a JSONL manifest, audio paths resolved against the manifest's folder."""
    path = Path(path)
    utterances = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                audio, text = row.pop("audio"), row.pop("text")
            except (json.JSONDecodeError, KeyError, AttributeError, TypeError) as exc:
                raise ManifestError(f"{path}:{number}: needs a JSON object with 'audio' and 'text' ({exc})") from None
            if not isinstance(audio, str) or not isinstance(text, str):
                raise ManifestError(f"{path}:{number}: 'audio' and 'text' must be strings")
            tags = {str(k): str(v) for k, v in (row.pop("tags", None) or {}).items()}
            duration = float(row.pop("duration", 0.0) or 0.0)
            voice, speaker = str(row.pop("voice", "") or ""), str(row.pop("speaker", "") or "")
            tags.update({k: str(v) for k, v in row.items() if k not in tags})
            utterances.append(Utterance((path.parent / audio).resolve(), text, duration, voice, speaker, tags))
    return utterances


def to_row(utterance: Utterance, root: Path) -> dict:
    """The JSON object for `utterance`, its audio path made relative to folder `root`."""
    return {"audio": Path(os.path.relpath(utterance.audio, root)).as_posix(), "text": utterance.text,
            "duration": round(utterance.duration, 4), "voice": utterance.voice, "speaker": utterance.speaker,
            "tags": dict(utterance.tags)}


def write_manifest(path: str | os.PathLike, utterances: Iterable[Utterance]) -> int:
    """Write `utterances` to `path` atomically (a reader never sees half a file); return the count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    root = path.parent.resolve()
    partial = path.with_name(path.name + ".partial")
    count = 0
    with open(partial, "w", encoding="utf-8") as handle:
        for utterance in utterances:
            handle.write(json.dumps(to_row(utterance, root), ensure_ascii=False) + "\n")
            count += 1
    os.replace(partial, path)
    return count
