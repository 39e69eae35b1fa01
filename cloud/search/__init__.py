"""Voice search: catalogs, the SQLite FTS5 index and error-tolerant ranking."""
