"""A recipe's dev set without its training audio: the real-speech dev speakers and the dev
shares of its synthetic corpora, synthesised alone.

A synthetic corpus's job i depends only on (seed, i) and its text sources (train/synth.py), and
its dev share is a hash of the sentence and the recipe's dev voices (train/datasets.py), so planning a corpus and
synthesising only the jobs whose sentence is held out makes, file for file, the dev audio that
`earshot train` made with the whole corpus: about 3% of it, minutes instead of an hour.
`earshot lm --refit` fits the calibration for a new LM on it, and with --tune-decoder the decoder
settings too (train/dev_fit.py).
"""

from __future__ import annotations

from pathlib import Path

from train.datasets import DataPlan, is_dev, is_kept_voice, plan
from train.recipe import Recipe


def dev_only_corpus(recipe: Recipe, corpus, folder: Path, workers: int) -> Path:
    """Synthesise the dev share of `corpus` into `folder` (reused when its manifest is there);
    returns the manifest, which the data plan reads as if it were the whole corpus."""
    from train import synth

    manifest = folder / "manifest.jsonl"
    if manifest.exists():
        return manifest
    jobs = [job for job in synth.plan_corpus(corpus, recipe.domain_dirs)
            if is_kept_voice(corpus, job.voice) and is_dev(recipe, corpus, job.text, job.voice)]
    return synth.write_corpus(jobs, folder, workers)


def recipe_dev_set(recipe: Recipe, work: Path) -> DataPlan:
    """The recipe's data plan with the dev shares synthesised under `work` (its `dev` is the dev
    set `earshot train` uses; its train jobs are the few left over and not meant for training)."""
    main = dev_only_corpus(recipe, recipe.synthetic, work / "dev_synth", recipe.workers)
    extra = tuple(dev_only_corpus(recipe, corpus, work / f"dev_synth_seed{corpus.seed}", recipe.workers)
                  for corpus in recipe.extra_synthetic)
    return plan(recipe, main, extra)
