"""The `earshot index` and `earshot serve` commands: what they print and how they fail."""

from __future__ import annotations

import json
import socket

from cloud.search.searcher import Searcher
from tests.cloud.serving import earshot


def test_index_builds_the_search_index_in_the_data_dir(tmp_path):
    catalog = tmp_path / "songs.jsonl"
    catalog.write_text(json.dumps({"id": "s1", "title": "Blue in Green", "text": "A ballad.", "tags": ["jazz"]}) + "\n")
    result = earshot("index", str(catalog), "--data-dir", str(tmp_path / "data"))
    assert result.returncode == 0, result.stderr
    assert "indexed 1 documents" in result.stdout
    assert Searcher(tmp_path / "data" / "search.sqlite3").search(["blue in green"], 1)[0].id == "s1"


def test_index_reports_a_bad_catalog_in_one_line(tmp_path):
    catalog = tmp_path / "bad.jsonl"
    catalog.write_text('{"id": "x"}\n')
    result = earshot("index", str(catalog), "--data-dir", str(tmp_path))
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "bad.jsonl:1" in result.stderr


def test_serve_refuses_a_bad_config_and_a_busy_port(tmp_path):
    (tmp_path / "bad.toml").write_text("[limits]\nmax_queue = -3\n")
    result = earshot("serve", "--config", str(tmp_path / "bad.toml"), "--data-dir", str(tmp_path))
    assert result.returncode == 2 and "max_queue" in result.stderr
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = earshot("serve", "--port", str(port), "--data-dir", str(tmp_path))
    assert result.returncode == 2 and "cannot listen" in result.stderr
