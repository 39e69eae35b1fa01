"""Build the search index: catalog documents into SQLite (FTS5 for BM25 words; name keys; lexicon)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import time
from pathlib import Path

from cloud.lexicon import cmudict_path, pronounce, read_dictionary
from cloud.search.catalog import Document, read_catalog
from cloud.search.keys import fold, phones_key, spelling_key

log = logging.getLogger(__name__)
INDEX_FORMAT = "2"
SECONDARY_NAME_WEIGHT = 0.8  # "Paris" in "Lyon, France" counts less than a document's own name

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, title TEXT NOT NULL,
                   text TEXT NOT NULL, tags TEXT NOT NULL);
CREATE VIRTUAL TABLE docs_fts USING fts5(title, text, tags, content='docs', content_rowid='rowid',
                                         tokenize='porter unicode61 remove_diacritics 2');
CREATE TABLE names (rowid INTEGER PRIMARY KEY, doc INTEGER NOT NULL, weight REAL NOT NULL,
                    spelling TEXT NOT NULL, phonetic TEXT NOT NULL);
CREATE TABLE lexicon (word TEXT PRIMARY KEY, phones TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE vocab (word TEXT PRIMARY KEY, phones TEXT NOT NULL) WITHOUT ROWID;
"""


def build_index(catalog: str | Path, db_path: str | Path) -> dict:
    """Index a JSONL catalog into `db_path` (replaced atomically); return a summary of what was built."""
    started = time.perf_counter()
    catalog, db_path = Path(catalog), Path(db_path)
    documents = read_catalog(catalog)
    lexicon = read_dictionary(cmudict_path())
    words = sorted({w for d in documents for w in fold(d.title).split()})
    vocab = pronounce(words, lexicon)
    lexicon.update(vocab)
    tmp = db_path.with_name(db_path.name + f".tmp{os.getpid()}")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    try:
        db.executescript(_SCHEMA)
        _insert_documents(db, documents, lexicon)
        db.executemany("INSERT INTO lexicon VALUES (?, ?)", sorted(lexicon.items()))
        db.executemany("INSERT INTO vocab VALUES (?, ?)", sorted(vocab.items()))
        db.execute("INSERT INTO docs_fts(docs_fts) VALUES ('optimize')")
        summary = {"catalog": str(catalog), "catalog_sha256": _sha256(catalog), "documents": len(documents),
                   "title_words": len(words), "pronounced": len(vocab), "format": INDEX_FORMAT,
                   "built_at": time.time()}
        db.executemany("INSERT INTO meta VALUES (?, ?)", [(k, str(v)) for k, v in summary.items()])
        db.commit()
    finally:
        db.close()
    os.replace(tmp, db_path)
    summary["seconds"] = round(time.perf_counter() - started, 2)
    log.info("indexed %d documents from %s into %s", len(documents), catalog, db_path)
    return summary


def index_is_current(db_path: Path, catalog: Path) -> bool:
    """Whether `db_path` was built, in this format, from a catalog with the same contents."""
    if not db_path.exists():
        return False
    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
            meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.Error:
        return False
    try:
        return meta.get("format") == INDEX_FORMAT and meta.get("catalog_sha256") == _sha256(catalog)
    except OSError:  # the catalog is unreadable: build_index will say why
        return False


def word_key(word: str, lexicon: dict[str, str]) -> str:
    """A word's phonetic skeleton: from its pronunciation when known, else from its spelling."""
    phones = lexicon.get(word)
    return phones_key(phones) if phones else spelling_key(word)


def _insert_documents(db: sqlite3.Connection, documents: list[Document], lexicon: dict[str, str]) -> None:
    for rowid, doc in enumerate(documents, 1):
        db.execute("INSERT INTO docs VALUES (?, ?, ?, ?, ?)",
                   (rowid, doc.id, doc.title, doc.text, json.dumps(list(doc.tags))))
        db.execute("INSERT INTO docs_fts(rowid, title, text, tags) VALUES (?, ?, ?, ?)",
                   (rowid, doc.title, doc.text, " ".join(doc.tags)))
        for name, weight in _names(doc.title):
            words = fold(name).split()
            if not words:
                continue
            spelling = "".join(words)
            phonetic = "".join(word_key(w, lexicon) for w in words)
            db.execute("INSERT INTO names (doc, weight, spelling, phonetic) VALUES (?, ?, ?, ?)",
                       (rowid, weight, spelling, phonetic))


def _names(title: str) -> list[tuple[str, float]]:
    """The ways a document can be named: its whole title and each comma-separated part of it."""
    parts = [p.strip() for p in title.split(",") if p.strip()]
    names = {title: 1.0}
    for position, part in enumerate(parts):
        names.setdefault(part, 1.0 if position == 0 else SECONDARY_NAME_WEIGHT)
    return list(names.items())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
