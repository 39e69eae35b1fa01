"""The character vocabulary the acoustic model emits: blank, word separator, a-z, apostrophe."""

from __future__ import annotations

BLANK = "<blk>"
SEPARATOR = " "
CHARACTERS = tuple("abcdefghijklmnopqrstuvwxyz'")
TOKENS: tuple[str, ...] = (BLANK, SEPARATOR, *CHARACTERS)
_INDEX = {token: i for i, token in enumerate(TOKENS)}


def encode(text: str) -> list[int]:
    """Token ids of normalised text; characters outside the vocabulary raise ValueError."""
    try:
        return [_INDEX[c] for c in text]
    except KeyError as exc:
        raise ValueError(f"character {exc.args[0]!r} in {text!r} is not in the vocabulary; "
                         "normalise text with edge.text.normalize_text first") from None
