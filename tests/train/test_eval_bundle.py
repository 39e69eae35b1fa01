"""End-to-end: `earshot eval` with a real bundle (the tiny one the test run builds) on real speech."""

import json

import pytest

from edge.cli import main
from tests.conftest import PUBLIC_EVAL

pytestmark = pytest.mark.skipif(not (PUBLIC_EVAL / "manifest.jsonl").is_file(),
                                reason=f"shared evaluation data not found at {PUBLIC_EVAL}")


def test_eval_with_a_real_bundle_on_real_speech(tiny_bundle, tmp_path, capsys):
    pytest.importorskip("onnxruntime", reason="the bundle runs with ONNX Runtime (onnx extra)")
    report = tmp_path / "report"
    code = main(["eval", str(PUBLIC_EVAL / "manifest.jsonl"), "--model", str(tiny_bundle), "--json",
                 "--limit", "3", "--beam", "2", "--report", str(report)])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["utterances"] == 3 and data["words"] > 0
    assert data["model"].startswith("tiny-test")
    # an untrained model: the numbers are meaningless but must be well-formed
    assert data["wer"] >= 0 and data["cer"] >= 0 and data["rtf"] > 0
    assert data["ece"] is None or 0 <= data["ece"] <= 1
    assert "source_repo" in data["slices"] and "source" not in data["slices"]
    assert (report / "report.md").is_file() and (report / "reliability.png").is_file()


def test_eval_takes_the_speaker_variants_to_decode(tiny_bundle, capsys):
    pytest.importorskip("onnxruntime", reason="the bundle runs with ONNX Runtime (onnx extra)")
    from train.evaluation.recognizers import BundleSettings, load_recognizer

    settings = BundleSettings(vtln_warps=(0.92, 1.0), tempos=(1.0, 1.15))
    assert load_recognizer(str(tiny_bundle), settings).options.speaker_variants.pairs == (
        (1.0, 1.0), (0.92, 1.0), (1.0, 1.15))
    code = main(["eval", str(PUBLIC_EVAL / "manifest.jsonl"), "--model", str(tiny_bundle), "--json",
                 "--limit", "2", "--beam", "2", "--vtln-warps", "0.92,1", "--tempos", "1,1.15"])
    assert code == 0 and json.loads(capsys.readouterr().out)["utterances"] == 2


def test_evaluate_with_a_recognizer_object(tiny_bundle):
    pytest.importorskip("onnxruntime", reason="the bundle runs with ONNX Runtime (onnx extra)")
    from edge.recognizer import Recognizer
    from train.corpus import read_manifest
    from train.evaluation import evaluate

    recognizer = Recognizer.load(tiny_bundle, beam=1)
    result = evaluate(recognizer, read_manifest(PUBLIC_EVAL / "manifest.jsonl")[:2], progress=False)
    assert [r.transcript.model for r in result.records] == ["tiny-test", "tiny-test"]
    assert all(0.0 <= r.confidence <= 1.0 for r in result.records)
    assert result.processing_s > 0
    assert result.coverage is None  # no LM, no lexicon: the decoder spells freely


def test_evaluate_reports_the_shipped_models_vocabulary():
    pytest.importorskip("onnxruntime", reason="the bundle runs with ONNX Runtime (onnx extra)")
    from edge.recognizer import Recognizer
    from train.corpus import read_manifest
    from train.evaluation import evaluate

    recognizer = Recognizer.load()
    result = evaluate(recognizer, read_manifest(PUBLIC_EVAL / "manifest.jsonl")[:3], progress=False)
    assert len(result.vocabulary) > 1000 and result.vocabulary == recognizer.vocabulary
    coverage = result.coverage
    assert coverage.known.words + coverage.unknown.words == result.words.reference_length
    assert all(word not in recognizer.vocabulary for word, _ in coverage.top_unknown)
