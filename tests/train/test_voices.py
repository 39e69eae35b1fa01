"""Tests for train/voices.py."""

from train.voices import VOICES, voice, voices


def test_names_are_unique():
    assert len({v.name for v in VOICES}) == len(VOICES)


def test_about_five_held_out_voices_from_different_engines():
    held_out = voices("eval")
    assert 4 <= len(held_out) <= 6
    assert len({v.engine for v in held_out}) == len(held_out)


def test_non_commercial_voices_are_flagged():
    for name in ("rhvoice-evgeniy-eng", "rhvoice-lyubov", "espeak-mb-us1", "festival-us1_mbrola"):
        assert not voice(name).commercial_ok
    assert all(v.commercial_ok for v in voices(commercial_only=True))


def test_every_voice_has_a_licence_and_package():
    assert all(v.licence and v.package and v.native_rate >= 8000 for v in VOICES)
