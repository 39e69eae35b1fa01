"""Evaluation sets for validation: a manifest, its utterances, and whether its speech is synthetic or real.

The selection rule has a different budget for each kind, so every set has one: given
explicitly as `synthetic:PATH` or `real:PATH`, or else read from the manifest: train.synth
writes the TTS engine of each line into tags.engine, recordings of people have none (they may
still name a voice: the Asterisk prompts name their speaker, Allison).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from edge.errors import EarshotError

KINDS = ("synthetic", "real")


@dataclass(frozen=True)
class EvalSet:
    """A named list of manifest utterances of one kind."""

    name: str
    manifest: Path
    kind: str
    utterances: tuple

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")


def load_eval_set(spec: str, limit: int | None = None) -> EvalSet:
    """Read `[synthetic:|real:]MANIFEST`, keeping the first `limit` utterances; EarshotError if unusable."""
    from train.corpus import ManifestError, read_manifest

    kind, _, path_text = spec.partition(":")
    if kind not in KINDS:
        kind, path_text = "", spec
    manifest = Path(path_text)
    if not manifest.is_file():
        raise EarshotError(f"{manifest}: no such evaluation manifest")
    try:
        utterances = read_manifest(manifest)
    except (ManifestError, UnicodeDecodeError, OSError) as exc:
        raise EarshotError(f"{manifest}: cannot read the evaluation manifest ({exc})") from None
    if limit:
        utterances = utterances[:limit]
    if not utterances:
        raise EarshotError(f"{manifest}: the evaluation manifest lists no utterances")
    return EvalSet(name=_set_name(manifest), manifest=manifest, kind=kind or guess_kind(utterances),
                   utterances=tuple(utterances))


def guess_kind(utterances) -> str:
    """"synthetic" when any line names a TTS engine (tags.engine), else "real"."""
    synthetic = any("engine" in (u.tags or {}) for u in utterances)
    return "synthetic" if synthetic else "real"


def _set_name(manifest: Path) -> str:
    """The manifest's folder name (eval/digits/manifest.jsonl -> "digits"), or its stem."""
    return manifest.parent.name if manifest.stem == "manifest" and manifest.parent.name else manifest.stem
