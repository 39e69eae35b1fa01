"""A training recipe: every choice that rebuilds a model, in one JSON file checked into the repo.

Paths in a recipe are relative to the folder `earshot train` runs in (the repository root); the
shared real-speech data defaults to ../shared/train as the data README describes.

A recipe may start from another: `"extends": "default.json"` (relative to the recipe's own file)
takes every field of that recipe and overrides what this one sets; objects merge key by key,
lists and other values are replaced whole, null too (`"base": null` trains from scratch). A
merged object keeps its parent's other keys: to switch a bundle base to a recipe one, write
`"base": {"recipe": "r.json", "bundle": null, "commit": null}`. So a variant states only what
it changes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path

from edge.errors import EarshotError
from edge.frontend.variants import SpeakerVariants
from train.model import ModelConfig
from train.trainer import TrainConfig


class RecipeError(EarshotError, ValueError):
    """A recipe names something that cannot be used; the message names the recipe or the field."""


@dataclass(frozen=True)
class RealSpeech:
    """A manifest of real human speech, used whole (minus held-out speakers) with augmented copies."""

    manifest: str
    copies: int = 3  # copy 0 is clean, the rest augmented
    dev_speakers: int = 0  # speakers held out for the dev/calibration set (split by speaker)
    source: str = ""
    license: str = ""
    # Rare transcripts get more copies: each training clip of a transcript that n clips share gets
    # ceil(balance_to / n) copies, at least `copies` and at most `max_copies` (0: all get `copies`).
    # Speech Commands holds 13 clips of "two" against 313 of "go", and the network heard a human
    # "two" as "go".
    balance_to: int = 0
    max_copies: int = 20

    def __post_init__(self) -> None:
        if self.copies < 1:
            raise ValueError(f"copies must be at least 1, got {self.copies}")
        if self.balance_to < 0:
            raise ValueError(f"balance_to must be 0 or more, got {self.balance_to}")
        if self.max_copies < self.copies:
            raise ValueError(f"max_copies ({self.max_copies}) must be at least copies ({self.copies})")

    def copies_for(self, clips_of_text: int) -> int:
        """Copies of each clip of a transcript that `clips_of_text` training clips share."""
        if not self.balance_to:
            return self.copies
        return min(self.max_copies, max(self.copies, -(-self.balance_to // clips_of_text)))


@dataclass(frozen=True)
class Synthetic:
    """The synthetic corpus: made by `earshot synth` from the training voices."""

    utterances: int = 6000
    seed: int = 1
    general_manifests: tuple[str, ...] = ()  # manifests whose texts add to the general English
    exclude_manifests: tuple[str, ...] = ()  # evaluation sets whose texts are never synthesised
    copies: int = 2
    commercial_only: bool = True  # leave out voices whose licence forbids commercial use
    dev_fraction: float = 0.03
    mix: dict[str, float] | None = None  # share of in/general/word (None: earshot synth's default)
    synthesise_commercial_only: bool = False  # synthesise with commercially usable voices only
    # Training voices kept out of training: all their utterances in this corpus are dev, so decoder
    # tuning and calibration see voices the network never heard, as a user's voice is (dev from
    # training voices only made fine-tuned networks look better calibrated than they were).
    dev_voices: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        from train.voices import voice

        for name in self.dev_voices:
            try:
                found = voice(name)
            except KeyError:
                raise ValueError(f"dev_voices: no voice named {name!r}") from None
            if found.split != "train":
                raise ValueError(f"dev_voices: {name} is an evaluation voice; a dev voice is a training-split voice")
            if self.commercial_only and not found.commercial_ok:
                raise ValueError(f"dev_voices: {name} is not commercially usable, and commercial_only leaves it out")

    def makes_same_audio(self, other: "Synthetic") -> bool:
        """Whether `other` synthesises the same corpus (copies and the dev split may differ)."""
        return self.synth_argv(Path("."), 1) == other.synth_argv(Path("."), 1)

    def synth_argv(self, out: Path, workers: int, domain_dirs: tuple[str, ...] = ()) -> list[str]:
        """`python -m train.synth` arguments that make this corpus in `out` from the catalog of
        the packaged domain data plus `domain_dirs`."""
        argv = ["--out", str(out), "--split", "train", "--n", str(self.utterances), "--seed", str(self.seed),
                "--workers", str(workers)]
        for folder in domain_dirs:
            argv += ["--domain-dir", folder]
        if self.mix:
            argv += ["--mix", ",".join(f"{kind}={share}" for kind, share in self.mix.items())]
        if self.synthesise_commercial_only:
            argv.append("--commercial-only")
        for path in self.general_manifests:
            argv += ["--general-manifest", path]
        for path in self.exclude_manifests:
            argv += ["--exclude-manifest", path]
        return argv


@dataclass(frozen=True)
class Base:
    """A model to start from (fine-tuning): either one that another recipe trains, in a folder
    under the work folder, or the network of a finished bundle (train/bundle_init.py), such as
    the shipped default model, optionally as it was at a git commit of this repository."""

    recipe: str | None = None  # the base model's recipe, relative to the repository root
    work: str = "base"  # its work folder, relative to this recipe's work folder (or absolute)
    bundle: str | None = None  # a bundle folder, relative to the repository root
    commit: str | None = None  # with `bundle`: take the folder as committed there (git archive)

    def __post_init__(self) -> None:
        if (self.recipe is None) == (self.bundle is None):
            raise RecipeError("a recipe's base names either a recipe or a bundle, not both or neither")
        if self.commit is not None and self.bundle is None:
            raise RecipeError("a recipe's base.commit needs base.bundle")

    def bundle_folder(self, work: Path) -> Path:
        """Where the base bundle is read: unpacked under the work folder when taken from a commit."""
        if self.bundle is None:
            raise ValueError("this base is a recipe, not a bundle")
        return work / "base_bundle" / self.bundle if self.commit else Path(self.bundle)

    def describe(self) -> str:
        """One line for the model card."""
        if self.bundle is not None:
            where = f" as committed at {self.commit}" if self.commit else ""
            return f"the network of the bundle `{self.bundle}`{where}"
        return f"the model of `{self.recipe}` (its work folder: `{self.work}`)"


@dataclass(frozen=True)
class Recipe:
    name: str
    seed: int = 0
    real_speech: tuple[RealSpeech, ...] = ()
    # Domain folders (laid out like train/domain/data) whose templates, slots and words add to the
    # packaged catalog, for the synthetic corpora and the LM's sentences alike.
    domain_dirs: tuple[str, ...] = ()
    # Domain folders whose seen phrasings join the LM's sentences only, not the synthetic corpora
    # (e.g. phrasings added after the network was trained: `earshot lm` builds the same LM).
    lm_domain_dirs: tuple[str, ...] = ()
    synthetic: Synthetic = field(default_factory=Synthetic)
    extra_synthetic: tuple[Synthetic, ...] = ()  # further corpora (other seeds and mixes), each with its copies
    base: Base | None = None  # start from this recipe's trained model instead of random weights
    model: ModelConfig = field(default_factory=ModelConfig)
    training: TrainConfig = field(default_factory=TrainConfig)
    augment: dict = field(default_factory=dict)  # train.augment.Augmenter settings
    lm_order: int = 3
    # How the LM is smoothed (train/lm_build.py): "kneser-ney", one discount per order, or
    # "modified-kneser-ney", three (for n-grams seen once, twice, three times or more). On phrasings
    # the LM never saw, modified Kneser-Ney is the likelier model (docs/results.md, session 21).
    lm_smoothing: str = "kneser-ney"
    lm_sentences: int = 50000  # generated in-domain sentences (seen phrasings) the LM is estimated on
    # Whether the LM's text also says every value of every slot once (train.domain.slot_coverage), so
    # the decoder knows each catalog term a seen phrasing can say, not only those the random
    # sentences happened to draw.
    lm_slot_coverage: bool = False
    # Whether the LM's random sentences draw cities in proportion to the square root of their
    # population (train.domain.builtin_slots.population_weights) instead of uniformly, so "in paris"
    # is likelier to the LM than "in perris".
    lm_population_prior: bool = False
    # Whether the real-speech transcripts join the LM's text. Speech Commands' are one-word
    # utterances of its 35 words, filler words (tree, bed, marvin) among them: in the LM they
    # made "tree" as likely an utterance as "three".
    lm_real_speech: bool = True
    # Whether each single command word and digit of the catalog (words.txt) is said on its own in the
    # LM's text as often as the most frequent of them (train.lm_text.even_command_words), so that no
    # lone command is likelier than another only because more templates happen to say it.
    lm_even_command_words: bool = False
    # Decoder settings (lm_weight, word_bonus, oov_penalty; optionally lexicon_only, beam,
    # hyp_prune_log_prob) the bundle gets instead of those tuned on dev (train/tune_decoder.py); null tunes them. Dev's synthetic speech comes from
    # the training voices, and twice it chose a word bonus that held-out voices and real speech did
    # not bear (see train/recipes/default.json's notes), so a shipped recipe can state its settings.
    decoder: dict | None = None
    # The speaker variants the recognizer decodes each window at, keeping the best-scoring hypothesis
    # (edge.frontend.variants: vtln_warps, tempos, confident_raw). The bundle records them and its
    # calibration is fitted with them, since the best of several decodings scores higher than one.
    speaker_variants: SpeakerVariants = field(default_factory=SpeakerVariants)
    workers: int = 2
    notes: str = ""  # how the shipped model was actually built, where that differs from a plain rebuild

    def language_model(self, sentences: Iterable[str]) -> str:
        """ARPA text of the recipe's word LM (its order and smoothing) estimated on `sentences`."""
        from train.lm_build import build_arpa

        return build_arpa(sentences, order=self.lm_order, modified=self.lm_smoothing == "modified-kneser-ney")

    @property
    def lm_catalog_dirs(self) -> tuple[str, ...]:
        """The domain folders the LM's sentences come from: domain_dirs, then lm_domain_dirs."""
        return (*self.domain_dirs, *self.lm_domain_dirs)

    @classmethod
    def load(cls, path: str | Path) -> "Recipe":
        """Read a recipe file (and those it extends); a field that is unknown or holds a bad value
        is refused now, naming the file and the field, not after an hour of synthesis."""
        data = _resolved(Path(path), ())
        if "name" not in data:
            raise RecipeError(f"{path}: a recipe needs a name")
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise RecipeError(f"{path}: unknown field(s) {', '.join(unknown)}")

        def section(name: str, make):
            try:
                return make()
            except (TypeError, ValueError, AttributeError) as exc:
                raise RecipeError(f"{path}: {name}: {exc}") from None

        augment = section("augment", lambda: dict(data.get("augment", {})))
        section("augment", lambda: _augmenter_fields(augment))
        training = data.get("training", {})
        if isinstance(training, dict) and training.get("base_blend") and not data.get("base"):
            raise RecipeError(f"{path}: training: base_blend blends with a base model, and the recipe has no base")
        return cls(
            name=str(data["name"]),
            seed=section("seed", lambda: int(data.get("seed", 0))),
            real_speech=section("real_speech", lambda: tuple(RealSpeech(**item) for item in data.get("real_speech", ()))),
            domain_dirs=section("domain_dirs", lambda: _strings(data.get("domain_dirs", ()))),
            lm_domain_dirs=section("lm_domain_dirs", lambda: _strings(data.get("lm_domain_dirs", ()))),
            synthetic=section("synthetic", lambda: _synthetic(data.get("synthetic", {}))),
            extra_synthetic=section("extra_synthetic",
                                    lambda: tuple(_synthetic(item) for item in data.get("extra_synthetic", ()))),
            base=section("base", lambda: Base(**data["base"])) if data.get("base") else None,
            model=section("model", lambda: ModelConfig.from_dict(data.get("model", {}))),
            training=section("training", lambda: TrainConfig(**data.get("training", {}))),
            augment=augment,
            lm_order=section("lm_order", lambda: int(data.get("lm_order", 3))),
            lm_smoothing=section("lm_smoothing", lambda: _choice(data.get("lm_smoothing", "kneser-ney"), LM_SMOOTHINGS)),
            lm_sentences=section("lm_sentences", lambda: int(data.get("lm_sentences", 50000))),
            lm_slot_coverage=section("lm_slot_coverage", lambda: _flag(data.get("lm_slot_coverage", False))),
            lm_population_prior=section("lm_population_prior", lambda: _flag(data.get("lm_population_prior", False))),
            lm_real_speech=bool(data.get("lm_real_speech", True)),
            lm_even_command_words=section("lm_even_command_words", lambda: _flag(data.get("lm_even_command_words", False))),
            decoder=section("decoder", lambda: _decoder(data.get("decoder"))),
            speaker_variants=section("speaker_variants", lambda: SpeakerVariants.from_dict(data.get("speaker_variants", {}))),
            workers=section("workers", lambda: int(data.get("workers", 2))),
            notes=str(data.get("notes", "")),
        )


# A recipe's lm_smoothing values, and how a model card names them.
LM_SMOOTHINGS = {"kneser-ney": "Kneser-Ney", "modified-kneser-ney": "modified Kneser-Ney"}


def _choice(value, choices) -> str:
    if value not in choices:
        raise ValueError(f"must be one of {', '.join(choices)}, got {value!r}")
    return value


def _augmenter_fields(augment: dict) -> None:
    """Refuse settings train.augment.Augmenter does not have. Its babble pool is drawn from the
    data (train/babble.py): a recipe says how many clips, as a count >= 0."""
    from train.augment import Augmenter
    from train.babble import BABBLE_POOL_KEY

    settable = {f.name for f in fields(Augmenter)} - {"babble_pool"} | {BABBLE_POOL_KEY}
    unknown = sorted(set(augment) - settable)
    if unknown:
        raise ValueError(f"unknown setting(s) {', '.join(unknown)}")
    pool = augment.get(BABBLE_POOL_KEY, 0)
    if isinstance(pool, bool) or not isinstance(pool, int) or pool < 0:
        raise ValueError(f"{BABBLE_POOL_KEY} is a count of clips (0 or more), got {pool!r}")
    try:
        Augmenter(**{name: value for name, value in augment.items() if name != BABBLE_POOL_KEY})
    except (TypeError, ValueError) as error:
        raise ValueError(str(error)) from None


DECODER_SETTINGS = ("lm_weight", "word_bonus", "oov_penalty")
# May be given: the lexicon constraint, the beam width and the beam's hypothesis margin (edge's DecoderOptions).
OPTIONAL_DECODER_SETTINGS = ("lexicon_only", "beam", "hyp_prune_log_prob")


def _decoder(value) -> dict | None:
    """A recipe's fixed decoder settings, checked as edge's DecoderOptions checks them; the beam
    width is optional (edge.decoding.options.DEFAULT_BEAM when not given), and so is the beam's
    hypothesis margin (DecoderOptions' default when not given)."""
    from edge.decoding.options import DEFAULT_BEAM, DecoderOptions

    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("an object with lm_weight, word_bonus, oov_penalty (and lexicon_only, beam, hyp_prune_log_prob), "
                         "or null to tune them")
    unknown = sorted(set(value) - {*DECODER_SETTINGS, *OPTIONAL_DECODER_SETTINGS})
    missing = [key for key in DECODER_SETTINGS if key not in value]
    if unknown or missing:
        raise ValueError(f"unknown setting(s) {', '.join(unknown)}" if unknown else f"missing {', '.join(missing)}")
    if not all(isinstance(value[key], (int, float)) and not isinstance(value[key], bool) for key in DECODER_SETTINGS):
        raise ValueError(f"{', '.join(DECODER_SETTINGS)} are numbers")
    if not isinstance(value.get("lexicon_only", False), bool):
        raise ValueError("lexicon_only is true or false")
    settings = {**{key: float(value[key]) for key in DECODER_SETTINGS}, "lexicon_only": value.get("lexicon_only", False),
                "beam": value.get("beam", DEFAULT_BEAM)}
    if "hyp_prune_log_prob" in value:
        margin = value["hyp_prune_log_prob"]
        if not isinstance(margin, (int, float)) or isinstance(margin, bool):
            raise ValueError("hyp_prune_log_prob is a number")
        settings["hyp_prune_log_prob"] = float(margin)
    DecoderOptions(**settings)
    return settings


def _flag(value) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"true or false, got {value!r}")
    return value


def _strings(value, what: str = "a list of folder names") -> tuple[str, ...]:
    if isinstance(value, str) or not all(isinstance(item, str) for item in value):
        raise ValueError(what)
    return tuple(value)


def _resolved(path: Path, chain: tuple[Path, ...]) -> dict:
    """The recipe file's fields, merged over those of the recipe it extends (and so on up)."""
    if path.resolve() in chain:
        raise RecipeError(f"{path}: recipes extend each other in a loop")
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise RecipeError(f"{path}: no such recipe" + (f" (extended by {chain[-1]})" if chain else "")) from None
    except json.JSONDecodeError as exc:
        raise RecipeError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise RecipeError(f"{path}: a recipe is a JSON object")
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise RecipeError(f"{path}: extends names one recipe file")
    return _merged(_resolved(path.parent / parent, (*chain, path.resolve())), data)


def _merged(base: dict, override: dict) -> dict:
    """`override` over `base`: objects merge key by key, anything else replaces."""
    out = dict(base)
    for key, value in override.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _synthetic(data: dict) -> Synthetic:
    data = dict(data)
    for key in ("general_manifests", "exclude_manifests"):
        data[key] = tuple(data.get(key, ()))
    if "dev_voices" in data:
        data["dev_voices"] = _strings(data["dev_voices"], "a list of voice names")
    if data.get("mix") is not None:
        data["mix"] = {str(kind): float(share) for kind, share in data["mix"].items()}
    return Synthetic(**data)
