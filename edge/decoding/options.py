"""Decoder options: one frozen dataclass, checked when it is made, changed with dataclasses.replace."""

from __future__ import annotations

import math
from dataclasses import dataclass

# Beam width when neither the bundle nor the caller names one. With a word LM applied as words
# end, a narrow beam loses the right words to rival spellings. On the shipped model's dev set
# (group-averaged WER; LM weight 0.5, word bonus 1, OOV penalty 10): 0.295 at beam 8, 0.249 at 64,
# 0.244 at 128 and 0.234 at 512, while decoding time grows about linearly (10 s of real speech with
# the shipped LM: 1.3 ms at beam 8, 11 ms at 128, 24 ms at 256, against 4.4 ms for the int8
# network; benchmarks/bench_recognizer.py). At 128 with the shipped settings, decoding 10 s takes
# 14 ms here, roughly 0.15-0.3 s on a Raspberry Pi 4 core.
DEFAULT_BEAM = 128


@dataclass(frozen=True, slots=True)
class DecoderOptions:
    """How CTC output becomes text. Scores are natural-log (nats); `beam == 1` means greedy.

    beam: hypotheses kept per step (1: greedy best path, which ignores LM, hotwords and lexicon).
    lm_weight: weight of the word LM's natural-log probability, applied as each word ends.
    word_bonus: nats added per word when an LM is used (balances the LM's cost per word).
    hotwords: (phrase, boost) pairs; the boost is in nats per character of the phrase, given as
        the phrase is spelled and taken back if the spelling leaves it (see decoding/hotwords.py).
    prune_log_prob: tokens whose log-probability at a step is below this are not tried.
    max_tokens_per_step: at most this many non-blank tokens (the likeliest) are tried per step.
    hyp_prune_log_prob: hypotheses scoring this far below the best are dropped (negative).
    oov_penalty: nats taken from a word outside the vocabulary (the LM's words plus the
        lexicon's and the hotwords'); applies as soon as the spelling leaves every known word.
    lexicon_only: allow only words in that vocabulary (needs an LM or a lexicon).
    """

    beam: int = DEFAULT_BEAM
    lm_weight: float = 0.5
    word_bonus: float = 1.0
    hotwords: tuple[tuple[str, float], ...] = ()
    prune_log_prob: float = -10.0
    max_tokens_per_step: int = 8
    hyp_prune_log_prob: float = -20.0
    oov_penalty: float = 0.0
    lexicon_only: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.beam, bool) or not isinstance(self.beam, int) or self.beam < 1:
            raise ValueError(f"beam must be an integer >= 1, got {self.beam!r}")
        if (isinstance(self.max_tokens_per_step, bool) or not isinstance(self.max_tokens_per_step, int)
                or self.max_tokens_per_step < 1):
            raise ValueError(f"max_tokens_per_step must be an integer >= 1, got {self.max_tokens_per_step!r}")
        _check_finite("lm_weight", self.lm_weight, minimum=0.0)
        _check_finite("word_bonus", self.word_bonus)
        _check_finite("oov_penalty", self.oov_penalty, minimum=0.0)
        _check_finite("prune_log_prob", self.prune_log_prob)
        if self.prune_log_prob >= 0.0:
            raise ValueError(f"prune_log_prob must be < 0 (a log-probability), got {self.prune_log_prob}")
        _check_finite("hyp_prune_log_prob", self.hyp_prune_log_prob)
        if self.hyp_prune_log_prob >= 0.0:
            raise ValueError(f"hyp_prune_log_prob must be < 0, got {self.hyp_prune_log_prob}")
        object.__setattr__(self, "hotwords", _checked_hotwords(self.hotwords))


def _check_finite(name: str, value: float, minimum: float | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")


def _checked_hotwords(hotwords) -> tuple[tuple[str, float], ...]:
    if isinstance(hotwords, (str, bytes)):
        raise ValueError("hotwords must be (phrase, boost) pairs, got a string")
    checked = []
    for item in hotwords:
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise ValueError(f"each hotword must be a (phrase, boost) pair, got {item!r}")
        phrase, boost = item
        if not isinstance(phrase, str) or not phrase.strip():
            raise ValueError(f"hotword phrase must be a non-empty string, got {phrase!r}")
        _check_finite(f"boost of hotword {phrase!r}", boost)
        checked.append((phrase, float(boost)))
    return tuple(checked)
