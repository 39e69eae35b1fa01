"""Do the exported ONNX network and the PyTorch model it came from give the same transcripts?

    python -m train.parity --bundle BUNDLE --model-dir WORK/model MANIFEST...

Both networks get the same edge features of every utterance (padded as the recognizer pads
windows too short for the network), and both outputs go through the bundle's own decoder
(beam search with its LM and tuned settings), so any difference in the printed figures is the
network's. Prints one JSON object: utterances, identical transcripts,
their share, and the largest difference of a token probability seen (probabilities, not
log-probabilities: those of tokens with p < 1e-10 are numerically meaningless in float32).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from edge.audio import read_audio
from edge.recognizer import Recognizer
from train.corpus import read_manifest
from train.trainer import load_trained


def compare(bundle: Path, model_dir: Path, manifests: list[Path]) -> dict:
    recognizer = Recognizer.load(bundle, runtime="onnx", threads=1)
    if recognizer.variant != "onnx":
        raise SystemExit(f"{bundle}: has no fp32 'onnx' network to compare (it runs {recognizer.variant})")
    model = load_trained(model_dir)
    torch.set_num_threads(1)
    same, total, worst = 0, 0, 0.0
    utterances = [u for manifest in manifests for u in read_manifest(manifest)]
    for utterance in tqdm(utterances, desc="parity", unit="utt"):
        feats = recognizer.network_input(recognizer.features(read_audio(utterance.audio).samples))
        from_onnx = recognizer.run_model(feats)
        with torch.no_grad():
            from_torch = model(torch.from_numpy(feats[None]))[0].numpy()
        worst = max(worst, float(np.abs(np.exp(from_onnx) - np.exp(from_torch)).max()))
        same += recognizer.decoder.decode(from_onnx).text == recognizer.decoder.decode(from_torch).text
        total += 1
    return {"utterances": total, "identical_transcripts": same, "share": round(same / max(total, 1), 4),
            "max_abs_prob_diff": worst}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m train.parity", description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, required=True, help="bundle with the fp32 'onnx' network")
    parser.add_argument("--model-dir", type=Path, required=True, help="training folder with checkpoint.pt")
    parser.add_argument("manifests", type=Path, nargs="+", metavar="MANIFEST")
    args = parser.parse_args(argv)
    print(json.dumps(compare(args.bundle, args.model_dir, args.manifests)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
