"""Which utterances train the model and which are held out: the recipe's data plan as feature jobs.

Real speech is split by speaker (the Speech Commands README asks for it); synthetic speech by
a hash of the sentence, so a held-out sentence is never heard in training by any voice, and by
voice where the recipe names dev voices, so dev also holds voices training never heard.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from train.corpus import Utterance, read_manifest
from train.features import FeatureJob
from train.recipe import Recipe
from train.voices import voice as voice_named


@dataclass(frozen=True)
class DataPlan:
    train: list[FeatureJob]
    dev: list[Utterance]  # held out: the dev CER during training and the confidence calibration
    sources: dict[str, dict]  # source name -> {"utterances", "hours", "license", ...} for the model card


def unit_hash(text: str) -> float:
    """A stable number in [0, 1) for a string (not Python's salted hash)."""
    return int(hashlib.sha1(text.encode()).hexdigest()[:8], 16) / 2**32


def is_kept_voice(corpus, voice: str) -> bool:
    """Whether a synthetic corpus's utterances by `voice` are used at all (its commercial_only
    leaves out voices whose licence forbids commercial use)."""
    return not corpus.commercial_only or voice_named(voice).commercial_ok


def is_dev(recipe: Recipe, corpus, text: str, voice: str) -> bool:
    """Whether a synthetic corpus's utterance of `text` by `voice` is held out (dev) under `recipe`:
    its sentence is (a hash below dev_fraction) or its voice is one of the corpus's dev_voices."""
    return voice in corpus.dev_voices or unit_hash(f"{recipe.seed}:{text}") < corpus.dev_fraction


def plan(recipe: Recipe, synthetic_manifest: Path | None, extra_manifests: tuple[Path, ...] = ()) -> DataPlan:
    """Training jobs, dev utterances and source summaries; `extra_manifests` pairs with recipe.extra_synthetic."""
    jobs: list[FeatureJob] = []
    dev: list[Utterance] = []
    sources: dict[str, dict] = {}
    for real in recipe.real_speech:
        utterances = read_manifest(real.manifest)
        speakers = sorted({u.speaker for u in utterances}, key=lambda s: unit_hash(f"{recipe.seed}:{s}"))
        held_out = set(speakers[:real.dev_speakers])
        name = Path(real.manifest).parent.name
        kept = [u for u in utterances if u.speaker not in held_out]
        dev += [u for u in utterances if u.speaker in held_out]
        clips_of = Counter(u.text for u in kept)
        copies = {u.audio: real.copies_for(clips_of[u.text]) for u in kept}
        jobs += [job for u in kept for job in _copies([u], name, copies[u.audio], recipe.seed)]
        sources[name] = _summary(kept, real.source, real.license, real.copies, len(speakers) - len(held_out))
        if real.balance_to:
            sources[name]["copies"] = f"{min(copies.values(), default=real.copies)}-{max(copies.values(), default=real.copies)}"
            sources[name]["copy_jobs"] = sum(copies.values())
    corpora = [("synthetic", recipe.synthetic, synthetic_manifest)]
    corpora += [(f"synthetic_seed{extra.seed}", extra, manifest)
                for extra, manifest in zip(recipe.extra_synthetic, extra_manifests, strict=True)]
    for name, synth, manifest in corpora:
        if manifest is None:
            continue
        utterances = [u for u in read_manifest(manifest) if is_kept_voice(synth, u.voice)]
        held_out = [u for u in utterances if is_dev(recipe, synth, u.text, u.voice)]
        kept = [u for u in utterances if not is_dev(recipe, synth, u.text, u.voice)]
        dev += held_out
        jobs += _copies(kept, name, synth.copies, recipe.seed)
        voices = sorted({u.voice for u in kept})
        sources[name] = _summary(kept, "earshot synth (see voices)", "see voices", synth.copies, len(voices))
        sources[name]["voices"] = voices
        if synth.dev_voices:
            sources[name]["dev_voices"] = list(synth.dev_voices)
    return DataPlan(jobs, dev, sources)


def _copies(utterances: list[Utterance], source: str, copies: int, seed: int) -> list[FeatureJob]:
    return [FeatureJob(str(u.audio), u.text, source, copy, int(unit_hash(f"{seed}:{copy}:{u.audio}") * 2**31))
            for u in utterances for copy in range(copies)]


def _summary(utterances: list[Utterance], source: str, licence: str, copies: int, speakers: int) -> dict:
    return {"utterances": len(utterances), "hours": round(sum(u.duration for u in utterances) / 3600, 3),
            "copies": copies, "speakers": speakers, "source": source, "license": licence}
