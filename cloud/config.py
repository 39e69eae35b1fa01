"""Server configuration: frozen dataclasses read from a TOML or JSON file and checked up front."""

from __future__ import annotations

import json
import os
try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from edge.errors import EarshotError

# 16 kHz 16-bit mono PCM is 32,000 bytes a second; 4 MiB holds about two minutes of it.
DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """What the server accepts and how much work it takes on at once."""

    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES  # larger bodies: 413
    max_clip_s: float = 30.0  # longer clips: 422
    max_inferences: int = max(1, min(os.cpu_count() or 1, 4))  # worker processes running models
    max_queue: int = 32  # clips waiting for a worker; beyond it: 503 + Retry-After
    max_wait_s: float = 10.0  # or when the queued audio would take longer than this to start
    per_device_inflight: int = 4  # clips one device may have in flight; beyond it: 429 + Retry-After
    inference_timeout_s: float = 60.0  # a clip that takes longer is answered 503
    retry_after_s: int = 1

    def __post_init__(self) -> None:
        _positive(self, ("max_body_bytes", "max_clip_s", "max_inferences", "per_device_inflight",
                         "inference_timeout_s", "retry_after_s", "max_wait_s"))
        if self.max_queue < 0:
            raise EarshotError(f"limits.max_queue must be >= 0, got {self.max_queue}")


@dataclass(frozen=True, slots=True)
class ModelConfig:
    """Which recognizers run on the server and how their answers are combined."""

    pocketsphinx: bool = True
    adapt_to_catalog: bool = True  # add the catalog's words to pocketsphinx's dictionary and LM
    catalog_word_weight: float = 0.3  # their LM unigram weight relative to uniform (chosen: README)
    beam: float = 1e-48  # pocketsphinx's beams (its defaults; wider ones measured no better)
    wbeam: float = 7e-29
    nbest: int = 5  # alternatives handed to search
    vosk_model: str | None = None  # a Vosk model directory (downloaded by the user)
    onnx_bundle: str | None = None  # an earshot model bundle from train/
    onnx_threads: int = 1
    # Pooled WERs measured on held-out speech; the combiner trusts lower ones more. Unknown: 0.5.
    measured_wer: dict[str, float] = field(default_factory=lambda: {"pocketsphinx": 0.184})
    use_device_hypothesis: bool = True  # let the acoustic model arbitrate the device's words
    ensemble: bool = False  # run every configured model on each clip (costs their sum), not just the best

    def __post_init__(self) -> None:
        _positive(self, ("catalog_word_weight", "beam", "wbeam", "nbest", "onnx_threads"))
        if not (self.pocketsphinx or self.vosk_model or self.onnx_bundle):
            raise EarshotError("model: enable pocketsphinx or configure vosk_model or onnx_bundle")
        for name, wer in self.measured_wer.items():
            if not isinstance(wer, (int, float)) or not 0 <= wer <= 2:
                raise EarshotError(f"model.measured_wer.{name} must be a WER in [0, 2], got {wer!r}")


@dataclass(frozen=True, slots=True)
class SearchConfig:
    """Where the catalog comes from and how many results an answer carries."""

    catalog: str | None = None  # None: the catalog shipped in cloud/data
    limit: int = 5

    def __post_init__(self) -> None:
        _positive(self, ("limit",))


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Everything `earshot serve` needs; the data directory is resolved before this is built."""

    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8080
    shutdown_timeout_s: float = 30.0  # requests in flight get this long to finish on SIGTERM
    limits: Limits = field(default_factory=Limits)
    model: ModelConfig = field(default_factory=ModelConfig)
    search: SearchConfig = field(default_factory=SearchConfig)

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise EarshotError(f"port must be in 0-65535, got {self.port}")


_SECTIONS = {"limits": Limits, "model": ModelConfig, "search": SearchConfig}


def load_config(path: str | os.PathLike | None, data_dir: Path, **overrides) -> ServerConfig:
    """Read a TOML (or .json) config file, apply command-line overrides that are not None."""
    raw: dict = {}
    if path is not None:
        raw = _read(Path(path))
    try:
        kwargs = {}
        for key, value in raw.items():
            if key in _SECTIONS:
                kwargs[key] = _section(_SECTIONS[key], value, key)
            elif key in ("host", "port", "shutdown_timeout_s"):
                kwargs[key] = value
            else:
                raise EarshotError(f"{path}: unknown setting '{key}'")
        config = ServerConfig(data_dir=data_dir, **kwargs)
    except TypeError as exc:
        raise EarshotError(f"{path}: {exc}") from None
    return replace(config, **{k: v for k, v in overrides.items() if v is not None})


def _read(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise EarshotError(f"{path}: cannot read config ({exc.strerror})") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise EarshotError(f"{path}: not valid {'JSON' if path.suffix == '.json' else 'TOML'} ({exc})") from None
    if not isinstance(data, dict):
        raise EarshotError(f"{path}: the config must be a table of settings")
    return data


def _section(cls, value, name: str):
    if not isinstance(value, dict):
        raise EarshotError(f"config section [{name}] must be a table")
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(value) - known)
    if unknown:
        raise EarshotError(f"[{name}]: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return cls(**value)


def _positive(obj, names: tuple[str, ...]) -> None:
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise EarshotError(f"{type(obj).__name__}.{name} must be a positive number, got {value!r}")
