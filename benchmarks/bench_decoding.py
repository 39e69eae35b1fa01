"""Decoding speed: greedy and prefix beam search (beam 8, with and without LM) on 10 s of CTC output.

The posteriors imitate a small character CTC model: 25 steps per second, 29 tokens, about 13
characters per second of speech, each character peaking for one or two steps between blanks,
with confusable characters and uncertain steps. The decoder runs on one thread (the prefix
search in numba, the rest Python and NumPy); the group "beam8-lm-search-10s" times the search
alone against its Python reference. Each benchmark's extra_info carries "ms_per_audio_s" (mean
time per second of audio) when timing is on. Run:

    python -m pytest benchmarks/bench_decoding.py --benchmark-only
"""

from __future__ import annotations

import numpy as np
import pytest

from edge.decoding import CtcDecoder, DecoderOptions, NgramLM
from train.lm_build import build_arpa

TOKENS = ("<blk>", " ", *"abcdefghijklmnopqrstuvwxyz", "'")
BLANK_ID = 0
STEP_S = 0.04  # 25 steps per second: 10 ms frames, stride 4
AUDIO_S = 10.0
SEED = 1234

TEMPLATES = (
    "what is the weather in {city}", "set a timer for {number} minutes", "play {artist} please",
    "navigate to {place} in {city}", "what time is it in {city}", "call {name} on mobile",
    "turn the {device} {state}", "search for {thing} near me", "remind me to {task} at {number}",
)
SLOTS = {
    "city": ["paris", "london", "berlin", "madrid", "tokyo", "boston", "chicago", "lisbon"],
    "number": ["five", "ten", "fifteen", "twenty", "thirty", "forty five"],
    "artist": ["the beatles", "miles davis", "taylor swift", "daft punk", "nina simone"],
    "place": ["the station", "the airport", "main street", "the museum", "city hall"],
    "name": ["alice", "bob", "carol", "dave", "mum", "the office"],
    "device": ["lights", "heating", "radio", "fan", "television"],
    "state": ["on", "off", "up", "down"],
    "thing": ["coffee", "pizza", "a pharmacy", "petrol", "a cash machine", "sushi"],
    "task": ["buy milk", "call back", "water the plants", "take the bins out"],
}


def _sentences(rng: np.random.Generator, count: int) -> list[str]:
    out = []
    for _ in range(count):
        template = TEMPLATES[rng.integers(len(TEMPLATES))]
        fill = {key: values[rng.integers(len(values))] for key, values in SLOTS.items()}
        out.append(template.format(**fill))
    return out


def synthetic_log_probs(seed: int = SEED, seconds: float = AUDIO_S) -> np.ndarray:
    """(steps, 29) float32 log-posteriors that look like a small character CTC model's output."""
    rng = np.random.default_rng(seed)
    n_steps = int(round(seconds / STEP_S))
    text = ""
    while len(text) < 0.5 * n_steps:
        text += _sentences(rng, 1)[0] + " "
    labels = []  # one target label per step
    labels += [BLANK_ID] * 6  # leading silence
    for char in text.strip():
        token = TOKENS.index(char)
        if labels and labels[-1] == token:
            labels.append(BLANK_ID)
        labels += [token] * (2 if rng.random() < 0.3 else 1)
        if rng.random() < 0.5:
            labels.append(BLANK_ID)
    labels = (labels + [BLANK_ID] * n_steps)[:n_steps]
    logits = rng.normal(0.0, 2.0, size=(n_steps, len(TOKENS)))
    for t, label in enumerate(labels):
        logits[t, label] = rng.normal(13.0 if label == BLANK_ID else 11.0, 2.0)
        if rng.random() < 0.35:  # a confusable competitor, sometimes close
            other = int(rng.integers(1, len(TOKENS)))
            logits[t, other] = max(logits[t, other], logits[t, label] - rng.uniform(0.5, 6.0))
    logits -= logits.max(axis=1, keepdims=True)
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return log_probs.astype(np.float32)


@pytest.fixture(scope="module")
def log_probs() -> np.ndarray:
    return synthetic_log_probs()


@pytest.fixture(scope="module")
def lm() -> NgramLM:
    arpa = build_arpa(_sentences(np.random.default_rng(SEED + 1), 3000), order=3)
    return NgramLM.from_lines(arpa.splitlines())


def _run(benchmark, decoder: CtcDecoder, log_probs: np.ndarray):
    result = benchmark(decoder.decode, log_probs)
    stats = getattr(benchmark, "stats", None)
    if stats is not None:
        benchmark.extra_info["ms_per_audio_s"] = stats.stats.mean * 1000.0 / AUDIO_S
    benchmark.extra_info["audio_s"] = AUDIO_S
    assert result.text
    assert all(0.0 <= w.confidence <= 1.0 for w in result.words)
    return result


def test_greedy(benchmark, log_probs):
    decoder = CtcDecoder(TOKENS, BLANK_ID, " ", STEP_S, DecoderOptions(beam=1))
    _run(benchmark, decoder, log_probs)


def test_beam8_no_lm(benchmark, log_probs):
    decoder = CtcDecoder(TOKENS, BLANK_ID, " ", STEP_S, DecoderOptions(beam=8))
    _run(benchmark, decoder, log_probs)


def test_beam8_lm(benchmark, log_probs, lm):
    decoder = CtcDecoder(TOKENS, BLANK_ID, " ", STEP_S, DecoderOptions(beam=8), lm=lm)
    _run(benchmark, decoder, log_probs)


def test_beam8_lm_hotwords(benchmark, log_probs, lm):
    options = DecoderOptions(beam=8, hotwords=(("nina simone", 1.0), ("lisbon", 1.0), ("sushi", 1.0)))
    decoder = CtcDecoder(TOKENS, BLANK_ID, " ", STEP_S, options, lm=lm)
    _run(benchmark, decoder, log_probs)


@pytest.mark.parametrize("implementation", ["search", "search_reference"])
@pytest.mark.benchmark(group="beam8-lm-search-10s")
def test_beam8_lm_search(benchmark, log_probs, lm, implementation):
    """The prefix search alone: the numba kernel and the Python reference it must agree with."""
    search = getattr(CtcDecoder(TOKENS, BLANK_ID, " ", STEP_S, DecoderOptions(beam=8), lm=lm)._search, implementation)
    hypotheses = benchmark(search, log_probs)
    assert hypotheses and hypotheses[0].text


@pytest.mark.parametrize("ranking", ["insertion", "selection"])
@pytest.mark.benchmark(group="rank-512-of-2000")
def test_ranking_a_wide_beams_hypotheses(benchmark, ranking):
    """A step of a beam-512 search ranks about 900-2,000 scored prefixes for the best 512: the
    insertion it used to do for every width against the selection it does past INSERTION_MAX_K."""
    from edge.decoding import ranking as ranking_module

    rank = {"insertion": ranking_module._rank_by_insertion, "selection": ranking_module._rank_by_selection}[ranking]
    values = np.random.default_rng(SEED).normal(-30.0, 8.0, size=2000)
    ranked = np.empty(2000, dtype=np.int64)
    assert benchmark(rank, values, 2000, 512, -1, -np.inf, ranked) == 512
    assert np.all(np.diff(values[ranked[:512]]) <= 0)
