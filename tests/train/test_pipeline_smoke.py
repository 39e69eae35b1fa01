"""The whole training recipe end to end, tiny: synthesise, featurise, train a few steps, export, load, transcribe."""

import json
import shutil

import pytest

from edge.decoding.options import DEFAULT_BEAM
from tests.conftest import SHARED

pytest.importorskip("torch", reason="training needs the train extra (torch)")
SPEECH_COMMANDS = SHARED / "train" / "speech_commands" / "manifest.jsonl"
ENGINES = ("flite", "espeak-ng", "text2wave", "pico2wave", "RHVoice-test")


@pytest.mark.slow
@pytest.mark.skipif(not SPEECH_COMMANDS.exists(), reason=f"shared training data not found at {SPEECH_COMMANDS}")
@pytest.mark.skipif(any(shutil.which(e) is None for e in ENGINES),
                    reason="the TTS engines are not installed (scripts/install_tts.sh)")
def test_tiny_recipe_builds_a_bundle_that_transcribes(tmp_path):
    from edge.recognizer import Recognizer
    from train.parity import compare
    from train.pipeline import build

    lines = SPEECH_COMMANDS.read_text().splitlines()[::120]  # ~30 clips from many speakers
    real = tmp_path / "commands.jsonl"
    real.write_text("".join(json.dumps({**json.loads(line), "audio": str(SPEECH_COMMANDS.parent / json.loads(line)["audio"])})
                            + "\n" for line in lines))
    recipe = tmp_path / "recipe.json"
    recipe.write_text(json.dumps({
        "name": "smoke", "seed": 0,
        "real_speech": [{"manifest": str(real), "copies": 2, "dev_speakers": 3, "license": "CC-BY-4.0"}],
        "synthetic": {"utterances": 8, "seed": 3, "copies": 2, "dev_fraction": 0.2},
        "model": {"channels": 16, "block_kernels": [5], "epilog_channels": 16, "epilog_kernel": 5},
        "training": {"epochs": 1, "threads": 1, "device": "cpu"},
        "lm_sentences": 200, "workers": 1,
    }))
    out = build(recipe, tmp_path / "work", tmp_path / "bundle")
    for name in ("bundle.json", "model.onnx", "tokens.txt", "lm.arpa.gz", "calibration.json", "profile.json",
                 "MODEL_CARD.md"):
        assert (out / name).is_file(), name
    synthetic = [json.loads(line) for line in (tmp_path / "work" / "synth_train" / "manifest.jsonl").open()]
    assert len(synthetic) == 8 and all(row["text"] for row in synthetic)
    # The decoder was tuned on the calibration set (the dev utterances as recorded, augmented, cut
    # tight and, the synthetic ones, in a shifted voice, plain and augmented), and the recognizer
    # starts from its settings.
    meta = json.loads((out / "bundle.json").read_text())
    dev = meta["dev_results"]
    assert dev["calibration_utterances"] == meta["decoder_tuning"]["utterances"]
    assert dev["calibration_utterances"] == (dev["utterances"] + dev["augmented_utterances"] + dev["tight_utterances"]
                                             + dev["shifted_utterances"] + dev["shifted_augmented_utterances"])
    assert 0 < dev["shifted_utterances"] < dev["utterances"]  # synthetic dev speech only, not Speech Commands
    assert dev["shifted_augmented_utterances"] == dev["shifted_utterances"]
    assert dev["augmented_utterances"] == dev["utterances"]
    assert dev["tight_utterances"] > 0  # Speech Commands clips have silence at their edges
    assert Recognizer.load(out).options.decoder.lm_weight == meta["decoder"]["lm_weight"]
    assert meta["decoder"]["beam"] == DEFAULT_BEAM  # tuned at the beam the recognizer decodes with
    assert meta["speaker_variants"] == {"vtln_warps": [1.0], "tempos": [1.0], "confident_raw": None}  # one decoding
    recognizer = Recognizer.load(out, beam=4)
    result = recognizer.transcribe(_first_clip_samples(real))
    assert 0.0 <= result.confidence <= 1.0
    assert "Speech Commands" in (out / "MODEL_CARD.md").read_text()
    assert "Trained on cpu" in (out / "MODEL_CARD.md").read_text()
    assert f"`bash scripts/rebuild_model.sh {recipe} runs/smoke runs/smoke/bundle`" in (out / "MODEL_CARD.md").read_text()
    # The exported ONNX network and the PyTorch model give the same transcripts.
    parity = compare(out, tmp_path / "work" / "model", [real])
    assert parity["utterances"] > 0 and parity["share"] == 1.0
    # A second run finds every step done and only re-bundles.
    assert build(recipe, tmp_path / "work", tmp_path / "bundle") == out
    # The finished model's batch norms were recomputed over training batches, once.
    log = [json.loads(line) for line in (tmp_path / "work" / "model" / "log.jsonl").open()]
    assert [row["epoch"] for row in log if row.get("precise_bn")] == [1]
    assert "batch norms recomputed" in (out / "MODEL_CARD.md").read_text()
    _fine_tune_starts_from_the_base_model(tmp_path, recipe)
    _fine_tune_starts_from_a_bundle(tmp_path, recipe, out)
    _training_elsewhere_goes_through_a_pack(tmp_path, tmp_path / "from_bundle.json")


def _fine_tune_starts_from_the_base_model(tmp_path, base_recipe):
    """A recipe with a base and an extra corpus: the base's trained model is reused, not retrained."""
    from train.pipeline import build

    base_checkpoint = tmp_path / "work" / "model" / "checkpoint.pt"
    base_mtime = base_checkpoint.stat().st_mtime_ns
    recipe = tmp_path / "fine_tune.json"
    spec = json.loads(base_recipe.read_text())
    spec.update(name="smoke-ft", base={"recipe": str(base_recipe), "work": str(tmp_path / "work")},
                extra_synthetic=[{"utterances": 6, "seed": 4, "copies": 1, "dev_fraction": 0.0,
                                  "mix": {"general": 0.5, "scrambled": 0.5}, "synthesise_commercial_only": True}],
                training={**spec["training"], "vtlp_warp": 0.1})
    recipe.write_text(json.dumps(spec))
    out = build(recipe, tmp_path / "ft", tmp_path / "ft_bundle")
    assert base_checkpoint.stat().st_mtime_ns == base_mtime
    extra = [json.loads(line) for line in (tmp_path / "ft" / "synth_seed4" / "manifest.jsonl").open()]
    assert extra and all(row["tags"]["kind"] in ("general", "scrambled") and row["tags"]["commercial_ok"] == "true"
                         for row in extra)
    log = [json.loads(line) for line in (tmp_path / "ft" / "model" / "log.jsonl").open()]
    assert log[0]["epoch"] == 0 and log[0]["init"] == "base model" and log[1]["epoch"] == 1
    card = (out / "MODEL_CARD.md").read_text()
    assert "Fine-tuned from" in card and "synthetic_seed4" in card


def _fine_tune_starts_from_a_bundle(tmp_path, base_recipe, bundle):
    """A recipe whose base is a finished bundle (no checkpoint): its ONNX network is the start."""
    from train.pipeline import build

    recipe = tmp_path / "from_bundle.json"
    spec = json.loads(base_recipe.read_text())
    spec.update(name="smoke-bundle-ft", base={"bundle": str(bundle)}, training={**spec["training"], "base_blend": [0.0, 0.5]},
                augment={"p_narrowband": 0.5, "babble_pool_utterances": 4}, decoder={"lm_weight": 0.8, "word_bonus": 0.5, "oov_penalty": 2})
    recipe.write_text(json.dumps(spec))
    out = build(recipe, tmp_path / "ft_bundle_work", tmp_path / "ft_from_bundle",
                synthetic_manifest=tmp_path / "work" / "synth_train" / "manifest.jsonl")
    log = [json.loads(line) for line in (tmp_path / "ft_bundle_work" / "model" / "log.jsonl").open()]
    assert log[0]["init"] == "base model" and log[1]["epoch"] == 1
    # the blend grid: each share settled and scored on dev, then the lowest dev CER's kept
    candidates = [row for row in log if row.get("candidate")]
    assert [(row.get("base_blend", 0.0), row["precise_bn"] > 0) for row in candidates] == [(0.0, True), (0.5, True)]
    chosen = log[-1]
    best = min(candidates, key=lambda row: row["dev_cer"])
    assert chosen["chosen_from"] == [0.0, 0.5] and chosen["dev_cer"] == best["dev_cer"]
    assert chosen["base_blend"] == best.get("base_blend", 0.0)
    # babble among the noises: the calibration set's augmented copies live apart from plain ones
    assert any((tmp_path / "ft_bundle_work" / "calibration_copies" / "babble4").glob("*.wav"))
    assert any((tmp_path / "ft_bundle_work" / "calibration_copies" / "babble4" / "shifted_augmented").glob("*.wav"))
    card = (out / "MODEL_CARD.md").read_text()
    assert "weights blended 0.5 with the base model's, batch norms recomputed" in card
    assert "(the lowest dev CER of base shares 0, 0.5), batch norms recomputed" in card
    assert f"the network of the bundle `{bundle}`" in card and "which was trained on" in card
    meta = json.loads((out / "bundle.json").read_text())
    # the recipe's decoder settings, not tuned ones
    assert meta["decoder"] == {"lm_weight": 0.8, "word_bonus": 0.5, "oov_penalty": 2.0, "lexicon_only": False,
                               "beam": DEFAULT_BEAM}
    assert "as the recipe's `decoder` states them" in card
    recorded = meta["base_model"]
    assert recorded["training_data"] == json.loads((bundle / "bundle.json").read_text())["training_data"]


def _training_elsewhere_goes_through_a_pack(tmp_path, recipe):
    """The GPU machine's route: `earshot train --pack` here, `python -m train.pack_training` there (here
    on the CPU), `earshot train --trained` back here builds the bundle from what came back."""
    from edge.cli import main
    from train.pack_training import main as train_from_pack

    work, synthetic = tmp_path / "packed_work", tmp_path / "work" / "synth_train" / "manifest.jsonl"
    common = ["train", "--recipe", str(recipe), "--work", str(work), "--synthetic", str(synthetic)]
    assert main([*common, "--pack", str(tmp_path / "pack")]) == 0
    info = json.loads((tmp_path / "pack" / "vol-000" / "pack.json").read_text())
    assert info["init"] == "init.pt" and info["training"]["base_blend"] == [0.0, 0.5]
    assert info["train"]["utterances"] == info["train"]["of_utterances"] > 0  # all fit in 48 MiB
    assert not (work / "model").exists()  # nothing trained here
    assert train_from_pack([str(tmp_path / "pack"), str(tmp_path / "trained"), "--work", str(tmp_path / "gpu")]) == 0
    assert main([*common, "--trained", str(tmp_path / "trained"), "--out", str(tmp_path / "packed_bundle")]) == 0
    log = [json.loads(line) for line in (work / "model" / "log.jsonl").open()]
    assert log[0]["init"] == "base model" and log[-1]["chosen_from"] == [0.0, 0.5]
    assert (tmp_path / "packed_bundle" / "bundle.json").is_file()


def _first_clip_samples(manifest):
    from edge.audio import read_audio

    return read_audio(json.loads(manifest.read_text().splitlines()[0])["audio"]).samples
