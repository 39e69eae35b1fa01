"""Argument types shared by the `earshot` subcommands, so every command words its errors alike."""

from __future__ import annotations

import argparse
import math


def positive_int(text: str) -> int:
    """A whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def positive_seconds(text: str) -> float:
    """A finite number of seconds > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


def warp_list(text: str) -> tuple[float, ...]:
    """Comma-separated speaker warp factors, e.g. 0.92,1,1.08 (edge.frontend.warp)."""
    from edge.frontend.warp import check_warps

    return _factor_list(text, check_warps)


def tempo_list(text: str) -> tuple[float, ...]:
    """Comma-separated tempo factors, e.g. 0.85,1,1.15 (edge.frontend.tempo)."""
    from edge.frontend.tempo import check_tempos

    return _factor_list(text, check_tempos)


def _factor_list(text: str, check) -> tuple[float, ...]:
    try:
        return check([part.strip() for part in text.split(",")])
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None
