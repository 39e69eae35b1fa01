"""The acoustic model's CPU layout computes what the 1-D layout computes, only faster."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch", reason="the training extra (PyTorch) is not installed")

from train.model import ConvCtcModel, Int16MaskDropout, ModelConfig  # noqa: E402

SMALL = ModelConfig(channels=32, block_kernels=(5, 7), epilog_channels=48, epilog_kernel=9, dropout=0.0)


def _outputs_and_grads(model: ConvCtcModel, feats: torch.Tensor, row_layout: bool):
    model.cpu_row_layout = row_layout
    model.zero_grad()
    out = model(feats)
    (out * torch.linspace(-1, 1, out.shape[-1])).sum().backward()
    return out.detach(), {n: p.grad.clone() for n, p in model.named_parameters()}


def test_the_row_layout_gives_the_outputs_and_gradients_of_the_1d_layout():
    torch.manual_seed(0)
    model = ConvCtcModel(SMALL).train()
    feats = torch.randn(3, 71, SMALL.n_mels)
    rows_out, rows_grads = _outputs_and_grads(model, feats, True)
    plain_out, plain_grads = _outputs_and_grads(model, feats, False)
    assert rows_out.shape == plain_out.shape == (3, int(model.output_lengths(torch.tensor(71))), SMALL.n_tokens)
    torch.testing.assert_close(rows_out, plain_out, rtol=1e-4, atol=1e-5)
    for name, grad in plain_grads.items():
        torch.testing.assert_close(rows_grads[name], grad, rtol=1e-3, atol=1e-5, msg=name)


def test_the_row_layout_updates_batch_norm_statistics_as_the_1d_layout_does():
    torch.manual_seed(1)
    feats = torch.randn(2, 40, SMALL.n_mels)
    stats = []
    for row_layout in (True, False):
        torch.manual_seed(1)
        model = ConvCtcModel(SMALL).train()
        model.cpu_row_layout = row_layout
        model(feats)
        stats.append(model.blocks[0].convs[0].norm.running_var.clone())
    torch.testing.assert_close(stats[0], stats[1], rtol=1e-4, atol=1e-6)


def test_evaluation_gives_the_same_outputs_in_both_layouts():
    torch.manual_seed(4)
    model = ConvCtcModel(SMALL).eval()
    feats = torch.randn(2, 55, SMALL.n_mels)
    outputs = []
    for row_layout in (True, False):
        model.cpu_row_layout = row_layout
        with torch.no_grad():
            outputs.append(model(feats))
    torch.testing.assert_close(outputs[0], outputs[1], rtol=1e-4, atol=1e-5)


def test_tracing_for_export_sees_the_1d_layout():
    model = ConvCtcModel(SMALL).eval()
    seen = []
    model.classifier.register_forward_hook(lambda module, args, out: seen.append(args[0].dim()))
    with torch.no_grad():
        model(torch.randn(1, 30, SMALL.n_mels))
        torch.jit.trace(model, torch.randn(1, 30, SMALL.n_mels), check_trace=False)
    assert seen == [4, 3]


def test_int16_mask_dropout_drops_at_its_rate_and_keeps_the_mean():
    torch.manual_seed(2)
    drop = Int16MaskDropout(0.1).train()
    x = torch.ones(8, 64, 1, 500).contiguous(memory_format=torch.channels_last)
    y = drop(x)
    assert y.is_contiguous(memory_format=torch.channels_last)
    dropped = (y == 0).float().mean().item()
    assert abs(dropped - 0.1) < 0.005
    assert torch.allclose(y[y != 0], torch.full_like(y[y != 0], 1 / 0.9))
    assert abs(y.mean().item() - 1.0) < 0.01


def test_int16_mask_dropout_repeats_by_seed_and_is_off_in_evaluation():
    x = torch.randn(2, 16, 1, 50)
    torch.manual_seed(3)
    first = Int16MaskDropout(0.3).train()(x)
    torch.manual_seed(3)
    again = Int16MaskDropout(0.3).train()(x)
    assert torch.equal(first, again)
    assert torch.equal(Int16MaskDropout(0.3).eval()(x), x)
