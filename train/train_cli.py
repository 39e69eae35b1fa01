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
    parser.add_argument("--out", type=Path, help="bundle folder to write (needed unless --pack)")
    parser.add_argument("--synthetic", type=Path, metavar="MANIFEST",
                        help="use this synthetic training manifest instead of synthesising one")
    parser.add_argument("--pack", type=Path, metavar="DIR",
                        help="stop before training and write a training pack for a GPU machine into DIR "
                             "(train it there with `python3 -m train.pack_training DIR OUT`)")
    parser.add_argument("--pack-mb", type=float, default=48.0, metavar="MIB",
                        help="each pack volume's size at most, in MiB (default: %(default)s; the training set "
                             "is sampled to fit)")
    parser.add_argument("--pack-volumes", type=int, default=1, metavar="N",
                        help="volumes to write, one to carry per call (default: %(default)s)")
    parser.add_argument("--trained", type=Path, metavar="OUT",
                        help="the weights `python3 -m train.pack_training` wrote into OUT: taken into the "
                             "work folder as its trained model, then the bundle is built")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if not args.recipe.is_file():
        raise EarshotError(f"--recipe {args.recipe}: no such file")
    if args.pack is not None:
        if args.out is not None or args.trained is not None:
            raise EarshotError("--pack writes a training pack and builds no bundle; leave out --out and --trained")
        if args.pack_mb <= 0:
            raise EarshotError(f"--pack-mb {args.pack_mb:g}: must be positive")
        if args.pack_volumes < 1:
            raise EarshotError(f"--pack-volumes {args.pack_volumes}: must be at least 1")
        if args.pack.exists() and (not args.pack.is_dir() or any(args.pack.iterdir())):
            raise EarshotError(f"--pack {args.pack}: exists and is not an empty folder; refusing to overwrite it")
        from train.pipeline import pack_for_training

        info = pack_for_training(args.recipe, args.work, args.pack, max_bytes=int(args.pack_mb * 2**20),
                                 volumes=args.pack_volumes, synthetic_manifest=args.synthetic)
        from edge.frontend.config import FrontEndConfig

        train, hours = info["train"], FrontEndConfig().hop_ms / 1000 / 3600
        print(f"{args.pack}: {len(info['volumes'])} volume(s), {info['bytes'] / 2**20:.1f} MiB, "
              f"{train['utterances']} of {train['of_utterances']} "
              f"training utterances ({train['frames'] * hours:.2f} of {train['of_frames'] * hours:.2f} h of features)")
        return 0
    if args.out is None:
        raise EarshotError("--out: the bundle folder to write is required (or --pack DIR)")
    if args.out.exists() and not (args.out / "bundle.json").exists() and any(args.out.iterdir()):
        raise EarshotError(f"--out {args.out}: exists and is not a model bundle; refusing to overwrite it")
    if args.trained is not None:
        from train.pack_training import import_trained

        print(import_trained(args.trained, args.work / "model"))
    from train.pipeline import build

    bundle = build(args.recipe, args.work, args.out, synthetic_manifest=args.synthetic)
    print(bundle)
    return 0
