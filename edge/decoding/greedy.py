"""CTC greedy (best path) decoding: the likeliest label at each step, repeats merged, blanks dropped."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge.decoding.alignment import greedy_path


@dataclass(frozen=True, slots=True)
class GreedyResult:
    """The best path, the token ids it collapses to and its log-probability (nats)."""

    path: np.ndarray
    labels: tuple[int, ...]
    log_prob: float


def greedy_decode(log_probs: np.ndarray, blank_id: int) -> GreedyResult:
    """Decode (steps, tokens) CTC log-probabilities by taking the best label at each step."""
    path = greedy_path(log_probs)
    if path.size == 0:
        return GreedyResult(path, (), 0.0)
    log_prob = float(log_probs[np.arange(path.size), path].sum())
    changed = np.concatenate(([True], path[1:] != path[:-1]))
    labels = path[changed]
    return GreedyResult(path, tuple(labels[labels != blank_id].tolist()), log_prob)
