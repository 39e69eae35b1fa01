"""Admission control: how many clips run and wait at once, overall and per device."""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from cloud.api_errors import busy
from cloud.config import Limits

INITIAL_RTF = 0.5  # model seconds per audio second before any clip has been timed
RTF_SMOOTHING = 0.2  # weight of the newest clip in the running real-time-factor estimate
MAX_RETRY_AFTER_S = 60


class Admission:
    """Let `max_inferences` clips run; queue more only while the expected wait stays short.

    A device over its own in-flight limit gets 429 (it is the one sending too much). Everyone
    gets 503 when the queue holds `max_queue` clips or its audio would take longer than
    `max_wait_s` to work through at the measured speed (the server is the bottleneck); the
    Retry-After then says when the queue should have drained.
    """

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._slots = asyncio.Semaphore(limits.max_inferences)
        self._per_device: Counter[str] = Counter()
        self.running = 0
        self.waiting = 0
        self.rtf = INITIAL_RTF
        self._queued_audio_s = 0.0
        self._running_audio_s = 0.0

    def expected_wait_s(self) -> float:
        """Seconds until a clip arriving now would start: the queue's audio at the measured speed."""
        if self.running < self.limits.max_inferences:
            return 0.0
        # Running clips are on average half done.
        work_s = (self._queued_audio_s + self._running_audio_s / 2) * self.rtf
        return work_s / self.limits.max_inferences

    def observe(self, audio_s: float, model_s: float) -> None:
        """Update the real-time-factor estimate from a finished clip."""
        if audio_s > 0:
            self.rtf += RTF_SMOOTHING * (model_s / audio_s - self.rtf)

    @asynccontextmanager
    async def slot(self, device: str, audio_s: float = 0.0) -> AsyncIterator[float]:
        """Hold a model slot for `device`'s clip of `audio_s`; yields the seconds spent waiting for it."""
        limits = self.limits
        if self._per_device[device] >= limits.per_device_inflight:
            raise busy(429, "too_many_requests", f"device {device!r} already has {limits.per_device_inflight} "
                       "clips in flight", limits.retry_after_s)
        wait_s = self.expected_wait_s()
        if self.running >= limits.max_inferences and (self.waiting >= limits.max_queue or wait_s > limits.max_wait_s):
            retry_s = min(MAX_RETRY_AFTER_S, max(limits.retry_after_s, math.ceil(wait_s - limits.max_wait_s)))
            raise busy(503, "overloaded", f"all {limits.max_inferences} model slots are busy and the queue "
                       f"({self.waiting} clips, about {wait_s:.0f} s of work) is full", retry_s)
        self._per_device[device] += 1
        started = time.perf_counter()
        try:
            self.waiting += 1
            self._queued_audio_s += audio_s
            try:
                await self._slots.acquire()
            finally:
                self.waiting -= 1
                self._queued_audio_s -= audio_s
            self.running += 1
            self._running_audio_s += audio_s
            try:
                yield time.perf_counter() - started
            finally:
                self.running -= 1
                self._running_audio_s -= audio_s
                self._slots.release()
        finally:
            self._per_device[device] -= 1
            if self._per_device[device] <= 0:
                del self._per_device[device]
