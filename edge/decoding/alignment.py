"""CTC alignments: which step emits which token, for the greedy path or a given token sequence.

A path gives one label per step (blank included). Collapsing it (merge repeats, drop blanks)
gives token spans: each emitted token with the first and last step of its run. Words are the
runs of non-separator tokens between separators.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edge.decoding.viterbi_kernel import NO_ALIGNMENT, viterbi_kernel

NEG_INF = float("-inf")


@dataclass(frozen=True, slots=True)
class TokenSpan:
    """One emitted token and the steps [first_step, last_step] of its run on the path."""

    token: int
    first_step: int
    last_step: int


@dataclass(frozen=True, slots=True)
class WordSpan:
    """One word: its text, the spans of its characters and of the separator that ends it (if any)."""

    text: str
    chars: tuple[TokenSpan, ...]
    separator: TokenSpan | None

    @property
    def first_step(self) -> int:
        return self.chars[0].first_step

    @property
    def last_step(self) -> int:
        return self.chars[-1].last_step


def greedy_path(log_probs: np.ndarray) -> np.ndarray:
    """The best label at each step (argmax): CTC's best path."""
    return np.argmax(log_probs, axis=1)


def token_spans(path: np.ndarray, blank_id: int) -> list[TokenSpan]:
    """Collapse a per-step label path into emitted tokens with their step runs."""
    path = np.asarray(path)
    if path.size == 0:
        return []
    # np.concatenate rather than np.r_, whose indexing machinery costs more than the collapse here
    starts = np.flatnonzero(np.concatenate(([True], path[1:] != path[:-1])))
    ends = np.append(starts[1:], path.size) - 1
    labels = path[starts]
    keep = labels != blank_id
    return [TokenSpan(int(tok), int(first), int(last))
            for tok, first, last in zip(labels[keep], starts[keep], ends[keep])]


def word_spans(spans: list[TokenSpan], tokens: tuple[str, ...] | list[str],
               separator_id: int) -> list[WordSpan]:
    """Group token spans into words split at the separator token."""
    words: list[WordSpan] = []
    current: list[TokenSpan] = []
    for span in spans:
        if span.token == separator_id:
            if current:
                words.append(WordSpan("".join(tokens[s.token] for s in current), tuple(current), span))
                current = []
        else:
            current.append(span)
    if current:
        words.append(WordSpan("".join(tokens[s.token] for s in current), tuple(current), None))
    return words


def viterbi_path(log_probs: np.ndarray, labels: list[int] | np.ndarray, blank_id: int) -> np.ndarray:
    """The most probable per-step path that collapses to `labels` (CTC forced alignment, numba).

    Same result as `viterbi_path_reference`, which documents the maths.
    """
    labels = np.asarray(labels, dtype=np.int64)
    emit_source = np.ascontiguousarray(log_probs, dtype=np.float32)
    path = viterbi_kernel(emit_source, labels, int(blank_id))
    if path.size and path[0] == NO_ALIGNMENT:  # the labels do not fit in the steps
        return _fallback_path(log_probs.shape[0], labels, blank_id)
    return path


def viterbi_path_reference(log_probs: np.ndarray, labels: list[int] | np.ndarray,
                           blank_id: int) -> np.ndarray:
    """The most probable per-step path that collapses to `labels` (CTC forced alignment, NumPy).

    Standard CTC Viterbi over the 2L+1 states blank, l1, blank, l2, ..., blank: a state is
    entered from itself, from the state before it, or from two before it when that skips a
    blank between two different labels; the path ends in the last label or the blank after it.
    Ties prefer staying, then the state before. When `labels` cannot fit in the steps (more
    steps needed than given), the labels are laid on consecutive steps from the start, a best
    effort that keeps their order.
    """
    n_steps = log_probs.shape[0]
    labels = np.asarray(labels, dtype=np.int64)
    path = np.full(n_steps, blank_id, dtype=np.int64)
    if labels.size == 0 or n_steps == 0:
        return path
    n_states = 2 * labels.size + 1
    extended = np.full(n_states, blank_id, dtype=np.int64)
    extended[1::2] = labels
    can_skip = np.zeros(n_states, dtype=bool)  # a label may follow the previous label directly
    can_skip[3::2] = labels[1:] != labels[:-1]
    emit = np.asarray(log_probs, dtype=np.float32)[:, extended].astype(np.float64)
    alpha = np.full(n_states, NEG_INF)
    alpha[:2] = emit[0, :2]
    back = np.zeros((n_steps, n_states), dtype=np.int8)  # 0: stay, 1: from s-1, 2: from s-2
    from_prev = np.full(n_states, NEG_INF)
    from_skip = np.full(n_states, NEG_INF)
    with np.errstate(invalid="ignore"):
        for t in range(1, n_steps):
            from_prev[1:] = alpha[:-1]
            from_skip[2:] = alpha[:-2]
            from_skip[~can_skip] = NEG_INF
            step_back = (from_prev > alpha).astype(np.int8)
            best = np.maximum(alpha, from_prev)
            skip = from_skip > best
            step_back[skip] = 2
            alpha = np.where(skip, from_skip, best) + emit[t]
            back[t] = step_back
    state = n_states - 1 if alpha[-1] >= alpha[-2] else n_states - 2
    if alpha[state] == NEG_INF:
        return _fallback_path(n_steps, labels, blank_id)
    for t in range(n_steps - 1, -1, -1):
        path[t] = extended[state]
        state -= int(back[t, state])
    return path


def _fallback_path(n_steps: int, labels: np.ndarray, blank_id: int) -> np.ndarray:
    """Labels on consecutive steps from the start: for labels that admit no CTC alignment."""
    path = np.full(n_steps, blank_id, dtype=np.int64)
    steps = min(labels.size, n_steps)
    path[:steps] = labels[:steps]
    return path
