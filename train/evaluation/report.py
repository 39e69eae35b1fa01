"""Write an evaluation report folder: report.md, results.json and three PNG plots."""

from __future__ import annotations

import json
import math
from pathlib import Path

from train.evaluation.plots import (plot_confidence_histogram, plot_reliability, plot_wer_by_slice,
                                    plot_word_reliability)
from train.evaluation.records import UtteranceResult
from train.evaluation.result import EvalResult

REPORT_MD = "report.md"
RESULTS_JSON = "results.json"
RELIABILITY_PNG = "reliability.png"
SLICES_PNG = "wer_by_slice.png"
CONFIDENCE_PNG = "confidence_hist.png"
WORD_RELIABILITY_PNG = "word_reliability.png"


def write_report(result: EvalResult, directory: str | Path) -> dict[str, Path]:
    """Write the Markdown report, results.json (with every utterance) and the plots into `directory`.

    Returns the written files by name. The folder is created if needed; files of an earlier
    report there are overwritten.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    files = {RESULTS_JSON: directory / RESULTS_JSON}
    files[RESULTS_JSON].write_text(json.dumps(result.to_dict(utterances=True), indent=1) + "\n")
    if result.records:
        files[RELIABILITY_PNG] = plot_reliability(result, directory / RELIABILITY_PNG)
        files[SLICES_PNG] = plot_wer_by_slice(result, directory / SLICES_PNG)
        files[CONFIDENCE_PNG] = plot_confidence_histogram(result, directory / CONFIDENCE_PNG)
        if result.word_outcomes:
            files[WORD_RELIABILITY_PNG] = plot_word_reliability(result, directory / WORD_RELIABILITY_PNG)
    files[REPORT_MD] = directory / REPORT_MD
    files[REPORT_MD].write_text(render_markdown(result))
    return files


def render_markdown(result: EvalResult) -> str:
    """The report as Markdown; images are referenced by their file names in the same folder."""
    parts = [f"# Evaluation of `{result.model}`\n",
             f"Manifest: `{result.manifest or '(given in code)'}`. References and hypotheses are "
             "normalised with `edge.text.normalize_text` before scoring; WER and CER are pooled "
             "(all errors over all reference words or characters, spaces counted as characters). "
             "An utterance is *correct* when it has no word error; its confidence is read as the "
             "probability of that.\n",
             _summary(result)]
    if not result.records:
        return "\n".join(parts + ["No utterances were evaluated.\n"])
    parts += [_slices(result), _confidence(result), _word_confidence(result), _patterns(result), _vocabulary(result),
              _utterance_table("Worst utterances", result.worst(),
                               "Wrong utterances, most word errors first."),
              _utterance_table("Confidently wrong", result.confidently_wrong(),
                               "Wrong utterances with the highest confidence: escalation misses these."),
              _speed(result)]
    return "\n".join(parts)


def _summary(result: EvalResult) -> str:
    w = result.words
    rows = [("utterances", len(result.records)), ("reference words", w.reference_length),
            ("WER", percent(result.wer)), ("CER", percent(result.cer)),
            ("utterances with an error", percent(result.sentence_error_rate)),
            ("substitutions / deletions / insertions", f"{w.substitutions} / {w.deletions} / {w.insertions}"),
            ("audio", f"{result.audio_s:.1f} s"), ("real-time factor", number(result.rtf, 4)),
            ("mean confidence", number(result.mean_confidence)),
            ("AUROC (1 - confidence predicts an error)", number(result.auroc)),
            ("expected calibration error (10 bins)", number(result.ece))]
    return "## Summary\n\n" + _table(("measure", "value"), rows)


def _slices(result: EvalResult) -> str:
    out = ["## Error rates by slice\n",
           "Every manifest tag, plus voice, speaker and duration bucket. "
           f"`(none)` collects utterances without the tag.\n\n![WER by slice]({SLICES_PNG})\n"]
    for key, stats in result.slices.items():
        rows = [(s.value, s.utterances, s.words.reference_length, percent(s.wer), percent(s.cer),
                 percent(s.sentence_error_rate), number(s.mean_confidence)) for s in stats]
        out.append(f"### {key}\n\n" + _table(
            ("value", "utterances", "words", "WER", "CER", "wrong utterances", "mean confidence"), rows))
    return "\n".join(out)


def _confidence(result: EvalResult) -> str:
    bins = [(f"{b.lower:.1f}-{b.upper:.1f}", b.count, number(b.mean_confidence), number(b.accuracy))
            for b in result.reliability]
    escalation = [(f"{p.threshold:.2f}", percent(p.escalated), percent(p.errors_escalated), percent(p.kept_accuracy))
                  for p in result.escalation]
    return ("## Confidence against correctness\n\n"
            f"AUROC {number(result.auroc)}, ECE {number(result.ece)}.\n\n"
            f"![reliability diagram]({RELIABILITY_PNG})\n\n"
            + _table(("confidence bin", "utterances", "mean confidence", "fraction correct"), bins)
            + f"\n![confidence of right and wrong utterances]({CONFIDENCE_PNG})\n\n"
            "If utterances below a threshold were escalated to the cloud:\n\n"
            + _table(("threshold", "escalated", "of the wrong ones, escalated", "correct among kept"),
                     escalation))


def _word_confidence(result: EvalResult) -> str:
    outcomes = result.word_outcomes
    if not outcomes:
        return "### Words\n\nThe recognizer returned no words with confidences.\n"
    bins = [(f"{b.lower:.1f}-{b.upper:.1f}", b.count, number(b.mean_confidence), number(b.accuracy))
            for b in result.word_reliability]
    right = sum(o.correct for o in outcomes)
    return ("### Words\n\n"
            f"Each of the {len(outcomes)} words returned is right when the alignment matches it to an equal "
            f"reference word ({percent(right / len(outcomes))} are); its confidence is read as the probability "
            f"of that. AUROC {number(result.word_auroc)} (1 - confidence predicts a wrong word), "
            f"ECE {number(result.word_ece)}.\n\n"
            f"![reliability of word confidence]({WORD_RELIABILITY_PNG})\n\n"
            + _table(("confidence bin", "words", "mean confidence", "fraction right"), bins))


def _patterns(result: EvalResult) -> str:
    p = result.patterns
    return ("## Most frequent word errors\n\n### Substitutions\n\n"
            + _table(("reference", "hypothesis", "count"), [(r, h, c) for (r, h), c in p.substitutions])
            + "\n### Deletions\n\n" + _table(("reference word", "count"), p.deletions)
            + "\n### Insertions\n\n" + _table(("inserted word", "count"), p.insertions))


def _vocabulary(result: EvalResult) -> str:
    coverage = result.coverage
    if coverage is None:
        return "## Vocabulary\n\nThe recognizer has no vocabulary of its own (it spells freely).\n"
    rows = [(kind, group.words, percent(group.error_rate))
            for kind, group in (("known", coverage.known), ("unknown", coverage.unknown))]
    return ("## Vocabulary\n\n"
            f"{percent(coverage.oov_rate)} of the reference words are outside the decoder's vocabulary of "
            f"{coverage.vocabulary_size} words (its LM, lexicon and hotwords). A reference word is wrong "
            "when it is substituted or deleted. Adding the unknown words to the domain catalog (phrases, "
            "slot values) and retraining, or passing them as hotwords, makes them known.\n\n"
            + _table(("reference words", "count", "wrong"), rows)
            + "\n### Most frequent unknown words\n\n" + _table(("word", "count"), coverage.top_unknown))


def _utterance_table(title: str, records: list[UtteranceResult], note: str) -> str:
    rows = [(r.id, f"{r.words.errors}/{r.words.reference_length}", number(r.confidence),
             r.reference_norm, r.hypothesis_norm or "(empty)") for r in records]
    return f"## {title}\n\n{note}\n\n" + _table(("utterance", "word errors", "confidence",
                                                  "reference", "hypothesis"), rows)


def _speed(result: EvalResult) -> str:
    timed = [r.transcript.timings for r in result.records
             if r.transcript is not None and r.transcript.timings.total_ms > 0]
    rows = [("audio", f"{result.audio_s:.1f} s"), ("transcribe wall time", f"{result.processing_s:.2f} s"),
            ("real-time factor (wall time / audio)", number(result.rtf, 4))]
    if timed:
        for stage in ("feature", "model", "decode", "vad"):
            total_ms = sum(getattr(t, f"{stage}_ms") for t in timed)
            if total_ms > 0:
                rows.append((f"{stage} stage (recognizer's own timing)", f"{total_ms / 1000:.2f} s"))
    return "## Speed\n\nTimes measured on this machine around each transcribe call.\n\n" + _table(
        ("measure", "value"), rows)


def _table(header: tuple[str, ...], rows) -> str:
    rows = list(rows)
    if not rows:
        return "(none)\n"
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _cell(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def number(value: float | None, digits: int = 3) -> str:
    """`value` with `digits` decimals; "n/a" for None, NaN or infinity."""
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def percent(value: float | None) -> str:
    """`value` as a percentage with one decimal; "n/a" for None, NaN or infinity."""
    return "n/a" if value is None or not math.isfinite(value) else f"{100 * value:.1f}%"
