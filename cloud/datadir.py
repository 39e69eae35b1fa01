"""Where the server's state lives: one data directory holding tokens, search index and telemetry."""

from __future__ import annotations

import os
from pathlib import Path

from edge.errors import EarshotError

DATA_DIR_ENV = "EARSHOT_DATA_DIR"
TOKENS_DB = "tokens.sqlite3"
SEARCH_DB = "search.sqlite3"
CLIPS_DB = "clips.sqlite3"  # answers by clip id (idempotency)
TELEMETRY_DB = "telemetry.sqlite3"


def resolve_data_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The data directory: `explicit`, else $EARSHOT_DATA_DIR, else the user's data directory."""
    if explicit:
        path = Path(explicit)
    elif os.environ.get(DATA_DIR_ENV):
        path = Path(os.environ[DATA_DIR_ENV])
    else:
        from platformdirs import user_data_dir  # imported late: only the fallback needs it
        path = Path(user_data_dir("earshot", appauthor=False))
    path = path.expanduser()
    if path.exists() and not path.is_dir():
        raise EarshotError(f"{path}: data directory is a file, not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EarshotError(f"{path}: cannot create data directory ({exc.strerror})") from None
    return path
