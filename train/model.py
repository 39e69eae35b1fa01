"""The acoustic model: a small QuartzNet/Citrinet-like CTC network of 1-D depthwise-separable convs.

Kriman et al., "QuartzNet" (2019) and Majumdar et al., "Citrinet" (2021): blocks of time-channel
separable convolutions (depthwise conv over time, then pointwise conv over channels) with batch
norm, ReLU and residual connections. These export to plain Conv/Relu/Add ONNX graphs, which
ONNX Runtime's static QDQ int8 quantization handles well (recurrent layers would not).
Input is edge's raw log-mel (batch, frames, n_mels); the network normalises it with fixed
per-mel statistics measured on the training data, so the device needs no extra step.

On a CPU the network runs the same layers on a (batch, channels, 1, time) tensor in channels-last
memory, as 2-D convolutions with a kernel of height 1: the same arithmetic (outputs and gradients
equal to float rounding), which PyTorch's CPU backend (oneDNN) computes much faster than its 1-D
convolutions, depthwise ones above all (benchmarks/bench_training.py). Export (ONNX tracing) and
GPUs keep the plain 1-D layout, so the exported graph is unchanged.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn import functional as F


@dataclass(frozen=True)
class ModelConfig:
    n_mels: int = 80
    n_tokens: int = 29
    stride: int = 3  # feature frames per output step (10 ms hop -> 30 ms steps)
    channels: int = 256
    prolog_kernel: int = 11
    block_kernels: tuple[int, ...] = (11, 13, 15, 17, 19, 21)
    repeats: int = 2  # separable convs per block
    epilog_channels: int = 384
    epilog_kernel: int = 29
    dropout: float = 0.1

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ModelConfig":
        data = dict(data)
        data["block_kernels"] = tuple(data.get("block_kernels", cls.block_kernels))
        return cls(**data)


class TimeConv(nn.Conv1d):
    """A Conv1d over time that also takes the CPU layout: (batch, channels, 1, time)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4:
            return super().forward(x)
        return F.conv2d(x, self.weight.unsqueeze(2), self.bias, stride=(1, self.stride[0]),
                        padding=(0, self.padding[0]), dilation=(1, self.dilation[0]), groups=self.groups)


class TimeBatchNorm(nn.BatchNorm1d):
    """A BatchNorm1d that also takes the CPU layout (batch, channels, 1, time)."""

    def _check_input_dim(self, x: torch.Tensor) -> None:
        if x.dim() != 4:
            super()._check_input_dim(x)


class Int16MaskDropout(nn.Dropout):
    """Dropout whose mask on a CPU is drawn as 16-bit integers from 64-bit random words.

    PyTorch's CPU dropout draws a float per element (Bernoulli), which took a fifth of a training
    step here; with 16-bit draws the whole dropout is 2.6 times faster (4.7 against 12.2 ms on
    1.5 M elements, 2 threads, session 26). An element is kept where its draw is at least
    p * 65536 (the drop rate exact to 1/65536) and scaled by 1 / (1 - p), as nn.Dropout does.
    In the 1-D layout (GPUs) it is nn.Dropout unchanged."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0 or x.dim() != 4:  # only in the CPU layout
            return super().forward(x)
        words = torch.empty((x.numel() + 3) // 4, dtype=torch.int64).random_(-2 ** 63, None)
        threshold = round(self.p * 65536) - 32768
        keep = torch.empty_like(x)  # x's memory layout (channels-last in training)
        # The draws are independent, so they fill the mask in memory order, whatever that layout.
        keep.as_strided((x.numel(),), (1,)).copy_(words.view(torch.int16)[:x.numel()] >= threshold)
        return x * keep * (1.0 / (1.0 - self.p))


class SeparableConv(nn.Module):
    """Depthwise conv over time, pointwise conv over channels, batch norm."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1) -> None:
        super().__init__()
        self.depthwise = TimeConv(c_in, c_in, kernel, stride=stride, padding=kernel // 2,
                                  groups=c_in, bias=False)
        self.pointwise = TimeConv(c_in, c_out, 1, bias=False)
        self.norm = TimeBatchNorm(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.pointwise(self.depthwise(x)))


class Block(nn.Module):
    """`repeats` separable convs with ReLU and dropout, and a residual around them."""

    def __init__(self, channels: int, kernel: int, repeats: int, dropout: float) -> None:
        super().__init__()
        self.convs = nn.ModuleList(SeparableConv(channels, channels, kernel) for _ in range(repeats))
        self.act = nn.ReLU()
        self.drop = Int16MaskDropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = x
        for i, conv in enumerate(self.convs):
            x = conv(x)
            if i == len(self.convs) - 1:
                x = x + residual
            x = self.drop(self.act(x))
        return x


class ConvCtcModel(nn.Module):
    """(batch, frames, n_mels) log-mel -> (batch, steps, n_tokens) CTC log-probabilities."""

    # Run on a CPU in the (batch, channels, 1, time) channels-last layout; False runs in the 1-D
    # layout, as GPUs and export do (for comparison: benchmarks/bench_training.py).
    cpu_row_layout: bool = True

    def __init__(self, config: ModelConfig = ModelConfig()) -> None:
        super().__init__()
        self.config = config
        self.register_buffer("feat_mean", torch.zeros(config.n_mels))
        self.register_buffer("feat_std", torch.ones(config.n_mels))
        c = config.channels
        self.prolog = nn.Sequential(SeparableConv(config.n_mels, c, config.prolog_kernel, config.stride),
                                    nn.ReLU())
        self.blocks = nn.Sequential(*(Block(c, k, config.repeats, config.dropout) for k in config.block_kernels))
        self.epilog = nn.Sequential(
            SeparableConv(c, config.epilog_channels, config.epilog_kernel), nn.ReLU(),
            TimeConv(config.epilog_channels, config.epilog_channels, 1, bias=False),
            TimeBatchNorm(config.epilog_channels), nn.ReLU(),
        )
        self.classifier = TimeConv(config.epilog_channels, config.n_tokens, 1)

    def set_feature_stats(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        self.feat_mean.copy_(mean)
        self.feat_std.copy_(std.clamp_min(1e-3))

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        x = ((feats - self.feat_mean) / self.feat_std).transpose(1, 2)
        rows = self.cpu_row_layout and x.device.type == "cpu" and not torch.jit.is_tracing()
        if rows:
            x = x.unsqueeze(2).contiguous(memory_format=torch.channels_last)
        x = self.classifier(self.epilog(self.blocks(self.prolog(x))))
        if rows:
            x = x.squeeze(2)
        return torch.log_softmax(x, dim=1).transpose(1, 2)

    def output_lengths(self, frames: torch.Tensor) -> torch.Tensor:
        """Output steps for input frame counts (the strided prolog conv's arithmetic)."""
        k, s = self.config.prolog_kernel, self.config.stride
        return torch.div(frames + 2 * (k // 2) - k, s, rounding_mode="floor") + 1


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
