"""Tests for train/card_results.py: the card's evaluation section from `earshot eval --json` lines."""

import json

from train.card_results import main

CARD = "# Model card: x\n\n## Decoding\n\nbeam\n\n## Evaluation\n\nFigures to come.\n\n## Quantization\n\nint8\n"


def _summary(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_evaluation_section_replaces_the_old_one_and_keeps_the_rest(tmp_path):
    card = tmp_path / "MODEL_CARD.md"
    card.write_text(CARD)
    summary = _summary(tmp_path / "summary.jsonl", [
        {"manifest": "data/public/manifest.jsonl", "utterances": 19, "wer": 0.668, "cer": 0.397, "auroc": 1.0,
         "ece": 0.0632, "oov_rate": 0.157, "word_auroc": 0.71, "word_ece": 0.145},
        {"manifest": "d/synth_eval_clean/manifest.jsonl", "utterances": 400, "wer": 0.388, "cer": 0.226,
         "auroc": 0.947, "ece": 0.068, "oov_rate": 0.074,
         "slices": {"domain": {"in": {"utterances": 306, "wer": 0.264, "cer": 0.15}},
                    "phrasing": {"heldout": {"utterances": 155, "wer": 0.34, "cer": 0.2}}}},
        {"manifest": "d/handwritten/manifest.jsonl", "utterances": 264, "wer": 0.13, "cer": 0.09, "auroc": 0.9,
         "ece": 0.03, "oov_rate": 0.003,
         "slices": {"domain": {"in": {"utterances": 264, "wer": 0.13, "cer": 0.09}},
                    "template": {"seen": {"utterances": 200, "wer": 0.1, "cer": 0.07},
                                 "none": {"utterances": 64, "wer": 0.2, "cer": 0.13}}}},
        {"manifest": "a/clean/manifest.jsonl + b/digits/manifest.jsonl", "utterances": 1200, "wer": 0.4,
         "cer": 0.2, "auroc": None, "ece": 0.1, "oov_rate": None}])
    for _ in range(2):  # a second run replaces, does not add
        assert main([str(summary), str(card), "--command", "bash scripts/eval_shipped.sh"]) == 0
    text = card.read_text()
    assert text.count("## Evaluation") == 1 and "Figures to come" not in text
    assert "## Decoding\n\nbeam" in text and text.rstrip().endswith("## Quantization\n\nint8")
    assert "| public | 19 | 66.8% | 39.7% | 1.000 | 0.063 | 0.710 | 0.145 | 15.7% |" in text
    assert "| synth_eval_clean, domain in | 306 | 26.4% | 15.0% | n/a | n/a | n/a | n/a | n/a |" in text
    assert "| synth_eval_clean, phrasing heldout | 155 | 34.0% |" in text and "phrasing seen" not in text
    assert "| handwritten, template seen | 200 | 10.0% |" in text and "| handwritten, template none | 64 | 20.0% |" in text
    assert "handwritten, domain in" not in text  # a slice that is the whole set gets no row
    assert "| union of clean, digits | 1200 | 40.0% | 20.0% | n/a | 0.100 | n/a | n/a | n/a |" in text
    assert "Command: `bash scripts/eval_shipped.sh`" in text


def test_bad_input_is_named_and_the_card_is_kept(tmp_path, capsys):
    card = tmp_path / "MODEL_CARD.md"
    card.write_text(CARD)
    bad = tmp_path / "summary.jsonl"
    bad.write_text('{"wer": 0.1}\nnot json\n')
    assert main([str(bad), str(card)]) == 2
    assert f"{bad}: line 2 is not JSON" in capsys.readouterr().err
    assert main([str(tmp_path / "missing.jsonl"), str(card)]) == 2
    assert "missing.jsonl: no such file" in capsys.readouterr().err
    bad.write_text('[1, 2]\n')
    assert main([str(bad), str(card)]) == 2
    assert "line 1 is not an `earshot eval --json` object" in capsys.readouterr().err
    assert main([str(bad), str(tmp_path / "NO_CARD.md")]) == 2
    assert card.read_text() == CARD
