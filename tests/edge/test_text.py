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
    ("Wake me at 7am", "wake me at seven a m"),
    ("at 7:30 P.M. or 6 a.m.", "at seven thirty p m or six a m"),
    ("seven AM tomorrow, nine o'clock pm", "seven a m tomorrow nine o'clock p m"),
    ("where am i, i am here", "where am i i am here"),
    ("", ""),
])
def test_normalisation_matches_how_references_are_written(raw, expected):
    assert normalize_text(raw) == expected


def test_normalisation_is_idempotent():
    text = "Call 555 0123 at 9:30pm on the 21st"
    assert normalize_text(normalize_text(text)) == normalize_text(text)
