"""quantize/calibration.py: edge's log-mel of real audio, spread evenly over the manifests."""

from __future__ import annotations

import numpy as np
import pytest

from edge.errors import EarshotError
from edge.frontend import LogMel
from quantize.calibration import calibration_features, save_features
from tests.quantize.conftest import write_speech_manifest


def test_features_are_edges_front_end_of_the_listed_audio(calibration_manifest):
    from edge.audio import read_audio
    from train.corpus import read_manifest

    feats = calibration_features([calibration_manifest], utterances=3)
    entries = read_manifest(calibration_manifest)
    picked = [entries[i] for i in (0, 6, 11)]  # evenly spaced over 12 lines, ends included
    assert len(feats) == 3
    for got, entry in zip(feats, picked):
        np.testing.assert_array_equal(got, LogMel()(read_audio(entry.audio).samples))


def test_each_manifest_gets_an_equal_share(tmp_path):
    a = write_speech_manifest(tmp_path / "a", 10, seed=3)
    b = write_speech_manifest(tmp_path / "b", 10, seed=4)
    assert len(calibration_features([a, b], utterances=8)) == 8


def test_an_empty_manifest_is_a_user_error(tmp_path):
    (tmp_path / "m.jsonl").write_text("")
    with pytest.raises(EarshotError, match="no utterances"):
        calibration_features([tmp_path / "m.jsonl"])


def test_saved_features_keep_their_order(tmp_path):
    feats = [np.full((n, 80), n, np.float32) for n in (30, 20, 10, 40, 50, 60, 70, 80, 90, 100, 110)]
    with np.load(save_features(feats, tmp_path / "f.npz")) as data:
        loaded = [data[k] for k in sorted(data.files, key=lambda k: int(k.split("_")[-1]))]
    assert [len(f) for f in loaded] == [len(f) for f in feats]
