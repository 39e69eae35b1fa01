"""The catalog words a recognizer should know, with pronunciations, from a catalog or an index."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from cloud.lexicon import cmudict_path, pronounce, read_dictionary
from cloud.search.catalog import default_catalog_path, read_catalog
from cloud.search.keys import fold


def catalog_vocabulary(catalog: str) -> tuple[tuple[str, str], ...]:
    """(word, phones) for every title word of `catalog` ("default", "none" or a JSONL path)."""
    if catalog == "none":
        return ()
    path = default_catalog_path() if catalog in ("", "default") else Path(catalog)
    words = sorted({w for doc in read_catalog(path) for w in fold(doc.title).split()})
    return tuple(sorted(pronounce(words, read_dictionary(cmudict_path())).items()))


def index_vocabulary(db_path: str | Path) -> tuple[tuple[str, str], ...]:
    """(word, phones) stored in a search index built by `earshot index`."""
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        return tuple(db.execute("SELECT word, phones FROM vocab ORDER BY word").fetchall())
