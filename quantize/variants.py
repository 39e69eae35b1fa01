"""The network variants a quantized bundle carries, and how to open any one of them."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from edge.bundle import Bundle

REFERENCE = "onnx"  # the exported fp32 ONNX model: every other variant is compared with it
PRECISIONS = ("fp32", "int8")
# A variant that misses the accuracy budget ships under "<name>-rejected": Bundle.pick_variant
# prefers exactly "<runtime>-int8", so the recognizer never picks it up by accident.
REJECTED_SUFFIX = "-rejected"


@dataclass(frozen=True, slots=True)
class Variant:
    """One network file of a bundle: its `networks` key, runtime, precision and how it was made."""

    name: str  # key in bundle.json "networks": "onnx", "onnx-int8", "tflite", "tflite-int8"
    runtime: str  # "onnx" or "tflite"
    precision: str  # "fp32" or "int8"
    file: str  # file name inside the bundle folder
    recipe: str = ""  # how it was produced, for the report

    def __post_init__(self) -> None:
        if self.runtime not in ("onnx", "tflite"):
            raise ValueError(f"runtime must be onnx or tflite, got {self.runtime!r}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {self.precision!r}")

    @property
    def is_reference(self) -> bool:
        return self.name == REFERENCE

    def to_dict(self) -> dict:
        return asdict(self)


def open_variant_runner(bundle: Bundle, variant: Variant, threads: int = 1):
    """The runner for `variant`'s file, whatever key it is registered under."""
    from edge.runners import open_runner

    return open_runner(bundle.path / variant.file, variant.runtime, threads)


def open_recognizer(bundle: Bundle, variant: Variant, threads: int = 1):
    """A Recognizer on exactly this variant, decoding as the shipped bundle does.

    Recognizer.load would pick the runtime's int8 network when shipped, so this builds the
    Recognizer itself, starting from the bundle's tuned settings as Recognizer.load does.
    """
    from edge.recognizer import Recognizer, RecognizerOptions

    options = RecognizerOptions.for_bundle(bundle, runtime=variant.runtime, threads=threads)
    return Recognizer(bundle, open_variant_runner(bundle, variant, threads), options, variant.name)
