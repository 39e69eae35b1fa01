"""The first start on a machine says it is compiling; later starts say nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "weather_in_paris.wav"


def test_only_a_start_with_an_empty_numba_cache_announces_compiling(tmp_path):
    environment = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba"), EARSHOT_CACHE_DIR=str(tmp_path / "lm"))
    command = [sys.executable, "-m", "edge.cli", "transcribe", str(EXAMPLE)]
    first = subprocess.run(command, capture_output=True, text=True, timeout=300, env=environment)
    assert first.returncode == 0, first.stderr
    assert "compiling the recognizer" in first.stderr
    second = subprocess.run(command, capture_output=True, text=True, timeout=300, env=environment)
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout and second.stdout.strip()
    assert "compiling" not in second.stderr


def test_lists_the_kernels_an_empty_cache_lacks(tmp_path):
    probe = "from edge.first_run import uncompiled_kernels; print(uncompiled_kernels())"
    environment = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "empty"))
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, env=environment)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "['_log_mel_kernel', 'prefix_beam_search', 'viterbi_kernel']"
