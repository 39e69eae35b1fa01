"""Idempotency: a clip id is processed once; retries get the first answer."""

from __future__ import annotations

import asyncio

import pytest

from cloud.api_errors import ApiError
from cloud.clips import ClipStore

pytestmark = pytest.mark.asyncio


async def test_claim_finish_replay(tmp_path):
    store = ClipStore(tmp_path / "c.sqlite3", stale_after_s=60)
    assert (await store.claim("pi", "c1", b"audio")).answer is None
    waiting = asyncio.create_task(store.claim("pi", "c1", b"audio"))  # a retry while the first runs
    await asyncio.sleep(0)
    store.finish("pi", "c1", {"text": "hello"})
    assert (await waiting).answer == {"text": "hello"}
    assert (await store.claim("pi", "c1", b"audio")).answer == {"text": "hello"}
    reopened = ClipStore(tmp_path / "c.sqlite3", stale_after_s=60)  # answers survive a restart
    assert (await reopened.claim("pi", "c1", b"audio")).answer == {"text": "hello"}
    assert (await reopened.claim("other-device", "c1", b"audio")).answer is None


async def test_reuse_for_other_audio_is_a_conflict(tmp_path):
    store = ClipStore(tmp_path / "c.sqlite3", stale_after_s=60)
    await store.claim("pi", "c1", b"audio")
    with pytest.raises(ApiError) as error:
        await store.claim("pi", "c1", b"other audio")
    assert (error.value.status, error.value.code) == (409, "clip_id_reused")


async def test_a_failed_attempt_can_be_retried(tmp_path):
    store = ClipStore(tmp_path / "c.sqlite3", stale_after_s=60)
    await store.claim("pi", "c1", b"audio")
    waiting = asyncio.create_task(store.claim("pi", "c1", b"audio"))
    await asyncio.sleep(0)
    store.release("pi", "c1", ApiError(503, "overloaded", "busy"))
    with pytest.raises(ApiError):
        await waiting
    assert (await store.claim("pi", "c1", b"audio")).answer is None


async def test_a_claim_held_by_another_process_is_409_until_stale(tmp_path):
    path = tmp_path / "c.sqlite3"
    await ClipStore(path, stale_after_s=60).claim("pi", "c1", b"audio")  # "another process"
    with pytest.raises(ApiError) as error:
        await ClipStore(path, stale_after_s=60).claim("pi", "c1", b"audio")
    assert (error.value.status, error.value.headers["Retry-After"]) == (409, "1")
    assert (await ClipStore(path, stale_after_s=0).claim("pi", "c1", b"audio")).answer is None
