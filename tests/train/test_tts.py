"""Tests for train/tts.py: each engine that is installed speaks at 16 kHz."""

import shutil

import numpy as np
import pytest

from train.tts import SAMPLE_RATE, Synthesizer
from train.voices import voice

ENGINE_VOICES = [("flite", "flite-kal16"), ("festival", "festival-kal_diphone"), ("pico2wave", "pico-en-US"),
                 ("RHVoice-test", "rhvoice-slt"), ("espeak-ng", "espeak-en-us-klatt")]


@pytest.fixture(scope="module")
def synth():
    with Synthesizer() as s:
        yield s


@pytest.mark.parametrize("program,name", ENGINE_VOICES)
def test_engine_speaks_and_speed_shortens(synth, program, name):
    if shutil.which(program) is None:
        pytest.skip(f"{program} is not installed (scripts/install_tts.sh)")
    normal = synth(voice(name), "turn on the kitchen lights")
    fast = synth(voice(name), "turn on the kitchen lights", speed=1.3, pitch=1.05)
    assert normal.dtype == np.float32 and 0.5 < len(normal) / SAMPLE_RATE < 5
    assert len(fast) < len(normal) and np.abs(normal).max() > 0.01


@pytest.mark.skipif(shutil.which("festival") is None, reason="festival is not installed")
def test_festival_process_is_reused(synth):
    first = synth(voice("festival-kal_diphone"), "yes")
    again = synth(voice("festival-kal_diphone"), "yes")
    np.testing.assert_array_equal(first, again)
