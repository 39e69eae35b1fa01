"""Combining transcripts: a word confusion network between two candidates, decided acoustically.

Where the server's transcript and another candidate (the device's hypothesis, a second model)
disagree, the disagreeing stretches become alternatives in a JSGF grammar, and the acoustic
model picks the path the audio supports best. Stretches where they agree are kept as they are.
"""

from __future__ import annotations

import difflib
from dataclasses import replace
from typing import Protocol

import numpy as np

from edge.results import Transcript, Word


class Arbiter(Protocol):
    """A recognizer that can decode against a grammar (pocketsphinx's `choose`)."""

    def knows(self, word: str) -> bool: ...

    def choose(self, samples: np.ndarray, grammar: str, sample_rate: int = 16000) -> Transcript | None: ...


def confusion_grammar(first: list[str], second: list[str], known) -> str | None:
    """A JSGF grammar whose paths mix the two word sequences slot by slot; None when they agree.

    Words that `known(word)` rejects cannot be decoded, so stretches containing them keep only
    the other side.
    """
    if first == second:
        return None
    items, has_choice = [], False
    matcher = difflib.SequenceMatcher(a=first, b=second, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        a_part, b_part = " ".join(first[a0:a1]), " ".join(second[b0:b1])
        a_ok = all(known(w) for w in first[a0:a1])
        b_ok = all(known(w) for w in second[b0:b1])
        if op == "equal" or not b_ok:
            if a_part and a_ok:
                items.append(f"({a_part})")
            elif a_part:
                return None  # the first sequence itself cannot be decoded
        elif not a_ok:
            has_choice = True
            items.append(f"({b_part})" if b_part else "")
        else:
            has_choice = True
            items.append({"replace": f"({a_part} | {b_part})", "delete": f"[{a_part}]",
                          "insert": f"[{b_part}]"}[op])
    body = " ".join(i for i in items if i)
    if not body or not has_choice:
        return None
    return f"#JSGF V1.0;\ngrammar choose;\npublic <utterance> = {body};\n"


def arbitrate(arbiter: Arbiter, samples: np.ndarray, primary: Transcript, other: str,
              other_confidence: float, other_name: str) -> Transcript:
    """The primary transcript, with disagreeing stretches replaced where the audio favours `other`."""
    first, second = primary.text.split(), other.split()
    grammar = confusion_grammar(first, second, arbiter.knows) if first else None
    if grammar is None:
        return primary
    chosen = arbiter.choose(samples, grammar)
    if chosen is None or chosen.text == primary.text:
        return primary
    words = _rescore(chosen.words, primary.words, other_confidence)
    confidence = float(np.mean([w.confidence for w in words])) if words else 0.0
    timings = replace(primary.timings, model_ms=primary.timings.model_ms + chosen.timings.model_ms)
    model = f"{primary.model}+{other_name}"
    return replace(primary, text=chosen.text, words=words, confidence=confidence, timings=timings, model=model)


def _rescore(chosen: tuple[Word, ...], primary: tuple[Word, ...], other_confidence: float) -> tuple[Word, ...]:
    """Keep the primary's word confidences where the chosen path agrees with it; else the other's."""
    matcher = difflib.SequenceMatcher(a=[w.word for w in chosen], b=[w.word for w in primary], autojunk=False)
    confidence = [other_confidence] * len(chosen)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            confidence[block.a + k] = primary[block.b + k].confidence
    return tuple(replace(w, confidence=c) for w, c in zip(chosen, confidence, strict=True))


def reliability(measured_wer: float | None) -> float:
    """How much to trust a model from its measured WER: 1 - WER, 0.5 when it was never measured."""
    return 0.5 if measured_wer is None else max(0.0, 1.0 - measured_wer)
