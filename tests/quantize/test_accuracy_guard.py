"""The accuracy guard: the shipped int8 networks lose no more than the budget against the shipped fp32.

On a small fixed subset of the evaluation sets (the first utterances of each manifest, so the
subset never changes), every int8 variant the default bundle ships under "<runtime>-int8" is
scored against the fp32 ONNX model with the recognizer's shipped decoding, and its pooled WER may
rise by at most the selection rule's budget: 0.5 points on synthetic speech, 1 point on real.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.bundle import default_bundle_path, load_bundle
from quantize.evalsets import load_eval_set
from quantize.select import SelectionRule
from quantize.validate import evaluate_variant
from quantize.variants import REFERENCE, Variant
from tests.conftest import SHARED

SHIPPED = default_bundle_path()
DATA = Path(__file__).resolve().parents[3] / "data"
# (manifest, utterances taken from its start). Big enough that the budget is several words:
# a half-point budget on a few hundred words would fail on a single flipped word.
SUBSET = ((SHARED / "eval" / "public" / "manifest.jsonl", 19),
          (SHARED / "eval" / "digits" / "manifest.jsonl", 200),
          (DATA / "asterisk" / "manifest.jsonl", 100),
          (DATA / "synth_eval_clean" / "manifest.jsonl", 200),
          (DATA / "synth_eval_noisy" / "manifest.jsonl", 100))
INT8_VARIANTS = ("onnx-int8", "tflite-int8")


def _shipped_int8() -> list[str]:
    if not (SHIPPED / "bundle.json").is_file():
        return []
    return [name for name in INT8_VARIANTS if name in load_bundle(SHIPPED).networks]


@pytest.fixture(scope="module")
def subset():
    sets = [load_eval_set(str(path), limit) for path, limit in SUBSET if path.is_file()]
    if not sets:
        pytest.skip(f"no evaluation manifests found ({', '.join(str(p) for p, _ in SUBSET)})")
    return sets


@pytest.fixture(scope="module")
def reference_errors(subset):
    bundle = load_bundle(SHIPPED)
    return _pooled(bundle, Variant(REFERENCE, "onnx", "fp32", bundle.networks[REFERENCE]), subset)


@pytest.mark.slow
@pytest.mark.skipif(not _shipped_int8(), reason=f"the shipped bundle ({SHIPPED}) has no int8 network")
@pytest.mark.parametrize("name", _shipped_int8() or ["(none)"])
def test_shipped_int8_stays_within_budget(name, subset, reference_errors):
    if name.startswith("tflite"):
        pytest.importorskip("ai_edge_litert", reason="the TFLite variant needs ai-edge-litert (tflite extra)")
    bundle = load_bundle(SHIPPED)
    errors = _pooled(bundle, Variant(name, name.split("-")[0], "int8", bundle.networks[name]), subset)
    rule = SelectionRule()
    for kind, (words, fp32_errors) in reference_errors.items():
        delta_points = 100.0 * (errors[kind][1] - fp32_errors) / words
        assert delta_points <= rule.budget(kind) + 1e-9, (
            f"{name} loses {delta_points:.2f} WER points on {kind} speech ({words} words); "
            f"budget {rule.budget(kind)}")


def _pooled(bundle, variant: Variant, sets) -> dict[str, tuple[int, int]]:
    """kind -> (reference words, word errors) over the subset."""
    totals: dict[str, tuple[int, int]] = {}
    for eval_set in sets:
        result, _ = evaluate_variant(bundle, variant, eval_set)
        words, errors = totals.get(eval_set.kind, (0, 0))
        totals[eval_set.kind] = (words + result.words.reference_length, errors + result.words.errors)
    return totals
