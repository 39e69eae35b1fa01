"""The `earshot synth` subcommand: synthesise a speech corpus (train.synth).

Imported by edge.cli through the "earshot.commands" entry point group; train.synth is imported
here at the top so that, where the train extra is missing, loading the entry point fails and
the CLI lists `synth` as unavailable instead of failing later.
"""

from __future__ import annotations

import argparse

from train import synth


def register(subparsers) -> None:
    """Add `synth` to the earshot command; its options are those of `python -m train.synth`."""
    parser = subparsers.add_parser("synth", help="synthesise a training or evaluation speech corpus",
                                   description=synth.__doc__.splitlines()[0])
    synth.build_parser(parser)
    parser.set_defaults(handler=_handler)


def _handler(args: argparse.Namespace) -> int:
    return synth.main_args(args)
