"""Bounded load test: concurrent clients against a fresh `earshot serve` on loopback; stops by itself.

    python benchmarks/bench_server_load.py                  # 8 clients for 5 s
    EARSHOT_LOAD_FULL=1 python benchmarks/bench_server_load.py  # 64 clients for 60 s
    EARSHOT_LOAD_CLIENTS=32 EARSHOT_LOAD_SECONDS=20 ...     # anything in between
    EARSHOT_LOAD_SOLO=200 ...                               # requests of the one-client phase (30)

Clients mix recognize (real speech clips when /work/shared/eval/public is here, else tones),
search and telemetry requests, each recognize with a fresh clip id, spread over 16 device tokens;
on 429/503 they wait the Retry-After they are given (deliberate backpressure, not errors).
Reported: latency p50/p95/p99 per endpoint, throughput, status counts, errors (anything else),
server RSS (main process plus workers) before and after, and the server overhead per recognize
(its total time minus queue wait and model time), under load and from one client alone; alone,
also its parts (audio decode, worker round trip, search, and the rest: body, clip store, admission).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import aiohttp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.cloud.serving import add_token, start_server, stop_server, tone, wav_bytes  # noqa: E402

EVAL_DIR = Path("/work/shared/eval/public")
QUERIES = ["weather in paris", "reykjavik", "new york", "zoo mad ian", "capital of japan", "bogota colombia"]
DEVICES = 16
SOLO_REQUESTS = 30  # the one-client phase; EARSHOT_LOAD_SOLO sets it


def _clips() -> list[bytes]:
    clips = sorted(EVAL_DIR.glob("*.wav"))
    return [p.read_bytes() for p in clips] if clips else [wav_bytes(tone(s)) for s in (1.0, 2.0, 3.0)]


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB (Linux /proc)."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")))
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, StopIteration, ValueError):
            continue
    return total / 1024


def _percentiles(values: list[float]) -> dict:
    if not values:
        return {}
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return {"n": len(values), "p50_ms": round(p50, 1), "p95_ms": round(p95, 1), "p99_ms": round(p99, 1)}


class Tally:
    """What every client saw."""

    def __init__(self) -> None:
        self.latency_ms: dict[str, list[float]] = defaultdict(list)
        self.statuses: Counter = Counter()
        self.errors: Counter = Counter()
        self.overhead_ms: list[float] = []


async def _client(number: int, url: str, tokens: list[str], clips: list[bytes], stop_at: float, tally: Tally) -> None:
    rng = random.Random(number)
    headers = {"Authorization": f"Bearer {tokens[number % len(tokens)]}"}
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(headers=headers, timeout=timeout) as http:
        while time.monotonic() < stop_at:
            roll = rng.random()
            if roll < 0.7:
                kind, request = "recognize", http.post(f"{url}/v1/recognize", data=rng.choice(clips), headers={
                    "Content-Type": "audio/wav", "X-Clip-Id": f"load-{number}-{rng.getrandbits(64):x}"})
            elif roll < 0.9:
                kind, request = "search", http.get(f"{url}/v1/search", params={"q": rng.choice(QUERIES)})
            else:
                kind, request = "telemetry", http.post(f"{url}/v1/telemetry", json={
                    "utterances": 10, "escalations": 2, "psi": {"level_dbfs": rng.random() * 0.3}})
            started = time.perf_counter()
            try:
                async with request as response:
                    body = await response.json()
                    status, retry_after = response.status, response.headers.get("Retry-After")
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
                tally.errors[f"{kind}: {type(exc).__name__}"] += 1
                continue
            tally.statuses[f"{kind} {status}"] += 1
            if status in (429, 503):
                await asyncio.sleep(min(float(retry_after or 1), 1.0))
                continue
            if status not in (200, 202):
                tally.errors[f"{kind} {status}: {body.get('error', {}).get('code')}"] += 1
                continue
            tally.latency_ms[kind].append((time.perf_counter() - started) * 1000)
            if kind == "recognize":
                tally.overhead_ms.append(body["timings"]["overhead_ms"])


async def _solo(url: str, token: str, clips: list[bytes], requests: int) -> dict:
    """One client, one request at a time, each with a clip id as a device sends it: server overhead
    with no queueing, its parts, and what the client sees beyond model time."""
    overhead, client_extra, parts = [], [], defaultdict(list)
    load_before = os.getloadavg()[0]
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
        for number in range(requests):
            started = time.perf_counter()
            clip_id = f"solo-{number}-{random.getrandbits(64):x}"
            async with http.post(f"{url}/v1/recognize", data=clips[number % len(clips)],
                                 headers={"Content-Type": "audio/wav", "X-Clip-Id": clip_id}) as response:
                body = await response.json()
            elapsed_ms = (time.perf_counter() - started) * 1000
            if response.status == 200:
                timings = body["timings"]
                overhead.append(timings["overhead_ms"])
                for part in ("decode_ms", "ipc_ms", "search_ms"):
                    parts[part].append(timings[part])
                parts["other_ms"].append(timings["overhead_ms"] - timings["decode_ms"] - timings["ipc_ms"]
                                         - timings["search_ms"])
                client_extra.append(elapsed_ms - timings["model_ms"] - timings["queue_ms"])
    return {"server_overhead": _percentiles(overhead), "client_seen_overhead": _percentiles(client_extra),
            "parts": {part: _percentiles(values) for part, values in parts.items()},
            "load_average_1min": {"before": load_before, "after": os.getloadavg()[0]}}


async def _load(url: str, tokens: list[str], clients: int, seconds: float) -> tuple[Tally, float]:
    tally, clips = Tally(), _clips()
    started = time.monotonic()
    await asyncio.gather(*(_client(n, url, tokens, clips, started + seconds, tally) for n in range(clients)))
    return tally, time.monotonic() - started


def run(clients: int, seconds: float, workers: int | None = None, solo_requests: int = SOLO_REQUESTS) -> dict:
    """Start a server, measure one client alone, then `clients` at once for `seconds`; return the report."""
    with tempfile.TemporaryDirectory() as tmp:
        config = "[limits]\nmax_queue = 32\nper_device_inflight = 4\nretry_after_s = 1\n"
        if workers:
            config += f"max_inferences = {workers}\n"
        server = start_server(Path(tmp) / "data", config)
        try:
            tokens = [server.token] + [add_token(server.data_dir, f"load-{n}") for n in range(DEVICES - 1)]
            solo = asyncio.run(_solo(server.url, server.token, _clips(), solo_requests))
            rss_before = _rss_mb(server.process.pid)
            tally, elapsed = asyncio.run(_load(server.url, tokens, clients, seconds))
            rss_after = _rss_mb(server.process.pid)
        finally:
            exit_status = stop_server(server.process)
    answered = sum(len(v) for v in tally.latency_ms.values())
    return {"clients": clients, "seconds": round(elapsed, 1), "answered": answered,
            "throughput_rps": round(answered / elapsed, 2),
            "recognize_rps": round(len(tally.latency_ms["recognize"]) / elapsed, 2),
            "latency": {k: _percentiles(v) for k, v in sorted(tally.latency_ms.items())},
            "overhead_under_load": _percentiles(tally.overhead_ms), "solo": solo,
            "statuses": dict(sorted(tally.statuses.items())), "errors": dict(tally.errors),
            "rss_mb": {"before": round(rss_before), "after": round(rss_after),
                       "growth": round(rss_after - rss_before)},
            "server_exit_status": exit_status}


def test_load_smoke():
    """A short run: only 2xx and deliberate 429/503, the server shuts down cleanly, the run stops."""
    report = run(clients=6, seconds=3.0)
    assert report["errors"] == {} and report["server_exit_status"] == 0, report
    assert report["answered"] > 0 and report["seconds"] < 60


def main() -> int:
    """Run with the size the environment asks for and print the report as JSON."""
    full = os.environ.get("EARSHOT_LOAD_FULL") == "1"
    clients = int(os.environ.get("EARSHOT_LOAD_CLIENTS", 64 if full else 8))
    seconds = float(os.environ.get("EARSHOT_LOAD_SECONDS", 60 if full else 5))
    workers = int(os.environ["EARSHOT_LOAD_WORKERS"]) if "EARSHOT_LOAD_WORKERS" in os.environ else None
    report = run(clients, seconds, workers, int(os.environ.get("EARSHOT_LOAD_SOLO", SOLO_REQUESTS)))
    print(json.dumps(report, indent=2))
    return 0 if not report["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
