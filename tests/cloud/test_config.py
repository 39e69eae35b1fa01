"""Server configuration: TOML/JSON files, overrides, and values checked up front."""

from __future__ import annotations

import pytest

from cloud.config import Limits, ModelConfig, load_config
from edge.errors import EarshotError


def test_defaults_need_no_file(tmp_path):
    config = load_config(None, tmp_path)
    assert config.data_dir == tmp_path and config.port == 8080 and config.model.pocketsphinx


def test_toml_file_and_command_line_overrides(tmp_path):
    path = tmp_path / "server.toml"
    path.write_text('port = 9000\n[limits]\nmax_queue = 3\n[model]\nnbest = 2\n[search]\nlimit = 7\n')
    config = load_config(path, tmp_path, port=9100, host=None)
    assert (config.port, config.host, config.limits.max_queue, config.model.nbest, config.search.limit) == \
        (9100, "127.0.0.1", 3, 2, 7)


def test_json_file(tmp_path):
    path = tmp_path / "server.json"
    path.write_text('{"limits": {"max_clip_s": 5}}')
    assert load_config(path, tmp_path).limits.max_clip_s == 5


@pytest.mark.parametrize("text, message", [
    ("port = 'x'\n[limits]\nmax_queue = -1", "max_queue"),
    ("[limits]\nmax_inferences = 0", "max_inferences"),
    ("[limits]\nspeed = 3", "unknown setting"),
    ("colour = 'red'", "unknown setting"),
    ("[model]\npocketsphinx = false", "enable pocketsphinx"),
    ("[model]\nmeasured_wer = {pocketsphinx = 7}", "measured_wer"),
    ("limits = 3", "must be a table"),
    ("this is not toml", "not valid TOML"),
    ("port = 70000", "port"),
])
def test_bad_config_files_are_refused_with_a_message(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(EarshotError, match=message):
        load_config(path, tmp_path)


def test_missing_config_file(tmp_path):
    with pytest.raises(EarshotError, match="cannot read config"):
        load_config(tmp_path / "nope.toml", tmp_path)


def test_options_validate_when_built_directly():
    with pytest.raises(EarshotError):
        Limits(max_body_bytes=0)
    with pytest.raises(EarshotError):
        ModelConfig(nbest=True)
