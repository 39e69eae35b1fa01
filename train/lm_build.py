"""Estimate a word n-gram LM with interpolated Kneser-Ney smoothing and write it as ARPA.

    python -m train.lm_build TEXT_FILE OUT.arpa [--order 3] [--modified]

TEXT_FILE has one sentence per line; each goes through edge.text.normalize_text (a no-op on
text that is normalised already). Each sentence is wrapped in <s> ... </s>.

Interpolated Kneser-Ney (Chen & Goodman 1998, "An empirical study of smoothing techniques for
language modeling", section 3), one discount per order:

    p_n(w | h) = max(a(h w) - D_n, 0) / sum_v a(h v)  +  gamma(h) * p_{n-1}(w | h minus its oldest word)
    gamma(h)   = D_n * |{v : a(h v) > 0}| / sum_v a(h v)
    p_0(w)     = 1 / |V|      (V: the words, </s> and <unk>; not <s>)

where a() is the raw count at the highest order and for n-grams that start with <s>, and the
continuation count |{u : c(u g) > 0}| otherwise. D_n = n1 / (n1 + 2 n2) from the numbers of
n-grams with a() equal to 1 and 2, clipped to [DISCOUNT_MIN, DISCOUNT_MAX]. In ARPA's backoff
form a listed n-gram carries its interpolated probability and a context h carries
bow(h) = gamma(h), which gives exactly the interpolated model for unlisted n-grams too.
<unk> receives the mass spread uniformly at the unigram level.

Modified Kneser-Ney (`modified`, ibid. section 4.1.6) takes D_n(c) = D_n1, D_n2 or D_n3+ from an
n-gram with a() equal to 1, 2, or 3 and more, and gamma(h) = sum_v D_n(a(h v)) / sum_v a(h v), with
Y = n1 / (n1 + 2 n2), D_n1 = 1 - 2 Y n2 / n1, D_n2 = 2 - 3 Y n3 / n2, D_n3+ = 3 - 4 Y n4 / n3
(n_k: the n-grams with a() equal to k).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from edge.decoding.lm import SENTENCE_END, SENTENCE_START, UNKNOWN
from edge.text import normalize_text

DEFAULT_ORDER = 3
# Discount bounds: the n1/(n1 + 2 n2) estimate is unreliable on tiny corpora (it reaches 1 when
# no n-gram occurs twice, which would give every singleton probability zero).
DISCOUNT_MIN = 0.1
DISCOUNT_MAX = 0.9
DISCOUNT_FALLBACK = 0.5
# ARPA's conventional log10 probability for <s>, which is never predicted.
SENTENCE_START_LOG10 = -99.0

Ngram = tuple[str, ...]


def count_ngrams(sentences: Iterable[list[str]], order: int) -> list[Counter]:
    """Raw counts of 1..order-grams (index n-1) over sentences wrapped in <s> ... </s>."""
    counts = [Counter() for _ in range(order)]
    for words in sentences:
        padded = [SENTENCE_START, *words, SENTENCE_END]
        for n in range(1, order + 1):
            counter = counts[n - 1]
            for i in range(len(padded) - n + 1):
                counter[tuple(padded[i:i + n])] += 1
    return counts


def kneser_ney(sentences: Iterable[list[str]], order: int = DEFAULT_ORDER, modified: bool = False
               ) -> tuple[dict[Ngram, float], dict[Ngram, float]]:
    """(log10 probabilities, log10 backoff weights) of an interpolated Kneser-Ney model; with
    `modified`, three discounts per order (for counts 1, 2 and 3 or more) instead of one."""
    if order < 1:
        raise ValueError(f"order must be >= 1, got {order}")
    raw = count_ngrams(sentences, order)
    if not raw[0]:
        raise ValueError("no sentences to estimate a language model from")
    adjusted = _adjusted_counts(raw)
    discounts = [(_modified_discounts if modified else _discount)(counts) for counts in adjusted]
    vocabulary = {g[0] for g in raw[0] if g[0] != SENTENCE_START} | {UNKNOWN}
    probs: dict[Ngram, float] = {}  # linear probabilities while estimating
    gammas: dict[Ngram, float] = {}
    for n in range(1, order + 1):
        counts = adjusted[n - 1]
        if n == 1:  # <s> is never predicted: it takes no unigram mass
            counts = Counter({g: c for g, c in counts.items() if g != (SENTENCE_START,)})
        discount = _as_discount_of(discounts[n - 1])
        totals: dict[Ngram, float] = defaultdict(float)
        removed: dict[Ngram, float] = defaultdict(float)  # the mass the discounts take from a context
        for gram, count in counts.items():
            totals[gram[:-1]] += count
            removed[gram[:-1]] += discount(count)
        for context, total in totals.items():
            gammas[context] = removed[context] / total
        grams = list(counts) + ([(UNKNOWN,)] if n == 1 and (UNKNOWN,) not in counts else [])
        for gram in grams:
            context = gram[:-1]
            lower = probs[gram[1:]] if n > 1 else 1.0 / len(vocabulary)
            count = counts.get(gram, 0)
            own = max(count - discount(count), 0.0) / totals[context] if context in totals else 0.0
            probs[gram] = own + gammas.get(context, 1.0) * lower
    log_probs = {gram: math.log10(p) for gram, p in probs.items() if gram != (SENTENCE_START,)}
    log_probs[(SENTENCE_START,)] = SENTENCE_START_LOG10
    backoffs = {context: math.log10(gamma) for context, gamma in gammas.items()
                if context and context in log_probs}
    return log_probs, backoffs


def arpa_text(log_probs: dict[Ngram, float], backoffs: dict[Ngram, float]) -> str:
    """ARPA text of a backoff model (n-grams sorted within each order)."""
    order = max(len(g) for g in log_probs)
    by_order = [sorted(g for g in log_probs if len(g) == n) for n in range(1, order + 1)]
    lines = ["\\data\\"]
    lines += [f"ngram {n}={len(grams)}" for n, grams in enumerate(by_order, start=1)]
    for n, grams in enumerate(by_order, start=1):
        lines += ["", f"\\{n}-grams:"]
        for gram in grams:
            line = f"{log_probs[gram]:.6f}\t{' '.join(gram)}"
            if gram in backoffs:
                line += f"\t{backoffs[gram]:.6f}"
            lines.append(line)
    lines += ["", "\\end\\", ""]
    return "\n".join(lines)


def build_arpa(sentences: Iterable[str], order: int = DEFAULT_ORDER, modified: bool = False) -> str:
    """ARPA text of a Kneser-Ney model (modified Kneser-Ney with `modified`) of the normalised sentences."""
    words = (normalize_text(s).split() for s in sentences)
    return arpa_text(*kneser_ney([w for w in words if w], order, modified))


def main(argv: list[str] | None = None) -> int:
    """Command line: read TEXT_FILE, write OUT.arpa."""
    parser = argparse.ArgumentParser(prog="python -m train.lm_build", description=__doc__.splitlines()[0])
    parser.add_argument("text_file", type=Path, help="one sentence per line")
    parser.add_argument("out", type=Path, help="ARPA file to write")
    parser.add_argument("--order", type=int, default=DEFAULT_ORDER, help="n-gram order (default 3)")
    parser.add_argument("--modified", action="store_true",
                        help="modified Kneser-Ney: three discounts per order instead of one")
    args = parser.parse_args(argv)
    try:
        lines = args.text_file.read_text(encoding="utf-8").splitlines()
        text = build_arpa(lines, args.order, args.modified)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        print(f"{args.text_file}: {exc}", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    return 0


def _adjusted_counts(raw: list[Counter]) -> list[Counter]:
    """Kneser-Ney counts: raw at the top order and after <s>, continuation counts below."""
    adjusted = [Counter() for _ in raw]
    adjusted[-1] = raw[-1]
    for n in range(len(raw) - 1, 0, -1):  # order n from the (n+1)-grams
        continuation = Counter(gram[1:] for gram in raw[n])
        counts = adjusted[n - 1]
        for gram, count in raw[n - 1].items():
            counts[gram] = count if gram[0] == SENTENCE_START else continuation.get(gram, 0)
        for gram in [g for g, c in counts.items() if c == 0]:
            del counts[gram]  # only the unigram <s>: nothing precedes it
    return adjusted


def _as_discount_of(discounts: float | tuple[float, float, float]):
    """count -> the amount taken from it: one discount for every count, or (D1, D2, D3+)."""
    if isinstance(discounts, float):
        return lambda count: discounts if count > 0 else 0.0
    d1, d2, d3 = discounts
    return lambda count: 0.0 if count <= 0 else d1 if count == 1 else d2 if count == 2 else d3


def _modified_discounts(counts: Counter) -> tuple[float, float, float]:
    """Chen & Goodman's (D1, D2, D3+) from the numbers of n-grams seen 1 to 4 times, each clipped
    to [DISCOUNT_MIN, its count] (D3+ to 3); one discount for all three where a number is 0."""
    seen = Counter(min(c, 5) for c in counts.values())
    n1, n2, n3, n4 = (seen[k] for k in (1, 2, 3, 4))
    if not (n1 and n2 and n3 and n4):
        single = _discount(counts)
        return single, single, single
    y = n1 / (n1 + 2.0 * n2)
    return tuple(min(max(k - (k + 1) * y * following / current, DISCOUNT_MIN), float(k))
                 for k, current, following in ((1, n1, n2), (2, n2, n3), (3, n3, n4)))


def _discount(counts: Counter) -> float:
    ones = sum(1 for c in counts.values() if c == 1)
    twos = sum(1 for c in counts.values() if c == 2)
    if ones == 0 or twos == 0:
        return DISCOUNT_FALLBACK
    return min(max(ones / (ones + 2.0 * twos), DISCOUNT_MIN), DISCOUNT_MAX)


if __name__ == "__main__":
    sys.exit(main())
