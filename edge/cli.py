"""The `earshot` command. Components add subcommands through the "earshot.commands" entry-point
group (name = "module:register", where register(subparsers) adds one subparser and sets its
`handler`), so edge never imports cloud, quantize or train. Only the named subcommand's module
is imported (every one for `earshot --help`): `earshot transcribe` in a full install would
otherwise import PyTorch with `earshot lm`'s module, 1.7 s and 190 MB for nothing."""

from __future__ import annotations

import argparse
import os
import sys
from importlib.metadata import entry_points

from edge import __version__
from edge.errors import EarshotError

ENTRY_POINT_GROUP = "earshot.commands"
# The pyproject extra that brings each component's dependencies (for install hints).
_EXTRA = {"transcribe": "edge", "listen": "edge", "synth": "train", "train": "train", "eval": "train",
          "quantize": "quantize", "serve": "cloud", "index": "cloud", "tokens": "cloud"}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser with `command`'s subcommand, or with every subcommand when command is None or unknown."""
    parser = argparse.ArgumentParser(prog="earshot", description="Edge-first speech recognition.")
    parser.add_argument("--version", action="version", version=f"earshot {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    entries = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name)
    for entry in [e for e in entries if e.name == command] or entries:
        try:
            register = entry.load()
        except ImportError as exc:  # a component whose extra is not installed
            missing = subparsers.add_parser(entry.name, help=f"(unavailable: {exc.name} is not installed)")
            missing.set_defaults(handler=_unavailable(entry.name, exc))
            continue
        register(subparsers)
    return parser


def _unavailable(name: str, exc: ImportError):
    def handler(args: argparse.Namespace) -> int:
        raise EarshotError(f"'earshot {name}' needs {exc.name}, which is not installed; "
                           f"install the matching extra, e.g. pip install 'earshot[{name}]'")
    return handler


def _command_of(argv: list[str]) -> str | None:
    """The subcommand named in argv: its first word that is not an option (the top level's
    options, --help and --version, take no value)."""
    return next((word for word in argv if not word.startswith("-")), None)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command_of(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.handler(args) or 0)
    except EarshotError as exc:
        print(f"earshot {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:  # a component's optional dependency, imported when it runs
        print(f"earshot {args.command}: error: needs the Python package '{exc.name}', which is not "
              f"installed; install the component's extra, e.g. pip install 'earshot[{_EXTRA.get(args.command, 'test')}]'",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (e.g. `| head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
