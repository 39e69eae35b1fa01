"""The quantization report: a Markdown table, a PNG of accuracy against latency and size, and JSON."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

from quantize.select import Selection
from quantize.validate import Measurement
from quantize.variants import REJECTED_SUFFIX

REPORT_MD = "report.md"
REPORT_JSON = "report.json"
REPORT_PNG = "report.png"
CARD_HEADING = "## Quantization"
_LABEL_OFFSETS = (14, -18, 30, -34)  # points; fp32 variants often sit on top of each other


def write_report(measurements: Sequence[Measurement], selection: Selection, out: Path,
                 context: dict | None = None) -> dict[str, Path]:
    """Write report.md, report.json and report.png into `out`; returns their paths by file name."""
    out.mkdir(parents=True, exist_ok=True)
    data = {"context": context or {}, "selection": selection.to_dict(),
            "variants": [m.to_dict() for m in measurements]}
    paths = {REPORT_JSON: out / REPORT_JSON, REPORT_MD: out / REPORT_MD, REPORT_PNG: out / REPORT_PNG}
    paths[REPORT_JSON].write_text(json.dumps(data, indent=2) + "\n")
    plot(measurements, selection, paths[REPORT_PNG])
    paths[REPORT_MD].write_text(markdown(measurements, selection, context or {}, image=REPORT_PNG))
    return paths


def markdown(measurements: Sequence[Measurement], selection: Selection, context: dict,
             image: str | None = None, heading: str = "# Quantization report") -> str:
    """The report as Markdown: the rule and its result, the accuracy table, the speed/size table."""
    lines = [heading, ""]
    for key, value in context.items():
        lines.append(f"- {key}: {value}")
    lines += ["", f"Rule: {selection.rule.describe()}.", "",
              f"**Shipped default: `{selection.chosen}`.** {_runtime_picks(measurements, selection)}"]
    if selection.unchecked:
        lines.append(f"Unchecked budgets (no such evaluation set given): {', '.join(selection.unchecked)}.")
    lines += ["", *accuracy_table(measurements), "", *speed_table(measurements, selection), ""]
    lines += ["Latency: compute time per second of audio for a 10 s clip, the fastest of repeated runs "
              "with the variants taking turns in one process (medians are in report.json); \"network\" is "
              "the model alone, \"end to end\" adds features and beam decoding. Peak RSS: a fresh process loading the variant and transcribing the clip, "
              "after its front end was warmed up (in brackets: the rise over its size before loading "
              "the network).", ""]
    lines += ["| variant | verdict |", "|---|---|"]
    lines += [f"| {v.variant} | {'eligible' if v.eligible else 'rejected'}: {_cell('; '.join(v.reasons))} |"
              for v in selection.verdicts]
    if image:
        lines += ["", f"![accuracy vs latency vs size]({image})"]
    return "\n".join(lines) + "\n"


def _runtime_picks(measurements: Sequence[Measurement], selection: Selection) -> str:
    """What the recognizer runs per runtime: its int8 network when that passed the rule, else fp32."""
    picks = []
    for runtime in dict.fromkeys(m.variant.runtime for m in measurements):
        int8 = f"{runtime}-int8"
        ok = any(v.variant == int8 and v.eligible for v in selection.verdicts)
        picks.append(f"`--runtime {runtime}` runs `{int8 if ok else runtime}`")
        if not ok and any(m.variant.name == int8 for m in measurements):
            picks[-1] += f" (`{int8}` missed the budget and ships as `{int8}{REJECTED_SUFFIX}`)"
    return "Recognizer: " + "; ".join(picks) + "."


def accuracy_table(measurements: Sequence[Measurement]) -> list[str]:
    """Rows of WER / CER / agreement with fp32 per evaluation set."""
    sets = [(a.set_name, a.kind) for a in measurements[0].accuracy] if measurements else []
    if not sets:
        return ["No evaluation sets were given: accuracy was not measured."]
    header = "| variant | " + " | ".join(f"{name} ({kind}) WER / CER / same as fp32" for name, kind in sets) + " |"
    rows = [header, "|---|" + "---|" * len(sets)]
    for m in measurements:
        cells = [f"{_pct(a.wer)} / {_pct(a.cer)} / {_pct(a.agreement, 0)}" for a in m.accuracy]
        rows.append(f"| {m.variant.name} | " + " | ".join(cells) + " |")
    words = ", ".join(f"{a.set_name}: {a.utterances} utterances, {a.words} words" for a in measurements[0].accuracy)
    return rows + ["", f"Sets: {words}."]


def speed_table(measurements: Sequence[Measurement], selection: Selection) -> list[str]:
    """Rows of size, latency at each thread count, speed-up over fp32 and peak memory."""
    reference = {m.variant.runtime: m for m in measurements if m.variant.precision == "fp32"}
    onnx_size = next((m.size_bytes for m in measurements if m.variant.is_reference), 0)
    threads = sorted({lat.threads for m in measurements for lat in m.latency})
    header = ["variant", "recipe", "size MB", "% of fp32"]
    for t in threads:
        header += [f"network ms/s @{t}", f"speed-up @{t}", f"end to end ms/s @{t}"]
    header += ["peak RSS MB"]
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for m in measurements:
        base = reference.get(m.variant.runtime)
        cells = [f"**{m.variant.name}**" if m.variant.name == selection.chosen else m.variant.name,
                 m.variant.recipe or m.variant.precision, f"{m.size_bytes / 1e6:.2f}",
                 f"{100 * m.size_bytes / onnx_size:.0f}%" if onnx_size else "n/a"]
        for t in threads:
            lat, ref = m.latency_at(t), base.latency_at(t) if base else None
            cells += [_ms(lat.runner_s_per_s if lat else math.nan),
                      f"{ref.runner_s_per_s / lat.runner_s_per_s:.2f}x" if lat and ref else "n/a",
                      _ms(lat.end_to_end_s_per_s if lat else math.nan)]
        cells.append(f"{m.peak_rss_mb:.0f} (+{m.peak_rss_mb - m.before_model_rss_mb:.0f})"
                     if math.isfinite(m.peak_rss_mb) else "n/a")
        rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return rows + ["", "Speed-up is against the fp32 model of the same runtime."]


def card_section(measurements: Sequence[Measurement], selection: Selection, context: dict) -> str:
    """The model card's quantization section: the rule, its result and the tables."""
    return markdown(measurements, selection, context, image="quantization/" + REPORT_PNG, heading=CARD_HEADING)


def update_card(card: Path, section: str) -> None:
    """Put `section` into the model card, replacing an earlier quantization section."""
    from train.card import replace_section

    replace_section(card, CARD_HEADING, section)


def plot(measurements: Sequence[Measurement], selection: Selection, path: Path) -> Path:
    """WER change against fp32 versus network latency, one panel per kind of speech; area is file size.

    The dashed line is the kind's budget: a variant above it may not ship.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    reference = next(m for m in measurements if m.variant.is_reference)
    kinds = [k for k in ("synthetic", "real") if reference.pooled(k)[1]] or [None]
    biggest = max(m.size_bytes for m in measurements)
    fig, axes = plt.subplots(1, len(kinds), figsize=(6.5 * len(kinds), 4.8), squeeze=False)
    for ax, kind in zip(axes[0], kinds):
        for index, m in enumerate(measurements):
            lat = m.latency_at(selection.rule.threads)
            x = 1000 * lat.runner_s_per_s if lat else math.nan
            y = 100 * (m.pooled_wer(kind) - reference.pooled_wer(kind)) if kind else m.size_bytes / 1e6
            chosen = m.variant.name == selection.chosen
            ax.scatter([x], [y], s=60 + 600 * m.size_bytes / biggest, alpha=0.55,
                       marker="o" if m.variant.runtime == "onnx" else "s",
                       edgecolors="black" if chosen else "none", linewidths=2)
            ax.annotate(f"{m.variant.name}, {m.size_bytes / 1e6:.1f} MB", (x, y), textcoords="offset points",
                        xytext=(10, _LABEL_OFFSETS[index % len(_LABEL_OFFSETS)]), fontsize=8,
                        fontweight="bold" if chosen else "normal")
        if kind:
            budget = selection.rule.budget(kind)
            ax.axhline(budget, color="red", linestyle="--", linewidth=1)
            ax.annotate(f"budget +{budget:g} points", (1, budget), xycoords=("axes fraction", "data"),
                        xytext=(-4, 4), textcoords="offset points", ha="right", fontsize=8, color="red")
            ax.axhline(0, color="gray", linewidth=0.8)
            low = min(-budget, *(100 * (m.pooled_wer(kind) - reference.pooled_wer(kind)) for m in measurements))
            high = max(2 * budget, *(100 * (m.pooled_wer(kind) - reference.pooled_wer(kind)) for m in measurements))
            ax.set_ylim(low - 0.3 * budget, high + 0.3 * budget)
            words = reference.pooled(kind)[1]
            ax.set_ylabel("WER change against fp32 ONNX, points")
            ax.set_title(f"{kind} speech ({words} words; fp32 WER {100 * reference.pooled_wer(kind):.1f}%)")
        else:
            ax.set_ylabel("file size, MB")
            ax.set_title("accuracy not measured")
        ax.set_xlabel(f"network latency, ms per s of audio ({selection.rule.threads} thread)")
        ax.set_xlim(left=0)
        ax.grid(alpha=0.3)
    fig.suptitle(f"variants: marker area ~ file size, circles ONNX, squares TFLite; "
                 f"outlined: shipped default {selection.chosen}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|")


def _pct(value: float, digits: int = 1) -> str:
    return "n/a" if not math.isfinite(value) else f"{100 * value:.{digits}f}%"


def _ms(s_per_s: float) -> str:
    return "n/a" if not math.isfinite(s_per_s) else f"{1000 * s_per_s:.2f}"
