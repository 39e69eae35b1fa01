"""Hotword biasing: a score that grows as a hypothesis spells a hotword phrase, taken back if it strays.

State of one hypothesis: (prefix, pending, committed).
- prefix: the part of a hotword phrase spelled so far ("" at a word start, None inside a word
  that matches no phrase; such a word is skipped until the next separator).
- pending: boost earned by the current, unfinished match; it is taken back if the spelling
  leaves every phrase (a different word), or the utterance ends mid-phrase.
- committed: boost of phrases spelled completely and followed by a separator (or the end).
The hypothesis scores pending + committed. Matches start only at word starts, so "cat" is not
found in "concatenate"; a phrase of several words continues across separators. Each letter of
a phrase earns that phrase's boost (nats per character); separators earn nothing.
"""

from __future__ import annotations

State = tuple  # (prefix: str | None, pending: float, committed: float)


class Hotwords:
    """Prefix tables of hotword phrases and the per-character state update for the beam search."""

    def __init__(self, phrases: list[tuple[str, float]] | tuple[tuple[str, float], ...],
                 separator: str = " ") -> None:
        self.separator = separator
        self.phrases: dict[str, float] = {}
        self._letter_boost: dict[str, float] = {}  # phrase prefix -> boost of its last character
        for phrase, boost in phrases:
            phrase = separator.join(phrase.split())
            if not phrase:
                continue
            self.phrases[phrase] = max(boost, self.phrases.get(phrase, boost))
            for end in range(1, len(phrase) + 1):
                prefix = phrase[:end]
                gain = 0.0 if prefix.endswith(separator) else boost
                self._letter_boost[prefix] = max(gain, self._letter_boost.get(prefix, gain))

    def __bool__(self) -> bool:
        return bool(self.phrases)

    @property
    def letter_boosts(self) -> dict[str, float]:
        """Every phrase prefix and the boost its last character earns (0 for a separator)."""
        return dict(self._letter_boost)

    @property
    def start(self) -> State:
        """The state at the start of an utterance."""
        return ("", 0.0, 0.0)

    def step(self, state: State, text: str) -> State:
        """The state after spelling `text` (one token: a separator or letters)."""
        if len(text) == 1:
            if state[0] is None and text != self.separator:  # inside a word that matches nothing
                return state
            return self._char(state, text)
        for char in text:
            state = self._char(state, char)
        return state

    def finish(self, state: State) -> float:
        """The boost a hypothesis keeps when the utterance ends in `state`."""
        prefix, pending, committed = state
        return committed + pending if prefix in self.phrases else committed

    def _char(self, state: State, char: str) -> State:
        prefix, pending, committed = state
        if char == self.separator:
            if not prefix:  # at a word start already, or leaving a word that matched nothing
                return ("", 0.0, committed)
            if prefix in self.phrases:
                committed += pending
                pending = 0.0
            extended = prefix + char
            if extended in self._letter_boost:
                return (extended, pending, committed)
            return ("", 0.0, committed)
        if prefix is None:
            return state
        extended = prefix + char
        gain = self._letter_boost.get(extended)
        if gain is not None:
            return (extended, pending + gain, committed)
        # The spelling left every phrase: take the pending boost back. At a word start inside a
        # phrase ("new j..." for "new york") a new phrase may begin with this letter.
        if prefix.endswith(self.separator):
            gain = self._letter_boost.get(char)
            if gain is not None:
                return (char, gain, committed)
        return (None, 0.0, committed)
