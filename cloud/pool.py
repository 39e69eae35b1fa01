"""Model inference off the event loop: a pool of worker processes, each holding its own Engine.

Processes, not threads: pocketsphinx holds the GIL for a whole utterance (measured: a 9.6 s clip
stalls a thread-pool server's event loop for 1.8 s), so threads would serialize decoding and
freeze every other request. Each worker loads the models once, in its initializer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from cloud.api_errors import ApiError, busy
from cloud.config import ModelConfig
from cloud.engine import DeviceHint, Engine
from cloud.recognizers.recognition import Recognition, pcm16

log = logging.getLogger(__name__)
WORKER_NICENESS = 5
_WARMUP_SAMPLES = 8000  # half a second of silence makes every worker load and run its models once

_engine: Engine | None = None  # this worker process's models, set by _init_worker


def _init_worker(config: ModelConfig, vocabulary: tuple[tuple[str, str], ...]) -> None:
    global _engine
    logging.basicConfig(level=logging.WARNING)
    with contextlib.suppress(OSError):
        # Below the event loop's priority: on a saturated machine the loop still answers at
        # once (search, telemetry, health, refusals) and workers take every cycle it leaves.
        os.nice(WORKER_NICENESS)
    _engine = Engine.from_config(config, vocabulary)


def _recognize(pcm: bytes, hint: DeviceHint | None) -> Recognition:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    return _engine.recognize(samples, hint)


def _warm_up(_: int) -> list[str]:
    _engine.recognize(np.zeros(_WARMUP_SAMPLES, dtype=np.float32))
    return _engine.names


class InferencePool:
    """Run recognition in `workers` processes; rebuild the pool if a worker dies."""

    def __init__(self, config: ModelConfig, vocabulary: tuple[tuple[str, str], ...], workers: int,
                 timeout_s: float, retry_after_s: int = 1, on_restart=lambda: None) -> None:
        self._config, self._vocabulary, self.workers = config, vocabulary, workers
        self._timeout_s, self._retry_after_s = timeout_s, retry_after_s
        self._executor: ProcessPoolExecutor | None = None
        self._on_restart = on_restart
        self.model_names: list[str] = []

    @property
    def running(self) -> bool:
        """Whether workers are up (False before start, while restarting after a crash, after close)."""
        return self._executor is not None

    async def start(self) -> None:
        """Start the workers and wait until each has loaded its models."""
        self._executor = self._new_executor()
        loop = asyncio.get_running_loop()
        jobs = [loop.run_in_executor(self._executor, _warm_up, n) for n in range(self.workers)]
        try:
            names = await asyncio.gather(*jobs)
        except BrokenProcessPool:
            raise ApiError(503, "models_unavailable", "model workers failed to start") from None
        self.model_names = names[0]

    def _new_executor(self) -> ProcessPoolExecutor:
        # "spawn": forking a process that runs an event loop and SQLite connections is unsafe.
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker, initargs=(self._config, self._vocabulary))

    async def recognize(self, samples: np.ndarray, hint: DeviceHint | None) -> Recognition:
        """Recognize 16 kHz float32 samples in a worker; 503 when it times out or the worker died."""
        if self._executor is None:
            raise busy(503, "models_unavailable", "the model workers are not running", self._retry_after_s)
        pcm = pcm16(samples)  # half the bytes of float32 to pickle, and exact for 16-bit input
        executor = self._executor
        try:
            future = asyncio.get_running_loop().run_in_executor(executor, _recognize, pcm, hint)
            return await asyncio.wait_for(future, self._timeout_s)
        except TimeoutError:
            raise busy(503, "model_timeout", f"recognition took longer than {self._timeout_s:g} s",
                       self._retry_after_s) from None
        except BrokenProcessPool:
            await self._restart(executor)
            raise busy(503, "worker_died", "a model worker died; the pool was restarted, retry",
                       self._retry_after_s) from None

    async def _restart(self, broken: ProcessPoolExecutor) -> None:
        if self._executor is not broken:  # another request restarted it already
            return
        log.error("a model worker died; restarting the pool")
        self._on_restart()
        self._executor = None
        broken.shutdown(wait=False, cancel_futures=True)
        try:
            await self.start()
        except ApiError:
            log.exception("model workers failed to restart")

    async def close(self) -> None:
        """Let running jobs finish, then stop the workers."""
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)
