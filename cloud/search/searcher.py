"""Voice search over the index: BM25 on words plus fuzzy spelling and phonetic name matching."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

from cloud.search.index import word_key
from cloud.search.keys import STOPWORDS, fold, spans, trigrams
from cloud.search.names import NameIndex

MAX_QUERY_WORDS = 24
CANDIDATES = 60  # BM25 matches considered per query
NAME_CANDIDATES = 100  # fuzzy name matches rescored exactly per query and method
FULL_EVIDENCE_CONSONANTS = 4  # a phonetic skeleton this long (e.g. 'rkyvk') is strong evidence
PARTIAL_COVERAGE = 0.7  # a name matching part of the query scores this much of one matching all of it
MIN_NAME_SIMILARITY = 0.5  # weaker fuzzy name matches are noise unless the words match too
PHONETIC_DISCOUNT = 0.95  # sounding alike is slightly weaker evidence than being spelled alike
TEXT_SHARE = 0.3  # how much word relevance (BM25) adds on top of the name match
ALTERNATIVE_WEIGHT = 0.85  # a recognizer's second-best guesses count less than its best
BM25_WEIGHTS = (10.0, 1.0, 3.0)  # title, text, tags
SNIPPET_CHARS = 160
MAX_REMEMBERED_WORDS = 100_000


@dataclass(frozen=True, slots=True)
class SearchResult:
    """One ranked catalog document."""

    id: str
    title: str
    score: float
    snippet: str
    tags: tuple[str, ...]
    match: str  # "name" (spelling), "phonetic" or "text": what found it

    def to_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "score": round(self.score, 4), "snippet": self.snippet,
                "tags": list(self.tags), "match": self.match}


@dataclass(slots=True)
class _Hit:
    score: float
    match: str
    text_query: str  # the FTS query whose match the snippet marks


class Searcher:
    """Answer queries (a transcript and its alternatives) from an index file; safe across threads."""

    def __init__(self, db_path: str | Path) -> None:
        self.db_path = Path(db_path)
        self._local = threading.local()
        self._keys: dict[str, str] = {}  # word -> phonetic skeleton; dict updates are atomic under the GIL
        db = self._db()
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
        self.documents = int(meta.get("documents", 0))
        rows = db.execute("SELECT doc, weight, spelling, phonetic FROM names ORDER BY rowid").fetchall()
        self._spelled = NameIndex([(doc, weight, spelling) for doc, weight, spelling, _ in rows])
        # Short skeletons ('rm' for Rome) collide with many words, so they count for less.
        self._sounded = NameIndex([(doc, weight * PHONETIC_DISCOUNT * min(1.0, len(key) / FULL_EVIDENCE_CONSONANTS),
                                    key) for doc, weight, _, key in rows])

    def search(self, queries: Sequence[str], limit: int = 5) -> list[SearchResult]:
        """Rank documents for the first query and, with less weight, the others; best first."""
        spans: dict[tuple[str, ...], float] = {}  # word run -> best weight over the queries
        text: dict[int, tuple[float, str]] = {}  # rowid -> (weighted BM25 share, the FTS query)
        matched: set[frozenset[str]] = set()  # word sets already looked up, at a weight no lower
        for position, query in enumerate(q for q in queries if q and q.strip()):
            weight = 1.0 if position == 0 else ALTERNATIVE_WEIGHT
            words = fold(query).split()[:MAX_QUERY_WORDS]
            for run, coverage in _runs(words):
                spans[run] = max(spans.get(run, 0.0), weight * coverage)
            content = dict.fromkeys(w for w in words if w not in STOPWORDS)
            # Alternatives often differ from the best guess only in stopwords or word order, which
            # give the same OR query and the same BM25 scores at a weight no higher: skip those.
            if not content or frozenset(content) in matched:
                continue
            matched.add(frozenset(content))
            match = " OR ".join(f'"{w}"' for w in content)
            for rowid, score in self._text_scores(match).items():
                if weight * score > text.get(rowid, (0.0, ""))[0]:
                    text[rowid] = (weight * score, match)
        names = self._name_scores(spans)
        hits = {}
        for rowid in set(text) | set(names):
            name_score, label = names.get(rowid, (0.0, "text"))
            text_score, match = text.get(rowid, (0.0, ""))
            if name_score >= MIN_NAME_SIMILARITY or text_score > 0:
                hits[rowid] = _Hit(name_score + TEXT_SHARE * text_score, label, match)
        # Scores are rounded before ranking so that ties go to the document listed first.
        ranked = sorted(hits.items(), key=lambda item: (-round(item[1].score, 6), item[0]))[:limit]
        return self._results(ranked)

    def _text_scores(self, match: str) -> dict[int, float]:
        rows = self._db().execute(
            "SELECT rowid, -bm25(docs_fts, ?, ?, ?) FROM docs_fts WHERE docs_fts MATCH ? "
            "ORDER BY bm25(docs_fts, ?, ?, ?) LIMIT ?",
            (*BM25_WEIGHTS, match, *BM25_WEIGHTS, CANDIDATES)).fetchall()
        best = max((s for _, s in rows), default=0.0)
        return {rowid: s / best for rowid, s in rows} if best > 0 else {}

    def _name_scores(self, spans: dict[tuple[str, ...], float]) -> dict[int, tuple[float, str]]:
        if not spans:
            return {}
        keys = self._sound_keys({w for run in spans for w in run})
        spelled = [(trigrams("".join(run)), weight) for run, weight in spans.items()]
        sounded = [(trigrams("".join(keys[w] for w in run)), weight) for run, weight in spans.items()]
        best = {doc: (score, "name") for doc, (score, _) in self._spelled.match(spelled, NAME_CANDIDATES).items()}
        for doc, (score, _) in self._sounded.match(sounded, NAME_CANDIDATES).items():
            if score > best.get(doc, (0.0, ""))[0]:
                best[doc] = (score, "phonetic")
        return best

    def _sound_keys(self, words: set[str]) -> dict[str, str]:
        """Phonetic skeletons of words, from the index's lexicon; remembered (speech reuses words)."""
        missing = sorted(words - self._keys.keys())
        if missing:
            lexicon = dict(self._db().execute(f"SELECT word, phones FROM lexicon WHERE word IN ({_marks(missing)})",
                                              missing))
            if len(self._keys) + len(missing) > MAX_REMEMBERED_WORDS:
                self._keys.clear()
            self._keys.update((w, word_key(w, lexicon)) for w in missing)
        return {w: self._keys[w] for w in words}

    def _results(self, ranked: list[tuple[int, _Hit]]) -> list[SearchResult]:
        """Ranked hits as results; documents, and snippets per FTS query, fetched in one query each."""
        if not ranked:
            return []
        db = self._db()
        rowids = [rowid for rowid, _ in ranked]
        docs = {row[0]: row[1:] for row in db.execute(
            f"SELECT rowid, id, title, text, tags FROM docs WHERE rowid IN ({_marks(rowids)})", rowids)}
        snippets: dict[int, str] = {}
        for query in dict.fromkeys(hit.text_query for _, hit in ranked if hit.text_query):
            wanted = [rowid for rowid, hit in ranked if hit.text_query == query]
            snippets.update(db.execute(
                "SELECT rowid, snippet(docs_fts, 1, '<b>', '</b>', '…', 16) FROM docs_fts "
                f"WHERE docs_fts MATCH ? AND rowid IN ({_marks(wanted)})", (query, *wanted)))
        results = []
        for rowid, hit in ranked:
            doc_id, title, text, tags = docs[rowid]
            snippet = snippets.get(rowid, "")
            if "<b>" not in snippet:  # nothing matched the words: the document's opening instead
                snippet = text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + "…"
            results.append(SearchResult(doc_id, title, hit.score, snippet, tuple(json.loads(tags)), hit.match))
        return results

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, check_same_thread=False)
            self._local.db = db
        return db


def _runs(words: list[str]) -> list[tuple[tuple[str, ...], float]]:
    """Word runs that may name a document, each weighted by how much of the query it covers.

    A name that explains more of what was said is a better answer ("San Francisco, California"
    over "San" for "san francisco california"); runs may not start or end with a stopword.
    """
    counted = list(accumulate((w not in STOPWORDS for w in words), initial=0))  # content words before each
    return [(tuple(words[i:j]), PARTIAL_COVERAGE + (1 - PARTIAL_COVERAGE) * (counted[j] - counted[i]) / counted[-1])
            for i, j in spans(words) if words[i] not in STOPWORDS and words[j - 1] not in STOPWORDS]


def _marks(values: list) -> str:
    """SQL placeholders for `values`: '?,?,?'."""
    return ",".join("?" * len(values))
