"""The catalogue of offline text-to-speech voices: engine, command line, licence and split.

Every voice Debian bookworm offers for English is listed once (scripts/install_tts.sh installs
them; ../shared/VOICES.md measured them). `split` says whether a voice may be used for training
("train") or is held out for evaluation ("eval", never trained on). `commercial_ok` is False
where the voice's licence forbids commercial use or derived works; such voices may help
experiments but stay out of the shipped default model (filter on the manifest tag
`commercial_ok`).

A voice's `command` is an argv template. Placeholders filled per utterance by train.tts:
{text}, {out} (a WAV path), {stretch} (duration factor, 1/speed), {speed_pct} (100 * speed),
{wpm} (espeak words per minute), {pitch_pct} (100 * pitch factor), {pitch50} (espeak 0-99 pitch).
A template without a pitch placeholder gets its pitch change after synthesis (train.tts).
Festival voices run as one long-lived `festival --pipe` process each; their `command` is the
Scheme that selects the voice.
"""

from __future__ import annotations

from dataclasses import dataclass

# Licence texts as Debian's copyright files state them (/usr/share/doc/<package>/copyright).
FLITE = "BSD-style (flite, CMU ARCTIC voices)"
FESTIVAL_FREE = "BSD-style (Edinburgh/CMU festvox, free incl. commercial)"
FESTIVAL_OALD = "festvox voice using festlex-oald: OALD lexicon is non-commercial only"
MBROLA = "MBROLA database licence: no commercial use without the authors' permission"
PICO = "Apache-2.0 (SVOX pico; lingware shipped without source, Debian non-free)"
RHVOICE = "RHVoice voice, Debian non-free (LGPL-2.1+ engine; trained voice data)"
RHVOICE_NC = "CC-BY-NC-ND-4.0 (RHVoice voice data)"
ESPEAK = "GPL-3+ (espeak-ng); generated audio is not covered by the GPL"


@dataclass(frozen=True, slots=True)
class Voice:
    """One TTS voice: how to run it, what rate it speaks at, and where it may be used."""

    name: str                   # unique id, also the manifest's `voice` and `speaker`
    engine: str                 # flite | festival | pico | rhvoice | espeak-ng
    command: tuple[str, ...]    # argv template (see module docstring); Scheme for festival
    native_rate: int            # Hz of the engine's output
    licence: str
    commercial_ok: bool
    split: str                  # "train" or "eval"
    package: str                # Debian package that provides the voice
    stdin_text: bool = False    # the engine reads {text} from stdin rather than argv
    weight: float = 1.0         # relative share of a corpus's utterances

    def __post_init__(self) -> None:
        if self.split not in ("train", "eval"):
            raise ValueError(f"voice {self.name}: split must be 'train' or 'eval', not {self.split!r}")
        if self.weight <= 0:
            raise ValueError(f"voice {self.name}: weight must be positive, not {self.weight}")


def _flite(voice: str, rate: int, split: str = "train") -> Voice:
    return Voice(f"flite-{voice}", "flite",
                 ("flite", "-voice", voice, "--setf", "duration_stretch={stretch}", "-t", "{text}", "-o", "{out}"),
                 rate, FLITE, True, split, "flite")


def _festival(voice: str, rate: int, licence: str, commercial_ok: bool, package: str,
              split: str = "train", weight: float = 1.0) -> Voice:
    return Voice(f"festival-{voice}", "festival", (f"(voice_{voice})",), rate, licence, commercial_ok,
                 split, package, weight=weight)


def _pico(lang: str, split: str = "train") -> Voice:
    markup = "<speed level='{speed_pct}'><pitch level='{pitch_pct}'>{text}</pitch></speed>"
    return Voice(f"pico-{lang}", "pico", ("pico2wave", "-l", lang, "-w", "{out}", markup),
                 16000, PICO, True, split, "libttspico-utils")


def _rhvoice(voice: str, commercial_ok: bool = True, split: str = "train") -> Voice:
    # RHVoice's percentages: 100 is the voice's own rate/pitch; below 50 is clamped.
    return Voice(f"rhvoice-{voice}", "rhvoice",
                 ("RHVoice-test", "-p", voice, "-r", "{speed_pct}", "-t", "{pitch_pct}", "-o", "{out}"),
                 24000, RHVOICE if commercial_ok else RHVOICE_NC, commercial_ok, split, "rhvoice-english",
                 stdin_text=True)


def _espeak(voice: str, split: str = "train") -> Voice:
    mbrola = voice.startswith("mb-")
    # espeak-ng's variants reshape one synthesiser: together they count as a few voices, not nine.
    return Voice(f"espeak-{voice.replace('+', '-')}", "espeak-ng",
                 ("espeak-ng", "-v", voice, "-s", "{wpm}", "-p", "{pitch50}", "-w", "{out}", "{text}"),
                 16000 if mbrola else 22050, MBROLA if mbrola else ESPEAK, not mbrola, split,
                 f"mbrola-{voice[3:]}" if mbrola else "espeak-ng", weight=1.0 if mbrola else 0.5)


VOICES: tuple[Voice, ...] = (
    _flite("kal16", 16000), _flite("awb", 16000), _flite("slt", 16000),
    _flite("rms", 16000, split="eval"),
    _festival("kal_diphone", 16000, FESTIVAL_FREE, True, "festvox-kallpc16k"),
    _festival("ked_diphone", 16000, FESTIVAL_FREE, True, "festvox-kdlpc16k", split="eval"),
    _festival("rab_diphone", 16000, FESTIVAL_OALD, False, "festvox-rablpc16k"),
    _festival("don_diphone", 10000, FESTIVAL_OALD, False, "festvox-don", weight=0.5),  # least intelligible
    _festival("cmu_us_slt_arctic_hts", 32000, FESTIVAL_FREE, True, "festvox-us-slt-hts"),
    _festival("us1_mbrola", 16000, MBROLA, False, "festvox-us1"),
    _festival("us2_mbrola", 16000, MBROLA, False, "festvox-us2"),
    _festival("us3_mbrola", 16000, MBROLA, False, "festvox-us3"),
    _festival("en1_mbrola", 16000, MBROLA, False, "festvox-en1"),
    _pico("en-US"), _pico("en-GB", split="eval"),
    _rhvoice("alan"), _rhvoice("bdl"), _rhvoice("slt"), _rhvoice("clb", split="eval"),
    _rhvoice("evgeniy-eng", commercial_ok=False), _rhvoice("lyubov", commercial_ok=False),
    # espeak-ng: its klatt-type and named variants sound best; accents add variety, not speakers.
    _espeak("en-us+klatt"), _espeak("en-us+klatt3"), _espeak("en-gb+klatt2"), _espeak("en-gb-x-rp+klatt5"),
    _espeak("en-029+klatt6"), _espeak("en-us+caleb"), _espeak("en-gb+benjamin"), _espeak("en-us+adam"),
    _espeak("en-gb-x-gbclan+edward"), _espeak("en-gb-scotland+klatt4", split="eval"),
    _espeak("mb-us1"), _espeak("mb-us2"), _espeak("mb-us3"), _espeak("mb-en1"),
)


def voices(split: str | None = None, *, commercial_only: bool = False) -> tuple[Voice, ...]:
    """The catalogue's voices, optionally only one split and only commercially usable ones."""
    return tuple(v for v in VOICES
                 if (split is None or v.split == split) and (v.commercial_ok or not commercial_only))


def voice(name: str) -> Voice:
    """The voice called `name`; KeyError lists the known names."""
    for v in VOICES:
        if v.name == name:
            return v
    raise KeyError(f"unknown voice {name!r}; known: {', '.join(v.name for v in VOICES)}")
