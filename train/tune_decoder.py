"""Choose the beam decoder's LM weight, word bonus and OOV penalty, and the recognizer's edge
silence, on held-out dev data (never eval).

The network runs once per utterance and edge silence; each decoder setting only re-decodes the
cached log-probabilities, so a grid of a hundred settings costs about a minute. The log-probabilities
are the recognizer's own (Recognizer.window_log_probs: features, edge silence, network), so the
setting chosen is the one transcribe will use.

The score of a setting is its dev WER, pooled within each group of utterances (`group`, e.g. the
calibration set's condition and source: train/calibration_set.py) and averaged over the groups, so
a hundred single-word clips cut tight count as much as five hundred synthetic sentences.

1. The decoder grid at the recognizer's edge silence; the winner has the lowest score (ties to
   the smaller LM weight).
2. The winner decoded at each edge silence in EDGE_SILENCES_S; the lowest dev WER wins (ties keep
   the recognizer's). Where that is another edge silence, the grid is run again there.
3. The winner with the beam restricted to the lexicon's words (lexicon_only), kept when it lowers
   the dev WER further.

The decoder settings go into bundle.json's "decoder" section and the edge silence into its
"edge_silence_s"; RecognizerOptions.for_bundle makes them the recognizer's defaults.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

from tqdm import tqdm

from edge.audio import read_audio
from edge.decoding.decoder import CtcDecoder
from edge.decoding.options import DecoderOptions
from edge.text import normalize_text
from train.evaluation.scoring import EditCounts, align_words

LM_WEIGHTS = (0.3, 0.5, 0.8, 1.2, 1.6)
WORD_BONUSES = (0.0, 1.0, 2.0, 3.0)
OOV_PENALTIES = (0.0, 2.0, 5.0, 10.0, 20.0)
EDGE_SILENCES_S = (0.1, 0.25, 0.5, 0.75)
DECODER_KEYS = ("lm_weight", "word_bonus", "oov_penalty", "lexicon_only")


@dataclass(frozen=True)
class Tuning:
    decoder: dict  # DecoderOptions fields: DECODER_KEYS
    edge_silence_s: float
    table: list[dict]  # every setting tried: DECODER_KEYS, edge_silence_s, wer (the score)


def tune(recognizer, utterances, beam: int = 8, group=None) -> Tuning:
    """The best decoder settings and edge silence on `utterances`, and every setting's score (its
    dev WER, averaged over the groups `group(utterance)` names; one group when None)."""
    references = [normalize_text(u.text) for u in utterances]
    groups = [group(u) if group else "all" for u in utterances]
    cached: dict[float, list] = {}

    def log_probs(edge_silence_s: float) -> list:
        if edge_silence_s not in cached:
            tuned = recognizer.with_options(edge_silence_s=edge_silence_s)
            cached[edge_silence_s] = [tuned.window_log_probs(read_audio(u.audio).samples)
                                      for u in tqdm(utterances, desc=f"dev log-probs, edge silence {edge_silence_s} s",
                                                    unit="utt")]
        return cached[edge_silence_s]

    def wer(settings: dict) -> float:
        return _dev_wer(recognizer.bundle, log_probs(settings["edge_silence_s"]), references, groups, beam, settings)

    table: list[dict] = []
    start = recognizer.options.edge_silence_s
    best = _grid(start, wer, table)
    tried = [best] + [{**best, "edge_silence_s": s} for s in EDGE_SILENCES_S if s != start]
    for row in tried[1:]:
        row["wer"] = wer(row)
        table.append(row)
    chosen = min(tried, key=lambda row: (row["wer"], row["edge_silence_s"] != start))
    if chosen["edge_silence_s"] != start:
        best = _grid(chosen["edge_silence_s"], wer, table)
    if recognizer.bundle.lm_path is not None or recognizer.bundle.extra.get("lexicon"):
        constrained = {**best, "lexicon_only": True}
        constrained["wer"] = wer(constrained)
        table.append(constrained)
        best = min((best, constrained), key=lambda row: row["wer"])
    return Tuning(decoder={k: best[k] for k in DECODER_KEYS}, edge_silence_s=best["edge_silence_s"], table=table)


def _grid(edge_silence_s: float, wer, table: list[dict]) -> dict:
    """Every decoder setting of the grid at one edge silence (rows appended to `table`); the best."""
    rows = []
    for lm_weight, word_bonus, oov_penalty in tqdm(list(itertools.product(LM_WEIGHTS, WORD_BONUSES, OOV_PENALTIES)),
                                                   desc=f"decoder grid, edge silence {edge_silence_s} s",
                                                   unit="setting"):
        row = {"lm_weight": lm_weight, "word_bonus": word_bonus, "oov_penalty": oov_penalty, "lexicon_only": False,
               "edge_silence_s": edge_silence_s}
        row["wer"] = wer(row)
        rows.append(row)
    table.extend(rows)
    return min(rows, key=lambda row: (row["wer"], row["lm_weight"], row["oov_penalty"]))


def _dev_wer(bundle, log_probs: list, references: list[str], groups: list[str], beam: int, settings: dict) -> float:
    options = replace(DecoderOptions(beam=beam), **{k: settings[k] for k in DECODER_KEYS})
    decoder = CtcDecoder.from_bundle(bundle, options)
    by_group: dict[str, list[EditCounts]] = {}
    for lp, ref, name in zip(log_probs, references, groups):
        by_group.setdefault(name, []).append(EditCounts.of(align_words(ref, normalize_text(decoder.decode(lp).text))))
    return round(sum(EditCounts.pooled(counts).rate for counts in by_group.values()) / len(by_group), 4)
