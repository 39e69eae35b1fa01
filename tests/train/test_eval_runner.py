"""Tests for train/evaluation/runner.py: evaluate() over real audio files with a table recognizer."""

import json
import math

import pytest

from edge.errors import AudioInputError, EarshotError
from tests.train.eval_doubles import TableRecognizer, write_clip
from train.corpus import read_manifest
from train.evaluation import EvalResult, evaluate

CLIPS = [  # samples, reference, hypothesis, confidence, tags
    (16000, "turn on the kitchen lights", "turn on the kitchen light", 0.55, {"domain": "in"}),
    (8000, "stop", "stop", 0.95, {"domain": "in"}),
    (24000, "set a timer for 5 minutes", "set a timer for five minutes", 0.9, {"domain": "in"}),
    (32000, "the quick brown fox", "a quick brown box", 0.35, {"domain": "out"}),
]


@pytest.fixture
def manifest(tmp_path):
    lines = []
    for i, (n, ref, _, _, tags) in enumerate(CLIPS):
        write_clip(tmp_path / f"clip{i}.wav", n, seed=i)
        lines.append(json.dumps({"audio": f"clip{i}.wav", "text": ref, "voice": f"v{i % 2}", "tags": tags}))
    path = tmp_path / "manifest.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def recognizer():
    return TableRecognizer({n: (hyp, conf) for n, _, hyp, conf, _ in CLIPS})


def test_evaluate_scores_every_utterance(manifest, recognizer):
    result = evaluate(recognizer, read_manifest(manifest), manifest=str(manifest), progress=False)
    assert isinstance(result, EvalResult)
    assert len(result.records) == 4
    # words: 5 + 1 + 6 + 4 = 16; errors: light (S) + the->a, fox->box (2 S) = 3; "5" normalises to "five"
    assert result.words.reference_length == 16
    assert result.wer == pytest.approx(3 / 16)
    assert [r.correct for r in result.records] == [False, True, True, False]
    assert result.sentence_error_rate == 0.5
    # the two wrong utterances have the two lowest confidences
    assert result.auroc == 1.0
    assert 0.0 <= result.ece <= 1.0
    assert result.audio_s == pytest.approx((16000 + 8000 + 24000 + 32000) / 16000)
    assert result.rtf > 0 and math.isfinite(result.rtf)
    assert {s.value: s.utterances for s in result.slices["domain"]} == {"in": 3, "out": 1}
    assert {s.value for s in result.slices["voice"]} == {"v0", "v1"}


def test_records_keep_the_raw_transcript_for_calibration(manifest, recognizer):
    result = evaluate(recognizer, read_manifest(manifest), progress=False)
    first = result.records[0]
    assert first.transcript is not None and first.transcript.text == "turn on the kitchen light"
    assert first.hypothesis_norm == "turn on the kitchen light"
    assert first.reference_norm == "turn on the kitchen lights"
    assert first.id == "clip0" and first.duration_s == 1.0


def test_summary_is_json_ready(manifest, recognizer):
    data = evaluate(recognizer, read_manifest(manifest), progress=False).to_dict(utterances=True)
    text = json.dumps(data, allow_nan=False)
    for key in ("wer", "cer", "utterances", "words", "rtf", "auroc", "ece", "slices"):
        assert key in json.loads(text)
    assert data["errors"]["substitutions"][0]["count"] == 1
    assert len(data["utterances"]) == 4 and data["worst"][0]["id"] == "clip3"


def test_auroc_is_none_in_json_when_everything_is_right(manifest):
    perfect = TableRecognizer({n: (ref, 0.9) for n, ref, _, _, _ in CLIPS})
    result = evaluate(perfect, read_manifest(manifest), progress=False)
    assert result.wer == 0.0 and math.isnan(result.auroc)
    assert result.summary()["auroc"] is None


def test_missing_audio_is_reported_before_transcribing(manifest, recognizer):
    (manifest.parent / "clip2.wav").unlink()
    calls = []
    recognizer.transcribe = lambda *a, **k: calls.append(a)
    with pytest.raises(AudioInputError, match="clip2.wav") as info:
        evaluate(recognizer, read_manifest(manifest), progress=False)
    assert isinstance(info.value, EarshotError) and calls == []
