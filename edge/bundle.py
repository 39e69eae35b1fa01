"""The model bundle: one folder with the network, tokens, front-end config, calibration, profile, card.

Layout (all paths relative to the folder):
    bundle.json       {"format": 1, "name", "networks": {"onnx": file, "tflite": file, ...},
                       "frontend": FrontEndConfig, "frame_stride": int, "blank_id": int,
                       "word_separator": str, "calibration": file?, "profile": file?, "lm": file?,
                       "lexicon": file?}
    tokens.txt        one token per line; the line number is the model output index
    model.onnx / model.tflite (fp32 or int8), possibly several variants under "networks"
    calibration.json  optional confidence calibration (see edge/confidence.py)
    profile.json      optional reference input statistics for drift monitoring
    lm.arpa           optional word n-gram language model for the beam decoder
    MODEL_CARD.md     data, voices, licences, results
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from edge.errors import BundleError
from edge.frontend.config import FrontEndConfig

BUNDLE_FORMAT = 1
MANIFEST = "bundle.json"


@dataclass(frozen=True)
class Bundle:
    path: Path
    name: str
    tokens: tuple[str, ...]
    frontend: FrontEndConfig
    networks: dict[str, str]  # variant name ("onnx", "onnx-int8", "tflite", ...) -> file name
    frame_stride: int = 1  # feature frames per model output step
    blank_id: int = 0
    word_separator: str = " "
    calibration: dict | None = None
    profile: dict | None = None
    lm_path: Path | None = None
    extra: dict = field(default_factory=dict)

    @property
    def step_s(self) -> float:
        """Seconds per model output step."""
        return self.frame_stride * self.frontend.hop_ms / 1000.0

    def network_path(self, variant: str) -> Path:
        if variant not in self.networks:
            raise BundleError(f"{self.path}: bundle has no '{variant}' network "
                              f"(it has: {', '.join(sorted(self.networks)) or 'none'})")
        return self.path / self.networks[variant]

    def pick_variant(self, runtime: str) -> str:
        """The preferred network for a runtime: int8 when shipped, else fp32."""
        for variant in (f"{runtime}-int8", runtime):
            if variant in self.networks:
                return variant
        raise BundleError(f"{self.path}: bundle has no network for runtime '{runtime}' "
                          f"(it has: {', '.join(sorted(self.networks)) or 'none'})")


def default_bundle_path() -> Path:
    """The default model that ships inside the package."""
    return Path(str(resources.files("edge") / "models" / "default"))


def load_bundle(path: str | Path) -> Bundle:
    """Read and check a bundle folder; raises BundleError naming the file and the problem."""
    path = Path(path)
    manifest = path / MANIFEST
    if not manifest.is_file():
        raise BundleError(f"{path}: not a model bundle (no {MANIFEST})")
    try:
        meta = json.loads(manifest.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BundleError(f"{manifest}: not valid JSON ({exc})") from None
    if meta.get("format") != BUNDLE_FORMAT:
        raise BundleError(f"{manifest}: bundle format {meta.get('format')!r}, expected {BUNDLE_FORMAT}")
    tokens_file = path / meta.get("tokens", "tokens.txt")
    if not tokens_file.is_file():
        raise BundleError(f"{path}: missing {tokens_file.name}")
    tokens = tuple(line.rstrip("\n") for line in tokens_file.read_text().splitlines())
    try:
        frontend = FrontEndConfig.from_dict(meta["frontend"])
    except (KeyError, TypeError, ValueError) as exc:
        raise BundleError(f"{manifest}: bad 'frontend' section ({exc})") from None
    networks = dict(meta.get("networks", {}))
    for variant, file in networks.items():
        if not (path / file).is_file():
            raise BundleError(f"{path}: network '{variant}' file {file} is missing")
    return Bundle(
        path=path,
        name=meta.get("name", path.name),
        tokens=tokens,
        frontend=frontend,
        networks=networks,
        frame_stride=int(meta.get("frame_stride", 1)),
        blank_id=int(meta.get("blank_id", 0)),
        word_separator=meta.get("word_separator", " "),
        calibration=_optional_json(path, meta.get("calibration")),
        profile=_optional_json(path, meta.get("profile")),
        lm_path=(path / meta["lm"]) if meta.get("lm") else None,
        extra={k: v for k, v in meta.items() if k not in _KNOWN_KEYS},
    )


def write_bundle_manifest(path: Path, *, name: str, tokens: list[str], frontend: FrontEndConfig,
                          networks: dict[str, str], frame_stride: int, blank_id: int = 0,
                          word_separator: str = " ", calibration: str | None = None,
                          profile: str | None = None, lm: str | None = None, **extra) -> None:
    """Write bundle.json and tokens.txt into `path` (the network files are written by the caller)."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "tokens.txt").write_text("\n".join(tokens) + "\n")
    meta = {"format": BUNDLE_FORMAT, "name": name, "tokens": "tokens.txt", "networks": networks,
            "frontend": frontend.to_dict(), "frame_stride": frame_stride, "blank_id": blank_id,
            "word_separator": word_separator, "calibration": calibration, "profile": profile,
            "lm": lm, **extra}
    (path / MANIFEST).write_text(json.dumps(meta, indent=2) + "\n")


_KNOWN_KEYS = {"format", "name", "tokens", "networks", "frontend", "frame_stride", "blank_id",
               "word_separator", "calibration", "profile", "lm"}


def _optional_json(path: Path, name: str | None) -> dict | None:
    if not name:
        return None
    file = path / name
    try:
        return json.loads(file.read_text())
    except FileNotFoundError:
        raise BundleError(f"{path}: missing {name}") from None
    except json.JSONDecodeError as exc:
        raise BundleError(f"{file}: not valid JSON ({exc})") from None
