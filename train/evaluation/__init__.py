"""Evaluation and error analysis: score a recognizer on a manifest, by slice, with calibration.

`evaluate(recognizer, utterances) -> EvalResult` is the API; `earshot eval` (train/eval_cli.py)
wraps it, and `write_report` turns a result into Markdown, JSON and PNG plots.

The names below load on first use, so that a submodule such as `scoring` (which training's dev CER
uses on a GPU machine without the recognizer's audio and text libraries) imports alone.
"""

from importlib import import_module

_HOMES = {"UtteranceResult": "records", "EvalResult": "result", "evaluate": "runner"}

__all__ = ["EvalResult", "UtteranceResult", "evaluate"]


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)
