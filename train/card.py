"""The model card: what a bundle was trained on (with licences), how, and how well it does."""

from __future__ import annotations

import json
from pathlib import Path

from edge.frontend.variants import PLAIN, SpeakerVariants
from train.datasets import DataPlan
from train.recipe import Recipe

ATTRIBUTION = (
    "Speech Commands v0.02 by Pete Warden, Google (\"Speech Commands: A Dataset for Limited-Vocabulary "
    "Speech Recognition\", 2018), CC-BY-4.0: test-split clips, as committed in the repositories named "
    "in ../shared/train/speech_commands/manifest.jsonl. LJ Speech 1.1 by Keith Ito (public domain), "
    "from LibriVox recordings."
)


def model_card(bundle: Path, recipe: Recipe, data: DataPlan, work: Path) -> str:
    meta = json.loads((bundle / "bundle.json").read_text())
    state = _checkpoint(work)
    size_mb = sum(f.stat().st_size for f in bundle.iterdir() if f.is_file()) / 1e6
    lines = [
        f"# Model card: {recipe.name}",
        "",
        "A small character-level CTC acoustic model (1-D depthwise-separable convolutions, QuartzNet/"
        "Citrinet-like) on earshot's 80-bin log-mel front end, with a word n-gram language model "
        "for the beam decoder. Built for voice search and voice commands on Raspberry-Pi-class devices: "
        "weather, time, timers and alarms, music, navigation, search, numbers and digits, "
        "confirmations. Speech outside that domain is expected to come out with low confidence so "
        "the device escalates it to the cloud server.",
        "",
        "## Rebuild",
        "",
        _rebuild_command(meta.get("recipe") or "train/recipes/default.json", recipe.name),
        "",
        *([recipe.notes, ""] if recipe.notes else []),
        f"Domain text (templates, slots, words): `train/domain/data`"
        + "".join(f" plus `{folder}`" for folder in recipe.domain_dirs) + "."
        + "".join(f" The LM also has the seen phrasings of `{folder}`." for folder in recipe.lm_domain_dirs),
        "",
        "## Network",
        "",
        f"- parameters: {_parameters(state)}; config: `{json.dumps(meta.get('model_config', {}))}`",
        f"- output step: {meta['frame_stride'] * 10} ms; tokens: {len((bundle / 'tokens.txt').read_text().split(chr(10))) - 1}"
        " (blank, space, a-z, apostrophe)",
        f"- ONNX opset 17, dynamic time axis; ONNX Runtime vs PyTorch max |log-prob| difference "
        f"{meta.get('onnx_check_max_abs_diff', float('nan')):.1e}",
        f"- size of the fp32 bundle this card was written for: {size_mb:.2f} MB (see Quantization for shipped sizes)",
        "",
        "## Training data",
        "",
        *_sources_table(data.sources),
    ]
    bases = _base_chain(meta)
    for base in bases:
        lines += ["", f"Fine-tuned from {base['from']} (`{base.get('name')}`, recipe `{base.get('recipe')}`), "
                      "which was trained on:", "", *_sources_table(base.get("training_data", {}))]
    lines += ["", f"Attribution: {ATTRIBUTION}", ""]
    lines += _voices([data.sources, *(base.get("training_data", {}) for base in bases)])
    lines += ["", "## Training", "", *_base(recipe), f"`{json.dumps(state['train_config'])}`", "",
              _trained_on(state), ""]
    lines += _training_log(work)
    lines += ["", *_decoding(meta)]
    lines += ["", "## Evaluation", "",
              "Not evaluated yet. `earshot eval MANIFEST --model BUNDLE --json` lines collected in a file "
              "become this section's table with `python -m train.card_results FILE MODEL_CARD.md`; "
              "`bash scripts/eval_shipped.sh DIR` does both for the shipped model.", ""]
    return "\n".join(lines) + "\n"


def replace_section(card: Path, heading: str, section: str) -> None:
    """Put `section` (Markdown starting with `heading`, a "## " line) into the model card file,
    where an earlier section under that heading was, else at the end; other sections stay."""
    text = card.read_text() if card.is_file() else "# Model card\n"
    start = text.find(heading + "\n")
    if start >= 0:
        end = text.find("\n## ", start + len(heading))
        if end >= 0:
            card.write_text(text[:start] + section.rstrip("\n") + "\n" + text[end:])
            return
        text = text[:start]
    card.write_text(text.rstrip("\n") + "\n\n" + section)


def _rebuild_command(recipe_path: str, name: str) -> str:
    """The one command that rebuilds this model as shipped (int8, evaluated): scripts/rebuild_model.sh."""
    from train.train_cli import DEFAULT_RECIPE

    shipped = Path(recipe_path).resolve() == DEFAULT_RECIPE.resolve()
    recipe_path = "train/recipes/default.json" if shipped else recipe_path
    args = "" if shipped else f" {recipe_path} runs/{name} runs/{name}/bundle"
    return (f"`bash scripts/rebuild_model.sh{args}` (from the repository root, after `bash scripts/install_tts.sh`): "
            f"`earshot train --recipe {recipe_path}`, the evaluation sets, `earshot quantize` to the int8 bundle "
            "and its evaluation; every step resumes after an interruption.")


DECODING_HEADING = "## Decoding"


def decoding_section(meta: dict) -> str:
    """The card's Decoding section for a bundle.json's `meta`, as replace_section takes it."""
    return "\n".join(_decoding(meta)) + "\n"


def _decoding(meta: dict) -> list[str]:
    """The decoder settings chosen on dev data (train/tune_decoder.py), and the speaker variants."""
    return [*_decoder_settings(meta), *_variants(meta)]


def _variants(meta: dict) -> list[str]:
    variants = meta.get("speaker_variants", {})
    if SpeakerVariants.from_dict(variants).pairs == (PLAIN,):
        return []
    confident = variants.get("confident_raw")
    return ["", f"Speaker variants (`{json.dumps(variants)}`): each window is decoded at every warp of its log-mel "
            "features' frequency axis (a vocal tract length) and, unwarped, at every tempo other than 1 (a speaking "
            "rate), and the best-scoring hypothesis is kept"
            + (f", unless the plain window's decoding already has a raw confidence of at least {confident:g}"
               if confident is not None else "")
            + "; each variant costs one network run and one decode. The calibration was fitted with them."]


def _decoder_settings(meta: dict) -> list[str]:
    tuning = meta.get("decoder_tuning", {})
    if tuning.get("from_recipe"):
        return [DECODING_HEADING, "", f"Beam search with the word LM: `{json.dumps(meta.get('decoder', {}))}`, as the "
                "recipe's `decoder` states them (not tuned by `earshot train`; the recipe's notes say how they "
                "were chosen)."]
    best = min(tuning.get("settings", []), key=lambda row: row["wer"], default=None)
    return [DECODING_HEADING, "",
            f"Beam search with the word LM: `{json.dumps(meta.get('decoder', {}))}`, chosen among "
            f"{len(tuning.get('settings', []))} settings on {tuning.get('utterances', 0)} dev utterances (each dev "
            "clip as recorded, an augmented copy, where it has edge silence a copy cut tight, and where it is "
            "synthetic a copy in a shifted voice)"
            + (f"; dev WER, averaged over condition and source groups, {best['wer']:.4f}." if best else ".")]


def _base(recipe: Recipe) -> list[str]:
    if recipe.base is None:
        return []
    return [f"Fine-tuned from {recipe.base.describe()}; the log's epoch 0 is that model's dev CER.", ""]


def _sources_table(sources: dict) -> list[str]:
    return ["| source | utterances | hours | copies | speakers/voices | licence |", "|---|---|---|---|---|---|",
            *(f"| {name}: {info['source']} | {info['utterances']} | {info['hours']} | {info['copies']} "
              f"| {info['speakers']} | {info['license']} |" for name, info in sources.items())]


def _base_chain(meta: dict) -> list[dict]:
    """The bundle's base_model record, that base's own, and so on (empty for a model trained from scratch)."""
    chain, base = [], meta.get("base_model")
    while base:
        chain.append(base)
        base = base.get("base_model")
    return chain


def _voices(source_sets: list[dict]) -> list[str]:
    """Every synthetic voice in the source summaries, with its engine and licence."""
    from train.voices import voice

    names = sorted({name for sources in source_sets for info in sources.values() for name in info.get("voices", [])})
    if not names:
        return []
    lines = ["### Synthetic voices", "", "| voice | engine | licence |", "|---|---|---|"]
    for name in names:
        v = voice(name)
        lines.append(f"| {v.name} | {v.engine} | {v.licence} |")
    dev = sorted({name for info in source_sets[0].values() for name in info.get("dev_voices", [])})
    if dev:
        lines += ["", f"Dev voices, kept out of this model's training (decoder tuning and calibration only): "
                      f"{', '.join(dev)}."]
    return lines


def _checkpoint(work: Path) -> dict:
    import torch

    return torch.load(work / "model" / "checkpoint.pt", weights_only=False, map_location="cpu")


def _parameters(state: dict) -> str:
    from train.model import ConvCtcModel, ModelConfig, count_parameters

    return f"{count_parameters(ConvCtcModel(ModelConfig.from_dict(state['model_config']))) / 1e6:.2f} M"


def _trained_on(state: dict) -> str:
    return (f"Trained on {state.get('device', 'an unrecorded device')}: {state['epoch'] + 1} epochs, "
            f"{state['step']} steps, {state['trained_s']:.0f} s of training.")


def _training_log(work: Path) -> list[str]:
    log = work / "model" / "log.jsonl"
    if not log.exists():
        return []
    rows = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    lines = ["| epoch | steps | loss | dev CER (greedy) | training s |", "|---|---|---|---|---|"]
    lines += [f"| {_epoch(r)} | {r.get('steps', '')} | {_number(r['loss'])} | {r.get('dev_cer', '')} | {r['trained_s']} |"
              for r in rows]
    return lines


def _epoch(row: dict) -> str:
    if row.get("precise_bn"):
        blended = f"weights blended {row['base_blend']:g} with the base model's" if row.get("base_blend") else ""
        if row.get("chosen_from"):
            grid = ", ".join(f"{share:g}" for share in row["chosen_from"])
            blended = f"{blended or 'the fine-tuned weights'} (the lowest dev CER of base shares {grid})"
        settled = f"{row['epoch']}, {blended + ', ' if blended else ''}batch norms recomputed over {row['precise_bn']} batches"
        return f"{settled} (a candidate blend)" if row.get("candidate") else settled
    return str(row["epoch"])


def _number(value) -> str:
    return "" if value is None else f"{value:.3f}"
