"""The acoustic model: a small QuartzNet/Citrinet-like CTC network of 1-D depthwise-separable convs.

Kriman et al., "QuartzNet" (2019) and Majumdar et al., "Citrinet" (2021): blocks of time-channel
separable convolutions (depthwise conv over time, then pointwise conv over channels) with batch
norm, ReLU and residual connections. These export to plain Conv/Relu/Add ONNX graphs, which
ONNX Runtime's static QDQ int8 quantization handles well (recurrent layers would not).
Input is edge's raw log-mel (batch, frames, n_mels); the network normalises it with fixed
per-mel statistics measured on the training data, so the device needs no extra step.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn


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


class SeparableConv(nn.Module):
    """Depthwise conv over time, pointwise conv over channels, batch norm."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1) -> None:
        super().__init__()
        self.depthwise = nn.Conv1d(c_in, c_in, kernel, stride=stride, padding=kernel // 2,
                                   groups=c_in, bias=False)
        self.pointwise = nn.Conv1d(c_in, c_out, 1, bias=False)
        self.norm = nn.BatchNorm1d(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.pointwise(self.depthwise(x)))


class Block(nn.Module):
    """`repeats` separable convs with ReLU and dropout, and a residual around them."""

    def __init__(self, channels: int, kernel: int, repeats: int, dropout: float) -> None:
        super().__init__()
        self.convs = nn.ModuleList(SeparableConv(channels, channels, kernel) for _ in range(repeats))
        self.act = nn.ReLU()
        self.drop = nn.Dropout(dropout)

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
            nn.Conv1d(config.epilog_channels, config.epilog_channels, 1, bias=False),
            nn.BatchNorm1d(config.epilog_channels), nn.ReLU(),
        )
        self.classifier = nn.Conv1d(config.epilog_channels, config.n_tokens, 1)

    def set_feature_stats(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        self.feat_mean.copy_(mean)
        self.feat_std.copy_(std.clamp_min(1e-3))

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        x = ((feats - self.feat_mean) / self.feat_std).transpose(1, 2)
        x = self.epilog(self.blocks(self.prolog(x)))
        return torch.log_softmax(self.classifier(x), dim=1).transpose(1, 2)

    def output_lengths(self, frames: torch.Tensor) -> torch.Tensor:
        """Output steps for input frame counts (the strided prolog conv's arithmetic)."""
        k, s = self.config.prolog_kernel, self.config.stride
        return torch.div(frames + 2 * (k // 2) - k, s, rounding_mode="floor") + 1


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
