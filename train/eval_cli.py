"""`earshot eval MANIFEST`: WER/CER overall and by slice, error analysis, calibration and speed."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

from edge.cli_args import positive_int, tempo_list, warp_list
from edge.errors import EarshotError
from edge.runners import RUNTIMES

SUMMARY_MAX_SLICE_VALUES = 12  # the human summary lists slice keys with at most this many values


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `eval` subcommand."""
    parser = subparsers.add_parser(
        "eval", help="score a model on a JSONL manifest (WER, CER, slices, calibration, RTF)",
        description="Transcribe every utterance of a JSONL manifest and score it: WER and CER "
                    "overall and by slice, most frequent errors, worst utterances, confidence "
                    "against correctness (AUROC, ECE) and real-time factor.")
    parser.add_argument("manifests", nargs="+", metavar="MANIFEST",
                        help="JSONL manifest (audio, text, ...); several are pooled, each tagged set=<its folder>")
    parser.add_argument("--model", metavar="BUNDLE|NAME[:SPEC]",
                        help="model bundle folder, or a recognizer registered under "
                             "'earshot.recognizers' such as pocketsphinx (default: the shipped model)")
    parser.add_argument("--runtime", choices=RUNTIMES, help="bundle runtime (default: onnx)")
    parser.add_argument("--beam", type=positive_int, help="bundle beam width; 1 = greedy")
    parser.add_argument("--threads", type=positive_int,
                        help="threads for the network and for the speaker variants' searches (default: 1)")
    parser.add_argument("--vtln-warps", type=warp_list, metavar="W1,W2,...",
                        help="bundle frequency warps to decode each window at (default: the bundle's)")
    parser.add_argument("--tempos", type=tempo_list, metavar="T1,T2,...",
                        help="bundle speaking rates to decode each window at; --vtln-warps 1 --tempos 1 decodes once")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--report", metavar="DIR", help="write report.md, results.json and plots here")
    parser.add_argument("--limit", type=positive_int, metavar="N", help="score only the first N utterances")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Evaluate, print the summary (table or JSON) and optionally write the report folder."""
    from train.corpus import ManifestError, read_manifest
    from train.evaluation import evaluate
    from train.evaluation.recognizers import BundleSettings, load_recognizer

    manifests = [Path(m) for m in args.manifests]
    entries = []
    for manifest in manifests:
        utterances = _read(manifest, read_manifest, ManifestError)
        if args.limit:
            utterances = utterances[:args.limit]
        if not utterances:
            raise EarshotError(f"{manifest}: the manifest lists no utterances")
        if len(manifests) > 1:
            utterances = [replace(u, tags={**u.tags, "set": manifest.parent.name}) for u in utterances]
        entries += utterances
    manifest = " + ".join(str(m) for m in manifests)
    recognizer = load_recognizer(args.model, BundleSettings(args.runtime, args.threads, args.beam, args.vtln_warps,
                                                                 args.tempos))
    result = evaluate(recognizer, entries, manifest=str(manifest))
    report_dir = None
    if args.report:
        from train.evaluation.report import REPORT_MD, write_report

        report_dir = write_report(result, args.report)[REPORT_MD].parent
    if args.json:
        data = result.to_dict()
        if report_dir is not None:
            data["report"] = str(report_dir)
        print(json.dumps(data))
    else:
        print(_summary_text(result, report_dir))
    return 0


def _read(manifest: Path, read_manifest, manifest_error) -> list:
    if not manifest.is_file():
        raise EarshotError(f"{manifest}: no such manifest file")
    try:
        return read_manifest(manifest)
    except manifest_error as exc:
        raise EarshotError(str(exc)) from None
    except UnicodeDecodeError:
        raise EarshotError(f"{manifest}: not a UTF-8 text file; expected JSON lines") from None
    except OSError as exc:
        raise EarshotError(f"{manifest}: cannot read ({exc.strerror or exc})") from None


def _summary_text(result, report_dir: Path | None) -> str:
    from train.evaluation.report import number, percent

    w = result.words
    lines = [
        f"model       {result.model}",
        f"manifest    {result.manifest}",
        f"utterances  {len(result.records)}  ({w.reference_length} words, {result.audio_s:.1f} s of audio)",
        f"WER         {percent(result.wer)}  (S {w.substitutions}, D {w.deletions}, I {w.insertions})",
        f"CER         {percent(result.cer)}",
        f"wrong utts  {percent(result.sentence_error_rate)}",
        f"AUROC       {number(result.auroc)}  (1 - confidence predicting an utterance error)",
        f"ECE         {number(result.ece)}",
        f"RTF         {number(result.rtf, 4)}",
    ]
    if result.coverage is not None:
        c = result.coverage
        lines.append(f"OOV         {percent(c.oov_rate)} of reference words outside the {c.vocabulary_size}-word "
                     f"vocabulary ({percent(c.unknown.error_rate)} of them wrong, {percent(c.known.error_rate)} of known words)")
    for key, stats in result.slices.items():
        if 1 < len(stats) <= SUMMARY_MAX_SLICE_VALUES:
            lines.append(f"by {key}:")
            width = max(len(s.value) for s in stats)
            lines += [f"  {s.value:<{width}}  n={s.utterances:<5d} WER {percent(s.wer):>6}  "
                      f"CER {percent(s.cer):>6}" for s in stats]
    if report_dir is not None:
        lines.append(f"report      {report_dir / 'report.md'}")
    return "\n".join(lines)

