"""Device bearer tokens: issued once, stored only as SHA-256 hashes in SQLite, revocable."""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from edge.errors import EarshotError

TOKEN_PREFIX = "es_"
# A token carries 256 random bits, so a fast hash is enough: nobody can brute-force the preimage,
# and verifying costs microseconds per request instead of the tens of ms scrypt would add.
_TOKEN_BYTES = 32
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    name TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    hint TEXT NOT NULL,
    created_at REAL NOT NULL,
    revoked_at REAL
)
"""


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What `earshot tokens list` shows about one device's token (never the token itself)."""

    name: str
    hint: str  # the first characters of the token, to tell tokens apart
    created_at: float
    revoked_at: float | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class TokenStore:
    """Issue, verify and revoke device tokens kept in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)

    def add(self, name: str) -> str:
        """Create a token for device `name` and return it; only its hash is stored."""
        if not _NAME.match(name):
            raise EarshotError(f"device name {name!r} must be 1-64 letters, digits, '.', '_' or '-'")
        token = TOKEN_PREFIX + secrets.token_urlsafe(_TOKEN_BYTES)
        row = self._db.execute("SELECT revoked_at FROM tokens WHERE name = ?", (name,)).fetchone()
        if row is not None and row[0] is None:
            raise EarshotError(f"device {name!r} already has an active token; revoke it first")
        self._db.execute("INSERT OR REPLACE INTO tokens (name, hash, hint, created_at, revoked_at) "
                         "VALUES (?, ?, ?, ?, NULL)", (name, _hash(token), token[:7], time.time()))
        return token

    def revoke(self, name: str) -> None:
        """Revoke the active token of device `name`."""
        cursor = self._db.execute("UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                                  (time.time(), name))
        if cursor.rowcount == 0:
            raise EarshotError(f"no active token for device {name!r}")

    def list(self) -> list[TokenInfo]:
        """Every device that has or had a token, by name."""
        rows = self._db.execute("SELECT name, hint, created_at, revoked_at FROM tokens ORDER BY name")
        return [TokenInfo(*row) for row in rows]

    def verify(self, token: str) -> TokenInfo | None:
        """The record a token belongs to (check `.active`), or None when it was never issued."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 128:
            return None
        row = self._db.execute("SELECT name, hint, created_at, revoked_at FROM tokens WHERE hash = ?",
                               (_hash(token),)).fetchone()
        return TokenInfo(*row) if row else None

    def close(self) -> None:
        self._db.close()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
