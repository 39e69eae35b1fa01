"""Synthesise a speech corpus from the domain text, general English and command words.

    python -m train.synth --out DIR --split train|eval --n N --seed S

Writes DIR/wav/<voice>/<index>_<texthash>.wav (16 kHz mono 16-bit) and DIR/manifest.jsonl
(train.corpus format). Job `i` depends only on (seed, i) and the text sources, so a run with a
larger --n into the same DIR reuses the audio a smaller run made and adds to it.
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf
from tqdm import tqdm

from train import general_text
from train.corpus import KINDS, Utterance, read_manifest, write_manifest
from train.domain import Catalog, load_catalog, sentence_at
from train.tts import SAMPLE_RATE, SynthesisError, Synthesizer
from train.voices import voice, voices

DEFAULT_MIX = {"train": {"in": 0.55, "general": 0.33, "word": 0.12},
               "eval": {"in": 0.75, "general": 0.25, "word": 0.0}}
HELDOUT_SHARE_EVAL = 0.5                 # eval in-domain: half held-out phrasings, half seen
SPEED_RANGE = {"train": (0.85, 1.2), "eval": (0.9, 1.1)}
PITCH_RANGE = {"train": (0.9, 1.1), "eval": (0.95, 1.05)}
PEAK_RANGE = (0.25, 0.9)                 # output level varies like real recordings
PAD_RANGE_S = (0.1, 0.35)                # silence kept before and after speech
SILENCE_DB = -40.0                       # relative to the utterance's peak, for trimming
CHUNK = 20                               # jobs per task: one voice per chunk keeps festival warm


@dataclass(frozen=True, slots=True)
class Job:
    """Everything needed to make one utterance: text, voice and variation."""

    index: int
    text: str
    voice: str
    speed: float
    pitch: float
    peak: float
    pad_s: tuple[float, float]
    tags: dict[str, str] = field(default_factory=dict)

    def path(self, out: Path) -> Path:
        digest = hashlib.sha1(f"{self.text}|{self.speed}|{self.pitch}".encode()).hexdigest()[:8]
        return out / "wav" / self.voice / f"{self.index:06d}_{digest}.wav"


@dataclass(frozen=True)
class Sources:
    """The texts a plan draws from."""

    catalog: Catalog
    general: list[general_text.TextLine]
    words: tuple[str, ...]


def load_sources(split: str, *, domain_dirs=(), general_manifests=(), exclude_manifests=()) -> Sources:
    """Domain catalogue, the split's general English sentences and the command words."""
    lines = list(general_text.wordnet_examples())
    for manifest in general_manifests:
        lines.extend(general_text.manifest_texts(Path(manifest)))
    exclude = [u.text for m in exclude_manifests for u in read_manifest(m)]
    catalog = load_catalog(tuple(domain_dirs))
    return Sources(catalog, general_text.split_lines(lines, split, exclude=exclude), catalog.spoken_words)


def plan(sources: Sources, split: str, n: int, seed: int, mix: dict[str, float] | None = None,
         commercial_only: bool = False) -> list[Job]:
    """The first `n` jobs of the stream for (`split`, `seed`); job i never depends on n.

    commercial_only draws voices only from those whose licence allows commercial use (the
    shipped model's), so no synthesis time goes to audio its training would leave out.
    """
    mix = mix or DEFAULT_MIX[split]
    kinds, weights = zip(*((k, w) for k, w in mix.items() if w > 0))
    weights = np.asarray(weights) / sum(weights)
    pool = voices(split, commercial_only=commercial_only)
    if not pool:
        raise ValueError(f"no {'commercially usable ' if commercial_only else ''}voices in the {split!r} split")
    voice_p = np.array([v.weight for v in pool]) / sum(v.weight for v in pool)
    order = np.random.default_rng([seed, 7]).permutation(len(sources.general))
    jobs = []
    for i in range(n):
        rng = np.random.default_rng([seed, i, 1])
        kind = kinds[rng.choice(len(kinds), p=weights)]
        v = pool[rng.choice(len(pool), p=voice_p)]
        text, tags = _text(sources, kind, split, seed, i, rng, order)
        speed, pitch = rng.uniform(*SPEED_RANGE[split]), rng.uniform(*PITCH_RANGE[split])
        tags.update(engine=v.engine, split=split, commercial_ok=str(v.commercial_ok).lower(),
                    licence=v.licence, speed=f"{speed:.2f}", pitch=f"{pitch:.2f}")
        jobs.append(Job(i, text, v.name, round(speed, 3), round(pitch, 3), float(rng.uniform(*PEAK_RANGE)),
                        (float(rng.uniform(*PAD_RANGE_S)), float(rng.uniform(*PAD_RANGE_S))), tags))
    return jobs


def plan_corpus(corpus, domain_dirs: tuple[str, ...] = ()) -> list[Job]:
    """The jobs of a recipe's synthetic corpus (train.recipe.Synthetic) with the catalog of the
    packaged domain data plus `domain_dirs`: what `python -m train.synth` with its synth_argv makes."""
    sources = load_sources("train", domain_dirs=domain_dirs, general_manifests=corpus.general_manifests,
                           exclude_manifests=corpus.exclude_manifests)
    return plan(sources, "train", corpus.utterances, corpus.seed, corpus.mix,
                commercial_only=corpus.synthesise_commercial_only)


def _text(sources: Sources, kind: str, split: str, seed: int, i: int, rng: np.random.Generator,
          order: np.ndarray) -> tuple[str, dict[str, str]]:
    if kind == "in":
        phrasing = "heldout" if split == "eval" and rng.random() < HELDOUT_SHARE_EVAL else "seen"
        s = sentence_at(sources.catalog, seed, i, phrasing)
        return s.text, {"domain": "in", "kind": "in", "intent": s.intent, "phrasing": s.phrasing}
    if kind == "general":
        line = sources.general[int(order[i % len(order)])]
        return line.text, {"domain": "out", "kind": "general", "text_source": line.source}
    if kind == "word":
        word = sources.words[int(rng.integers(len(sources.words)))]
        if word in sources.catalog.acoustic_words:  # not a command: out of domain and out of the LM
            return word, {"domain": "out", "kind": "acoustic_word", "intent": "word"}
        return word, {"domain": "in", "kind": "word", "intent": "word", "phrasing": "seen"}
    if kind == "scrambled":
        s = sentence_at(sources.catalog, seed, i, "seen")
        return scramble(s.text, rng), {"domain": "out", "kind": "scrambled", "intent": s.intent}
    raise ValueError(f"unknown kind {kind!r} in the mix; use {', '.join(KINDS)}")


def scramble(text: str, rng: np.random.Generator) -> str:
    """The words of `text` in a random order other than their own (where there is one).

    Scrambled in-domain sentences keep the domain's words and sounds but none of its word
    order: the network's receptive field spans seconds, so on template sentences alone it
    learns which word follows which, and mishears phrasings it has never heard. These texts
    never go into the LM (train.pipeline leaves kind=scrambled out)."""
    words = text.split()
    if len(set(words)) < 2:
        return text
    while True:
        shuffled = [words[k] for k in rng.permutation(len(words))]
        if shuffled != words:
            return " ".join(shuffled)


def run(jobs: list[Job], out: Path, workers: int = 2) -> list[Utterance]:
    """Synthesise `jobs` into `out` with `workers` processes; utterances in job order."""
    by_voice: dict[str, list[Job]] = defaultdict(list)
    for job in jobs:
        by_voice[job.voice].append(job)
    chunks = [js[k:k + CHUNK] for js in by_voice.values() for k in range(0, len(js), CHUNK)]
    np.random.default_rng(len(jobs)).shuffle(chunks)  # every voice progresses from the start
    done: dict[int, float] = {}
    failures = []
    context = multiprocessing.get_context("spawn")  # no forked copies of the parent's state
    with context.Pool(workers, initializer=_init_worker, initargs=(str(out),)) as pool, \
            tqdm(total=len(jobs), unit="utt", desc=f"synth {out.name}") as bar:
        for results in pool.imap_unordered(_synth_chunk, chunks):
            for index, duration, error in results:
                if error:
                    failures.append(error)
                else:
                    done[index] = duration
            bar.update(len(results))
    for error in failures[:20]:
        print(f"skipped: {error}", file=sys.stderr)
    if failures:
        print(f"{len(failures)} of {len(jobs)} utterances failed and were left out", file=sys.stderr)
    return [Utterance(job.path(out).resolve(), job.text, round(done[job.index], 4), job.voice, job.voice, job.tags)
            for job in jobs if job.index in done]


_worker: dict = {}


def _init_worker(out: str) -> None:
    _worker["synth"] = Synthesizer()
    _worker["out"] = Path(out)


def _synth_chunk(jobs: list[Job]) -> list[tuple[int, float, str]]:
    return [_synth_one(job) for job in jobs]


def _synth_one(job: Job) -> tuple[int, float, str]:
    path = job.path(_worker["out"])
    if path.exists():
        return job.index, sf.info(path).duration, ""
    try:
        samples = _worker["synth"](voice(job.voice), job.text, job.speed, job.pitch)
    except SynthesisError as exc:
        return job.index, 0.0, str(exc)
    samples = _finish(samples, job)
    if samples is None:
        return job.index, 0.0, f"{job.voice}: silent output for {job.text!r}"
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.wav")
    sf.write(partial, samples, SAMPLE_RATE, subtype="PCM_16")
    partial.replace(path)
    return job.index, len(samples) / SAMPLE_RATE, ""


def _finish(samples: np.ndarray, job: Job) -> np.ndarray | None:
    """Trim the engine's silence, pad with the job's amount and scale to the job's peak."""
    peak = float(np.abs(samples).max()) if len(samples) else 0.0
    if peak < 1e-4:
        return None
    frame = SAMPLE_RATE // 100
    frames = samples[: len(samples) // frame * frame].reshape(-1, frame)
    loud = np.flatnonzero(np.abs(frames).max(axis=1) > peak * 10 ** (SILENCE_DB / 20))
    speech = samples[loud[0] * frame:(loud[-1] + 1) * frame] if len(loud) else samples
    lead, trail = (np.zeros(int(p * SAMPLE_RATE), np.float32) for p in job.pad_s)
    return np.concatenate([lead, speech * (job.peak / peak), trail]).astype(np.float32)


def main_args(args: argparse.Namespace) -> int:
    """Plan, synthesise and write the manifest; print a one-line summary."""
    sources = load_sources(args.split, domain_dirs=args.domain_dir, general_manifests=args.general_manifest,
                           exclude_manifests=args.exclude_manifest)
    write_corpus(plan(sources, args.split, args.n, args.seed, args.mix, commercial_only=args.commercial_only),
                 args.out, args.workers)
    return 0


def write_corpus(jobs: list[Job], out: Path, workers: int) -> Path:
    """Synthesise `jobs` into `out` and write its manifest; prints a one-line summary and returns
    the manifest's path."""
    utterances = run(jobs, out, workers)
    manifest = out / "manifest.jsonl"
    write_manifest(manifest, utterances)
    hours = sum(u.duration for u in utterances) / 3600
    print(f"{manifest}: {len(utterances)} utterances, {hours:.2f} h, {len({u.voice for u in utterances})} voices")
    return manifest


def main(argv: list[str] | None = None) -> int:
    from train.synth_cli import build_parser

    return main_args(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
