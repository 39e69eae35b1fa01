"""The calibration set's copies: written once, deterministic, tagged, the source untouched."""

from pathlib import Path

import numpy as np
import soundfile as sf

from train.augment import Augmenter
from train.calibration_set import SHIFTED_VOICE_SEMITONES, augmented_copies, shifted_voice_copies, tight_copies
from train.corpus import Utterance

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "weather_in_paris.wav"


def test_copies_are_augmented_once_and_reused(tmp_path):
    source = Utterance(EXAMPLE, "what's the weather in paris tomorrow", 2.8, "v", "v", {"set": "dev"})
    before = EXAMPLE.read_bytes()
    augmenter = Augmenter(p_speed=0.0, p_noise=1.0, p_telephone=1.0)  # no speed change: lengths compare
    (copy,) = augmented_copies([source], tmp_path / "a", augmenter, seed=3)
    assert copy.text == source.text and copy.tags == {"set": "dev", "condition": "augmented"}
    assert copy.audio.parent == (tmp_path / "a").resolve() and EXAMPLE.read_bytes() == before
    first_write = copy.audio.stat().st_mtime_ns
    assert augmented_copies([source], tmp_path / "a", augmenter, seed=3)[0].audio.stat().st_mtime_ns == first_write
    (again,) = augmented_copies([source], tmp_path / "b", augmenter, seed=3)
    a, b = sf.read(copy.audio)[0], sf.read(again.audio)[0]
    assert np.array_equal(a, b), "the same seed gives the same copy"
    original = sf.read(EXAMPLE)[0]
    assert len(a) == len(original) and not np.allclose(a, original, atol=1e-3)


def test_tight_copies_cut_the_edge_silence_and_skip_clips_already_tight(tmp_path):
    rate = 16000
    tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(rate // 2) / rate)).astype(np.float32)
    padded_audio = tmp_path / "padded.wav"
    sf.write(padded_audio, np.concatenate([np.zeros(rate // 2, np.float32), tone, np.zeros(rate // 4, np.float32)]),
             rate, subtype="PCM_16")
    tight_audio = tmp_path / "tight.wav"
    sf.write(tight_audio, tone, rate, subtype="PCM_16")
    padded = Utterance(padded_audio, "a", 1.25, "v", "v", {"set": "dev"})
    tight = Utterance(tight_audio, "a", 0.5, "v", "v", {"set": "dev"})
    (copy,) = tight_copies([padded, tight], tmp_path / "copies")
    assert copy.tags == {"set": "dev", "condition": "tight"} and copy.text == "a"
    samples = sf.read(copy.audio)[0]
    assert abs(len(samples) - len(tone)) < 0.05 * rate  # the tone, give or take a frame
    assert sf.read(padded_audio)[0].shape == (int(1.25 * rate),), "the source is untouched"
    written = copy.audio.stat().st_mtime_ns
    assert tight_copies([padded], tmp_path / "copies")[0].audio.stat().st_mtime_ns == written


def test_a_copy_does_not_depend_on_where_the_corpus_lies(tmp_path):
    """earshot train and earshot lm --refit make the same dev audio in different work folders:
    the augmentation drawn for it must be the same too."""
    augmenter = Augmenter(p_speed=0.0, p_noise=1.0)
    copies = []
    for place in ("work_a", "elsewhere/work_b"):
        audio = tmp_path / place / "wav" / "voice" / "000001_abcd.wav"
        audio.parent.mkdir(parents=True)
        audio.write_bytes(EXAMPLE.read_bytes())
        source = Utterance(audio, "what's the weather in paris tomorrow", 2.8, "v", "v", {})
        (copy,) = augmented_copies([source], tmp_path / place / "copies", augmenter, seed=3)
        copies.append(sf.read(copy.audio)[0])
    assert np.array_equal(*copies)


def test_shifted_voice_copies_move_a_synthetic_voice_and_leave_real_speech_alone(tmp_path):
    rate = 16000
    t = np.arange(rate) / rate
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    audio = tmp_path / "wav" / "flite-slt" / "000001_abcd.wav"
    audio.parent.mkdir(parents=True)
    sf.write(audio, tone, rate, subtype="PCM_16")
    synthetic = Utterance(audio, "a", 1.0, "flite-slt", "flite-slt", {"set": "dev", "engine": "flite"})
    real = Utterance(EXAMPLE, "what's the weather in paris tomorrow", 2.8, "s", "s", {"set": "dev"})
    (copy,) = shifted_voice_copies([synthetic, real], tmp_path / "shifted", seed=3)
    assert copy.tags == {"set": "dev", "engine": "flite", "condition": "shifted"} and copy.text == "a"
    shifted = sf.read(copy.audio)[0]
    assert len(shifted) == len(tone), "the duration is kept"
    peak_hz = np.argmax(np.abs(np.fft.rfft(shifted))) * rate / len(shifted)
    semitones = 12 * np.log2(peak_hz / 440)
    least, most = SHIFTED_VOICE_SEMITONES
    assert least - 0.2 <= abs(semitones) <= most + 0.2, f"moved {semitones:+.1f} semitones, not out of training's reach"
    (again,) = shifted_voice_copies([synthetic], tmp_path / "elsewhere", seed=3)
    assert np.array_equal(sf.read(again.audio)[0], shifted), "the same seed gives the same voice"


def test_shifted_voice_copies_augmented_keep_their_source_and_get_their_own_condition(tmp_path):
    rate = 16000
    tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(rate) / rate)).astype(np.float32)
    audio = tmp_path / "wav" / "flite-slt" / "000001_abcd.wav"
    audio.parent.mkdir(parents=True)
    sf.write(audio, tone, rate, subtype="PCM_16")
    synthetic = Utterance(audio, "a", 1.0, "flite-slt", "flite-slt", {"set": "dev", "engine": "flite"})
    (shifted,) = shifted_voice_copies([synthetic], tmp_path / "shifted", seed=3)
    augmenter = Augmenter(p_speed=0.0, p_noise=1.0)
    (copy,) = augmented_copies([shifted], tmp_path / "shifted_augmented", augmenter, seed=3,
                               condition="shifted_augmented")
    assert copy.tags == {"set": "dev", "engine": "flite", "condition": "shifted_augmented"}
    noisy, clean = sf.read(copy.audio)[0], sf.read(shifted.audio)[0]
    assert len(noisy) == len(clean) and not np.allclose(noisy, clean, atol=1e-3)
