"""Tests for train/evaluation/report.py and plots.py: the files exist and the PNGs are valid."""

import json

import pytest

from tests.train.eval_doubles import record
from train.evaluation.report import (
    CONFIDENCE_PNG, RELIABILITY_PNG, REPORT_MD, RESULTS_JSON, SLICES_PNG, WORD_RELIABILITY_PNG,
    render_markdown, write_report)
from train.evaluation.result import EvalResult

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def result():
    rows = [("turn on the lights", "turn on the light", 0.4, "awb", "10"),
            ("play some jazz", "play some jazz", 0.92, "awb", "20"),
            ("what is the weather in paris", "what is the weather in paris", 0.88, "slt", "10"),
            ("call mom", "call tom", 0.7, "slt", "20"),
            ("stop", "stop", 0.97, "kal16", "clean"),
            ("set an alarm for seven", "set an alarm for seven tonight", 0.5, "kal16", "clean")]
    records = tuple(record(ref, hyp, conf, voice=voice, tags={"snr_db": snr}, id=f"u{i}",
                           duration_s=0.8 + i)
                    for i, (ref, hyp, conf, voice, snr) in enumerate(rows))
    return EvalResult(model="table", records=records, manifest="m.jsonl")


def test_report_writes_markdown_json_and_valid_pngs(result, tmp_path):
    matplotlib = pytest.importorskip("matplotlib", reason="plots need matplotlib (train extra)")
    import matplotlib.image

    files = write_report(result, tmp_path / "report")
    assert set(files) == {REPORT_MD, RESULTS_JSON, RELIABILITY_PNG, SLICES_PNG, CONFIDENCE_PNG}
    for name in (RELIABILITY_PNG, SLICES_PNG, CONFIDENCE_PNG):
        path = files[name]
        assert path.read_bytes()[:8] == PNG_SIGNATURE
        image = matplotlib.image.imread(path)
        assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
        assert image.std() > 0  # something was drawn
    data = json.loads(files[RESULTS_JSON].read_text())
    assert data["utterances"][0]["id"] == "u0" and len(data["utterances"]) == 6
    assert data["wer"] == pytest.approx(result.wer)
    markdown = files[REPORT_MD].read_text()
    for image in (RELIABILITY_PNG, SLICES_PNG, CONFIDENCE_PNG):
        assert f"]({image})" in markdown


def test_markdown_has_every_section(result):
    markdown = render_markdown(result)
    for heading in ("## Summary", "## Error rates by slice", "### voice", "### snr_db", "### duration",
                    "## Confidence against correctness", "### Substitutions", "### Deletions",
                    "### Insertions", "## Worst utterances", "## Confidently wrong", "## Speed"):
        assert heading in markdown, heading
    assert "| lights | light | 1 |" in markdown
    assert "| tonight | 1 |" in markdown
    # the worst utterance table lists wrong ones only
    worst = markdown.split("## Worst utterances")[1].split("## Confidently wrong")[0]
    assert "u0" in worst and "u1" not in worst


def test_word_confidence_gets_its_section_and_reliability_plot(tmp_path):
    pytest.importorskip("matplotlib", reason="plots need matplotlib (train extra)")
    records = (record("turn on the lights", "turn on the light", 0.4, word_confidences=[0.9, 0.9, 0.8, 0.3], id="a"),
               record("play jazz", "play jazz", 0.9, word_confidences=[0.95, 0.85], id="b"))
    files = write_report(EvalResult(model="table", records=records), tmp_path)
    assert files[WORD_RELIABILITY_PNG].read_bytes()[:8] == PNG_SIGNATURE
    words = files[REPORT_MD].read_text().split("### Words")[1].split("## Most frequent")[0]
    assert "Each of the 6 words returned" in words and "(83.3% are)" in words
    assert f"]({WORD_RELIABILITY_PNG})" in words and "| 0.3-0.4 | 1 | 0.300 | 0.000 |" in words


def test_report_of_no_utterances_is_still_written(tmp_path):
    files = write_report(EvalResult(model="table", records=()), tmp_path)
    assert "No utterances" in files[REPORT_MD].read_text()
    assert json.loads(files[RESULTS_JSON].read_text())["wer"] is None
