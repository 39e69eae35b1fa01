"""Evaluation and error analysis: score a recognizer on a manifest, by slice, with calibration.

`evaluate(recognizer, utterances) -> EvalResult` is the API; `earshot eval` (train/eval_cli.py)
wraps it, and `write_report` turns a result into Markdown, JSON and PNG plots.
"""

from train.evaluation.records import UtteranceResult
from train.evaluation.result import EvalResult
from train.evaluation.runner import evaluate

__all__ = ["EvalResult", "UtteranceResult", "evaluate"]
