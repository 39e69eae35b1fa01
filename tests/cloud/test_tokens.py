"""Device tokens: stored hashed, verified, revoked; the `earshot tokens` command."""

from __future__ import annotations

import sqlite3

import pytest

from cloud.tokens import TokenStore
from edge.errors import EarshotError
from tests.cloud.serving import earshot


def test_tokens_are_stored_only_as_hashes(tmp_path):
    store = TokenStore(tmp_path / "tokens.sqlite3")
    token = store.add("kitchen-pi")
    assert token.startswith("es_") and len(token) > 40
    dump = "\n".join(sqlite3.connect(tmp_path / "tokens.sqlite3").iterdump())
    assert token not in dump and token[3:] not in dump
    assert store.verify(token).name == "kitchen-pi" and store.verify(token).active
    assert store.verify(token + "x") is None and store.verify("") is None and store.verify("Bearer") is None


def test_revoked_tokens_stop_working_and_a_new_one_can_be_issued(tmp_path):
    store = TokenStore(tmp_path / "tokens.sqlite3")
    old = store.add("pi")
    with pytest.raises(EarshotError, match="already has an active token"):
        store.add("pi")
    store.revoke("pi")
    assert store.verify(old).active is False
    with pytest.raises(EarshotError, match="no active token"):
        store.revoke("pi")
    new = store.add("pi")
    assert store.verify(new).active and store.verify(old) is None
    assert [(t.name, t.active) for t in store.list()] == [("pi", True)]


@pytest.mark.parametrize("name", ["", "has space", "a/b", "x" * 65, "-leading-dash"])
def test_bad_device_names_are_refused(tmp_path, name):
    with pytest.raises(EarshotError, match="device name"):
        TokenStore(tmp_path / "t.sqlite3").add(name)


def test_tokens_command_prints_the_token_alone_on_its_last_line(tmp_path):
    added = earshot("tokens", "add", "porch", "--data-dir", str(tmp_path))
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip().splitlines()[-1]
    assert token.startswith("es_") and " " not in token
    assert TokenStore(tmp_path / "tokens.sqlite3").verify(token).name == "porch"
    listed = earshot("tokens", "--data-dir", str(tmp_path), "list")
    assert "porch" in listed.stdout and "active" in listed.stdout and token not in listed.stdout
    assert earshot("tokens", "revoke", "porch", "--data-dir", str(tmp_path)).returncode == 0
    assert "revoked" in earshot("tokens", "list", "--data-dir", str(tmp_path)).stdout
    again = earshot("tokens", "revoke", "porch", "--data-dir", str(tmp_path))
    assert again.returncode == 2 and again.stderr.count("\n") == 1 and "no active token" in again.stderr


def test_data_dir_comes_from_the_environment_when_not_given(tmp_path, monkeypatch):
    from cloud.datadir import resolve_data_dir

    monkeypatch.setenv("EARSHOT_DATA_DIR", str(tmp_path / "from-env"))
    assert resolve_data_dir(None) == tmp_path / "from-env" and (tmp_path / "from-env").is_dir()
    assert resolve_data_dir(tmp_path / "explicit") == tmp_path / "explicit"
    (tmp_path / "file").write_text("x")
    with pytest.raises(EarshotError, match="is a file"):
        resolve_data_dir(tmp_path / "file")
