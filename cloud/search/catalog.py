"""Search catalogs: JSONL documents with id, title, text and tags, checked line by line."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from edge.errors import EarshotError

MAX_FIELD_CHARS = 10_000
MAX_TAGS = 32


@dataclass(frozen=True, slots=True)
class Document:
    """One searchable catalog entry."""

    id: str
    title: str
    text: str = ""
    tags: tuple[str, ...] = ()


def default_catalog_path() -> Path:
    """The places catalog shipped in cloud/data (see cloud/data/README.md for its sources)."""
    return Path(str(resources.files("cloud") / "data" / "places.jsonl"))


def read_catalog(path: str | Path) -> list[Document]:
    """Read and check a JSONL catalog; errors name the file, the line and the problem."""
    path = Path(path)
    try:
        handle = open(path, encoding="utf-8")
    except OSError as exc:
        raise EarshotError(f"{path}: cannot read catalog ({exc.strerror})") from None
    documents: list[Document] = []
    seen: set[str] = set()
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            document = _parse(line, f"{path}:{number}")
            if document.id in seen:
                raise EarshotError(f"{path}:{number}: duplicate id {document.id!r}")
            seen.add(document.id)
            documents.append(document)
    if not documents:
        raise EarshotError(f"{path}: catalog has no documents")
    return documents


def _parse(line: str, where: str) -> Document:
    try:
        record = json.loads(line)
    except ValueError as exc:
        raise EarshotError(f"{where}: not valid JSON ({exc.msg})") from None
    if not isinstance(record, dict):
        raise EarshotError(f"{where}: each line must be a JSON object")
    unknown = set(record) - {"id", "title", "text", "tags"}
    if unknown:
        raise EarshotError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}; "
                           "expected id, title, text, tags")
    doc_id, title = record.get("id"), record.get("title")
    text, tags = record.get("text", ""), record.get("tags", [])
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    for name, value in (("id", doc_id), ("title", title)):
        if not isinstance(value, str) or not value.strip():
            raise EarshotError(f"{where}: '{name}' must be a non-empty string")
    if not isinstance(text, str):
        raise EarshotError(f"{where}: 'text' must be a string")
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags) or len(tags) > MAX_TAGS:
        raise EarshotError(f"{where}: 'tags' must be a list of at most {MAX_TAGS} strings")
    if max(len(doc_id), len(title), len(text)) > MAX_FIELD_CHARS:
        raise EarshotError(f"{where}: a field is longer than {MAX_FIELD_CHARS} characters")
    return Document(doc_id.strip(), title.strip(), text, tuple(t.strip() for t in tags if t.strip()))
