"""Tests for train/asterisk.py."""

import gzip

from train.asterisk import prompts


def test_only_plain_speech_prompts_are_kept(tmp_path):
    path = tmp_path / "core-sounds-en.txt.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("; Core Asterisk Sounds\n\nactivated: Activated.\nbeep: [this is a beep]\n"
                     "demo: dial 500 now\nhelp: press * for help\ndigits/7: seven\nvm-opts: press 2 to go on\n")
    assert prompts(path) == [("activated", "Activated."), ("digits/7", "seven"), ("vm-opts", "press 2 to go on")]
