"""Train from a training pack (train.training_pack) on whatever machine runs this, and take the result back.

On the GPU machine, from the repository's root (it needs PyTorch, numpy, numba and tqdm, no audio
libraries):

    python3 -m train.pack_training PACK OUT [--work DIR]

trains as the pack's recipe settings say (resuming from DIR's checkpoint when an earlier call on the
same machine stopped), settles the batch norms, chooses the blend with the base on dev where the
recipe asks for one, and writes into OUT the trained weights (without the optimizer's state, in
parts of at most 15 MiB, so each comes back as one file) and the training log. Back here,
`earshot train --recipe R --work W --trained OUT --out BUNDLE` puts them where `earshot train`
keeps its model and goes on with the LM, export, calibration and card.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path

from edge.errors import EarshotError

PART_BYTES = 15 * 2**20
RESULT = "trained.json"


def train_from_pack(pack: Path, out: Path, work: Path) -> dict:
    """Train from `pack` (features unpacked and the checkpoint kept in `work`); the result into `out`."""
    import torch

    from train import tokens
    from train.features import PAD_VALUE
    from train.model import ConvCtcModel, ModelConfig
    from train.trainer import CHECKPOINT, TrainConfig, train
    from train.training_pack import read_pack

    contents = read_pack(pack, work / "features")
    model_config = ModelConfig.from_dict(contents.model)
    training = TrainConfig(**contents.training)
    init = None
    if contents.init_state is not None:
        init = ConvCtcModel(model_config)
        init.load_state_dict(contents.init_state)
    train(contents.train, contents.dev, work / "model", model_config, training, tokens.TOKENS, PAD_VALUE, init=init)
    state = torch.load(work / "model" / CHECKPOINT, weights_only=False, map_location="cpu")
    state.pop("optimizer", None)  # the weights are all that is needed back; Adam's moments double them
    return write_result(state, work / "model" / "log.jsonl", out)


def write_result(state: dict, log: Path, out: Path) -> dict:
    """`state` as parts of at most PART_BYTES in `out`, with the training log and trained.json."""
    import io

    import torch

    out.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    torch.save(state, buffer)
    blob = buffer.getvalue()
    parts = []
    for i, start in enumerate(range(0, len(blob), PART_BYTES)):
        name = f"checkpoint.pt.{i:03d}"
        (out / name).write_bytes(blob[start:start + PART_BYTES])
        parts.append(name)
    if log.is_file():
        shutil.copyfile(log, out / "log.jsonl")
    record = {"parts": parts, "bytes": len(blob), "sha256": hashlib.sha256(blob).hexdigest(),
              "device": state.get("device"), "steps": state.get("step"), "trained_s": state.get("trained_s")}
    (out / RESULT).write_text(json.dumps(record, indent=1))
    return record


def import_trained(result: Path, model_dir: Path) -> Path:
    """Put the checkpoint a pack's training wrote into `result` at model_dir/checkpoint.pt (with
    its log), where `earshot train` finds a finished model; never over an existing checkpoint."""
    from train.trainer import CHECKPOINT

    try:
        record = json.loads((result / RESULT).read_text())
    except FileNotFoundError:
        raise EarshotError(f"--trained {result}: no {RESULT}; not the output of train.pack_training") from None
    missing = [name for name in record["parts"] if not (result / name).is_file()]
    if missing:
        raise EarshotError(f"--trained {result}: {', '.join(missing)} missing")
    blob = b"".join((result / name).read_bytes() for name in record["parts"])
    if hashlib.sha256(blob).hexdigest() != record["sha256"]:
        raise EarshotError(f"--trained {result}: the checkpoint's parts differ from what {RESULT} records")
    target = model_dir / CHECKPOINT
    if target.exists():
        raise EarshotError(f"{target}: a checkpoint is already there; refusing to overwrite it "
                           "(use a new --work folder, or move it away)")
    model_dir.mkdir(parents=True, exist_ok=True)
    target.write_bytes(blob)
    if (result / "log.jsonl").is_file() and not (model_dir / "log.jsonl").exists():
        shutil.copyfile(result / "log.jsonl", model_dir / "log.jsonl")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m train.pack_training",
                                     description="Train from a training pack (earshot train --pack) and write "
                                                 "the trained weights for earshot train --trained.")
    parser.add_argument("pack", type=Path, help="the pack folder")
    parser.add_argument("out", type=Path, help="folder to write the trained weights and log into")
    parser.add_argument("--work", type=Path, default=Path("/tmp/earshot_pack_training"),
                        help="unpacked features and the resumable checkpoint (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        record = train_from_pack(args.pack, args.out, args.work)
    except EarshotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
