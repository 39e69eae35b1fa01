"""`earshot lm`: the shipped network with an LM that knows a user's new phrasings, and its refusals."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from edge.bundle import load_bundle
from edge.cli import main
from edge.confidence import WORD_FEATURE_NAMES
from edge.decoding.lm import NgramLM

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "edge" / "models" / "default"


@pytest.fixture
def small_recipe(tmp_path):
    """The shipped recipe with far less text, so the test takes a second, not fifteen."""
    path = tmp_path / "small.json"
    path.write_text(json.dumps({"extends": str(REPO / "train" / "recipes" / "default.json"), "lm_sentences": 300,
                                "synthetic": {"utterances": 30}, "extra_synthetic": []}))
    return path


@pytest.fixture
def my_domain(tmp_path):
    folder = tmp_path / "my_domain"
    (folder / "templates").mkdir(parents=True)
    (folder / "templates" / "gardening.txt").write_text(
        "water the aspidistra\nprune the {plant} today\nfeed the {plant}\nrepot the {plant}\nmist the {plant}\n")
    (folder / "slots").mkdir()
    (folder / "slots" / "plant.txt").write_text("aspidistra\nmonstera\n")
    return folder


def _lm(bundle: Path) -> NgramLM:
    return NgramLM.load(bundle / json.loads((bundle / "bundle.json").read_text())["lm"])


def test_the_new_bundle_keeps_the_network_and_knows_the_new_phrasings(tmp_path, monkeypatch, small_recipe,
                                                                    my_domain):
    monkeypatch.chdir(REPO)  # a recipe's paths are relative to the repository root
    text = tmp_path / "extra.txt"
    text.write_text("ask the greenhouse for the humidity\n")
    out = tmp_path / "mine"
    before = (SHIPPED / "lm.arpa.gz").read_bytes()
    assert main(["lm", str(SHIPPED), "--recipe", str(small_recipe), "--domain-dir", str(my_domain),
                 "--text", str(text), "--out", str(out)]) == 0
    assert (SHIPPED / "lm.arpa.gz").read_bytes() == before  # the input bundle is untouched
    lm = _lm(out)
    assert {"aspidistra", "monstera", "greenhouse"} <= set(lm.vocabulary)
    assert lm.log10_prob("aspidistra", ("water", "the")) > lm.log10_prob("aspidistra", ("the",)) - 3
    assert (out / "model.int8.onnx").read_bytes() == (SHIPPED / "model.int8.onnx").read_bytes()
    record = json.loads((out / "bundle.json").read_text())["lm_rebuild"]
    assert record["domain_dirs"][-1] == str(my_domain) and record["extra_sentences"] == 1
    card = (out / "MODEL_CARD.md").read_text()
    assert card.count("## Language model rebuilt") == 1
    assert (f"The network of `{SHIPPED}` (quantized: see the Quantization section) with a new 4-gram LM "
            "(modified Kneser-Ney)") in card  # the shipped recipe's LM, the shipped card's quantization
    assert "## Evaluation\n\nNot yet measured with this LM" in card  # the old LM's figures are gone
    assert load_bundle(out).networks


@pytest.mark.slow
def test_the_shipped_recipes_text_gives_the_shipped_lm_byte_for_byte(tmp_path):
    from train.lm_text import lm_sentences, planned_synthetic_texts
    from train.recipe import Recipe

    recipe = Recipe.load(REPO / "train" / "recipes" / "default.json")
    arpa = recipe.language_model(lm_sentences(recipe, planned_synthetic_texts(recipe)))
    with gzip.open(SHIPPED / "lm.arpa.gz", "rt") as shipped:
        assert arpa == shipped.read()


def test_the_shipped_bundle_decodes_with_the_shipped_recipes_decoder_settings_and_speaker_variants():
    from train.recipe import Recipe

    recipe = Recipe.load(REPO / "train" / "recipes" / "default.json")
    meta = json.loads((SHIPPED / "bundle.json").read_text())
    assert meta["decoder"] == recipe.decoder
    assert meta["speaker_variants"] == recipe.speaker_variants.to_dict()


@pytest.mark.parametrize("extra, problem", [
    (["--text", "missing.txt"], "missing.txt: no such file"),
    (["--domain-dir", "nowhere"], "nowhere: no such domain folder"),
    (["--recipe", "gone.json"], "gone.json: no such file"),
])
def test_bad_input_is_refused_in_one_line(tmp_path, capsys, monkeypatch, extra, problem):
    monkeypatch.chdir(REPO)  # a recipe's paths are relative to the repository root
    extra = [extra[0], str(tmp_path / extra[1])]
    assert main(["lm", str(SHIPPED), "--out", str(tmp_path / "out"), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert problem in err and "\n" not in err
    assert not (tmp_path / "out").exists()


def test_a_folder_that_is_not_a_bundle_or_the_input_itself_is_never_overwritten(tmp_path, capsys):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "mine.txt").write_text("keep me")
    assert main(["lm", str(SHIPPED), "--out", str(notes)]) == 2
    assert "not a model bundle; refusing to overwrite it" in capsys.readouterr().err
    assert (notes / "mine.txt").read_text() == "keep me"
    assert main(["lm", str(SHIPPED), "--out", str(SHIPPED)]) == 2
    assert "is the input bundle" in capsys.readouterr().err


SPEECH_COMMANDS = REPO.parent / "shared" / "train" / "speech_commands" / "manifest.jsonl"


@pytest.mark.skipif(not SPEECH_COMMANDS.is_file(), reason="needs ../shared/train/speech_commands")
def test_calibrate_refits_the_calibration_with_the_new_lm(tmp_path, monkeypatch, small_recipe):
    monkeypatch.chdir(REPO)
    rows = [json.loads(line) for line in SPEECH_COMMANDS.read_text().splitlines()[::80][:40]]
    manifest = tmp_path / "calibration.jsonl"
    manifest.write_text("".join(json.dumps({**row, "audio": str(SPEECH_COMMANDS.parent / row["audio"])}) + "\n"
                                for row in rows))
    out = tmp_path / "mine"
    assert main(["lm", str(SHIPPED), "--recipe", str(small_recipe), "--calibrate", str(manifest),
                 "--out", str(out)]) == 0
    refitted = json.loads((out / "calibration.json").read_text())
    assert refitted["utterance"]["method"] == refitted["word"]["method"] == "logistic"
    assert refitted != json.loads((SHIPPED / "calibration.json").read_text())
    assert json.loads((out / "bundle.json").read_text())["lm_rebuild"]["calibration"]["utterances"] == 40
    assert "calibration was refitted with the new LM on 40 utterances" in (out / "MODEL_CARD.md").read_text()
    assert load_bundle(out).calibration == refitted


ENGINES = ("flite", "espeak-ng", "text2wave", "pico2wave", "RHVoice-test")


@pytest.mark.slow
@pytest.mark.skipif(not SPEECH_COMMANDS.is_file(), reason="needs ../shared/train/speech_commands")
@pytest.mark.skipif(any(shutil.which(e) is None for e in ENGINES),
                    reason="the TTS engines are not installed (scripts/install_tts.sh)")
def test_refit_fits_decoder_and_calibration_on_the_recipes_dev_set(tmp_path, monkeypatch):
    from edge.frontend.variants import SpeakerVariants
    from edge.recognizer import Recognizer
    from train.card import decoding_section
    from train.datasets import is_dev
    from train.recipe import Recipe

    monkeypatch.chdir(REPO)
    rows = [json.loads(line) for line in SPEECH_COMMANDS.read_text().splitlines()[::120]]
    real = tmp_path / "commands.jsonl"
    real.write_text("".join(json.dumps({**row, "audio": str(SPEECH_COMMANDS.parent / row["audio"])}) + "\n"
                            for row in rows))
    recipe = tmp_path / "small.json"
    recipe.write_text(json.dumps({"extends": str(REPO / "train" / "recipes" / "default.json"), "lm_sentences": 300,
                                  "real_speech": [{"manifest": str(real), "copies": 1, "dev_speakers": 3}],
                                  "synthetic": {"utterances": 20, "dev_fraction": 0.3}, "extra_synthetic": []}))
    out, work = tmp_path / "mine", tmp_path / "work"
    assert main(["lm", str(SHIPPED), "--recipe", str(recipe), "--refit", str(work), "--out", str(out)]) == 0
    meta, shipped = (json.loads((folder / "bundle.json").read_text()) for folder in (out, SHIPPED))
    refit, dev = meta["lm_rebuild"]["refit"], meta["dev_results"]
    synthetic = [json.loads(line) for line in (work / "dev_synth" / "manifest.jsonl").open()]
    loaded = Recipe.load(recipe)
    assert synthetic and all(is_dev(loaded, loaded.synthetic, row["text"], row["voice"]) for row in synthetic)
    assert dev["utterances"] == refit["dev_utterances"] > len(synthetic)  # plus the real dev speakers
    assert dev["calibration_utterances"] == refit["dev_utterances"] + sum(refit["copies"].values())
    # every shifted-voice copy is augmented too: an unheard voice on degraded audio
    assert set(refit["copies"]) == {"augmented", "tight", "shifted", "shifted_augmented"}
    assert refit["copies"]["shifted_augmented"] == refit["copies"]["shifted"] > 0
    calibration = json.loads((out / "calibration.json").read_text())
    assert calibration != json.loads((SHIPPED / "calibration.json").read_text())
    assert {"frame_entropy", "log_duration"} <= set(calibration["utterance"]["features"])
    assert calibration["word"]["features"] == list(WORD_FEATURE_NAMES)  # words get a map of their own
    assert (out / "profile.json").read_text() != (SHIPPED / "profile.json").read_text()
    assert (meta["decoder"], meta["decoder_tuning"]) == (shipped["decoder"], shipped["decoder_tuning"])
    assert meta["decoder"] == loaded.decoder  # the recipe's fixed settings, as `earshot train` gives them
    # and the speaker variants it was calibrated with
    assert meta["speaker_variants"] == loaded.speaker_variants.to_dict()
    assert Recognizer.load(out).options.speaker_variants == loaded.speaker_variants != SpeakerVariants()
    card = (out / "MODEL_CARD.md").read_text()
    assert "drift profile were fitted again with the new LM on the recipe's dev set" in card
    assert f"decoder settings are those `{recipe}` states" in card
    assert decoding_section(meta) in card  # the Decoding section states the settings the bundle now has
    assert f"Speaker variants (`{json.dumps(meta['speaker_variants'])}`)" in card
    # --tune-decoder tunes the decoder on the same set (made once, reused) before the calibration
    tuned = tmp_path / "tuned"
    made = (work / "dev_synth" / "manifest.jsonl").stat().st_mtime_ns
    assert main(["lm", str(SHIPPED), "--recipe", str(recipe), "--refit", str(work), "--tune-decoder",
                 "--out", str(tuned)]) == 0
    assert (work / "dev_synth" / "manifest.jsonl").stat().st_mtime_ns == made
    meta = json.loads((tuned / "bundle.json").read_text())
    assert meta["lm_rebuild"]["refit"]["decoder_tuned"]
    assert meta["decoder_tuning"]["utterances"] == meta["dev_results"]["calibration_utterances"]
    assert Recognizer.load(tuned).options.decoder.lm_weight == meta["decoder"]["lm_weight"]


def test_tune_decoder_without_refit_is_refused(tmp_path, capsys):
    assert main(["lm", str(SHIPPED), "--tune-decoder", "--out", str(tmp_path / "o")]) == 2
    assert "--tune-decoder: needs --refit WORK" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_refit_and_calibrate_together_are_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["lm", str(SHIPPED), "--refit", str(tmp_path / "w"), "--calibrate", "x.jsonl", "--out", str(tmp_path / "o")])
    assert exit_.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_calibration_speech_that_is_missing_is_refused_before_anything_is_written(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    manifest = tmp_path / "calibration.jsonl"
    manifest.write_text(json.dumps({"audio": str(tmp_path / "gone.wav"), "text": "stop"}) + "\n")
    assert main(["lm", str(SHIPPED), "--calibrate", str(manifest), "--out", str(tmp_path / "out")]) == 2
    assert "gone.wav: audio file listed in the manifest does not exist" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_calibration_manifest_that_is_not_json_lines_is_refused_in_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    manifest = tmp_path / "calibration.jsonl"
    manifest.write_text("not json\n")
    assert main(["lm", str(SHIPPED), "--calibrate", str(manifest), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert "calibration.jsonl:1: needs a JSON object" in err and "\n" not in err
