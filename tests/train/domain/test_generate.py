"""Tests for train/domain/generate.py."""

import numpy as np
import pytest

from edge.text import normalize_text
from train.domain import generate, load_catalog, sentence_at, slot_coverage


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def test_same_seed_same_sentences(catalog):
    assert generate(catalog, 50, seed=3) == generate(catalog, 50, seed=3)
    assert generate(catalog, 50, seed=3) != generate(catalog, 50, seed=4)


def test_a_sentence_does_not_depend_on_how_many_are_generated(catalog):
    assert generate(catalog, 100, seed=1)[:10] == generate(catalog, 10, seed=1)
    assert sentence_at(catalog, 1, 57) == generate(catalog, 60, seed=1)[57]


def test_text_is_normalised_and_fully_filled(catalog):
    for sentence in generate(catalog, 300, seed=0, phrasing="any"):
        assert sentence.text == normalize_text(sentence.text) and sentence.text
        assert "{" not in sentence.text and sentence.intent in catalog.intents


def test_phrasing_split_is_respected(catalog):
    heldout = {t.text for t in catalog.phrasings("heldout")}
    assert all(s.template not in heldout and s.phrasing == "seen" for s in generate(catalog, 200, seed=0))
    assert all(s.template in heldout and s.phrasing == "heldout"
               for s in generate(catalog, 200, seed=0, phrasing="heldout"))


def test_moving_one_template_changes_only_the_sentences_that_drew_it(catalog):
    from dataclasses import replace

    target = catalog.phrasings("heldout")[0]
    moved = replace(catalog, templates=tuple(replace(t, heldout=False) if t == target else t
                                             for t in catalog.templates))
    before, after = generate(catalog, 300, seed=9), generate(moved, 300, seed=9)
    changed = [a for b, a in zip(before, after) if a != b]
    assert all(a.template == target.text for a in changed) and len(changed) < 30


def test_the_article_agrees_with_the_slot_value_that_follows(catalog):
    import numpy as np

    from train.domain.catalog import Template
    from train.domain.generate import fill

    template = Template("test", "find a {place_type}", False)  # place types include "atm" and "airport"
    texts = {fill(catalog, template, np.random.default_rng(i)).text for i in range(400)}
    assert not any(t.split()[1] == "a" and t.split()[2][0] in "aeio" for t in texts)
    assert any(t.startswith("find an ") for t in texts) and any(t.startswith("find a ") for t in texts)


def test_slot_coverage_says_every_value_a_seen_phrasing_can_say(catalog):
    sentences = slot_coverage(catalog, seed=0)
    assert sentences == slot_coverage(catalog, seed=0) and sentences != slot_coverage(catalog, seed=1)
    seen_texts = {t.text for t in catalog.phrasings("seen")}
    assert all(s.template in seen_texts and s.phrasing == "seen" and "{" not in s.text for s in sentences)
    said = " | ".join(f" {s.text}" for s in sentences)
    for slot in ("city", "country", "artist", "street_name"):  # street_name only inside street_address values
        for value in catalog.slots[slot]:
            assert f" {normalize_text(value)}" in said, (slot, value)  # "debussy's new album" counts
    cities = [s for s in sentences if s.text.endswith(f" {normalize_text(catalog.slots['city'][-1])}")]
    assert cities  # the last city of the list too


def test_slot_coverage_leaves_out_slots_only_held_out_phrasings_say(tmp_path):
    from train.domain import load_catalog as load

    (tmp_path / "templates").mkdir()
    (tmp_path / "slots").mkdir()
    # one intent, many phrasings so that some are held out; {hidden} only in the held-out ones
    lines = [f"open the {{thing}} number {i}" for i in range(30)]
    (tmp_path / "templates" / "things.txt").write_text("\n".join(lines) + "\n")
    (tmp_path / "slots" / "thing.txt").write_text("garage door\nfront gate\n")
    catalog = load((tmp_path,))
    held_out = [t for t in catalog.templates if t.intent == "things" and t.heldout]
    assert held_out
    texts = [s.text for s in slot_coverage(catalog, seed=0) if s.intent == "things"]
    assert any("garage door" in t for t in texts) and any("front gate" in t for t in texts)


def test_weights_draw_a_slot_in_proportion_and_leave_the_others_alone(catalog):
    cities = catalog.slots["city"]
    only_the_first = np.zeros(len(cities))
    only_the_first[0] = 1.0
    weighted = generate(catalog, 3000, seed=2, weights={"city": only_the_first})
    said = " | ".join(s.text for s in weighted)
    assert normalize_text(cities[0]) in said and normalize_text(cities[1]) not in said
    plain = generate(catalog, 3000, seed=2)
    assert plain == generate(catalog, 3000, seed=2, weights={})  # no weights: drawn as before
    assert [s.template for s in weighted] == [s.template for s in plain]  # the same templates
