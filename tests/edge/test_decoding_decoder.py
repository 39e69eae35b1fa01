"""CtcDecoder as a bundle makes it: LM, lexicon and calibration read from the bundle folder."""

from __future__ import annotations

import json

import pytest

from edge.bundle import load_bundle, write_bundle_manifest
from edge.decoding import CtcDecoder, DecoderOptions
from edge.errors import BundleError
from edge.frontend.config import FrontEndConfig
from tests.edge.decoding_fixtures import BLANK_ID, DOMAIN_ARPA, SEPARATOR, TOKENS, rows_to_log_probs

FRAME_STRIDE = 4


def _bundle(tmp_path, lexicon: str | None = "lexicon.txt"):
    folder = tmp_path / "bundle"
    write_bundle_manifest(folder, name="test", tokens=list(TOKENS), frontend=FrontEndConfig(), networks={},
                          frame_stride=FRAME_STRIDE, blank_id=BLANK_ID, word_separator=SEPARATOR,
                          calibration="calibration.json", lm="lm.arpa", lexicon=lexicon)
    (folder / "lm.arpa").write_text(DOMAIN_ARPA)
    (folder / "lexicon.txt").write_text("set\na\ntimer\n")
    (folder / "calibration.json").write_text(json.dumps({"method": "platt", "a": 0.0, "b": 0.0}))
    return load_bundle(folder)


def _tamer():
    rows = [{"_": 0.98}]
    for i, char in enumerate("set a tamer"):
        rows += [{"a": 0.55, "i": 0.43} if i == 7 else {char: 0.98}, {"_": 0.98}]
    return rows_to_log_probs(rows)


def test_from_bundle_uses_lm_lexicon_calibration_and_step(tmp_path):
    bundle = _bundle(tmp_path)
    decoder = CtcDecoder.from_bundle(bundle, DecoderOptions(beam=8, lexicon_only=True))
    assert decoder.step_s == pytest.approx(FRAME_STRIDE * FrontEndConfig().hop_ms / 1000.0)
    assert decoder.lm is not None and "timer" in decoder.vocabulary
    result = decoder.decode(_tamer())
    assert result.text == "set a timer"
    assert result.confidence == pytest.approx(0.5)  # the bundle's (constant) calibration


def test_from_bundle_without_lm(tmp_path):
    decoder = CtcDecoder.from_bundle(_bundle(tmp_path, lexicon=None), DecoderOptions(beam=8), use_lm=False)
    assert decoder.lm is None and len(decoder.vocabulary) == 0
    assert decoder.decode(_tamer()).text == "set a tamer"


def test_missing_lexicon_file_is_a_bundle_error(tmp_path):
    bundle = _bundle(tmp_path)
    (bundle.path / "lexicon.txt").unlink()
    with pytest.raises(BundleError, match="lexicon"):
        CtcDecoder.from_bundle(bundle)
