"""PNG plots of an evaluation: reliability diagram, WER by slice, confidence of right vs wrong.

Figures are built with matplotlib's object API (Figure + Agg canvas), so no pyplot state and
no display are involved.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from train.evaluation.result import EvalResult

MAX_SLICE_VALUES = 25  # per key; the most populous values are kept so labels stay readable
DPI = 110


def plot_reliability(result: EvalResult, path: Path) -> Path:
    """Reliability diagram of utterance confidence: accuracy per bin against the diagonal, counts below."""
    return _reliability_diagram(result.reliability, result.ece, result.auroc, "utterances",
                                "fraction of utterances without word errors", path)


def plot_word_reliability(result: EvalResult, path: Path) -> Path:
    """Reliability diagram of word confidence (train/evaluation/word_confidence.py)."""
    return _reliability_diagram(result.word_reliability, result.word_ece, result.word_auroc, "words",
                                "fraction of words right", path)


def _reliability_diagram(bins, ece: float, auroc: float, unit: str, accuracy_label: str, path: Path) -> Path:
    from matplotlib.figure import Figure

    centres = np.array([(b.lower + b.upper) / 2 for b in bins])
    width = bins[0].upper - bins[0].lower
    accuracy = np.array([b.accuracy if b.count else 0.0 for b in bins])
    counts = np.array([b.count for b in bins])
    fig = Figure(figsize=(5.5, 6.5))
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    top.bar(centres, accuracy, width=width * 0.95, color="#4c72b0", edgecolor="black",
            label="fraction correct")
    top.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    filled = [b for b in bins if b.count]
    top.plot([b.mean_confidence for b in filled], [b.accuracy for b in filled], "o-",
             color="#dd8452", label="(mean confidence, fraction correct) per bin")
    top.set_ylim(0, 1)
    top.set_ylabel(accuracy_label)
    top.set_title(f"Reliability of {unit} (ECE {_fmt(ece)}, AUROC {_fmt(auroc)})")
    top.legend(loc="upper left", fontsize="small")
    bottom.bar(centres, counts, width=width * 0.95, color="#8c8c8c", edgecolor="black")
    bottom.set_xlim(0, 1)
    bottom.set_xlabel("confidence")
    bottom.set_ylabel(unit)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    return path


def plot_wer_by_slice(result: EvalResult, path: Path) -> Path:
    """Horizontal WER bars for each slice key, one panel per key, with the overall WER marked."""
    from matplotlib.figure import Figure

    keys = [k for k, stats in result.slices.items() if len(stats) > 1] or list(result.slices)[:1]
    panels = []
    for key in keys:
        stats = list(result.slices[key])
        if len(stats) > MAX_SLICE_VALUES:
            keep = {id(s) for s in sorted(stats, key=lambda s: -s.utterances)[:MAX_SLICE_VALUES]}
            stats = [s for s in stats if id(s) in keep]
        panels.append((key, stats))
    heights = [max(len(stats), 1) * 0.32 + 0.9 for _, stats in panels] or [1.5]
    fig = Figure(figsize=(7.5, sum(heights)))
    axes = fig.subplots(len(panels) or 1, 1, squeeze=False, gridspec_kw={"height_ratios": heights})[:, 0]
    for ax, (key, stats) in zip(axes, panels):
        labels = [f"{s.value} (n={s.utterances})" for s in stats]
        wers = [s.wer for s in stats]
        y = np.arange(len(stats))
        ax.barh(y, wers, color="#4c72b0", edgecolor="black")
        for row, wer in zip(y, wers):
            ax.text(wer, row, f" {wer:.3f}", va="center", fontsize="x-small")
        ax.set_yticks(y, labels, fontsize="small")
        ax.invert_yaxis()
        ax.axvline(result.wer, color="#c44e52", linestyle="--", label=f"overall {result.wer:.3f}")
        ax.set_title(f"WER by {key}", fontsize="medium")
        ax.set_xlim(0, max([1.0, *wers]) * 1.12)
        ax.legend(loc="lower right", fontsize="x-small")
    axes[-1].set_xlabel("word error rate")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    return path


def plot_confidence_histogram(result: EvalResult, path: Path) -> Path:
    """Histograms of confidence for utterances without and with word errors."""
    from matplotlib.figure import Figure

    right = [r.confidence for r in result.records if r.correct]
    wrong = [r.confidence for r in result.records if not r.correct]
    edges = np.linspace(0.0, 1.0, 21)
    fig = Figure(figsize=(6.5, 4))
    ax = fig.subplots()
    ax.hist(np.clip(right, 0, 1), bins=edges, alpha=0.6, color="#55a868", edgecolor="black",
            label=f"no word error (n={len(right)})")
    ax.hist(np.clip(wrong, 0, 1), bins=edges, alpha=0.6, color="#c44e52", edgecolor="black",
            label=f"has a word error (n={len(wrong)})")
    ax.set_xlim(0, 1)
    ax.set_xlabel("confidence")
    ax.set_ylabel("utterances")
    ax.set_title(f"Confidence of right and wrong utterances (AUROC {_fmt(result.auroc)})")
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    return path


def _fmt(value: float) -> str:
    return "n/a" if value != value else f"{value:.3f}"
