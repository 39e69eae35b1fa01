"""Admission control: per-device 429 and queue-full 503, both with Retry-After."""

from __future__ import annotations

import asyncio

import pytest

from cloud.admission import Admission
from cloud.api_errors import ApiError
from cloud.config import Limits

pytestmark = pytest.mark.asyncio


async def test_slots_queue_and_refusals():
    admission = Admission(Limits(max_inferences=1, max_queue=1, per_device_inflight=2, retry_after_s=4))
    release = asyncio.Event()

    async def hold(device):
        async with admission.slot(device):
            await release.wait()

    first = asyncio.create_task(hold("a"))
    await asyncio.sleep(0)
    second = asyncio.create_task(hold("a"))  # waits in the queue
    await asyncio.sleep(0)
    assert (admission.running, admission.waiting) == (1, 1)
    with pytest.raises(ApiError) as per_device:
        async with admission.slot("a"):
            pass
    assert (per_device.value.status, per_device.value.headers["Retry-After"]) == (429, "4")
    with pytest.raises(ApiError) as full:
        async with admission.slot("b"):
            pass
    assert full.value.status == 503 and full.value.code == "overloaded"
    release.set()
    await asyncio.gather(first, second)
    assert (admission.running, admission.waiting) == (0, 0)
    async with admission.slot("b") as waited_s:
        assert waited_s >= 0


async def test_a_failing_clip_gives_its_slot_back():
    admission = Admission(Limits(max_inferences=1, max_queue=0, per_device_inflight=1))
    with pytest.raises(RuntimeError):
        async with admission.slot("a"):
            raise RuntimeError("model failed")
    async with admission.slot("a"):
        assert admission.running == 1


async def test_a_queue_that_would_take_too_long_is_refused_with_a_matching_retry_after():
    admission = Admission(Limits(max_inferences=1, max_queue=10, per_device_inflight=10, max_wait_s=5.0,
                                 retry_after_s=1))
    admission.observe(audio_s=10.0, model_s=10.0)  # the model runs at about real time
    release = asyncio.Event()

    async def hold(seconds):
        async with admission.slot("a", seconds):
            await release.wait()

    tasks = [asyncio.create_task(hold(s)) for s in (4.0, 4.0, 4.0)]  # one runs, two wait
    await asyncio.sleep(0)
    assert admission.expected_wait_s() > 5.0
    with pytest.raises(ApiError) as refused:
        async with admission.slot("b", 1.0):
            pass
    assert refused.value.status == 503 and int(refused.value.headers["Retry-After"]) >= 1
    release.set()
    await asyncio.gather(*tasks)
    assert admission.expected_wait_s() == 0.0
