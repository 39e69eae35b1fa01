"""Choose the beam decoder's LM weight, word bonus and OOV penalty on held-out dev data (never eval).

The network runs once per utterance; each setting in the grid only re-decodes the cached
log-probabilities, so a grid of a hundred settings costs a minute or two. The log-probabilities
are the recognizer's own (Recognizer.window_log_probs: features, edge silence, network), so the
setting chosen is the one transcribe will use.

The score of a setting is its dev WER, pooled within each group of utterances (`group`, e.g. the
calibration set's condition and source: train/calibration_set.py) and averaged over the groups, so
a hundred single-word clips cut tight count as much as five hundred synthetic sentences. The
winner has the lowest score (ties to the smaller LM weight, then OOV penalty); it goes into
bundle.json's "decoder" section, which the recognizer uses as its defaults, with the beam width it
was chosen at (the recognizer's: edge.decoding.options.DEFAULT_BEAM unless the bundle names one) and,
where the recognizer's differs from DecoderOptions' default, the beam's hypothesis margin it was
chosen with (so a bundle decoding at beam 512, margin -12, is tuned so and keeps them).
Then the winner is tried once more with the beam restricted to the lexicon's words (lexicon_only),
which is kept when it lowers the score further.

The edge silence (RecognizerOptions.edge_silence_s) is not tuned here: dev could not choose it.
Tuned on this dev set (0.1, 0.25, 0.5 or 0.75 s) it picked 0.1 s, and that was worse on every
real-speech evaluation set (see the data-and-model issue's notes).
"""

from __future__ import annotations

import itertools
from dataclasses import replace

from tqdm import tqdm

from edge.audio import read_audio
from edge.decoding.decoder import CtcDecoder
from edge.decoding.options import DecoderOptions
from edge.text import normalize_text
from train.evaluation.scoring import EditCounts, align_words

LM_WEIGHTS = (0.3, 0.5, 0.8, 1.2, 1.6)
WORD_BONUSES = (0.0, 1.0, 2.0, 3.0)
OOV_PENALTIES = (0.0, 2.0, 5.0, 10.0, 20.0)
DECODER_KEYS = ("lm_weight", "word_bonus", "oov_penalty", "lexicon_only")
DEFAULT_MARGIN = DecoderOptions().hyp_prune_log_prob


def tune(recognizer, utterances, beam: int | None = None, group=None) -> tuple[dict, list[dict]]:
    """The best decoder settings (DECODER_KEYS, and the beam width they were tuned at: `beam`, or
    the recognizer's) on `utterances`, and every setting's score: its dev WER averaged over the
    groups `group(utterance)` names (one group when None)."""
    beam = beam or recognizer.options.decoder.beam
    margin = recognizer.options.decoder.hyp_prune_log_prob
    groups = [group(u) if group else "all" for u in utterances]
    cached = [(recognizer.window_log_probs(read_audio(u.audio).samples), normalize_text(u.text))
              for u in tqdm(utterances, desc="dev log-probs", unit="utt")]
    table = []
    for lm_weight, word_bonus, oov_penalty in tqdm(list(itertools.product(LM_WEIGHTS, WORD_BONUSES, OOV_PENALTIES)),
                                                   desc="decoder grid", unit="setting"):
        settings = {"lm_weight": lm_weight, "word_bonus": word_bonus, "oov_penalty": oov_penalty, "lexicon_only": False}
        table.append({**settings, "wer": _dev_wer(recognizer.bundle, cached, groups, beam, settings, margin)})
    best = min(table, key=lambda row: (row["wer"], row["lm_weight"], row["oov_penalty"]))
    if recognizer.bundle.lm_path is not None or recognizer.bundle.extra.get("lexicon"):
        constrained = {**best, "lexicon_only": True}
        constrained["wer"] = _dev_wer(recognizer.bundle, cached, groups, beam, constrained, margin)
        table.append(constrained)
        best = min((best, constrained), key=lambda row: row["wer"])
    chosen = {**{k: best[k] for k in DECODER_KEYS}, "beam": beam}
    if margin != DEFAULT_MARGIN:
        chosen["hyp_prune_log_prob"] = margin
    return chosen, table


def _dev_wer(bundle, cached: list, groups: list[str], beam: int, settings: dict,
             margin: float = DEFAULT_MARGIN) -> float:
    options = replace(DecoderOptions(beam=beam, hyp_prune_log_prob=margin), **{k: settings[k] for k in DECODER_KEYS})
    decoder = CtcDecoder.from_bundle(bundle, options)
    by_group: dict[str, list[EditCounts]] = {}
    for (log_probs, reference), name in zip(cached, groups):
        hypothesis = normalize_text(decoder.decode(log_probs).text)
        by_group.setdefault(name, []).append(EditCounts.of(align_words(reference, hypothesis)))
    return round(sum(EditCounts.pooled(counts).rate for counts in by_group.values()) / len(by_group), 4)
