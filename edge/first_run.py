"""A notice before a first start compiles the recognizer's numba kernels, so the wait is explained.

numba compiles the log-mel, beam search and alignment kernels the first time they run on a
machine (about 10 s on the 2-core development machine; more on a Raspberry Pi) and keeps them
in its cache (`__pycache__` beside the sources, or $NUMBA_CACHE_DIR). A kernel whose cache
index lists no compilation for its current source will be compiled. Reading that index uses
numba's internals; where they differ (another numba version), no notice is printed.
"""

from __future__ import annotations

import sys


def uncompiled_kernels() -> list[str]:
    """Names of the recognizer's main kernels that numba has no cached compilation of."""
    from edge.decoding.beam_kernel import prefix_beam_search
    from edge.decoding.viterbi_kernel import viterbi_kernel
    from edge.frontend.kernel import _log_mel_kernel

    missing = []
    for kernel in (_log_mel_kernel, prefix_beam_search, viterbi_kernel):
        try:
            if not kernel._cache._cache_file._load_index():
                missing.append(kernel.py_func.__name__)
        except Exception:  # noqa: BLE001 - numba's internals moved: say nothing rather than fail
            return []
    return missing


def announce_compiling(command: str) -> None:
    """One line on stderr when this start will compile kernels."""
    if uncompiled_kernels():
        print(f"earshot {command}: first start with this version on this machine: compiling the recognizer "
              "(about 10 s on a desktop CPU, longer on a Raspberry Pi; later starts take about 1 s)",
              file=sys.stderr, flush=True)
