"""A cache of compiled language models, so a cold start does not re-read the ARPA text.

Parsing a bundle's ARPA file and building the beam kernel's tables from it take about half a second
each start. The first load pickles the compact model (edge.decoding.compact_lm: the tables alone,
not the parsed dicts) into the user's cache folder (platformdirs' user_cache_dir("earshot"), or
$EARSHOT_CACHE_DIR), keyed by a hash of the ARPA file's bytes and of this module's FORMAT, so an
edited LM or a new table layout never reads a stale entry. Entries are named after the FORMAT too,
and storing one removes the entries of other formats, which no start of this version can read
(lm-cache-1's pickles of the parsed model were 17.5 MB each). A cache that cannot be written
(read-only home) only costs the time; a damaged entry is parsed again and replaced.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from edge.decoding.compact_lm import CompactLM
from edge.decoding.lm import NgramLM

FORMAT = "lm-cache-2"


def cache_dir() -> Path:
    override = os.environ.get("EARSHOT_CACHE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("earshot"))


def load_cached(path: str | Path) -> CompactLM:
    """CompactLM.of(NgramLM.load(path)), from the cache when an entry matches."""
    path = Path(path)
    try:
        digest = hashlib.sha1(FORMAT.encode() + path.read_bytes()).hexdigest()[:20]
    except OSError:
        return CompactLM.of(NgramLM.load(path))  # names the file and the problem
    entry = cache_dir() / f"{FORMAT}-{digest}.pickle"
    try:
        with open(entry, "rb") as handle:
            lm = pickle.load(handle)
        if isinstance(lm, CompactLM):
            return lm
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        pass
    lm = CompactLM.of(NgramLM.load(path))
    _store(lm, entry)
    return lm


def _store(lm: CompactLM, entry: Path) -> None:
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=entry.parent, prefix=".lm-", delete=False) as handle:
            pickle.dump(lm, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, entry)
        for other in entry.parent.glob("lm-*.pickle"):
            if not other.name.startswith(f"{FORMAT}-"):
                other.unlink(missing_ok=True)
    except OSError:
        pass
