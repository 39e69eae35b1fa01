"""Write a bundle's evaluation figures into its model card.

    python -m train.card_results SUMMARY_JSONL CARD [--command TEXT]

SUMMARY_JSONL holds one `earshot eval --json` object per line (what scripts/eval_shipped.sh
collects); the card's "## Evaluation" section becomes a table of them, one row per line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from train.card import replace_section
from train.evaluation.report import number, percent

HEADING = "## Evaluation"
# slices (tag, value) of a set that get a row of their own under it, where the set has them
SPLIT_ROWS = (("domain", "in"), ("phrasing", "seen"), ("phrasing", "heldout"),
              ("template", "seen"), ("template", "heldout"), ("template", "none"))


def evaluation_section(summaries: list[dict], command: str = "") -> str:
    """The card's evaluation section: WER, CER, utterance and word AUROC and ECE, and OOV share per
    evaluated set."""
    lines = [HEADING, "", "Figures from `earshot eval` (beam search with the LM, the bundle's tuned decoder settings, "
             "one thread). Several manifests evaluated together are their union; rows named 'set, tag value' are a set's "
             "in-domain part, its seen and held-out phrasings, and (hand-written commands) the split of the "
             "domain template whose shape a line has, or none (manifest tags). AUROC and ECE are those of the "
             "utterance confidence (is the utterance right?) and of the word confidences (is each word returned right?).",
             ""]
    if command:
        lines += [f"Command: `{command}`", ""]
    lines += ["| set | utterances | WER | CER | AUROC | ECE | word AUROC | word ECE | reference words outside the vocabulary |",
              "|---|---|---|---|---|---|---|---|---|"]
    for summary in summaries:
        name = _set_name(summary.get("manifest", ""))
        lines.append(_row(name, summary, summary.get("auroc"), summary.get("ece"), summary.get("oov_rate"),
                          summary.get("word_auroc"), summary.get("word_ece")))
        if name.startswith("union"):
            continue
        for key, value in SPLIT_ROWS:
            part = (summary.get("slices") or {}).get(key, {}).get(value)
            if part and part.get("utterances") != summary.get("utterances"):
                lines.append(_row(f"{name}, {key} {value}", part))
    return "\n".join(lines) + "\n"


def _row(name: str, figures: dict, auroc=None, ece=None, oov_rate=None, word_auroc=None, word_ece=None) -> str:
    return "| " + " | ".join([name, str(figures.get("utterances", "")), percent(figures.get("wer")),
                              percent(figures.get("cer")), number(auroc), number(ece), number(word_auroc),
                              number(word_ece), percent(oov_rate)]) + " |"


def _set_name(manifest: str) -> str:
    """A manifest's folder name ("public" for .../public/manifest.jsonl); "union" for several."""
    parts = [Path(m.strip()).parent.name or m.strip() for m in manifest.split(" + ")]
    return parts[0] if len(parts) == 1 else "union of " + ", ".join(parts)



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m train.card_results", description=__doc__.split("\n\n")[0])
    parser.add_argument("summary", type=Path, help="JSON lines, one `earshot eval --json` object each")
    parser.add_argument("card", type=Path, help="the bundle's MODEL_CARD.md")
    parser.add_argument("--command", default="", help="the command that produced the figures, quoted in the card")
    args = parser.parse_args(argv)
    if not args.card.is_file():
        print(f"{args.card}: no such model card", file=sys.stderr)
        return 2
    if not args.summary.is_file():
        print(f"{args.summary}: no such file", file=sys.stderr)
        return 2
    summaries = []
    for number, line in enumerate(args.summary.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            summary = json.loads(line)
        except json.JSONDecodeError as exc:
            print(f"{args.summary}: line {number} is not JSON ({exc.msg})", file=sys.stderr)
            return 2
        if not isinstance(summary, dict):
            print(f"{args.summary}: line {number} is not an `earshot eval --json` object", file=sys.stderr)
            return 2
        summaries.append(summary)
    replace_section(args.card, HEADING, evaluation_section(summaries, args.command))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
