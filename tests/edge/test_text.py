import pytest

from edge.text import normalize_text


@pytest.mark.parametrize("raw, expected", [
    ("Set a timer for 25 minutes, please!", "set a timer for twenty five minutes please"),
    ("The 3rd of May", "the third of may"),
    ("It's 7.5% off", "it's seven point five percent off"),
    ("1,000 things & more", "one thousand things and more"),
    ("Don\u2019t  STOP", "don't stop"),
    ("'quoted' words", "quoted words"),
    ("Mr. Smith and Dr Jones", "mister smith and doctor jones"),
    ("", ""),
])
def test_normalisation_matches_how_references_are_written(raw, expected):
    assert normalize_text(raw) == expected


def test_normalisation_is_idempotent():
    text = "Call 555 0123 at 9:30 on the 21st"
    assert normalize_text(normalize_text(text)) == normalize_text(text)
