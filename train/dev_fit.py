"""What a bundle fits on its recipe's dev set once its network and LM are fixed: the decoder
settings, the confidence calibration and the drift profile.

`earshot train` fits them after training (train/pipeline.py); `earshot lm --refit` fits the
calibration and profile again for a new LM (train/lm_cli.py), and with --tune-decoder the decoder
settings too, on the same dev set (train/dev_set.py). Both use these functions, so a bundle's
settings mean the same whichever command wrote them. A recipe's `decoder` fixes the decoder
settings instead of tuning them.
"""

from __future__ import annotations

import json
from pathlib import Path

from edge.frontend.variants import SpeakerVariants
from train.datasets import DataPlan
from train.recipe import Recipe


def dev_copies(data: DataPlan, recipe: Recipe, folder: Path) -> dict[str, list]:
    """Copies of the dev utterances in the conditions a device meets, for decoder tuning and
    calibration (train/calibration_set.py): "augmented" (noisy, band-limited), "tight" (cut tight),
    "shifted" (the synthetic ones in voices the network never heard) and "shifted_augmented" (those
    augmented). The augmented copies' babble comes from the dev utterances (the same set whichever
    command fits), in a folder of its own, since copies once made are reused."""
    from train.babble import babble_folder_name, recipe_augmenter
    from train.calibration_set import augmented_copies, shifted_voice_copies, tight_copies

    augmenter = recipe_augmenter(recipe.augment, (u.audio for u in data.dev), recipe.seed)
    babble = babble_folder_name(recipe.augment)
    augmented_folder = folder / babble if babble else folder
    shifted = shifted_voice_copies(data.dev, folder / "shifted", recipe.seed)
    return {"augmented": augmented_copies(data.dev, augmented_folder, augmenter, recipe.seed),
            "tight": tight_copies(data.dev, folder / "tight"),
            "shifted": shifted,
            "shifted_augmented": augmented_copies(shifted, augmented_folder / "shifted_augmented", augmenter,
                                                  recipe.seed, condition="shifted_augmented")}


def fit_to_dev(bundle: Path, data: DataPlan, copies: dict[str, list], tune: bool = True,
               decoder: dict | None = None, speaker_variants: SpeakerVariants = SpeakerVariants()) -> None:
    """Set the decoder (to `decoder`, a recipe's fixed settings, or tuned unless not `tune`) and the
    speaker variants the recognizer decodes (a recipe's; by default one decoding per window), then
    fit the calibration and drift profile, on `data.dev` and its `copies`. Decoder tuning decodes
    the features as they are."""
    from train.export import update_manifest

    update_manifest(bundle, speaker_variants=speaker_variants.to_dict())
    if decoder is not None:
        update_manifest(bundle, decoder=decoder, decoder_tuning={"from_recipe": True})
    elif tune:
        tune_decoder(bundle, [*data.dev, *(u for utterances in copies.values() for u in utterances)])
    calibrate_and_profile(bundle, data, copies)


def tune_decoder(bundle: Path, utterances: list) -> None:
    """Pick the decoder's LM weight, word bonus and OOV penalty on dev utterances
    (as recorded and their copies, so the settings suit degraded and tightly cut audio as well as
    clean), by WER averaged over the condition and source groups (calibration_set.condition_group)."""
    from edge.recognizer import Recognizer
    from train.calibration_set import condition_group
    from train.export import update_manifest
    from train.tune_decoder import tune

    best, table = tune(Recognizer.load(bundle), utterances, group=condition_group)
    update_manifest(bundle, decoder=best, decoder_tuning={"utterances": len(utterances), "settings": table})


def calibrate_and_profile(bundle: Path, data: DataPlan, copies: dict[str, list]) -> None:
    """Fit the confidence calibration on the dev utterances and their copies (dev_copies), and the
    drift profile on the dev utterances as recorded."""
    from edge.audio import read_audio
    from edge.confidence import apply_calibration, split_calibration
    from edge.drift import Profile, utterance_statistics
    from train.calibrate import fit_bundle_calibration, recognizer_for_calibration
    from train.evaluation.runner import evaluate
    from train.export import update_manifest

    recognizer = recognizer_for_calibration(bundle)
    result = evaluate(recognizer, data.dev)
    decoded = {condition: evaluate(recognizer, utterances) for condition, utterances in copies.items() if utterances}
    records = [*result.records, *(r for copy in decoded.values() for r in copy.records)]
    calibration = fit_bundle_calibration(records)
    (bundle / "calibration.json").write_text(json.dumps(calibration, indent=2) + "\n")
    utterance_map, _ = split_calibration(calibration)
    profile = Profile.empty()
    for record in result.records:
        samples = read_audio(record.audio).samples
        # the confidence the device will report, with the map just fitted (not the one decoded with)
        confidence = apply_calibration(record.transcript.raw_confidence, utterance_map, record.features)
        profile.add(utterance_statistics(samples, recognizer.features(samples), confidence))
    (bundle / "profile.json").write_text(json.dumps(profile.to_dict()) + "\n")
    update_manifest(bundle, calibration="calibration.json", profile="profile.json",
                    dev_results={"wer": result.wer, "utterances": len(result.records),
                                 **{f"{condition}_wer": copy.wer for condition, copy in decoded.items()},
                                 **{f"{condition}_utterances": len(copy.records) for condition, copy in decoded.items()},
                                 "calibration_utterances": len(records)})
