"""Tests for train/domain/builtin_slots.py."""

import numpy as np
import pytest

from edge.text import normalize_text
from train.domain import builtin_slots


@pytest.mark.parametrize("name", sorted(builtin_slots.GENERATED))
def test_generated_values_normalise_to_words(name):
    rng = np.random.default_rng(0)
    for _ in range(50):
        text = normalize_text(builtin_slots.GENERATED[name](rng))
        assert text and text.replace(" ", "").replace("'", "").isalpha()


def test_digit_strings_are_read_digit_by_digit():
    rng = np.random.default_rng(1)
    words = set(builtin_slots.DIGIT_WORDS) | {"oh"}
    assert all(set(builtin_slots.digits(rng).split()) <= words for _ in range(20))


def test_years_are_said_as_years():
    assert builtin_slots.year(np.random.default_rng(2)).count("thousand") == 0


def test_registry_names_are_ascii():
    assert all(name.isascii() for name in builtin_slots.cities() + builtin_slots.countries())


def test_population_weights_favour_big_cities_and_give_unknown_names_the_median():
    values = ("Paris", "Perris", "My Home Town")
    weights = builtin_slots.population_weights(values)
    populations = builtin_slots.city_populations()
    assert weights[0] == pytest.approx(np.sqrt(populations["Paris"])) and weights[0] > 4 * weights[1]
    assert weights[2] == pytest.approx(np.median(weights[:2]))
