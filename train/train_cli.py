"""`earshot train`: rebuild a model bundle from a recipe, resuming whatever an earlier run finished."""

from __future__ import annotations

import argparse
from pathlib import Path

from edge.errors import EarshotError

DEFAULT_RECIPE = Path(__file__).parent / "recipes" / "default.json"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("train", help="train a model bundle from a recipe",
                                   description="Synthesise, featurise, train, export, calibrate and bundle a "
                                               "model as its recipe says. Re-running resumes.")
    parser.add_argument("--recipe", type=Path, default=DEFAULT_RECIPE, help="recipe JSON (default: the shipped model's)")
    parser.add_argument("--work", type=Path, default=Path("runs/default"), help="work folder (default: runs/default)")
    parser.add_argument("--out", type=Path, required=True, help="bundle folder to write")
    parser.add_argument("--synthetic", type=Path, metavar="MANIFEST",
                        help="use this synthetic training manifest instead of synthesising one")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from train.pipeline import build

    if not args.recipe.is_file():
        raise EarshotError(f"--recipe {args.recipe}: no such file")
    if args.out.exists() and not (args.out / "bundle.json").exists() and any(args.out.iterdir()):
        raise EarshotError(f"--out {args.out}: exists and is not a model bundle; refusing to overwrite it")
    bundle = build(args.recipe, args.work, args.out, synthetic_manifest=args.synthetic)
    print(bundle)
    return 0
