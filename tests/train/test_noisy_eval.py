"""Tests for train/noisy_eval.py."""

import numpy as np
import soundfile as sf

from train.corpus import Utterance
from train.noisy_eval import make_noisy


def test_noisy_copies_of_in_domain_utterances_only(tmp_path):
    rng = np.random.default_rng(0)
    clean = []
    for i, domain in enumerate(["in", "in", "out", "in"]):
        path = tmp_path / f"{i}.wav"
        sf.write(path, (0.3 * np.sin(np.arange(8000) / 5) * rng.uniform(0.5, 1)).astype(np.float32), 16000)
        clean.append(Utterance(path, f"text {i}", 0.5, "v", "v", {"domain": domain}))
    noisy = make_noisy(clean, tmp_path / "noisy", snr_db=10, seed=1)
    assert [u.text for u in noisy] == ["text 0", "text 1", "text 3"]
    assert all(u.tags["snr_db"] == "10" and u.tags["noise"] for u in noisy)
    x, _ = sf.read(clean[0].audio)
    y, _ = sf.read(noisy[0].audio)
    snr = 10 * np.log10(np.mean(x ** 2) / np.mean((y - x) ** 2))
    assert abs(snr - 10) < 0.3
