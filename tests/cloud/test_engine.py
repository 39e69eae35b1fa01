"""The engine: models ordered by measured accuracy, ensemble and device-hypothesis arbitration."""

from __future__ import annotations

import numpy as np

from cloud.config import ModelConfig
from cloud.engine import DeviceHint, Engine
from cloud.recognizers.recognition import Recognition
from edge.results import Timings, Transcript, Word


class Fake:
    """A recognizer that always hears `text`; as arbiter it picks the path containing `prefer`."""

    def __init__(self, name: str, text: str, prefer: str = "") -> None:
        self.name, self.text, self.prefer = name, text, prefer
        self.calls = 0

    def _transcript(self, text: str) -> Transcript:
        words = tuple(Word(w, i / 10, (i + 1) / 10, 0.5) for i, w in enumerate(text.split()))
        return Transcript(text, 0.5, words, timings=Timings(model_ms=1.0), model=self.name, source="cloud")

    def recognize(self, samples, sample_rate):
        self.calls += 1
        return Recognition(self._transcript(self.text), ("an alternative",))

    def transcribe(self, samples, sample_rate):
        return self.recognize(samples, sample_rate).transcript

    def knows(self, word):
        return True

    def choose(self, samples, grammar, sample_rate=16000):
        return self._transcript(self.prefer) if self.prefer else None


def test_the_model_with_the_lowest_measured_wer_answers():
    good, bad = Fake("good", "go forward"), Fake("bad", "go four word")
    engine = Engine([bad, good], ModelConfig(measured_wer={"good": 0.1, "bad": 0.4}))
    assert engine.names == ["good", "bad"]
    assert engine.recognize(np.zeros(100)).transcript.text == "go forward"
    assert bad.calls == 0  # without ensemble only the best model runs


def test_unmeasured_models_rank_below_measured_good_ones():
    engine = Engine([Fake("new", "x"), Fake("pocketsphinx", "y")], ModelConfig())
    assert engine.names == ["pocketsphinx", "new"]


def test_device_hypothesis_is_used_where_the_audio_agrees():
    arbiter = Fake("pocketsphinx", "for queen of clubs", prefer="four queen of clubs")
    engine = Engine([arbiter], ModelConfig(), arbiter)
    result = engine.recognize(np.zeros(100), DeviceHint("four queen of clubs", 0.3))
    assert result.transcript.text == "four queen of clubs" and result.transcript.model == "pocketsphinx+device"
    assert result.alternatives[0] == "for queen of clubs"
    off = Engine([arbiter], ModelConfig(use_device_hypothesis=False), arbiter)
    assert off.recognize(np.zeros(100), DeviceHint("four queen of clubs", 0.3)).transcript.text == "for queen of clubs"


def test_ensemble_arbitrates_between_models():
    arbiter = Fake("pocketsphinx", "he was not until this blows", prefer="he was not an ill disposed")
    other = Fake("vosk", "he was not an ill disposed")
    engine = Engine([arbiter, other], ModelConfig(ensemble=True, measured_wer={"pocketsphinx": 0.18, "vosk": 0.3}),
                    arbiter)
    result = engine.recognize(np.zeros(100))
    assert result.transcript.text == "he was not an ill disposed" and result.transcript.model == "pocketsphinx+vosk"
    assert other.calls == 1
