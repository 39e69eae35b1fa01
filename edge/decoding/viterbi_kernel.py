"""numba CTC Viterbi (forced alignment) kernel: the maths of alignment.viterbi_path_reference."""

from __future__ import annotations

import numpy as np
from numba import njit

NO_ALIGNMENT = -2  # path[0] when the labels admit no alignment in the given steps


@njit(cache=True, nogil=True)
def viterbi_kernel(log_probs: np.ndarray, labels: np.ndarray, blank_id: int) -> np.ndarray:
    """Per-step labels of the best CTC path collapsing to `labels`; path[0] = NO_ALIGNMENT if none."""
    n_steps = log_probs.shape[0]
    n_labels = labels.shape[0]
    path = np.full(n_steps, blank_id, dtype=np.int64)
    if n_labels == 0 or n_steps == 0:
        return path
    n_states = 2 * n_labels + 1
    extended = np.full(n_states, blank_id, dtype=np.int64)
    can_skip = np.zeros(n_states, dtype=np.bool_)
    for i in range(n_labels):
        extended[2 * i + 1] = labels[i]
        if i > 0 and labels[i] != labels[i - 1]:
            can_skip[2 * i + 1] = True
    neg_inf = -np.inf
    alpha = np.full(n_states, neg_inf)
    new_alpha = np.empty(n_states)
    back = np.zeros((n_steps, n_states), dtype=np.int8)
    alpha[0] = log_probs[0, extended[0]]
    alpha[1] = log_probs[0, extended[1]]
    for t in range(1, n_steps):
        for s in range(n_states):
            best = alpha[s]
            move = 0
            if s >= 1 and alpha[s - 1] > best:
                best = alpha[s - 1]
                move = 1
            if can_skip[s] and alpha[s - 2] > best:
                best = alpha[s - 2]
                move = 2
            new_alpha[s] = best + log_probs[t, extended[s]]
            back[t, s] = move
        alpha, new_alpha = new_alpha, alpha
    state = n_states - 1 if alpha[n_states - 1] >= alpha[n_states - 2] else n_states - 2
    if alpha[state] == neg_inf:
        path[0] = NO_ALIGNMENT
        return path
    for t in range(n_steps - 1, -1, -1):
        path[t] = extended[state]
        state -= back[t, state]
    return path
