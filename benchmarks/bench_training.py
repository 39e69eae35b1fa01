"""One CPU training step of the shipped model's architecture, in the two layouts of train/model.py,
and one forward pass without gradients (what settling the batch norms and dev CER run).

A step is what train.trainer does per batch: forward, CTC loss, backward, gradient clipping and
an AdamW update, on a batch of 12,000 frames (24 utterances of 5 s; the CPU recipes' batches hold
12,000-24,000). "rows" is the CPU training layout ((batch, channels, 1, time) in channels-last
memory, 2-D convolutions, 16-bit dropout masks), "1d" the plain layout every other device trains in.
Timed at 1 and 2 threads (the recipes' `training.threads`). Run as plain tests with --benchmark-disable.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest

torch = pytest.importorskip("torch", reason="the training extra (PyTorch) is not installed")

from train.model import ConvCtcModel, ModelConfig  # noqa: E402

SHIPPED = ModelConfig(channels=384)  # train/recipes/gpu_base.json's model, which every fine-tune kept
BATCH, FRAMES, TARGET_CHARS = 24, 500, 60


@contextmanager
def _threads(n: int):
    """PyTorch on `n` threads inside the block, as before it after."""
    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("layout", ["rows", "1d"])
@pytest.mark.benchmark(group="training-step-12000-frames")
def test_training_step(benchmark, layout, threads):
    torch.manual_seed(0)
    model = ConvCtcModel(SHIPPED).train()
    model.cpu_row_layout = layout == "rows"
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    ctc = torch.nn.CTCLoss(zero_infinity=True)
    feats = torch.randn(BATCH, FRAMES, SHIPPED.n_mels)
    targets = torch.randint(1, SHIPPED.n_tokens, (BATCH, TARGET_CHARS))
    steps = model.output_lengths(torch.full((BATCH,), FRAMES))
    target_lengths = torch.full((BATCH,), TARGET_CHARS)

    def step() -> float:
        loss = ctc(model(feats).transpose(0, 1), targets, steps, target_lengths)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()
        return loss.item()

    with _threads(threads):
        loss = benchmark.pedantic(step, rounds=5, warmup_rounds=1)
    assert loss == loss and loss > 0  # finite, positive CTC loss
    benchmark.extra_info.update(layout=layout, threads=threads, frames=BATCH * FRAMES)


@pytest.mark.parametrize("layout", ["rows", "1d"])
@pytest.mark.benchmark(group="forward-no-grad-24000-frames-2-threads")
def test_forward_without_gradients(benchmark, layout):
    torch.manual_seed(0)
    model = ConvCtcModel(SHIPPED).eval()
    model.cpu_row_layout = layout == "rows"
    feats = torch.randn(2 * BATCH, FRAMES, SHIPPED.n_mels)

    def forward() -> torch.Tensor:
        with torch.no_grad():
            return model(feats)

    with _threads(2):
        log_probs = benchmark.pedantic(forward, rounds=5, warmup_rounds=1)
    assert torch.isfinite(log_probs).all()
    benchmark.extra_info.update(layout=layout, threads=2, frames=2 * BATCH * FRAMES)
