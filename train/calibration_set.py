"""The calibration set: the held-out dev utterances as recorded, plus copies of them in the other
conditions the device meets. Decoder tuning (train/tune_decoder.py) uses the same set.

- Augmented: each dev utterance through the recipe's augmentation chain (noise, room, microphone
  colouring, phone line, gain), so the calibration sees how often the model is wrong on degraded
  audio and, through the high-band feature, on audio that lost everything above 4 kHz.
- Cut tight: each dev utterance with its leading and trailing silence cut off (where it has any),
  as in clips trimmed around the words (the FSDD digits). TTS output and the 1-s Speech Commands
  clips carry silence at their edges, so without these copies neither decoder tuning nor the
  calibration would see a clip cut tight (where the recognizer's edge silence does its work).
- Shifted voice: each synthetic dev utterance with its pitch and formants moved further than
  training's augmentation moves them, a voice the network never heard. Dev's synthetic speech
  comes from the training voices, on which a network is surer than on anyone else's: calibrated
  without these copies, a fine-tune was over-confident on held-out voices and real speech.
- Shifted and augmented: each shifted-voice copy through the augmentation chain, an unheard voice
  on degraded audio (what a device hears in a noisy room). A network is wrong more often on these
  than the two conditions apart suggest: calibrated without them, the shipped model was
  over-confident on held-out voices at 10 dB SNR (mean confidence 0.43, 0.29 right).

Copies are written once under a work folder (16 kHz PCM) and reused; each depends only on the
seed and the source file's last three path components (e.g. wav/<voice>/<index>_<hash>.wav), not
on where the work folder is, so `earshot train` and `earshot lm --refit` anywhere make the same copies.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import soundfile as sf
from tqdm import tqdm

from edge.audio import TARGET_RATE, read_audio
from train.augment import Augmenter, cut_tight, pitch_shift
from train.corpus import Utterance


def augmented_copies(utterances: list[Utterance], folder: Path, augmenter: Augmenter, seed: int,
                     condition: str = "augmented") -> list[Utterance]:
    """One augmented copy of each utterance, written as folder/<hash>.wav; tagged condition=<condition>."""
    def augmented(utterance: Utterance, key: str) -> np.ndarray:
        return np.clip(augmenter(read_audio(utterance.audio).samples, _copy_rng(seed, key)), -1.0, 1.0)

    return _copies(utterances, folder, f"{seed}:", condition, augmented, desc=f"{condition} copies")


# A voice the network never heard, made from a synthetic dev utterance: its pitch and formants moved
# together by more semitones than training's augmentation moves them (augment.Augmenter's
# pitch_range_semitones, +-2) and VTLP (+-10%, about 1.7 semitones) reach.
SHIFTED_VOICE_SEMITONES = (2.5, 4.0)


def shifted_voice_copies(utterances: list[Utterance], folder: Path, seed: int) -> list[Utterance]:
    """A copy of each synthetic utterance (a voice the network trained on) with its pitch and
    formants shifted up or down by SHIFTED_VOICE_SEMITONES, as a voice the network never heard,
    written as folder/<hash>.wav and tagged condition=shifted; real speech gets none (its speakers
    are already unheard)."""
    def shifted(utterance: Utterance, key: str) -> np.ndarray | None:
        if not is_synthetic(utterance):
            return None
        rng = _copy_rng(seed, key)
        semitones = rng.uniform(*SHIFTED_VOICE_SEMITONES) * rng.choice((-1.0, 1.0))
        return np.clip(pitch_shift(read_audio(utterance.audio).samples, semitones), -1.0, 1.0)

    return _copies(utterances, folder, f"shifted:{seed}:", "shifted", shifted, desc="shifted-voice copies")


MIN_TRIMMED_S = 0.05  # a clip with less silence than this at its edges is already cut tight


def tight_copies(utterances: list[Utterance], folder: Path) -> list[Utterance]:
    """A copy of each utterance with its edge silence cut off (augment.cut_tight), written as
    folder/<hash>.wav and tagged condition=tight; utterances already cut tight get none."""
    def tight(utterance: Utterance, key: str) -> np.ndarray | None:
        samples = read_audio(utterance.audio).samples
        trimmed = cut_tight(samples)
        return None if len(samples) - len(trimmed) < MIN_TRIMMED_S * TARGET_RATE else trimmed

    return _copies(utterances, folder, "tight:", "tight", tight, desc="tight-cut copies")


def _copies(utterances: list[Utterance], folder: Path, key_prefix: str, condition: str, make,
            desc: str) -> list[Utterance]:
    """A copy of each utterance as folder/<hash of key_prefix and its audio's portable_name>.wav (16 kHz PCM),
    made by make(utterance, key) once and reused, tagged condition=<condition>; an utterance for
    which `make` returns None gets no copy."""
    folder.mkdir(parents=True, exist_ok=True)
    copies = []
    for utterance in tqdm(utterances, desc=desc, unit="utt"):
        key = hashlib.sha1(f"{key_prefix}{portable_name(utterance.audio)}".encode()).hexdigest()[:16]
        path = folder / f"{key}.wav"
        if not path.exists():
            samples = make(utterance, key)
            if samples is None:
                continue
            partial = path.with_suffix(".partial.wav")
            sf.write(partial, samples, TARGET_RATE, subtype="PCM_16")
            partial.replace(path)
        copies.append(replace(utterance, audio=path.resolve(), tags={**utterance.tags, "condition": condition}))
    return copies


def portable_name(audio: Path) -> str:
    """The part of an audio path that names the recording wherever its corpus lies: its last three
    components (a synthetic corpus's wav/<voice>/<index>_<hash>.wav, a real corpus's <speaker or word>/<file>)."""
    return "/".join(Path(audio).parts[-3:])


def condition_group(utterance: Utterance) -> str:
    """The calibration-set group of an utterance: its condition (recorded, augmented, tight) and
    source (real speech or synthetic), e.g. "tight/real"; decoder tuning averages over these."""
    source = "synthetic" if is_synthetic(utterance) else "real"
    return f"{utterance.tags.get('condition', 'recorded')}/{source}"


def is_synthetic(utterance: Utterance) -> bool:
    """Whether a TTS engine spoke the utterance (train/synth.py tags it with its engine)."""
    return bool(utterance.tags.get("engine"))


def _copy_rng(seed: int, key: str) -> np.random.Generator:
    """The random draws of one copy: they depend only on the seed and the copy's key."""
    return np.random.default_rng([seed, int(key, 16) % 2**32])
