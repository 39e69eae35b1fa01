"""The k largest of an array's first n values, best first, ties in index order: how the beam
search kernel (beam_kernel.py) picks a step's tokens and keeps its hypotheses, in numba.

The selection and the stable sort are written out here instead of calling np.partition and
np.argsort(kind="mergesort"): numba compiles those two (with np.unique and the error paths they
bring) in about 7 s, a third of a first start's compiling, for no speed gained at these sizes.
`rank` has one explicit signature, so its callers' literal arguments (-1, 0) do not make numba
compile it again for each."""

from __future__ import annotations

import numpy as np
from numba import njit

# rank inserts into the sorted top k up to this k, and selects beyond it. (rank is defined last:
# its explicit signature compiles it where it is defined, so what it calls must come first.)
INSERTION_MAX_K = 32


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
        kth = _select(keys, m, m - k)  # the k-th largest
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
    _merge_sort_descending(values, pool, m)  # stable: equal values stay in index order
    for j in range(m):
        ranked[j] = pool[j]
    return m


@njit(cache=True, nogil=True)
def _select(keys, m, position):  # pragma: no cover - numba
    """The value that sorting keys[:m] ascending would put at `position` (as np.partition),
    by quickselect with a median-of-three pivot; reorders keys. No NaN in keys."""
    low, high = 0, m - 1
    while low < high:
        middle = (low + high) // 2
        a, b, c = keys[low], keys[middle], keys[high]
        pivot = max(min(a, b), min(max(a, b), c))
        i, j = low, high
        while i <= j:  # Hoare partition: keys[low..j] <= pivot <= keys[i..high]
            while keys[i] < pivot:
                i += 1
            while keys[j] > pivot:
                j -= 1
            if i <= j:
                keys[i], keys[j] = keys[j], keys[i]
                i += 1
                j -= 1
        if position <= j:
            high = j
        elif position >= i:
            low = i
        else:
            return keys[position]
    return keys[position]


@njit(cache=True, nogil=True)
def _merge_sort_descending(values, pool, m):  # pragma: no cover - numba
    """Sort pool[:m] (indices into values) by value, largest first, stably; bottom-up merges."""
    buffer = np.empty(m, dtype=np.int64)
    width = 1
    while width < m:
        for start in range(0, m, 2 * width):
            middle, end = min(start + width, m), min(start + 2 * width, m)
            i, j, out = start, middle, start
            while i < middle and j < end:
                if values[pool[j]] > values[pool[i]]:  # the right run goes first only when strictly larger
                    buffer[out] = pool[j]
                    j += 1
                else:
                    buffer[out] = pool[i]
                    i += 1
                out += 1
            while i < middle:
                buffer[out] = pool[i]
                i += 1
                out += 1
            while j < end:
                buffer[out] = pool[j]
                j += 1
                out += 1
        for i in range(m):  # (a slice assignment would bring numba's shape-error code: +2 s to compile)
            pool[i] = buffer[i]
        width *= 2


@njit("int64(float64[::1], int64, int64, int64, float64, int64[::1])", cache=True, nogil=True)
def rank(values, n, k, skip, floor, ranked):  # pragma: no cover - numba
    """Indices of the k largest of values[:n] into ranked, best first, ties in index order (a
    stable sort, as the reference's sorts), leaving out index `skip` and values below `floor`;
    returns how many. Insertion for a few (a step's tokens), selection then a sort for many (a
    wide beam's hypotheses, where insertion costs up to k moves per value)."""
    if k <= INSERTION_MAX_K:
        return _rank_by_insertion(values, n, k, skip, floor, ranked)
    return _rank_by_selection(values, n, k, skip, floor, ranked)
