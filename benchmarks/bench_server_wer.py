"""WER of the server's recognizers on real speech, and what the device's hypothesis adds.

Full report (about a minute per configuration on one core):
    python benchmarks/bench_server_wer.py [MANIFEST] [--configs plain,adapted,device-30,...]
Under pytest a two-clip smoke run checks that the measurement still works; the recorded figures
come from the full run (see cloud/README.md).

Device hypotheses are simulated, because no device model is available to the server's tests:
"device-oracle" is the reference itself (an upper bound), "device-30" the reference with 30% of
its words substituted, deleted or inserted at random (seeded), "device-unrelated" another clip's
reference (the device is wrong about everything).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import sys
import time
from pathlib import Path

import pytest

MANIFEST = Path("/work/shared/eval/public/manifest.jsonl")
CONFIGS = ("plain", "adapted", "device-oracle", "device-30", "device-unrelated")


def load_clips(manifest: Path, limit: int | None = None) -> list[tuple[str, object, str]]:
    """(name, float32 samples, normalized reference) for each clip of a manifest."""
    from edge.audio import read_audio
    from edge.text import normalize_text

    clips = []
    for line in manifest.read_text().splitlines()[:limit]:
        record = json.loads(line)
        audio = read_audio(manifest.parent / record["audio"])
        clips.append((record["audio"], audio.samples, normalize_text(record["text"])))
    return clips


def corrupt(text: str, rate: float, vocabulary: list[str], rng: random.Random) -> str:
    """Substitute, delete or insert words at `rate` (split evenly), like a weaker recognizer."""
    out = []
    for word in text.split():
        roll = rng.random()
        if roll < rate / 3:
            out.append(rng.choice(vocabulary))
        elif roll < 2 * rate / 3:
            continue
        elif roll < rate:
            out.extend([word, rng.choice(vocabulary)])
        else:
            out.append(word)
    return " ".join(out)


def device_hypotheses(config: str, clips: list) -> list[str | None]:
    """The simulated device transcript per clip for a "device-*" configuration, else None."""
    refs = [ref for _, _, ref in clips]
    vocabulary = sorted({w for ref in refs for w in ref.split()})
    rng = random.Random(5)
    if config == "device-oracle":
        return refs
    if config == "device-30":
        return [corrupt(ref, 0.3, vocabulary, rng) for ref in refs]
    if config == "device-unrelated":
        return refs[1:] + refs[:1]
    return [None] * len(clips)


def measure(config: str, clips: list) -> dict:
    """Pooled WER and real-time factor of one configuration over `clips`."""
    import jiwer

    from cloud.recognizers.combine import arbitrate
    from cloud.recognizers.pocketsphinx_recognizer import create

    # "adapted" uses the default catalog word weight; "adapted:W" sets it.
    weight = config.split(":", 1)[1] if config.startswith("adapted:") else None
    spec = "catalog=none" if config == "plain" else "catalog=default" + (f",weight={weight}" if weight else "")
    recognizer = create(spec)
    refs, hyps, seconds, audio_s = [], [], 0.0, 0.0
    for (_, samples, ref), device in zip(clips, device_hypotheses(config, clips), strict=True):
        started = time.perf_counter()
        transcript = recognizer.transcribe(samples, 16000)
        if device:
            transcript = arbitrate(recognizer, samples, transcript, device, 0.5, "device")
        seconds += time.perf_counter() - started
        audio_s += len(samples) / 16000
        refs.append(ref)
        hyps.append(transcript.text)
    return {"config": config, "clips": len(clips), "words": sum(len(r.split()) for r in refs),
            "wer": round(jiwer.wer(refs, hyps), 4), "rtf": round(seconds / audio_s, 3)}


@pytest.mark.skipif(not MANIFEST.exists(), reason=f"{MANIFEST} (real-speech eval set) is not on this machine")
@pytest.mark.skipif(importlib.util.find_spec("jiwer") is None, reason="jiwer scores WER: pip install jiwer")
def test_wer_measurement_runs():
    """Two clips through every configuration: the report keeps working; an oracle device helps."""
    clips = load_clips(MANIFEST, limit=2)
    results = {c: measure(c, clips) for c in ("adapted", "device-oracle")}
    assert results["device-oracle"]["wer"] <= results["adapted"]["wer"]


def main(argv: list[str] | None = None) -> int:
    """Print one JSON line per configuration."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifest", nargs="?", type=Path, default=MANIFEST)
    parser.add_argument("--configs", default=",".join(CONFIGS))
    args = parser.parse_args(argv)
    clips = load_clips(args.manifest)
    for config in args.configs.split(","):
        print(json.dumps(measure(config, clips)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
