"""The `earshot synth` subcommand: synthesise a speech corpus (train.synth).

Imported by edge.cli through the "earshot.commands" entry point group for every `earshot`
command, so it imports nothing heavy: train.synth (scipy, the TTS drivers) loads only when the
command runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from train.corpus import KINDS


def register(subparsers) -> None:
    """Add `synth` to the earshot command; its options are those of `python -m train.synth`."""
    parser = subparsers.add_parser("synth", help="synthesise a training or evaluation speech corpus",
                                   description="Synthesise a speech corpus from the domain text, general "
                                               "English and command words.")
    build_parser(parser)
    parser.set_defaults(handler=_handler)


def _handler(args: argparse.Namespace) -> int:
    from train import synth

    return synth.main_args(args)


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    """The options of `python -m train.synth` (also used by `earshot synth`)."""
    parser = parser or argparse.ArgumentParser(prog="python -m train.synth", description="Synthesise a speech corpus.")
    parser.add_argument("--out", type=Path, required=True, help="output folder (manifest.jsonl, wav/)")
    parser.add_argument("--split", choices=("train", "eval"), required=True,
                        help="train: training voices and texts; eval: held-out voices, phrasings and texts")
    parser.add_argument("--n", type=int, required=True, help="number of utterances")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--mix", type=_mix,
                        help="share of each kind, e.g. in=0.55,general=0.33,word=0.12 (kinds: in, general, word, "
                             "scrambled = in-domain sentences in shuffled word order)")
    parser.add_argument("--commercial-only", action="store_true",
                        help="only voices whose licence allows commercial use (those a shipped model may train on)")
    parser.add_argument("--domain-dir", action="append", default=[], help="extra domain folder (train.domain)")
    parser.add_argument("--general-manifest", action="append", default=[],
                        help="a manifest whose texts add to the general English (e.g. LJ Speech's)")
    parser.add_argument("--exclude-manifest", action="append", default=[],
                        help="a manifest whose texts must never be synthesised (evaluation sets)")
    return parser


def _mix(text: str) -> dict[str, float]:
    try:
        mix = {k.strip(): float(v) for k, v in (item.split("=") for item in text.split(","))}
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected kind=share,... (kinds: {', '.join(KINDS)}), got {text!r}")
    if not set(mix) <= set(KINDS) or sum(mix.values()) <= 0:
        raise argparse.ArgumentTypeError(f"kinds are {', '.join(KINDS)} with positive shares, got {text!r}")
    return mix
