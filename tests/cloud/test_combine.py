"""Combining transcripts: the confusion-network grammar and acoustic arbitration."""

from __future__ import annotations

import numpy as np
import pytest

from cloud.recognizers.combine import arbitrate, confusion_grammar, reliability
from edge.results import Timings, Transcript, Word
from tests.cloud.serving import EVAL_DIR


def _known(word: str) -> bool:
    return word != "xyzzy"


def _body(grammar: str) -> str:
    return grammar.split("public <utterance> = ", 1)[1].strip().rstrip(";")


def test_grammar_offers_each_disagreement_as_a_choice():
    grammar = confusion_grammar("he was not until this blows young man".split(),
                                "he was not an ill disposed young man".split(), _known)
    assert _body(grammar) == "(he was not) (until this blows | an ill disposed) (young man)"
    assert _body(confusion_grammar("go forward ten meters".split(), "go forward meters".split(), _known)) == \
        "(go forward) [ten] (meters)"
    assert _body(confusion_grammar("go ten".split(), "go forward ten".split(), _known)) == "(go) [forward] (ten)"


def test_grammar_is_none_when_there_is_nothing_to_choose():
    assert confusion_grammar(["same"], ["same"], _known) is None
    assert confusion_grammar(["go", "home"], ["go", "xyzzy"], _known) is None  # the alternative cannot be decoded


class FakeArbiter:
    """Picks the path through the grammar that contains `prefer`, as an acoustic model would."""

    def __init__(self, answer: str | None) -> None:
        self.answer = answer

    def knows(self, word: str) -> bool:
        return True

    def choose(self, samples, grammar, sample_rate=16000):
        if self.answer is None:
            return None
        words = tuple(Word(w, i * 0.1, i * 0.1 + 0.1, 0.99) for i, w in enumerate(self.answer.split()))
        return Transcript(self.answer, 0.99, words, timings=Timings(model_ms=5.0))


def _primary(text: str) -> Transcript:
    words = tuple(Word(w, i * 0.1, i * 0.1 + 0.1, 0.6) for i, w in enumerate(text.split()))
    return Transcript(text, 0.6, words, timings=Timings(model_ms=100.0), model="pocketsphinx", source="cloud")


def test_arbitration_takes_the_device_words_the_audio_supports():
    primary = _primary("for queen of clubs")
    result = arbitrate(FakeArbiter("four queen of clubs"), np.zeros(10), primary, "four queen of clubs", 0.3,
                       "device")
    assert result.text == "four queen of clubs" and result.model == "pocketsphinx+device"
    assert [w.confidence for w in result.words] == [0.3, 0.6, 0.6, 0.6]
    assert result.timings.model_ms == 105.0


def test_arbitration_keeps_the_primary_when_the_audio_does_not_favour_the_other():
    primary = _primary("for queen of clubs")
    assert arbitrate(FakeArbiter("for queen of clubs"), np.zeros(10), primary, "four queen of clubs", 0.3,
                     "device") is primary
    assert arbitrate(FakeArbiter(None), np.zeros(10), primary, "four queen of clubs", 0.3, "device") is primary
    assert arbitrate(FakeArbiter("x"), np.zeros(10), _primary(""), "anything", 0.3, "device").text == ""


def test_reliability_follows_measured_wer():
    assert reliability(0.1) > reliability(0.3) > 0 and reliability(None) == 0.5 and reliability(1.5) == 0.0


@pytest.mark.skipif(not (EVAL_DIR / "ps_librivox_0880.wav").exists(), reason="real-speech clip not here")
def test_pocketsphinx_arbitrates_on_acoustic_evidence():
    from cloud.recognizers.pocketsphinx_recognizer import create
    from edge.audio import read_audio

    recognizer = create("catalog=none")
    samples = read_audio(EVAL_DIR / "ps_librivox_0880.wav").samples  # "he was not an ill disposed young man"
    own = recognizer.transcribe(samples, 16000)
    right = arbitrate(recognizer, samples, own, "he was not an ill disposed young man", 0.4, "device")
    assert right.text == "he was not an ill disposed young man"
    wrong = arbitrate(recognizer, samples, own, "she has a spotted dog and a cat", 0.4, "device")
    assert wrong.text.split()[-2:] == ["young", "man"]  # the parts both agree on stay
