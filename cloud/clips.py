"""Idempotent recognition: each (device, clip id) is processed once and its answer kept in SQLite.

A retry of a finished clip gets the stored answer. A retry that arrives while the first attempt
is still running in this process waits for it and shares its answer; one claimed by another
server process gets 409 with Retry-After. A failed attempt releases its claim so a retry can run.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from cloud.api_errors import ApiError, busy

RETENTION_S = 7 * 24 * 3600.0  # answers are kept a week; a device retries for far less long

_SCHEMA = """
CREATE TABLE IF NOT EXISTS clips (
    device TEXT NOT NULL,
    clip_id TEXT NOT NULL,
    audio_sha256 TEXT NOT NULL,
    answer TEXT,              -- JSON body; NULL while the clip is being processed
    claimed_at REAL NOT NULL,
    PRIMARY KEY (device, clip_id)
)
"""


@dataclass(frozen=True, slots=True)
class Claim:
    """The outcome of asking to process a clip: run it (answer None) or reuse a stored answer."""

    answer: dict | None


class ClipStore:
    """Claims, answers and replays of clips, in one SQLite file plus this process's in-flight map."""

    def __init__(self, path: Path, stale_after_s: float) -> None:
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across app crashes
        self._db.execute(_SCHEMA)
        self._stale_after_s = stale_after_s
        self._running: dict[tuple[str, str], asyncio.Future] = {}

    async def claim(self, device: str, clip_id: str, audio: bytes) -> Claim:
        """Claim a clip for processing, or return the answer of an earlier attempt with the same audio."""
        key, digest = (device, clip_id), hashlib.sha256(audio).hexdigest()
        now = time.time()
        inserted = self._db.execute(
            "INSERT OR IGNORE INTO clips (device, clip_id, audio_sha256, answer, claimed_at) VALUES (?, ?, ?, NULL, ?)",
            (device, clip_id, digest, now)).rowcount
        if inserted:
            self._running[key] = asyncio.get_running_loop().create_future()
            return Claim(None)
        stored_digest, answer, claimed_at = self._db.execute(
            "SELECT audio_sha256, answer, claimed_at FROM clips WHERE device = ? AND clip_id = ?", key).fetchone()
        if stored_digest != digest:
            raise ApiError(409, "clip_id_reused", f"clip id {clip_id!r} was already used for different audio")
        if answer is not None:
            return Claim(json.loads(answer))
        if key in self._running:
            return Claim(await asyncio.shield(self._running[key]))
        if now - claimed_at > self._stale_after_s:  # its process died mid-clip: take the claim over
            taken = self._db.execute("UPDATE clips SET claimed_at = ? WHERE device = ? AND clip_id = ? "
                                     "AND answer IS NULL AND claimed_at = ?", (now, *key, claimed_at)).rowcount
            if taken:
                self._running[key] = asyncio.get_running_loop().create_future()
                return Claim(None)
        raise busy(409, "clip_in_progress", f"clip {clip_id!r} is being processed; retry shortly", 1)

    def finish(self, device: str, clip_id: str, answer: dict) -> None:
        """Store the answer of a claimed clip and hand it to retries waiting in this process."""
        self._db.execute("UPDATE clips SET answer = ? WHERE device = ? AND clip_id = ?",
                         (json.dumps(answer, separators=(",", ":")), device, clip_id))
        future = self._running.pop((device, clip_id), None)
        if future is not None and not future.done():
            future.set_result(answer)

    def release(self, device: str, clip_id: str, error: ApiError) -> None:
        """Give up a claim after a failure, so that a retry processes the clip afresh."""
        self._db.execute("DELETE FROM clips WHERE device = ? AND clip_id = ? AND answer IS NULL", (device, clip_id))
        future = self._running.pop((device, clip_id), None)
        if future is not None and not future.done():
            future.set_exception(error)
            future.exception()  # mark retrieved: nobody may be waiting

    def prune(self, older_than_s: float = RETENTION_S) -> int:
        """Forget answers older than the retention period; return how many."""
        return self._db.execute("DELETE FROM clips WHERE answer IS NOT NULL AND claimed_at < ?",
                                (time.time() - older_than_s,)).rowcount

    def close(self) -> None:
        self._db.close()
