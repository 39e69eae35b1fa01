"""Admission control: how many clips run and wait at once, overall and per device."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from cloud.api_errors import busy
from cloud.config import Limits


class Admission:
    """Let `max_inferences` clips run and `max_queue` wait; refuse the rest at once.

    A device over its own in-flight limit gets 429 (it is the one sending too much); everyone
    gets 503 when the shared queue is full (the server is the bottleneck). Both say Retry-After.
    """

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._slots = asyncio.Semaphore(limits.max_inferences)
        self._per_device: Counter[str] = Counter()
        self.running = 0
        self.waiting = 0

    @asynccontextmanager
    async def slot(self, device: str) -> AsyncIterator[float]:
        """Hold a model slot for `device`; yields the seconds spent waiting for it."""
        limits = self.limits
        if self._per_device[device] >= limits.per_device_inflight:
            raise busy(429, "too_many_requests", f"device {device!r} already has {limits.per_device_inflight} "
                       "clips in flight", limits.retry_after_s)
        if self.running >= limits.max_inferences and self.waiting >= limits.max_queue:
            raise busy(503, "overloaded", f"all {limits.max_inferences} model slots are busy and "
                       f"{limits.max_queue} clips are waiting", limits.retry_after_s)
        self._per_device[device] += 1
        started = time.perf_counter()
        try:
            self.waiting += 1
            try:
                await self._slots.acquire()
            finally:
                self.waiting -= 1
            self.running += 1
            try:
                yield time.perf_counter() - started
            finally:
                self.running -= 1
                self._slots.release()
        finally:
            self._per_device[device] -= 1
            if self._per_device[device] <= 0:
                del self._per_device[device]
