"""Decoding test data: constructed CTC posteriors over a character bundle's tokens, a small domain LM."""

from __future__ import annotations

import numpy as np

BLANK = "<blk>"
TOKENS = (BLANK, " ", *"abcdefghijklmnopqrstuvwxyz", "'")
BLANK_ID = 0
SEPARATOR = " "
STEP_S = 0.04
FLOOR_PROB = 1e-9  # the least a token gets at a step

# log10 unigrams: "timer" is in-domain, "tamer" is rare; a bigram makes "a timer" likelier still
DOMAIN_ARPA = """
\\data\\
ngram 1=8
ngram 2=3

\\1-grams:
-0.8\t</s>
-99\t<s>\t-0.2
-3.0\t<unk>
-1.0\tset\t-0.2
-1.0\ta\t-0.2
-1.0\ttimer\t-0.2
-4.0\ttamer\t-0.2
-1.5\tfor

\\2-grams:
-0.3\t<s> set
-0.3\tset a
-0.2\ta timer

\\end\\
"""


# A trigram model over a few command words, with backoff weights at every order, for checks
# that follow histories and backoffs (the search kernel's LM tables against NgramLM).
COMMAND_ARPA = """
\\data\\
ngram 1=13
ngram 2=9
ngram 3=4

\\1-grams:
-1.0\t</s>
-99\t<s>\t-0.4
-2.5\t<unk>
-1.2\tset\t-0.3
-1.0\ta\t-0.2
-1.3\ttimer\t-0.25
-3.0\ttamer
-1.4\tfor\t-0.1
-1.6\tten\t-0.3
-1.5\tminutes\t-0.2
-1.7\tcall\t-0.3
-2.0\tmum
-1.1\tthe\t-0.5

\\2-grams:
-0.3\t<s> set\t-0.2
-0.5\t<s> call\t-0.1
-0.2\tset a\t-0.3
-0.3\ta timer\t-0.2
-0.6\ttimer for\t-0.1
-0.4\tfor ten\t-0.2
-0.2\tten minutes
-0.5\tcall mum
-0.4\tminutes </s>

\\3-grams:
-0.1\t<s> set a
-0.1\tset a timer
-0.2\ttimer for ten
-0.05\tfor ten minutes

\\end\\
"""


def rows_to_log_probs(rows: list[dict[str, float]]) -> np.ndarray:
    """(steps, tokens) float32 log-probs from rows {token: prob}; "_" is blank, unnamed tokens share the rest."""
    out = np.zeros((len(rows), len(TOKENS)), dtype=np.float64)
    for t, row in enumerate(rows):
        named = [TOKENS.index(BLANK if token == "_" else token) for token in row]
        out[t, :] = max((1.0 - sum(row.values())) / (len(TOKENS) - len(named)), FLOOR_PROB)
        out[t, named] = list(row.values())
        out[t] /= out[t].sum()
    return np.log(out).astype(np.float32)


def peaky(text: str, peak: float = 0.98, lead_steps: int = 2, tail_steps: int = 2,
          char_steps: int = 1) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Log-probs spelling `text` (one blank after each character), and each character's (first, last) step."""
    rows: list[dict[str, float]] = [{"_": peak}] * lead_steps
    steps = []
    for char in text:
        steps.append((len(rows), len(rows) + char_steps - 1))
        rows += [{char: peak}] * char_steps + [{"_": peak}]
    rows += [{"_": peak}] * tail_steps
    return rows_to_log_probs(rows), steps
