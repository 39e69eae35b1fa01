"""The recipe's augmenter, with babble noise drawn from the training data itself.

`train.augment.Augmenter` mixes in babble (several other talkers at once, `augment.babble`) only
when it is given a pool of other utterances. A recipe asks for one with the augment setting
`babble_pool_utterances`: that many distinct training clips, drawn by the recipe's seed, are read
once and handed to the augmenter, so babble becomes one more noise kind beside white, pink and
brown. Without it no training clip ever had speech behind it, and at 10 dB SNR babble cost the
network far more than any other noise (synth_eval_noisy, session 15: WER 0.85 under babble against
0.21-0.48 under the coloured noises).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from edge.audio import read_audio
from train.augment import Augmenter
from train.calibration_set import portable_name

BABBLE_POOL_KEY = "babble_pool_utterances"


def babble_pool(audio_paths: Iterable[str], size: int, seed: int) -> tuple[np.ndarray, ...]:
    """`size` distinct clips (all of them when there are fewer) of `audio_paths`, drawn by `seed`
    from the distinct paths sorted by their portable names (calibration_set.portable_name), so the
    draw does not depend on where the corpora lie, as 16 kHz float32 samples."""
    if size <= 0:
        return ()
    distinct = sorted(set(map(str, audio_paths)), key=lambda path: (portable_name(path), path))
    if not distinct:
        return ()
    chosen = np.random.default_rng(seed).choice(len(distinct), size=min(size, len(distinct)), replace=False)
    return tuple(read_audio(distinct[i]).samples for i in sorted(chosen.tolist()))


def recipe_augmenter(settings: dict, pool_audio: Iterable[str], seed: int) -> Augmenter:
    """The Augmenter of a recipe's `augment` settings; its `babble_pool_utterances` (0 or absent:
    no babble) draws the babble pool from `pool_audio`, the training clips' audio paths."""
    settings = dict(settings)
    size = int(settings.pop(BABBLE_POOL_KEY, 0))
    return Augmenter(**settings, babble_pool=babble_pool(pool_audio, size, seed))


def babble_folder_name(settings: dict) -> str:
    """The folder of augmented copies made with a recipe's `augment` settings' babble: "" without
    a pool, "babble<N>" for a pool of N with babble one noise kind of four, and the share and
    talker range appended when the settings name others, so copies made otherwise are not reused."""
    size = int(settings.get(BABBLE_POOL_KEY, 0))
    if size <= 0:
        return ""
    defaults = Augmenter()
    share = float(settings.get("babble_share", defaults.babble_share))
    low, high = settings.get("babble_talkers", defaults.babble_talkers)
    name = f"babble{size}"
    if share != defaults.babble_share:
        name += f"_share{share:g}"
    if (low, high) != tuple(defaults.babble_talkers):
        name += f"_talkers{low}-{high}"
    return name
