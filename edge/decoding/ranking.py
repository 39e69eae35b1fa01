"""The k largest of an array's first n values, best first, ties in index order: how the beam
search kernel (beam_kernel.py) picks a step's tokens and keeps its hypotheses, in numba."""

from __future__ import annotations

import numpy as np
from numba import njit

# rank inserts into the sorted top k up to this k, and selects beyond it.
INSERTION_MAX_K = 32


@njit(cache=True, nogil=True)
def rank(values, n, k, skip, floor, ranked):  # pragma: no cover - numba
    """Indices of the k largest of values[:n] into ranked, best first, ties in index order (a
    stable sort, as the reference's sorts), leaving out index `skip` and values below `floor`;
    returns how many. Insertion for a few (a step's tokens), selection then a sort for many (a
    wide beam's hypotheses, where insertion costs up to k moves per value)."""
    if k <= INSERTION_MAX_K:
        return _rank_by_insertion(values, n, k, skip, floor, ranked)
    return _rank_by_selection(values, n, k, skip, floor, ranked)


@njit(cache=True, nogil=True)
def _rank_by_insertion(values, n, k, skip, floor, ranked):  # pragma: no cover - numba
    """rank by inserting each value into the sorted top k: O(n k) at worst, fastest for small k."""
    n_top = 0
    for i in range(n):
        value = values[i]
        if i == skip or not value >= floor or (n_top == k and not value > values[ranked[k - 1]]):
            continue
        at = min(n_top, k - 1)
        while at > 0 and value > values[ranked[at - 1]]:
            ranked[at] = ranked[at - 1]
            at -= 1
        ranked[at] = i
        n_top = min(n_top + 1, k)
    return n_top


@njit(cache=True, nogil=True)
def _rank_by_selection(values, n, k, skip, floor, ranked):  # pragma: no cover - numba
    """rank by selecting the k-th largest value (O(n)), keeping the k values above it (ties with
    it by index), then a stable sort of those k: O(n + k log k)."""
    pool = np.empty(n, dtype=np.int64)  # eligible indices, in index order
    m = 0
    for i in range(n):
        if i != skip and values[i] >= floor:
            pool[m] = i
            m += 1
    if m > k:
        keys = np.empty(m)
        for j in range(m):
            keys[j] = values[pool[j]]
        kth = np.partition(keys, m - k)[m - k]  # the k-th largest
        ties = k
        for j in range(m):
            if values[pool[j]] > kth:
                ties -= 1
        kept = 0
        for j in range(m):  # in index order, so the first ties with the k-th largest stay
            value = values[pool[j]]
            if value > kth or (value == kth and ties > 0):
                if value == kth:
                    ties -= 1
                pool[kept] = pool[j]
                kept += 1
        m = kept
    keys = np.empty(m)
    for j in range(m):
        keys[j] = -values[pool[j]]
    order = np.argsort(keys, kind="mergesort")  # stable: equal values stay in index order
    for j in range(m):
        ranked[j] = pool[order[j]]
    return m
