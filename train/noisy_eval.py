"""Make a noisy copy of an evaluation set: each in-domain utterance plus noise at a fixed SNR.

    python -m train.noisy_eval --clean DIR/manifest.jsonl --out DIR2 --snr 10 --seed 0

Noise kinds rotate over white, pink, brown and babble (five other utterances of the same set);
each output carries tags snr_db and noise. Deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import soundfile as sf

from edge.audio import read_audio
from train.augment import NOISE_KINDS, add_noise_at_snr, babble, coloured_noise
from train.corpus import Utterance, read_manifest, write_manifest

KINDS = (*NOISE_KINDS, "babble")


def make_noisy(clean: list[Utterance], out: Path, snr_db: float, seed: int, *, domain: str = "in") -> list[Utterance]:
    """Noisy copies of the utterances tagged domain=`domain` (all if empty), written under `out`."""
    chosen = [u for u in clean if not domain or u.tags.get("domain") == domain]
    audio = [read_audio(u.audio).samples for u in chosen]
    noisy = []
    for i, (utterance, samples) in enumerate(zip(chosen, audio)):
        rng = np.random.default_rng([seed, i])
        kind = KINDS[i % len(KINDS)]
        others = [a for j, a in enumerate(audio) if j != i]
        noise = babble(others, len(samples), rng) if kind == "babble" else coloured_noise(kind, len(samples), rng)
        target = out / "wav" / f"{i:06d}_{kind}.wav"
        target.parent.mkdir(parents=True, exist_ok=True)
        sf.write(target, add_noise_at_snr(samples, noise, snr_db), 16000, subtype="PCM_16")
        tags = {**utterance.tags, "snr_db": f"{snr_db:g}", "noise": kind, "clean_audio": utterance.audio.name}
        noisy.append(replace(utterance, audio=target.resolve(), tags=tags))
    return noisy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m train.noisy_eval", description=__doc__.splitlines()[0])
    parser.add_argument("--clean", type=Path, required=True, help="manifest of the clean set")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--snr", type=float, default=10.0, help="signal-to-noise ratio in dB")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--domain", default="in", help="only utterances with this domain tag ('' for all)")
    args = parser.parse_args(argv)
    utterances = make_noisy(read_manifest(args.clean), args.out, args.snr, args.seed, domain=args.domain)
    write_manifest(args.out / "manifest.jsonl", utterances)
    print(f"{args.out / 'manifest.jsonl'}: {len(utterances)} utterances at {args.snr:g} dB SNR")
    return 0


if __name__ == "__main__":
    sys.exit(main())
