"""`earshot lm`: rebuild a bundle's word LM with more phrasings and catalog terms, keeping its network.

    earshot lm edge/models/default --domain-dir my_domain --out runs/my_model

A user who adds templates, slot values or command words (train/domain) can retrain the whole model
(`earshot train`, about 95 CPU minutes) or, in seconds, give the beam decoder an LM that knows the
new text: the LM of the bundle's recipe (train/lm_text.py) with the extra domain folders and text
files added. The network and decoder settings are kept. The confidence calibration (the LM's score
is one of its features) stays as it was fitted with the old LM unless --refit fits it and the drift
profile again on the recipe's own dev set, as `earshot train` does (train/dev_set.py synthesises
only that set: about a minute; the recipe's fixed decoder settings, where it states them, replace
the bundle's first, as `earshot train` gives them), or --calibrate refits it on held-out speech of
the user's. With
--refit, --tune-decoder also tunes the decoder settings again on that set; for the shipped network
and LM it picked a larger word bonus that dev preferred by 0.3 points and every evaluation set did
not (10 dB 0.558 -> 0.589, public 0.668 -> 0.705), so it is not the default. `earshot eval` on
speech of the new phrasings shows what changed. Run it from the repository root, as `earshot
train`: a recipe's paths are relative to it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from functools import partial
from pathlib import Path

from edge.errors import EarshotError
from train.card import DECODING_HEADING, decoding_section, replace_section
from train.card_results import HEADING as EVALUATION_HEADING
from train.export import LM_FILE, write_gzipped
from train.train_cli import DEFAULT_RECIPE

LM_HEADING = "## Language model rebuilt (`earshot lm`)"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("lm", help="rebuild a bundle's word LM with more domain text",
                                   description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path, help="the model bundle whose network is kept")
    parser.add_argument("--out", type=Path, required=True, help="bundle folder to write (a copy with the new LM)")
    parser.add_argument("--domain-dir", action="append", default=[], type=Path,
                        help="domain folder laid out like train/domain/data (repeatable)")
    parser.add_argument("--text", action="append", default=[], type=Path,
                        help="text file of extra sentences, one per line (repeatable)")
    refit = parser.add_mutually_exclusive_group()
    refit.add_argument("--refit", type=Path, metavar="WORK",
                       help="fit the calibration and drift profile again with the new LM on the recipe's dev set, "
                            "as earshot train does; its synthetic share is made in WORK (reused next time; needs "
                            "the TTS voices of scripts/install_tts.sh)")
    refit.add_argument("--calibrate", action="append", default=[], type=Path, metavar="MANIFEST",
                       help="refit the confidence calibration with the new LM on this speech (repeatable; "
                            "held-out speech of your domain, never an evaluation set)")
    parser.add_argument("--tune-decoder", action="store_true",
                        help="with --refit: tune the decoder's LM weight, word bonus and OOV penalty on that dev set first")
    parser.add_argument("--recipe", type=Path,
                        help="the recipe whose LM text is the starting point (default: the one the bundle names, "
                             "else the shipped model's)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from edge.bundle import load_bundle
    from train.domain import load_catalog
    from train.lm_text import lm_sentences, planned_synthetic_texts
    from train.recipe import Recipe

    if args.tune_decoder and args.refit is None:
        raise EarshotError("--tune-decoder: needs --refit WORK (the dev set it tunes on)")
    load_bundle(args.bundle)  # a bad bundle fails before anything is built
    meta = json.loads((args.bundle / "bundle.json").read_text())
    _check_out(args.bundle, args.out)
    recipe_path = args.recipe or Path(meta.get("recipe") or DEFAULT_RECIPE)
    if not recipe_path.is_file():
        named = "" if args.recipe else " (the bundle names it; run from the repository root or pass --recipe)"
        raise EarshotError(f"--recipe {recipe_path}: no such file{named}")
    recipe = Recipe.load(recipe_path)
    domain_dirs = tuple(str(folder) for folder in args.domain_dir)
    load_catalog((*recipe.lm_catalog_dirs, *domain_dirs))  # a bad domain folder fails now
    extra = [line for path in args.text for line in _text_lines(path)]
    calibration_speech = _calibration_utterances(args.calibrate)
    print(f"planning {recipe_path}'s text ...", file=sys.stderr)
    sentences = lm_sentences(recipe, planned_synthetic_texts(recipe), domain_dirs) + extra
    print(f"estimating a {recipe.lm_order}-gram LM ({recipe.lm_smoothing}) on {len(sentences)} sentences ...",
          file=sys.stderr)
    arpa = recipe.language_model(sentences)
    record = {"recipe": str(recipe_path), "domain_dirs": [*recipe.lm_catalog_dirs, *domain_dirs],
              "text_files": [str(path) for path in args.text], "extra_sentences": len(extra),
              "sentences": len(sentences), "order": recipe.lm_order,
              "smoothing": recipe.lm_smoothing}
    fit = None
    if calibration_speech:
        record["calibration"] = {"manifests": [str(path) for path in args.calibrate],
                                 "utterances": len(calibration_speech)}
        fit = partial(_refit_calibration, utterances=calibration_speech)
    elif args.refit is not None:
        fit = _dev_fit(recipe, recipe_path, args.refit, record, args.tune_decoder)
    _write(args.bundle, args.out, arpa, meta, record, fit)
    load_bundle(args.out)
    print(args.out)
    return 0


def _check_out(bundle: Path, out: Path) -> None:
    if out.resolve() == bundle.resolve():
        raise EarshotError(f"--out {out}: is the input bundle; write the new one elsewhere")
    if out.exists() and not (out / "bundle.json").exists() and (not out.is_dir() or any(out.iterdir())):
        raise EarshotError(f"--out {out}: exists and is not a model bundle; refusing to overwrite it")


def _text_lines(path: Path) -> list[str]:
    try:
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except FileNotFoundError:
        raise EarshotError(f"--text {path}: no such file") from None
    except UnicodeDecodeError:
        raise EarshotError(f"--text {path}: not UTF-8 text") from None
    if not lines:
        raise EarshotError(f"--text {path}: holds no sentences")
    return lines


def _calibration_utterances(manifests: list[Path]) -> list:
    from train.corpus import read_manifest
    from train.evaluation.runner import check_audio_exists

    utterances = []
    for path in manifests:
        if not path.is_file():
            raise EarshotError(f"--calibrate {path}: no such manifest")
        utterances += read_manifest(path)
    check_audio_exists(utterances)
    return utterances


def _dev_fit(recipe, recipe_path: Path, work: Path, record: dict, tune: bool):
    """Make the recipe's dev set and its copies under `work` (train/dev_set.py) and return the
    step that fits a bundle to them (train/dev_fit.py); notes the set in `record`."""
    from train.dev_fit import dev_copies, fit_to_dev
    from train.dev_set import recipe_dev_set

    print(f"making {recipe_path}'s dev set in {work} ...", file=sys.stderr)
    data = recipe_dev_set(recipe, work)
    if not data.dev:
        raise EarshotError(f"--refit: {recipe_path} holds no dev utterances (dev_speakers and dev_fraction are 0)")
    copies = dev_copies(data, recipe, work / "calibration_copies")
    record["refit"] = {"work": str(work), "dev_utterances": len(data.dev), "decoder_tuned": tune,
                       "decoder_from_recipe": not tune and recipe.decoder is not None,
                       "copies": {condition: len(utterances) for condition, utterances in copies.items()}}
    return partial(fit_to_dev, data=data, copies=copies, tune=tune, decoder=None if tune else recipe.decoder,
                   speaker_variants=recipe.speaker_variants)


def _refit_calibration(bundle: Path, utterances: list) -> None:
    """Fit the bundle's calibration on `utterances`, decoded with its (new) LM."""
    from train.calibrate import fit_bundle_calibration, recognizer_for_calibration
    from train.evaluation.runner import evaluate

    results = evaluate(recognizer_for_calibration(bundle), utterances).records
    try:
        calibration = fit_bundle_calibration(results)
    except ValueError as exc:
        raise EarshotError(f"--calibrate: cannot fit a calibration on {len(results)} utterances: {exc}") from None
    (bundle / "calibration.json").write_text(json.dumps(calibration, indent=2) + "\n")


def _write(bundle: Path, out: Path, arpa: str, meta: dict, record: dict, fit) -> None:
    """Copy the bundle with the new LM into `out`, via a staging folder so a failure leaves `out` as
    it was; `fit(staging)`, where given, refits settings with the new LM."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        shutil.rmtree(staging)
        shutil.copytree(bundle, staging)
        lm_name = meta.get("lm") or LM_FILE
        write_gzipped(arpa.encode(), staging / lm_name)
        meta = {**meta, "lm": lm_name, "lm_rebuild": record}
        if fit is not None:
            meta["calibration"] = "calibration.json"
        (staging / "bundle.json").write_text(json.dumps(meta, indent=2) + "\n")
        if fit is not None:
            fit(staging)
        card = staging / "MODEL_CARD.md"
        if card.exists():
            replace_section(card, LM_HEADING, _card_section(bundle, record, "\n## Quantization\n" in card.read_text()))
            if fit is not None and DECODING_HEADING + "\n" in card.read_text():  # the settings may be new
                fitted = json.loads((staging / "bundle.json").read_text())
                replace_section(card, DECODING_HEADING, decoding_section(fitted))
            if EVALUATION_HEADING + "\n" in card.read_text():  # its figures were measured with the old LM
                replace_section(card, EVALUATION_HEADING, f"{EVALUATION_HEADING}\n\nNot yet measured with this "
                                "LM: `earshot eval MANIFEST --model BUNDLE` (scripts/eval_shipped.sh writes a table "
                                "here).\n")
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _decoder_source(record: dict) -> str:
    """Where a refitted bundle's decoder settings came from, for its card."""
    if record["refit"].get("decoder_from_recipe"):
        return f"those `{record['recipe']}` states"
    return "the original bundle's"


def _card_section(bundle: Path, record: dict, quantized: bool) -> str:
    from train.recipe import LM_SMOOTHINGS

    added = [*(f"the seen phrasings of `{folder}`" for folder in record["domain_dirs"]),
             *(f"the sentences of `{path}`" for path in record["text_files"])]
    smoothing = LM_SMOOTHINGS[record.get("smoothing", "kneser-ney")]  # records before session 21 have none
    network = f"The network of `{bundle}`" + (" (quantized: see the Quantization section)" if quantized else "")
    lines = [f"{network} with a new {record['order']}-gram LM ({smoothing}) on {record['sentences']} sentences: "
             f"the text of `{record['recipe']}`" + "".join(f", {item}" for item in added) + "."]
    if "refit" in record:
        refit = record["refit"]
        counts = [f"{count} {condition}" for condition, count in refit["copies"].items()]
        copies = " and ".join([", ".join(counts[:-1]), counts[-1]] if len(counts) > 1 else counts)
        fitted = ("Decoder settings, confidence calibration and drift profile were" if refit["decoder_tuned"]
                  else "The confidence calibration and drift profile were")
        lines.append(f"{fitted} fitted again with the new LM on the recipe's dev set, as `earshot train` fits them: "
                     f"{refit['dev_utterances']} utterances as recorded plus {copies} copies (`earshot lm --refit`)"
                     + ("." if refit["decoder_tuned"] else f"; decoder settings are {_decoder_source(record)}."))
    elif "calibration" in record:
        lines.append(f"The confidence calibration was refitted with the new LM on {record['calibration']['utterances']} "
                     f"utterances ({', '.join(record['calibration']['manifests'])}); decoder settings are the "
                     "original bundle's.")
    else:
        lines.append("Decoder settings and confidence calibration are the original bundle's, fitted with its LM.")
    if quantized:
        lines.append("The Quantization section's figures were measured with the original LM.")
    return f"{LM_HEADING}\n\n" + " ".join(lines) + "\n"
