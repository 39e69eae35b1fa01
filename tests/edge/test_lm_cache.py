"""The parsed-LM cache: a second start reads the pickle, edits and damage are noticed, no cache is no error."""

from __future__ import annotations

import os

import pytest

from edge.decoding import lm_cache
from edge.decoding.compact_lm import CompactLM
from edge.decoding.lm import LanguageModelError, NgramLM
from edge.decoding.lm_tables import compile_lm
from tests.edge.decoding_fixtures import COMMAND_ARPA, DOMAIN_ARPA


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("EARSHOT_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def arpa(tmp_path):
    path = tmp_path / "lm.arpa"
    path.write_text(DOMAIN_ARPA)
    return path


def test_second_load_comes_from_the_cache_with_the_same_scores_and_tables(cache, arpa, monkeypatch):
    first = lm_cache.load_cached(arpa)
    assert isinstance(first, CompactLM)
    assert len(list(cache.glob("lm-*.pickle"))) == 1
    fresh = compile_lm(NgramLM.load(arpa))

    def no_parsing(*args, **kwargs):
        raise AssertionError("the ARPA file was parsed again")

    monkeypatch.setattr(NgramLM, "load", no_parsing)
    second = lm_cache.load_cached(arpa)
    for word, history in [("timer", ("a",)), ("weather", ()), ("zzz", ("set",))]:
        assert second.log10_prob(word, history) == first.log10_prob(word, history)
    assert (second._compiled.tables.keys == fresh.tables.keys).all()
    assert second._compiled.word_ids == fresh.word_ids


def test_an_edited_language_model_gets_its_own_entry(cache, arpa):
    before = lm_cache.load_cached(arpa)
    arpa.write_text(COMMAND_ARPA)
    after = lm_cache.load_cached(arpa)
    assert len(list(cache.glob("lm-*.pickle"))) == 2
    assert after.vocabulary != before.vocabulary
    assert after.vocabulary == NgramLM.load(arpa).vocabulary


def test_storing_an_entry_removes_those_of_other_formats_only(cache, arpa):
    cache.mkdir()
    old_format = cache / "lm-0123456789abcdef0123.pickle"
    old_format.write_bytes(b"an lm-cache-1 pickle")
    other_lm = cache / f"{lm_cache.FORMAT}-fedcba9876543210fedc.pickle"
    other_lm.write_bytes(b"another bundle's LM")
    lm_cache.load_cached(arpa)
    assert not old_format.exists() and other_lm.exists()
    assert len(list(cache.glob(f"{lm_cache.FORMAT}-*.pickle"))) == 2


def test_a_damaged_entry_is_parsed_again_and_replaced(cache, arpa):
    lm_cache.load_cached(arpa)
    (entry,) = cache.glob("lm-*.pickle")
    entry.write_bytes(b"not a pickle")
    lm = lm_cache.load_cached(arpa)
    assert lm.vocabulary == NgramLM.load(arpa).vocabulary
    assert entry.read_bytes() != b"not a pickle"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_an_unwritable_cache_only_costs_time(cache, arpa):
    cache.mkdir()
    cache.chmod(0o500)
    try:
        assert lm_cache.load_cached(arpa).vocabulary == NgramLM.load(arpa).vocabulary
    finally:
        cache.chmod(0o700)


def test_a_cache_folder_that_is_a_file_only_costs_time(cache, arpa):
    cache.write_text("in the way")
    assert lm_cache.load_cached(arpa).vocabulary == NgramLM.load(arpa).vocabulary


def test_a_missing_file_names_it(cache, tmp_path):
    with pytest.raises(LanguageModelError, match="nope.arpa"):
        lm_cache.load_cached(tmp_path / "nope.arpa")
