"""Tests for train/domain/catalog.py."""

import pytest

from train.domain import DomainDataError, load_catalog
from train.domain.catalog import HELDOUT_FRACTION


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_covers_the_domains_the_device_serves(catalog):
    for intent in ("weather", "time_date", "timer_alarm", "music", "navigation", "search_places",
                   "search_things", "numbers", "confirm", "smart_home"):
        assert intent in catalog.intents


def test_every_intent_has_seen_and_heldout_phrasings(catalog):
    for intent in catalog.intents:
        flags = {t.heldout for t in catalog.templates if t.intent == intent}
        assert flags == {True, False}, intent


def test_heldout_share_is_about_the_configured_fraction(catalog):
    share = len(catalog.phrasings("heldout")) / len(catalog.templates)
    assert HELDOUT_FRACTION / 2 < share < HELDOUT_FRACTION * 1.5


def test_registry_slots_come_from_packages(catalog):
    assert "London" in catalog.slots["city"] and "France" in catalog.slots["country"]


def test_user_folder_adds_phrasings_without_moving_existing_ones(tmp_path, catalog):
    (tmp_path / "templates").mkdir()
    (tmp_path / "slots").mkdir()
    (tmp_path / "templates" / "weather.txt").write_text("# mine\nwill it {sky} over {city}\n")
    (tmp_path / "templates" / "garden.txt").write_text("water the {plant}\nfeed the {plant}\nprune the {plant}\n")
    (tmp_path / "slots" / "plant.txt").write_text("roses\ntomatoes\n")
    (tmp_path / "slots" / "sky.txt").write_text("clear up\n")
    (tmp_path / "slots" / "city.txt").write_text("Little Snoring\n")
    mine = load_catalog((tmp_path,))
    assert "garden" in mine.intents and "Little Snoring" in mine.slots["city"]
    assert {(t.text, t.heldout) for t in catalog.templates} <= {(t.text, t.heldout) for t in mine.templates}


def test_unknown_slot_is_named(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "bad.txt").write_text("play {no_such_slot}\n")
    with pytest.raises(DomainDataError, match="no_such_slot"):
        load_catalog((tmp_path,))


def test_environment_variable_adds_folders(tmp_path, monkeypatch):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "extra.txt").write_text("open sesame\n")
    monkeypatch.setenv("EARSHOT_DOMAIN_DIRS", str(tmp_path))
    assert "extra" in load_catalog().intents


def test_single_command_words_are_never_held_out(catalog):
    assert all(len(t.text.split()) > 1 or "{" in t.text for t in catalog.phrasings("heldout"))


def test_a_domain_folder_that_does_not_exist_is_refused_naming_it(tmp_path):
    with pytest.raises(DomainDataError, match="nowhere: no such domain folder"):
        load_catalog((tmp_path / "nowhere",))


def test_acoustic_only_words_are_apart_from_the_command_words(catalog):
    assert "tree" in catalog.acoustic_words and "three" in catalog.words
    assert not set(catalog.acoustic_words) & set(catalog.words)
    assert catalog.spoken_words == (*catalog.words, *catalog.acoustic_words)


def test_a_user_command_word_is_not_also_acoustic_only(tmp_path):
    (tmp_path / "words.txt").write_text("tree\n")
    (tmp_path / "acoustic_words.txt").write_text("gizmo\n")
    mine = load_catalog((tmp_path,))
    assert "tree" in mine.words and "tree" not in mine.acoustic_words and "gizmo" in mine.acoustic_words
