"""quantize/evalsets.py: evaluation manifests and their kind of speech."""

from __future__ import annotations

import pytest

from edge.errors import EarshotError
from quantize.evalsets import load_eval_set
from tests.quantize.conftest import write_speech_manifest


def test_kind_is_read_from_the_manifest(tmp_path):
    real = write_speech_manifest(tmp_path / "asterisk", 3, seed=0, voice="allison", tags={"license": "CC"})
    synthetic = write_speech_manifest(tmp_path / "synth_eval_clean", 3, seed=0, voice="piper:amy",
                                      tags={"engine": "piper"})
    assert load_eval_set(str(real)).kind == "real"
    loaded = load_eval_set(str(synthetic), limit=2)
    assert loaded.kind == "synthetic" and loaded.name == "synth_eval_clean" and len(loaded.utterances) == 2


def test_a_prefix_overrides_the_guess(tmp_path):
    real = write_speech_manifest(tmp_path / "a", 2, seed=0)
    assert load_eval_set(f"synthetic:{real}").kind == "synthetic"


@pytest.mark.parametrize("content", [None, ""])
def test_unusable_manifests_are_user_errors(tmp_path, content):
    path = tmp_path / "manifest.jsonl"
    if content is not None:
        path.write_text(content)
    with pytest.raises(EarshotError):
        load_eval_set(str(path))
