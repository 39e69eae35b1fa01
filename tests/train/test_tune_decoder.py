import json

import pytest

from tests.conftest import PUBLIC_EVAL


def test_tuning_picks_decoder_settings_and_an_edge_silence_and_records_every_wer(tiny_bundle):
    from edge.recognizer import Recognizer
    from train.corpus import read_manifest
    from train.tune_decoder import DECODER_KEYS, EDGE_SILENCES_S, LM_WEIGHTS, OOV_PENALTIES, WORD_BONUSES, tune

    manifest = PUBLIC_EVAL / "manifest.jsonl"
    if not manifest.exists():
        pytest.skip("shared evaluation data not found")
    tuning = tune(Recognizer.load(tiny_bundle), read_manifest(manifest)[:3], beam=2)
    grid = len(LM_WEIGHTS) * len(WORD_BONUSES) * len(OOV_PENALTIES)
    assert set(tuning.decoder) == set(DECODER_KEYS)
    assert tuning.decoder["lm_weight"] in LM_WEIGHTS and tuning.decoder["lexicon_only"] is False
    assert tuning.edge_silence_s in EDGE_SILENCES_S
    # Without an LM there is no lexicon to restrict the beam to: one grid at the recognizer's edge
    # silence, the winner at each other edge silence, and a second grid only where one of those won.
    at_start = [row for row in tuning.table if row["edge_silence_s"] == 0.25]
    assert len(at_start) == grid
    others = {row["edge_silence_s"] for row in tuning.table} - {0.25}
    assert others == set(EDGE_SILENCES_S) - {0.25}
    assert len(tuning.table) == grid + len(others) + (grid if tuning.edge_silence_s != 0.25 else 0)
    best_row = min(tuning.table, key=lambda row: row["wer"])
    assert min(row["wer"] for row in tuning.table if row["edge_silence_s"] == tuning.edge_silence_s) == best_row["wer"]
    json.dumps(tuning.table)
