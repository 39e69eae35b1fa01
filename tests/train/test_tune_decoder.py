import json

import pytest

from tests.conftest import PUBLIC_EVAL


def test_tuning_picks_a_setting_from_the_grid_and_records_every_wer(tiny_bundle):
    from edge.recognizer import Recognizer
    from train.corpus import read_manifest
    from train.tune_decoder import LM_WEIGHTS, OOV_PENALTIES, WORD_BONUSES, tune

    manifest = PUBLIC_EVAL / "manifest.jsonl"
    if not manifest.exists():
        pytest.skip("shared evaluation data not found")
    best, table = tune(Recognizer.load(tiny_bundle), read_manifest(manifest)[:3], beam=2)
    # Without an LM there is no lexicon to restrict the beam to, so only the grid is tried.
    assert len(table) == len(LM_WEIGHTS) * len(WORD_BONUSES) * len(OOV_PENALTIES)
    assert best["lm_weight"] in LM_WEIGHTS and best["lexicon_only"] is False
    assert all(0.0 <= row["wer"] for row in table)
    json.dumps(table)
