"""Speaker variants: which (warp, tempo) pairs a window is decoded at, and their settings checked."""

import pytest

from edge.frontend.variants import SpeakerVariants


def test_the_default_decodes_the_window_once_as_it_is():
    assert SpeakerVariants().pairs == ((1.0, 1.0),)
    assert SpeakerVariants().to_dict() == {"vtln_warps": [1.0], "tempos": [1.0], "confident_raw": None}


def test_warps_at_the_own_tempo_then_tempos_unwarped_the_plain_window_first():
    variants = SpeakerVariants(vtln_warps=(0.92, 1.0, 1.08), tempos=(0.85, 1.0, 1.15))
    assert variants.pairs == ((1.0, 1.0), (0.92, 1.0), (1.08, 1.0), (1.0, 0.85), (1.0, 1.15))
    assert SpeakerVariants(vtln_warps=(0.92, 1.08)).pairs == ((0.92, 1.0), (1.08, 1.0))  # no plain window asked for
    assert SpeakerVariants.from_dict(variants.to_dict()) == variants


@pytest.mark.parametrize("data, problem", [
    ({"vtln_warps": []}, "warps must hold at least one"),
    ({"tempos": [2.0]}, "tempos must be between 0.7 and 1.4"),
    ({"confident_raw": 0}, r"confident_raw must be a confidence in \(0, 1\]"),
    ({"confident_raw": True}, "confident_raw must be"),
    ({"confident_raw": "high"}, "confident_raw must be"),
    ({"warp": [1.0]}, "unknown setting"),
    ([0.92], "an object with"),
])
def test_bad_settings_are_refused_naming_them(data, problem):
    with pytest.raises(ValueError, match=problem):
        SpeakerVariants.from_dict(data)
