"""quantize/report.py: Markdown table, PNG plot and JSON of the measurements, and the model card section."""

from __future__ import annotations

import json

import pytest

from quantize.report import CARD_HEADING, card_section, update_card, write_report
from quantize.select import select_variant
from tests.quantize.measurements import measurement

pytest.importorskip("matplotlib", reason="the report's plot needs matplotlib (quantize extra)")


@pytest.fixture()
def measured():
    both = {"synthetic": 50, "real": 100}
    variants = [measurement("onnx", 2.0, both), measurement("onnx-int8", 0.5, both, size_bytes=1_100_000),
                measurement("tflite", 1.8, both), measurement("tflite-int8", 0.9, {"synthetic": 70, "real": 100})]
    return variants, select_variant(variants)


def test_report_files(measured, tmp_path):
    variants, selection = measured
    paths = write_report(variants, selection, tmp_path / "q", {"source bundle": "x"})
    assert {p.name for p in paths.values()} == {"report.md", "report.json", "report.png"}
    assert paths["report.png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads(paths["report.json"].read_text())
    assert data["selection"]["chosen"] == "onnx-int8"
    assert [v["variant"]["name"] for v in data["variants"]] == ["onnx", "onnx-int8", "tflite", "tflite-int8"]
    text = paths["report.md"].read_text()
    assert "**Shipped default: `onnx-int8`.**" in text
    assert "| **onnx-int8** |" in text and "28%" in text  # size against fp32 (1.1 MB of 4 MB)
    assert "4.00x" in text  # network speed-up of onnx-int8 over onnx at 1 thread
    assert "tflite-int8 | rejected: synthetic WER +2.00 points > budget 0.5" in text
    assert "`--runtime onnx` runs `onnx-int8`" in text
    assert "`--runtime tflite` runs `tflite` (`tflite-int8` missed the budget and ships as `tflite-int8-rejected`)" in text


def test_card_section_replaces_an_earlier_one(measured, tmp_path):
    variants, selection = measured
    card = tmp_path / "MODEL_CARD.md"
    card.write_text("# tiny\n\n## Data\nvoices\n\n## Quantization\nold\n\n## Licence\nApache\n")
    update_card(card, card_section(variants, selection, {}))
    update_card(card, card_section(variants, selection, {}))
    text = card.read_text()
    assert text.count(CARD_HEADING) == 1 and "old" not in text
    assert "## Data\nvoices" in text and "## Licence\nApache" in text
    assert "the fastest variant" in text and "quantization/report.png" in text
