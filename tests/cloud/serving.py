"""Test helpers: start and stop real `earshot serve` processes on loopback ports; tokens; WAV clips."""

from __future__ import annotations

import contextlib
import io
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

EVAL_DIR = Path("/work/shared/eval/public")
GO_FORWARD = EVAL_DIR / "ps_goforward.wav"  # "go forward ten meters", real speech
STARTUP_TIMEOUT_S = 180.0
needs_eval_clips = pytest.mark.skipif(not GO_FORWARD.exists(), reason=f"{GO_FORWARD} (real speech) is not here")

# Small limits so that tests can reach them; one worker because CI machines are small.
TEST_CONFIG = """
[limits]
max_body_bytes = 1_000_000
max_clip_s = 12.0
max_inferences = 1
max_queue = 2
per_device_inflight = 2
retry_after_s = 2
"""


@dataclass
class Server:
    """A running `earshot serve` and what a test needs to talk to it."""

    url: str
    data_dir: Path
    process: subprocess.Popen
    token: str  # device "test-device"
    other_token: str  # device "other-device"

    def headers(self, token: str | None = None, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}", **extra}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def earshot(*args: str) -> subprocess.CompletedProcess:
    """Run the real `earshot` command line."""
    return subprocess.run([sys.executable, "-m", "edge.cli", *args], capture_output=True, text=True, timeout=300)


def add_token(data_dir: Path, name: str) -> str:
    result = earshot("tokens", "add", name, "--data-dir", str(data_dir))
    if result.returncode != 0:
        raise RuntimeError(result.stderr)
    return result.stdout.strip().splitlines()[-1]


def start_server(data_dir: Path, config_text: str = TEST_CONFIG) -> Server:
    """Start `earshot serve` on a free loopback port and wait until /readyz says ready."""
    data_dir.mkdir(parents=True, exist_ok=True)
    tokens = add_token(data_dir, "test-device"), add_token(data_dir, "other-device")
    config = data_dir / "server.toml"
    config.write_text(config_text)
    port = free_port()
    log = open(data_dir / "server.log", "w")
    process = subprocess.Popen([sys.executable, "-m", "edge.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
                                "--config", str(config), "--data-dir", str(data_dir)], stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"earshot serve exited: {(data_dir / 'server.log').read_text()}")
        with contextlib.suppress(urllib.error.URLError, ConnectionError, OSError):
            with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:
                if response.status == 200:
                    return Server(url, data_dir, process, *tokens)
        time.sleep(0.3)
    stop_server(process)
    raise RuntimeError(f"earshot serve not ready after {STARTUP_TIMEOUT_S} s: {(data_dir / 'server.log').read_text()}")


def stop_server(process: subprocess.Popen, timeout_s: float = 60.0) -> int:
    """SIGTERM (graceful shutdown) and wait; return the exit status."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            return -9
    return process.returncode


def wav_bytes(samples: np.ndarray, sample_rate: int = 16000, subtype: str = "PCM_16") -> bytes:
    """Encode float samples ((frames,) or (frames, channels)) as a WAV file."""
    buffer = io.BytesIO()
    sf.write(buffer, samples, sample_rate, format="WAV", subtype=subtype)
    return buffer.getvalue()


def tone(seconds: float, sample_rate: int = 16000, channels: int = 1) -> np.ndarray:
    """A quiet 440 Hz tone: valid audio that contains no speech."""
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    mono = (0.1 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    return mono if channels == 1 else np.stack([mono] * channels, axis=1)


def metric_value(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text, 0 when absent."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        key, _, value = line.rpartition(" ")
        series, _, label_text = key.partition("{")
        got = ",".join(sorted(label_text.rstrip("}").split(","))) if label_text else ""
        if series == name and got == wanted:
            return float(value)
    return 0.0
