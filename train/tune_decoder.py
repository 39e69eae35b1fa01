"""Choose the beam decoder's LM weight, word bonus and OOV penalty on held-out dev data (never eval).

The network runs once per utterance; each setting in the grid only re-decodes the cached
log-probabilities, so a grid of a few dozen settings costs seconds. The winner (lowest dev WER,
ties to the smaller LM weight) goes into bundle.json's "decoder" section, which the recognizer
uses as its defaults. Then the winner is tried once more with the beam restricted to the
lexicon's words (lexicon_only), which is kept when it lowers the dev WER further.
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


def tune(recognizer, utterances, beam: int = 8) -> tuple[dict, list[dict]]:
    """The best {"lm_weight", "word_bonus", "oov_penalty", "lexicon_only"} on `utterances`, and every setting's WER."""
    cached = [(recognizer.run_model(recognizer.features(read_audio(u.audio).samples)), normalize_text(u.text))
              for u in tqdm(utterances, desc="dev log-probs", unit="utt")]
    table = []
    for lm_weight, word_bonus, oov_penalty in tqdm(list(itertools.product(LM_WEIGHTS, WORD_BONUSES, OOV_PENALTIES)),
                                                   desc="decoder grid", unit="setting"):
        settings = {"lm_weight": lm_weight, "word_bonus": word_bonus, "oov_penalty": oov_penalty, "lexicon_only": False}
        table.append({**settings, "wer": _dev_wer(recognizer.bundle, cached, beam, settings)})
    best = min(table, key=lambda row: (row["wer"], row["lm_weight"], row["oov_penalty"]))
    if recognizer.bundle.lm_path is not None or recognizer.bundle.extra.get("lexicon"):
        constrained = {**best, "lexicon_only": True}
        constrained["wer"] = _dev_wer(recognizer.bundle, cached, beam, constrained)
        table.append(constrained)
        best = min((best, constrained), key=lambda row: row["wer"])
    return {k: best[k] for k in ("lm_weight", "word_bonus", "oov_penalty", "lexicon_only")}, table


def _dev_wer(bundle, cached, beam: int, settings: dict) -> float:
    options = replace(DecoderOptions(beam=beam), **{k: v for k, v in settings.items() if k != "wer"})
    decoder = CtcDecoder.from_bundle(bundle, options)
    counts = EditCounts.pooled(EditCounts.of(align_words(ref, normalize_text(decoder.decode(lp).text)))
                               for lp, ref in cached)
    return round(counts.rate, 4)
