"""Model inference off the event loop: worker processes, each holding its own Engine.

Processes, not threads: pocketsphinx holds the GIL for a whole utterance (measured: a 9.6 s clip
stalls a thread-pool server's event loop for 1.8 s), so threads would serialize decoding and
freeze every other request. Each worker (cloud/worker.py) loads the models once and talks to
the event loop over a socket of its own, which the loop reads and writes with asyncio streams:
a clip's round trip wakes the worker and the loop and nothing else. ProcessPoolExecutor, used
before, passes every job through a feeder and a manager thread, three more wake-ups: the round
trip beyond model time (`timings.ipc_ms`, bench_server_load.py's one-client phase) fell from
1.7-1.8 ms to 1.3 ms at p50 without them. A worker that dies, or overruns the inference
timeout, is replaced on its own while the others keep serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import socket
from collections import deque

import numpy as np

from cloud import worker
from cloud.api_errors import ApiError, busy
from cloud.config import ModelConfig
from cloud.engine import DeviceHint
from cloud.recognizers.recognition import Recognition, pcm16

log = logging.getLogger(__name__)
RESTART_DELAY_S = 1.0  # between attempts to replace a worker whose models failed to load
STOP_TIMEOUT_S = 10.0  # how long a worker gets to exit once its socket is closed


class WorkerDied(Exception):
    """A worker process exited before answering."""


class _Worker:
    """One model process, the streams to it, and the answers it owes, oldest first."""

    def __init__(self, process, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, names: list[str]) -> None:
        self.process, self.names = process, names
        self._reader, self._writer = reader, writer
        self._owed: deque[asyncio.Future] = deque()
        self._stopping = False
        self.exited = asyncio.get_running_loop().create_future()  # done when its socket closes
        self._reading = asyncio.create_task(self._read_answers())

    @classmethod
    async def start(cls, config: ModelConfig, vocabulary: tuple[tuple[str, str], ...]) -> _Worker:
        """Spawn a worker and wait until its models are loaded; 503 ApiError if it exits first."""
        ours, theirs = socket.socketpair()
        # "spawn": forking a process that runs an event loop and SQLite connections is unsafe.
        process = multiprocessing.get_context("spawn").Process(
            target=worker.serve, args=(theirs, config, vocabulary), name="earshot-model-worker", daemon=True)
        try:
            await asyncio.to_thread(_launch, process, theirs)
        except BaseException:
            ours.close()
            raise
        reader, writer = await asyncio.open_connection(sock=ours)
        try:
            names = await _read(reader)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            await asyncio.to_thread(process.join, STOP_TIMEOUT_S)
            raise ApiError(503, "models_unavailable",
                           f"a model worker exited while loading its models (exit code {process.exitcode})") from None
        except BaseException:  # cancelled: the worker exits when it finds its socket closed
            writer.close()
            raise
        return cls(process, reader, writer, names)

    @property
    def alive(self) -> bool:
        return not self._stopping and not self.exited.done()

    def submit(self, pcm: bytes, hint: DeviceHint | None) -> asyncio.Future:
        """Send a clip; the future gets the worker's answer (a Recognition or an exception) or WorkerDied."""
        answer = asyncio.get_running_loop().create_future()
        if self.exited.done():
            answer.set_exception(WorkerDied())
            return answer
        self._owed.append(answer)
        self._writer.write(worker.encode((pcm, hint)))
        return answer

    def kill(self) -> None:
        """Stop the worker now (its clip overran); its socket closes and the pool replaces it."""
        self._stopping = True
        with contextlib.suppress(OSError):
            self.process.kill()

    async def stop(self, patience_s: float) -> None:
        """Let it finish the clips it has (up to `patience_s`), then close its socket and wait for it to exit."""
        self._stopping = True
        if self._owed:
            await asyncio.wait(list(self._owed), timeout=patience_s)
        self._writer.close()
        await asyncio.to_thread(self.process.join, STOP_TIMEOUT_S)
        if self.process.exitcode is None:
            self.kill()
            await asyncio.to_thread(self.process.join)
        await asyncio.shield(self.exited)

    async def _read_answers(self) -> None:
        try:
            while True:
                message = await _read(self._reader)
                answer = self._owed.popleft()
                if not answer.done():
                    answer.set_result(message)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the worker exited (or was stopped)
        finally:
            while self._owed:
                answer = self._owed.popleft()
                if not answer.done():
                    answer.set_exception(WorkerDied())
            if not self.exited.done():
                self.exited.set_result(None)


class InferencePool:
    """Run recognition in `workers` processes, one clip each at a time."""

    def __init__(self, config: ModelConfig, vocabulary: tuple[tuple[str, str], ...], workers: int,
                 timeout_s: float, retry_after_s: int = 1, on_restart=lambda: None) -> None:
        self._config, self._vocabulary, self.workers = config, vocabulary, workers
        self._timeout_s, self._retry_after_s = timeout_s, retry_after_s
        self._on_restart = on_restart
        self._workers: set[_Worker] = set()
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._tasks: set[asyncio.Task] = set()  # watchers of live workers, replacements being started
        self._open = False
        self.model_names: list[str] = []

    @property
    def running(self) -> bool:
        """Whether a worker is up (False before start, while every worker is being replaced, after close)."""
        return self._open and any(w.alive for w in self._workers)

    async def start(self) -> None:
        """Start the workers and wait until each has loaded its models."""
        self._open = True
        started = await asyncio.gather(*(_Worker.start(self._config, self._vocabulary) for _ in range(self.workers)),
                                       return_exceptions=True)
        for new in started:
            if isinstance(new, _Worker):
                self._adopt(new)
        failures = [s for s in started if not isinstance(s, _Worker)]
        if failures:
            await self.close()
            log.error("model workers failed to start: %s", failures[0])
            raise ApiError(503, "models_unavailable", "model workers failed to start")
        self.model_names = started[0].names

    async def recognize(self, samples: np.ndarray, hint: DeviceHint | None) -> Recognition:
        """Recognize 16 kHz float32 samples in a worker; 503 when it times out or the worker died."""
        if not self.running:
            raise busy(503, "models_unavailable", "the model workers are not running", self._retry_after_s)
        pcm = pcm16(samples)  # half the bytes of float32 to send, and exact for 16-bit input
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timeout_s
        try:
            chosen = await asyncio.wait_for(self._take(), self._timeout_s)
        except asyncio.TimeoutError:
            raise self._timed_out() from None
        answer = chosen.submit(pcm, hint)
        answer.add_done_callback(lambda _: self._release(chosen, answer))
        try:
            # Shielded: a cancelled request leaves the worker to finish the clip before its next one.
            result = await asyncio.wait_for(asyncio.shield(answer), max(0.0, deadline - loop.time()))
        except asyncio.TimeoutError:
            chosen.kill()  # still busy with the clip: a fresh worker takes its place
            raise self._timed_out() from None
        except WorkerDied:
            raise busy(503, "worker_died", "a model worker died and is being replaced; retry",
                       self._retry_after_s) from None
        if isinstance(result, BaseException):
            raise result
        return result

    async def close(self) -> None:
        """Let clips being recognized finish, then stop the workers."""
        self._open = False
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*(w.stop(self._timeout_s) for w in list(self._workers)))
        self._workers.clear()

    async def _take(self) -> _Worker:
        while not (chosen := await self._idle.get()).alive:
            pass  # a worker that was killed or exited while idle
        return chosen

    def _release(self, chosen: _Worker, answer: asyncio.Future) -> None:
        if not answer.cancelled():
            answer.exception()  # retrieved here, so a request that gave up leaves no warning behind
        if chosen.alive:
            self._idle.put_nowait(chosen)

    def _timed_out(self) -> ApiError:
        return busy(503, "model_timeout", f"recognition took longer than {self._timeout_s:g} s", self._retry_after_s)

    def _adopt(self, new: _Worker) -> None:
        self._workers.add(new)
        self._idle.put_nowait(new)
        self._run(self._watch(new))

    async def _watch(self, watched: _Worker) -> None:
        """When a worker exits while the pool is open, start another in its place."""
        await asyncio.shield(watched.exited)  # cancelling this watcher must not cancel `exited`
        self._workers.discard(watched)
        if not self._open:
            return
        await asyncio.to_thread(watched.process.join, STOP_TIMEOUT_S)
        log.error("a model worker exited (exit code %s); starting another", watched.process.exitcode)
        self._on_restart()
        while self._open:
            try:
                new = await _Worker.start(self._config, self._vocabulary)
            except Exception:  # noqa: BLE001 - keep trying: the models loaded once, they should again
                log.exception("a replacement model worker failed to start")
                await asyncio.sleep(RESTART_DELAY_S)
                continue
            if self._open:
                self._adopt(new)
            else:
                await new.stop(0.0)
            return

    def _run(self, coroutine) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _launch(process, theirs: socket.socket) -> None:
    """Start a worker process (this blocks until the child has read its arguments), then close our
    copy of its end of the socket. Done together in one thread: closing the socket while the
    process is being started, as a cancelled start could, makes the child fail silently and the
    start block for ever."""
    try:
        process.start()
    finally:
        theirs.close()


async def _read(reader: asyncio.StreamReader) -> object:
    """The next message from a worker (see cloud/worker.py)."""
    size = worker.HEADER.unpack(await reader.readexactly(worker.HEADER.size))[0]
    return worker.decode(await reader.readexactly(size))
