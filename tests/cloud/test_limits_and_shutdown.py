"""Backpressure (429/503 with Retry-After) and graceful shutdown, each on a server of its own."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import aiohttp
import numpy as np
import pytest

from tests.cloud.serving import start_server, stop_server, wav_bytes

pytestmark = pytest.mark.asyncio

TIGHT = """
[limits]
max_inferences = 1
max_queue = 0
per_device_inflight = 1
retry_after_s = 3
max_clip_s = 30.0
"""


def _noise(seconds: float) -> bytes:
    """Seconds of noise: valid audio that keeps the decoder busy for a while."""
    rng = np.random.default_rng(0)
    return wav_bytes((0.3 * rng.standard_normal(int(seconds * 16000))).astype(np.float32).clip(-1, 1))


@pytest.fixture(scope="module")
def tight_server(tmp_path_factory):
    running = start_server(tmp_path_factory.mktemp("tight"), TIGHT)
    yield running
    assert stop_server(running.process) == 0


async def _recognize(http, server, token, body):
    async with http.post(f"{server.url}/v1/recognize", data=body,
                         headers=server.headers(token, **{"Content-Type": "audio/wav"})) as response:
        return response.status, response.headers.get("Retry-After"), await response.json()


async def test_a_busy_device_gets_429_and_others_503_with_retry_after(tight_server):
    long_clip = _noise(20.0)
    async with aiohttp.ClientSession() as http:
        first = asyncio.create_task(_recognize(http, tight_server, tight_server.token, long_clip))
        await asyncio.sleep(0.5)  # let the first clip take the only model slot
        same_device, other_device = await asyncio.gather(
            _recognize(http, tight_server, tight_server.token, long_clip),
            _recognize(http, tight_server, tight_server.other_token, long_clip))
        done = await first
    assert done[0] == 200, done
    assert (same_device[0], same_device[1], same_device[2]["error"]["code"]) == (429, "3", "too_many_requests")
    assert (other_device[0], other_device[1], other_device[2]["error"]["code"]) == (503, "3", "overloaded")


async def test_backpressure_clears_when_the_work_is_done(tight_server):
    async with aiohttp.ClientSession() as http:
        status, _, body = await _recognize(http, tight_server, tight_server.other_token, _noise(1.0))
    assert status == 200, body


async def test_shutdown_finishes_requests_in_flight(tmp_path):
    server = start_server(tmp_path / "data")
    async with aiohttp.ClientSession() as http:
        request = asyncio.create_task(_recognize(http, server, server.token, _noise(10.0)))
        await asyncio.sleep(1.0)  # the clip is being decoded now
        server.process.send_signal(signal.SIGTERM)
        status, _, body = await request
    assert status == 200, body
    assert server.process.wait(60) == 0  # a second SIGTERM would cut the shutdown short
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.ClientConnectionError):
            await http.get(f"{server.url}/healthz")


async def _until_answered(http, server, token, body, attempts: int = 60):
    """Send `body` once a second until a 200 (a replacement worker loads its models meanwhile):
    every (status, error code) seen, and the /metrics text after."""
    statuses = []
    for _ in range(attempts):
        status, _, answer = await _recognize(http, server, token, body)
        statuses.append((status, answer.get("error", {}).get("code")))
        if status == 200:
            break
        await asyncio.sleep(1.0)
    async with http.get(f"{server.url}/metrics", headers=server.headers()) as response:
        return statuses, await response.text()


def _children(pid: int) -> list[int]:
    return [int(c) for task in Path(f"/proc/{pid}/task").iterdir() for c in (task / "children").read_text().split()]


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="finds the worker processes through Linux /proc")
async def test_a_killed_model_worker_is_replaced(tight_server):
    workers = [p for p in _children(tight_server.process.pid)
               if b"multiprocessing" in Path(f"/proc/{p}/cmdline").read_bytes()]
    assert workers, "no worker process found"
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    async with aiohttp.ClientSession() as http:
        statuses, metrics = await _until_answered(http, tight_server, tight_server.other_token, _noise(0.5))
    assert statuses[-1][0] == 200, statuses
    assert all(s == 200 or (s == 503 and c in ("worker_died", "models_unavailable")) for s, c in statuses), statuses
    assert "earshot_worker_restarts_total 1.0" in metrics


async def test_a_clip_over_the_inference_timeout_gets_503_and_its_worker_is_replaced(tmp_path):
    server = start_server(tmp_path / "data", TIGHT + "inference_timeout_s = 0.5\n")
    try:
        async with aiohttp.ClientSession() as http:
            slow = await _recognize(http, server, server.token, _noise(20.0))
            silence = wav_bytes(np.zeros(8000, dtype=np.float32))  # answered at once, well within the timeout
            statuses, metrics = await _until_answered(http, server, server.token, silence)
    finally:
        assert stop_server(server.process) == 0
    assert (slow[0], slow[1], slow[2]["error"]["code"]) == (503, "3", "model_timeout")
    assert statuses[-1][0] == 200, statuses
    assert all(s == 200 or (s == 503 and c == "models_unavailable") for s, c in statuses), statuses
    assert "earshot_worker_restarts_total 1.0" in metrics
