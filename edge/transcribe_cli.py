"""`earshot transcribe FILE...`: transcribe audio files with a bundle, as text or JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from edge.audio import DEFAULT_MAX_DURATION_S
from edge.cli_args import positive_int, tempo_list, warp_list
from edge.errors import EarshotError
from edge.runners import RUNTIMES

DEFAULT_HOTWORD_BOOST = 1.0  # nats per letter while the phrase is spelled (edge/decoding/hotwords.py)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("transcribe", help="transcribe audio files on this device",
                                   description="Transcribe WAV/FLAC/OGG files offline.")
    parser.add_argument("files", nargs="+", metavar="FILE", help="audio files (WAV, FLAC, OGG)")
    parser.add_argument("--json", action="store_true", help="print one JSON object per line per file")
    parser.add_argument("--model", metavar="BUNDLE", help="model bundle folder (default: the shipped model)")
    parser.add_argument("--runtime", choices=RUNTIMES, default="onnx", help="model runtime (default: onnx)")
    parser.add_argument("--threads", type=positive_int, default=1,
                        help="threads for the network and for the speaker variants' searches (default: 1)")
    parser.add_argument("--beam", type=positive_int,
                        help="beam width; 1 = greedy (default: the bundle's, as its decoder was tuned)")
    parser.add_argument("--vtln-warps", type=warp_list, metavar="W1,W2,...",
                        help="frequency warps (vocal tract lengths) to decode each window at, keeping the best-scoring "
                             "hypothesis (default: the bundle's, as its calibration was fitted)")
    parser.add_argument("--tempos", type=tempo_list, metavar="T1,T2,...",
                        help="speaking rates to decode each window at, unwarped, likewise; --vtln-warps 1 --tempos 1 "
                             "decodes once, fastest (default: the bundle's)")
    parser.add_argument("--hotword", action="append", default=[], metavar="PHRASE[:BOOST]",
                        help="phrase to favour while decoding (repeatable), with an optional boost in nats per "
                             f"letter (default {DEFAULT_HOTWORD_BOOST:g}), e.g. --hotword 'kitchen lights:1.5'")
    parser.add_argument("--max-duration", type=float, default=DEFAULT_MAX_DURATION_S, metavar="SECONDS",
                        help=f"refuse files longer than this (default: {DEFAULT_MAX_DURATION_S:g})")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from edge.audio import read_audio
    from edge.first_run import announce_compiling
    from edge.recognizer import Recognizer

    announce_compiling("transcribe")
    recognizer = Recognizer.load(args.model, runtime=args.runtime, threads=args.threads, beam=args.beam,
                                 hotwords=tuple(_parse_hotword(h) for h in args.hotword),
                                 vtln_warps=args.vtln_warps, tempos=args.tempos)
    failures = 0
    files = tqdm(args.files, desc="transcribing", unit="file", file=sys.stderr,
                 disable=len(args.files) < 2, leave=False)
    for file in files:
        try:
            audio = read_audio(file, max_duration_s=args.max_duration)
        except EarshotError as exc:
            failures += 1
            tqdm.write(f"earshot transcribe: error: {exc}", file=sys.stderr)
            continue
        result = recognizer.transcribe(audio.samples, audio.sample_rate)
        if args.json:
            print(json.dumps(_json_record(file, result, recognizer)), flush=True)
        elif len(args.files) > 1:
            print(f"{file}\t{result.text}", flush=True)
        else:
            print(result.text, flush=True)
    return 2 if failures else 0


def _json_record(file: str, result, recognizer) -> dict:
    return {
        "file": str(Path(file)),
        "text": result.text,
        "confidence": round(result.confidence, 4),
        "words": result.to_dict()["words"],
        "duration_s": round(result.timings.duration_s, 3),
        "rtf": round(result.timings.rtf, 5),
        "runtime": recognizer.options.runtime,
        "model": recognizer.name,
        "segments": [{"start": round(s.start_s, 3), "end": round(s.end_s, 3), "text": s.text,
                      "confidence": round(s.confidence, 4)} for s in result.segments],
        "timings_ms": {"feature": round(result.timings.feature_ms, 3), "model": round(result.timings.model_ms, 3),
                       "decode": round(result.timings.decode_ms, 3), "vad": round(result.timings.vad_ms, 3)},
    }


def _parse_hotword(text: str) -> tuple[str, float]:
    phrase, _, boost = text.rpartition(":") if ":" in text else (text, "", "")
    try:
        value = float(boost) if boost else DEFAULT_HOTWORD_BOOST
    except ValueError:
        raise EarshotError(f"--hotword '{text}': boost '{boost}' is not a number") from None
    return (phrase.strip().lower(), value)
