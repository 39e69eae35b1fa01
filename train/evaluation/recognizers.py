"""Turn a `--model` value into a recognizer: a bundle folder, or a registered NAME[:SPEC]."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from edge.bundle import MANIFEST, default_bundle_path
from edge.errors import EarshotError

RECOGNIZER_GROUP = "earshot.recognizers"


@dataclass(frozen=True, slots=True)
class BundleSettings:
    """How to run a bundle; None means the recognizer's own default."""

    runtime: str | None = None
    threads: int | None = None
    beam: int | None = None
    vtln_warps: tuple[float, ...] | None = None
    tempos: tuple[float, ...] | None = None

    def given(self) -> dict[str, object]:
        """The settings that were set, by name."""
        return {k: v for k, v in (("runtime", self.runtime), ("threads", self.threads), ("beam", self.beam),
                                  ("vtln_warps", self.vtln_warps), ("tempos", self.tempos)) if v is not None}


def registered_recognizers() -> list[str]:
    """Names in the "earshot.recognizers" entry-point group."""
    return sorted(e.name for e in entry_points(group=RECOGNIZER_GROUP))


def load_recognizer(model: str | None, settings: BundleSettings = BundleSettings()):
    """Load `model`: None for the shipped default bundle, a bundle folder, or NAME[:SPEC].

    A path that exists wins over a registered name. `settings` apply to bundles only; giving
    them for a registered recognizer is a mistake (EarshotError), as is an unknown name.
    """
    if model is None:
        path = default_bundle_path()
        if not (path / MANIFEST).is_file():
            raise EarshotError(f"no default model is installed ({path} has no {MANIFEST}); "
                               "pass --model BUNDLE_FOLDER or a registered recognizer name")
        return _load_bundle(path, settings)
    path = Path(model)
    if path.exists():
        if not path.is_dir():
            raise EarshotError(f"--model {model}: is a file; a model bundle is a folder with {MANIFEST}")
        return _load_bundle(path, settings)
    name, _, spec = model.partition(":")
    entries = {e.name: e for e in entry_points(group=RECOGNIZER_GROUP)}
    if name not in entries:
        known = ", ".join(sorted(entries)) or "none"
        raise EarshotError(f"--model {model}: no such bundle folder, and no registered recognizer "
                           f"named '{name}' (registered: {known})")
    if settings.given():
        flags = ", ".join(f"--{k.replace('_', '-')}" for k in settings.given())
        raise EarshotError(f"{flags} apply to model bundles only, not to the '{name}' recognizer")
    try:
        create = entries[name].load()
    except ImportError as exc:
        raise EarshotError(f"recognizer '{name}' needs {exc.name or exc}, which is not installed") from None
    return create(spec)


def _load_bundle(path: Path, settings: BundleSettings):
    from edge.recognizer import Recognizer

    return Recognizer.load(path, **settings.given())
