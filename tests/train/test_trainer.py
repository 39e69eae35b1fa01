"""The training loop's pieces that run on any device: SpecAugment masks, batching, the schedule."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the training extra (torch) is not installed")

from train.trainer import (Schedule, TrainConfig, blend_with_base, make_batches, pick_device,  # noqa: E402
                           spec_augment)


def test_spec_augment_masks_only_inside_drawn_spans_and_fills_the_mean():
    config = TrainConfig(freq_masks=2, freq_mask_width=10, time_masks=2, time_mask_fraction=0.1)
    feats = torch.randn(4, 200, 80)
    mean = torch.full((80,), 123.0)
    lengths = torch.tensor([200, 150, 100, 50])
    out = spec_augment(feats, lengths, mean, config, np.random.default_rng(0))
    changed = out != feats
    assert torch.all(out[changed] == 123.0), "masked cells hold the feature mean"
    assert changed.any(), "some cells are masked"
    for row in range(4):
        masked_bins = changed[row].all(dim=0).sum().item()      # whole mel bins masked over time
        masked_frames = changed[row].all(dim=1).sum().item()    # whole frames masked over mels
        assert masked_bins <= config.freq_masks * config.freq_mask_width
        assert masked_frames <= config.time_masks * max(1, int(lengths[row] * config.time_mask_fraction))
    assert torch.equal(feats, feats.clone()), "the input is not modified in place"


def test_spec_augment_is_repeatable_for_a_seed():
    config = TrainConfig()
    feats, lengths, mean = torch.randn(3, 120, 80), torch.tensor([120, 90, 30]), torch.zeros(80)
    a = spec_augment(feats, lengths, mean, config, np.random.default_rng(7))
    b = spec_augment(feats, lengths, mean, config, np.random.default_rng(7))
    assert torch.equal(a, b)


def test_batches_cover_every_utterance_once_and_respect_the_frame_budget():
    lengths = np.random.default_rng(1).integers(50, 800, size=500)
    batches = make_batches(lengths, 4000, np.random.default_rng(2))
    seen = np.concatenate(batches)
    assert sorted(seen.tolist()) == list(range(500))
    assert all(lengths[b].max() * len(b) <= 4000 or len(b) == 1 for b in batches)


def test_schedule_warms_up_then_decays_to_zero():
    schedule = Schedule(TrainConfig(peak_lr=1e-3, warmup_fraction=0.1), total_steps=100)
    assert schedule.lr(5, 0.0) < schedule.lr(10, 0.0) == pytest.approx(1e-3)
    assert schedule.lr(100, 0.0) == pytest.approx(0.0, abs=1e-12)
    assert schedule.done(100, 0.0) and not schedule.done(99, 0.0)


def test_device_choice():
    assert pick_device("cpu").type == "cpu"
    assert pick_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="no GPU"):
            pick_device("cuda")


def test_blending_with_the_base_interpolates_every_parameter_and_leaves_buffers_alone():
    model = torch.nn.Sequential(torch.nn.Conv1d(3, 4, 1), torch.nn.BatchNorm1d(4))
    base = {name: torch.randn_like(weight) for name, weight in model.named_parameters()}
    tuned = {name: weight.detach().clone() for name, weight in model.named_parameters()}
    model[1].running_mean.fill_(2.0)
    blend_with_base(model, base, 0.25)
    for name, weight in model.named_parameters():
        assert torch.allclose(weight, 0.25 * base[name] + 0.75 * tuned[name])
    assert torch.all(model[1].running_mean == 2.0)


def test_a_base_of_another_shape_is_refused_naming_the_weight():
    model = torch.nn.Conv1d(3, 4, 1)
    with pytest.raises(ValueError, match="base weight weight has shape \\(4, 2, 1\\)"):
        blend_with_base(model, {"weight": torch.zeros(4, 2, 1), "bias": torch.zeros(4)}, 0.5)
