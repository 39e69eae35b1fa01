"""Combining the server's transcript with the device's: which rule, if any, lowers WER on real speech.

The server's model (pocketsphinx, catalog-adapted, as `earshot serve` runs it) transcribes each
clip. The device's hypothesis and confidence come from an edge bundle (`edge`: the shipped model;
`edge:BUNDLE`: another) or are simulated as in bench_server_wer.py (`oracle`, `corrupt-30`,
`unrelated`; their confidence is the 0.5 the server assumes when a device sends none). Every rule
uses only what the wire contract gives the server: the hypothesis text and one confidence.

    server     pocketsphinx alone
    device     the device's hypothesis alone
    arbitrate  what the server does (cloud/recognizers/combine.py): stretches where the two
               disagree become a JSGF grammar that pocketsphinx decodes the clip against
    pick@T     the device's hypothesis when its confidence is at least T, else the server's
    rover      ROVER for two systems, stretch by stretch: the side with the higher confidence
               (the server's mean word posterior, the device's confidence; a side with no words
               scores NULL_CONFIDENCE)
    best-pick  per clip, whichever of the two is nearer the reference: no rule that picks one
               transcript can do better

    python benchmarks/bench_server_combine.py [MANIFEST ...] [--device edge|edge:BUNDLE|oracle|corrupt-30|unrelated]

One JSON line per rule: pooled WER with substitutions, deletions and insertions, and how many
clips the rule changed from the server's transcript, for better or worse.
"""

from __future__ import annotations

import argparse
import difflib
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from bench_server_wer import MANIFEST, device_hypotheses, load_clips

PICK_THRESHOLDS = (0.5, 0.7, 0.9)
NULL_CONFIDENCE = 0.5  # ROVER's Conf(@): how much a stretch with no words is believed
SIMULATED = {"oracle": "device-oracle", "corrupt-30": "device-30", "unrelated": "device-unrelated"}
UNSENT_CONFIDENCE = 0.5  # what cloud/routes/recognize.py assumes when a device sends no confidence


def device_guesses(source: str, clips: list) -> list[tuple[str, float]]:
    """(hypothesis, confidence) per clip from an edge bundle or a simulation."""
    from edge.text import normalize_text

    if source == "edge" or source.startswith("edge:"):
        from edge.recognizer import Recognizer

        recognizer = Recognizer.load(source.partition(":")[2] or None)
        transcripts = [recognizer.transcribe(samples, 16000) for _, samples, _ in clips]
        return [(normalize_text(t.text), t.confidence) for t in transcripts]
    if source not in SIMULATED:
        raise SystemExit(f"--device: edge, edge:BUNDLE or one of {', '.join(SIMULATED)}, not {source!r}")
    return [(text, UNSENT_CONFIDENCE) for text in device_hypotheses(SIMULATED[source], clips)]


def rover(server, device: str, device_confidence: float) -> str:
    """Each stretch where the two disagree from the side believed more."""
    first, second = server.text.split(), device.split()
    posteriors = [w.confidence for w in server.words]
    if len(posteriors) != len(first):  # words and text disagree: fall back on the utterance's confidence
        posteriors = [server.confidence] * len(first)
    out = []
    for op, a0, a1, b0, b1 in difflib.SequenceMatcher(a=first, b=second, autojunk=False).get_opcodes():
        server_score = float(np.mean(posteriors[a0:a1])) if a1 > a0 else NULL_CONFIDENCE
        device_score = device_confidence if b1 > b0 else NULL_CONFIDENCE
        out.extend(second[b0:b1] if op != "equal" and device_score > server_score else first[a0:a1])
    return " ".join(out)


def combined(clips: list, guesses: list[tuple[str, float]]) -> dict[str, list[str]]:
    """Every rule's transcript of every clip."""
    from cloud.recognizers.combine import arbitrate
    from cloud.recognizers.pocketsphinx_recognizer import create

    recognizer = create("catalog=default")
    rules: dict[str, list[str]] = {"server": [], "device": [], "arbitrate": [], "rover": [], "best-pick": []}
    rules.update({f"pick@{t:g}": [] for t in PICK_THRESHOLDS})
    for (_, samples, ref), (device, confidence) in zip(clips, guesses, strict=True):
        server = recognizer.transcribe(samples, 16000)
        rules["server"].append(server.text)
        rules["device"].append(device)
        rules["arbitrate"].append(arbitrate(recognizer, samples, server, device, confidence, "device").text
                                  if device else server.text)
        rules["rover"].append(rover(server, device, confidence))
        for threshold in PICK_THRESHOLDS:
            rules[f"pick@{threshold:g}"].append(device if confidence >= threshold else server.text)
        rules["best-pick"].append(min((server.text, device), key=lambda hyp: _errors(ref, hyp)))
    return rules


def score(refs: list[str], rules: dict[str, list[str]]) -> list[dict]:
    """Pooled WER per rule and its effect, clip by clip, against the server's transcript."""
    import jiwer

    server_errors = [_errors(ref, hyp) for ref, hyp in zip(refs, rules["server"], strict=True)]
    report = []
    for rule, hyps in rules.items():
        out = jiwer.process_words(refs, [h or "" for h in hyps])
        errors = [_errors(ref, hyp) for ref, hyp in zip(refs, hyps, strict=True)]
        report.append({"rule": rule, "wer": round(out.wer, 4), "S": out.substitutions, "D": out.deletions,
                       "I": out.insertions, "words": sum(len(r.split()) for r in refs),
                       "changed": sum(h != s for h, s in zip(hyps, rules["server"], strict=True)),
                       "better": sum(e < s for e, s in zip(errors, server_errors, strict=True)),
                       "worse": sum(e > s for e, s in zip(errors, server_errors, strict=True))})
    return report


def _errors(ref: str, hyp: str) -> int:
    """Word edits from `hyp` to `ref`."""
    import jiwer

    out = jiwer.process_words(ref, hyp or "")
    return out.substitutions + out.deletions + out.insertions


@pytest.mark.skipif(not MANIFEST.exists(), reason=f"{MANIFEST} (real-speech eval set) is not on this machine")
@pytest.mark.skipif(importlib.util.find_spec("jiwer") is None, reason="jiwer scores WER: pip install jiwer")
def test_combination_measurement_runs():
    """Two clips: every rule is scored; with a perfect device, the device and best-pick rules are perfect."""
    clips = load_clips(MANIFEST, limit=2)
    rules = combined(clips, device_guesses("oracle", clips))
    report = {r["rule"]: r for r in score([ref for _, _, ref in clips], rules)}
    assert report["device"]["wer"] == 0.0 and report["best-pick"]["wer"] == 0.0
    assert report["arbitrate"]["wer"] <= report["server"]["wer"]
    assert {"server", "arbitrate", "rover", "pick@0.5"} <= set(report)


def main(argv: list[str] | None = None) -> int:
    """Print the device source, then one JSON line per rule."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifests", nargs="*", type=Path, default=[MANIFEST])
    parser.add_argument("--device", default="edge", help="edge, edge:BUNDLE, oracle, corrupt-30 or unrelated")
    args = parser.parse_args(argv)
    clips = [clip for manifest in args.manifests for clip in load_clips(manifest)]
    guesses = device_guesses(args.device, clips)
    print(json.dumps({"device": args.device, "clips": len(clips),
                      "mean_device_confidence": round(float(np.mean([c for _, c in guesses])), 3)}), flush=True)
    for line in score([ref for _, _, ref in clips], combined(clips, guesses)):
        print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
