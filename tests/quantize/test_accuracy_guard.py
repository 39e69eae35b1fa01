"""The accuracy guard: the shipped int8 networks lose no more than the budget against fp32.

The shipped bundle carries its int8 networks only (the fp32 network would break the 10 MB
budget); its quantization report records what `earshot quantize` measured for every variant,
fp32 included, on each evaluation set. Here every shipped int8 network is scored again on each
of those sets found on this machine, with the recognizer's shipped decoding, and its pooled WER
may exceed the recorded fp32 WER by at most the selection rule's budget: 0.5 points on
synthetic speech, 1 point on real. The real-speech sets are in ../shared; the synthetic ones are
built by scripts/make_eval_sets.sh into ../data (skipped where absent).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edge.bundle import default_bundle_path, load_bundle
from edge.text import normalize_text
from quantize.evalsets import load_eval_set
from quantize.select import SelectionRule
from quantize.validate import evaluate_variant
from quantize.variants import REFERENCE, Variant
from tests.conftest import SHARED

SHIPPED = default_bundle_path()
REPORT = SHIPPED / "quantization" / "report.json"
DATA = Path(__file__).resolve().parents[3] / "data"
SET_FOLDERS = {"public": SHARED / "eval", "digits": SHARED / "eval", "synth_eval_clean": DATA,
               "synth_eval_noisy": DATA, "asterisk": DATA}
INT8_VARIANTS = ("onnx-int8", "tflite-int8")


def _shipped_int8() -> list[str]:
    if not (SHIPPED / "bundle.json").is_file() or not REPORT.is_file():
        return []
    return [name for name in INT8_VARIANTS if name in load_bundle(SHIPPED).networks]


def _recorded(variant: str) -> list[dict]:
    """The report's per-set accuracy of `variant`."""
    report = json.loads(REPORT.read_text())
    return next(v["accuracy"] for v in report["variants"] if v["variant"]["name"] == variant)


@pytest.fixture(scope="module")
def sets_here():
    """(eval set, recorded fp32 accuracy) for each set of the report whose manifest is on this machine.

    A set counts as the one the report measured when its utterance and reference-word counts
    match (a set rebuilt from a later domain catalogue has other sentences and is left out).
    """
    found = []
    for fp32 in _recorded(REFERENCE):
        manifest = SET_FOLDERS.get(fp32["set"], DATA) / fp32["set"] / "manifest.jsonl"
        if manifest.is_file():
            eval_set = load_eval_set(f"{fp32['kind']}:{manifest}")
            words = sum(len(normalize_text(u.text).split()) for u in eval_set.utterances)
            if (len(eval_set.utterances), words) == (fp32["utterances"], fp32["words"]):
                found.append((eval_set, fp32))
    if not found:
        pytest.skip("none of the quantization report's evaluation sets is on this machine")
    return found


@pytest.mark.slow
@pytest.mark.skipif(not _shipped_int8(), reason=f"the shipped bundle ({SHIPPED}) has no int8 network and report")
@pytest.mark.parametrize("name", _shipped_int8() or ["(none)"])
def test_shipped_int8_stays_within_budget(name, sets_here):
    if name.startswith("tflite"):
        pytest.importorskip("ai_edge_litert", reason="the TFLite variant needs ai-edge-litert (tflite extra)")
    bundle = load_bundle(SHIPPED)
    variant = Variant(name, name.split("-")[0], "int8", bundle.networks[name])
    totals: dict[str, list[int]] = {}
    for eval_set, fp32 in sets_here:
        result, _ = evaluate_variant(bundle, variant, eval_set)
        words, int8_errors, fp32_errors = totals.setdefault(eval_set.kind, [0, 0, 0])
        totals[eval_set.kind] = [words + result.words.reference_length, int8_errors + result.words.errors,
                                 fp32_errors + fp32["word_errors"]]
    rule = SelectionRule()
    for kind, (words, int8_errors, fp32_errors) in totals.items():
        delta_points = 100.0 * (int8_errors - fp32_errors) / words
        assert delta_points <= rule.budget(kind) + 1e-9, (
            f"{name} loses {delta_points:.2f} WER points against fp32 on {kind} speech ({words} words); "
            f"budget {rule.budget(kind)}")
