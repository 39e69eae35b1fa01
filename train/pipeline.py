"""Rebuild a model from its recipe: synthesise, featurise, train, build the LM, export, calibrate, card.

Every step writes into a work folder and is skipped when its output is already there, so an
interrupted run resumes where it stopped (training itself resumes from its checkpoint).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from train.datasets import DataPlan, plan
from train.features import PAD_VALUE, FeatureJob, FeatureSet, build_feature_set
from train.recipe import Recipe

BN_EXAMPLES = 200  # dev utterances a bundle base's batch-norm statistics are measured on


def build(recipe_path: Path, work: Path, out: Path, *, synthetic_manifest: Path | None = None) -> Path:
    """Run every step of the recipe; returns the finished bundle folder `out`."""
    from train.dev_fit import dev_copies, fit_to_dev
    from train.export import write_bundle

    recipe = Recipe.load(recipe_path)
    work.mkdir(parents=True, exist_ok=True)
    model, data, dev_feats, manifests = trained_model(recipe, work, synthetic_manifest)
    lm_file = _language_model(recipe, work / "lm.arpa", manifests)
    examples = [np.asarray(dev_feats.utterance(i), np.float32) for i in range(0, len(dev_feats), max(1, len(dev_feats) // 8))]
    staging = work / "bundle"
    if staging.exists():
        shutil.rmtree(staging)
    extra = {"training_data": data.sources, "recipe": str(recipe_path)}
    if recipe.base is not None and recipe.base.bundle is not None:
        extra["base_model"] = base_model_record(recipe.base, work)
    write_bundle(model, staging, name=recipe.name, feature_examples=examples, lm_file=lm_file, extra=extra)
    fit_to_dev(staging, data, dev_copies(data, recipe, work / "calibration_copies"), decoder=recipe.decoder,
               speaker_variants=recipe.speaker_variants)
    _write_card(staging, recipe, data, work)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(staging, out)
    return out


def pack_for_training(recipe_path: Path, work: Path, dest: Path, *, max_bytes: int, volumes: int = 1,
                      synthetic_manifest: Path | None = None) -> dict:
    """Do here what training needs first (synthesis, features, the model to start from) and write it
    as a training pack for a GPU machine (train.training_pack) instead of training; returns pack.json."""
    from train.training_pack import training_settings, write_pack

    recipe = Recipe.load(recipe_path)
    work.mkdir(parents=True, exist_ok=True)
    data, dev_feats, manifests = planned_data(recipe, work, synthetic_manifest)
    init, train_feats = training_inputs(recipe, work, data, manifests[0], dev_feats)
    return write_pack(dest, train_feats, dev_feats, model=recipe.model.to_dict(),
                      training=training_settings(recipe.training),
                      init_state=None if init is None else init.state_dict(), max_bytes=max_bytes,
                      volumes=volumes, seed=recipe.seed, name=recipe.name)


def trained_model(recipe: Recipe, work: Path, synthetic_manifest: Path | None = None):
    """(model, data plan, dev features, synthetic manifests) of `recipe`, training what is not trained yet.

    A recipe with a `base` starts from its weights: a base recipe's model is trained first (in
    work/<base.work>, which may already hold it); a base bundle's network is read back from ONNX.
    """
    from train import tokens
    from train.trainer import load_trained, train, training_finished

    data, dev_feats, manifests = planned_data(recipe, work, synthetic_manifest)
    if training_finished(work / "model", recipe.training.epochs):
        # e.g. trained on a GPU machine (train.pack_training): no training features needed here
        return load_trained(work / "model"), data, dev_feats, manifests
    init, train_feats = training_inputs(recipe, work, data, manifests[0], dev_feats)
    model = train(train_feats, dev_feats, work / "model", recipe.model, recipe.training, tokens.TOKENS,
                  pad_value=PAD_VALUE, init=init)
    return model, data, dev_feats, manifests


def planned_data(recipe: Recipe, work: Path, synthetic_manifest: Path | None = None):
    """(data plan, dev features, synthetic manifests) of `recipe`: its corpora synthesised where
    they are not yet, its dev features computed."""
    from train.domain import load_catalog

    load_catalog(recipe.lm_catalog_dirs)  # a bad domain folder fails now, before any work
    if recipe.base is not None and recipe.base.bundle is not None:
        from edge.bundle import load_bundle

        load_bundle(_base_bundle(recipe.base, work))  # a bad base fails now, not after synthesis
    synthetic_manifest = synthetic_manifest or _synthesise(recipe, recipe.synthetic, work / "synth_train")
    extra_manifests = tuple(_synthesise(recipe, extra, work / f"synth_seed{extra.seed}")
                            for extra in recipe.extra_synthetic)
    data = plan(recipe, synthetic_manifest, extra_manifests)
    dev_feats = _features([FeatureJob(str(u.audio), u.text, "dev", 0, 0) for u in data.dev],
                          work / "features" / "dev", None, recipe.workers, recipe.model.stride)
    return data, dev_feats, (synthetic_manifest, *extra_manifests)


def training_inputs(recipe: Recipe, work: Path, data, synthetic_manifest: Path, dev_feats: FeatureSet):
    """(the model training starts from, or None; training features) of a recipe whose data is planned."""
    from train.babble import recipe_augmenter

    init = None if recipe.base is None else _base_model(recipe, work, synthetic_manifest, dev_feats)
    augmenter = recipe_augmenter(recipe.augment, (job.audio for job in data.train), recipe.seed)
    train_feats = _features(data.train, work / "features" / "train", augmenter, recipe.workers, recipe.model.stride)
    return init, train_feats


def _base_model(recipe: Recipe, work: Path, synthetic_manifest: Path, dev_feats: FeatureSet):
    """The model a fine-tuning recipe starts from: its base recipe's (trained first where it is
    not yet) or a bundle's network, its batch norms unfolded on dev features."""
    base = recipe.base
    if base.bundle is not None:
        from train.bundle_init import model_from_bundle

        folder = _base_bundle(base, work)
        step = max(1, len(dev_feats) // BN_EXAMPLES)
        examples = [np.asarray(dev_feats.utterance(i), np.float32) for i in range(0, len(dev_feats), step)]
        return model_from_bundle(folder, examples, expected=recipe.model)
    base_recipe = Recipe.load(base.recipe)
    if base_recipe.model != recipe.model:
        raise ValueError(f"base recipe {base.recipe}: its model config differs from this recipe's")
    same_audio = (base_recipe.synthetic.makes_same_audio(recipe.synthetic)
                  and base_recipe.domain_dirs == recipe.domain_dirs)
    shared = synthetic_manifest if same_audio else None
    return trained_model(base_recipe, work / base.work, shared)[0]


def _base_bundle(base, work: Path) -> Path:
    """The base bundle's folder; one taken from a commit is unpacked there once (git archive)."""
    import subprocess
    import tarfile
    import tempfile

    from train.recipe import RecipeError

    target = base.bundle_folder(work)
    if not base.commit or (target / "bundle.json").is_file():
        return target
    with tempfile.TemporaryFile() as archive:
        done = subprocess.run(["git", "archive", "--format=tar", base.commit, "--", base.bundle], stdout=archive,
                              stderr=subprocess.PIPE, text=False)
        if done.returncode != 0:
            raise RecipeError(f"base bundle {base.bundle} at commit {base.commit}: git archive failed "
                              f"({done.stderr.decode(errors='replace').strip()}); run from a git checkout of earshot")
        archive.seek(0)
        with tarfile.open(fileobj=archive) as tar:
            tar.extractall(work / "base_bundle", filter="data")
    return target


def base_model_record(base, work: Path) -> dict:
    """What a fine-tuned bundle records of its base bundle: where it came from and what trained it
    (that bundle's own training data and base, so a chain of fine-tunes keeps every source)."""
    meta = json.loads((_base_bundle(base, work) / "bundle.json").read_text())
    record = {"from": base.describe(), "name": meta.get("name"), "recipe": meta.get("recipe"),
              "training_data": meta.get("training_data", {})}
    if "base_model" in meta:
        record["base_model"] = meta["base_model"]
    return record


def _synthesise(recipe: Recipe, corpus, folder: Path) -> Path:
    from train import synth

    manifest = folder / "manifest.jsonl"
    if manifest.exists():
        return manifest
    return synth.write_corpus(synth.plan_corpus(corpus, recipe.domain_dirs), folder, recipe.workers)


def _features(jobs: list[FeatureJob], folder: Path, augment, workers: int, stride: int) -> FeatureSet:
    if not (folder / "index.npz").exists():
        build_feature_set(jobs, folder, augment=augment, workers=workers, stride=stride, desc=folder.name)
    return FeatureSet.load(folder)


def _language_model(recipe: Recipe, path: Path, synthetic_manifests: tuple[Path, ...]) -> Path:
    """Word n-gram LM over the recipe's text (train/lm_text.py), with the transcripts of the
    corpora actually synthesised."""
    from train.corpus import NOT_FOR_LM, read_manifest
    from train.lm_text import lm_sentences

    if path.exists():
        return path
    synthetic = (u.text for manifest in synthetic_manifests for u in read_manifest(manifest)
                 if u.tags.get("kind") not in NOT_FOR_LM)
    path.write_text(recipe.language_model(lm_sentences(recipe, synthetic)))
    return path


def _write_card(bundle: Path, recipe: Recipe, data: DataPlan, work: Path) -> None:
    from train.card import model_card

    (bundle / "MODEL_CARD.md").write_text(model_card(bundle, recipe, data, work))
