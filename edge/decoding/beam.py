"""CTC prefix beam search over characters with a word LM, word bonus, hotwords and a vocabulary.

Each hypothesis is a prefix (the text so far) with two acoustic log-probabilities: of all
alignments that end in blank (pb) and in its last token (pnb) (Hannun et al. 2014, "First-pass
large vocabulary continuous speech recognition using bi-directional recurrent DNNs"). Its
rank is logaddexp(pb, pnb) + context, where the context score depends on the text alone:

    context = sum over finished words (lm_weight * ln p(word | history) + word_bonus [LM only]
                                       - oov_penalty [word outside the vocabulary])
            + look-ahead of the unfinished word (lm_weight * best unigram ln p below its prefix
                                                 + word_bonus, or the OOV terms once it leaves
                                                 the vocabulary)
            + hotword boost (decoding/hotwords.py)

and at the end: the unfinished word is scored as finished, plus lm_weight * ln p(</s> | history).

Prefixes are nodes of a tree made per utterance, so extending one is a dict lookup and its
context score is computed once. Consecutive separators collapse (so do leading ones: the root
prefix counts as ending in a separator): a separator after a separator stays in the same prefix.

Speed comes from pruning. Per step only tokens at or above `prune_log_prob` are tried, at most
`max_tokens_per_step` of them, likeliest first. Before any prefix is extended, the scores of
keeping each prefix and of extending each by the step's likeliest token estimate the beam-th
best score of the step; an extension scoring below that (or more than -hyp_prune_log_prob
below the best), allowing for the most its context can gain, is not made. Hypotheses more than
-hyp_prune_log_prob below the best are dropped.

`search` runs this algorithm as a numba kernel (beam_kernel.py, on the arrays of
search_tables.py); `search_reference` is the same algorithm in Python, which documents it and
which the tests hold the kernel to (same hypotheses, same scores).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from operator import itemgetter

import numpy as np

from edge.decoding.beam_kernel import prefix_beam_search
from edge.decoding.compact_lm import CompactLM
from edge.decoding.hotwords import Hotwords
from edge.decoding.lm import NgramLM
from edge.decoding.options import DecoderOptions
from edge.decoding.search_tables import SearchParams, compile_search
from edge.decoding.vocabulary import Vocabulary

NEG_INF = float("-inf")
_MISSING = object()
_exp = math.exp
_log1p = math.log1p


@dataclass(frozen=True, slots=True)
class Hypothesis:
    """A finished hypothesis: its text, token ids, total score and acoustic log-probability (nats)."""

    text: str
    labels: tuple[int, ...]
    score: float
    acoustic: float


class _Node:
    """A prefix: its last token, parent, children and everything its context score depends on."""

    __slots__ = ("parent", "token", "children", "context", "lm_state", "words_score", "word",
                 "hot")

    def __init__(self, parent, token, context, lm_state, words_score, word, hot):
        self.parent = parent
        self.token = token
        self.children = {}
        self.context = context  # total context score (nats) of this prefix
        self.lm_state = lm_state
        self.words_score = words_score  # context score of the finished words
        self.word = word  # the unfinished word's text ("" right after a separator)
        self.hot = hot  # hotword state


def _logaddexp(a: float, b: float) -> float:
    if a < b:
        a, b = b, a
    if b == NEG_INF:
        return a
    return a + _log1p(_exp(b - a))


class PrefixBeamSearch:
    """Beam search for one decoder configuration; `search` may run on many threads at once."""

    def __init__(self, tokens: tuple[str, ...], blank_id: int, separator_id: int,
                 options: DecoderOptions, lm: NgramLM | CompactLM | None = None,
                 vocabulary: Vocabulary | None = None, hotwords: Hotwords | None = None) -> None:
        self.tokens = tokens
        self.blank_id = blank_id
        self.separator_id = separator_id
        self.options = options
        self.lm = lm
        self.vocabulary = vocabulary if vocabulary is not None and len(vocabulary) else None
        self.hotwords = hotwords if hotwords else None
        self._lm_weight = options.lm_weight if lm is not None else 0.0
        self._word_bonus = options.word_bonus if lm is not None else 0.0
        if lm is not None:
            unk = lm.unk_log10_prob * math.log(10.0)
            self._oov_estimate = self._lm_weight * unk + self._word_bonus - options.oov_penalty
        else:
            self._oov_estimate = -options.oov_penalty
        # How much a child's context score can exceed its parent's (a word bonus as a word starts,
        # a hotword letter), so pruning by the parent's score does not cut such a child.
        hotword_gain = max(self.hotwords.phrases.values(), default=0.0) if self.hotwords is not None else 0.0
        self._gain_bound = max(self._word_bonus, 0.0) + max(hotword_gain, 0.0)
        if options.lexicon_only and self.vocabulary is None:
            raise ValueError("lexicon_only needs a vocabulary: give the decoder an LM or a lexicon")
        params = SearchParams.typed(
            blank=blank_id, separator=separator_id, beam=options.beam, hyp_margin=options.hyp_prune_log_prob,
            gain_bound=self._gain_bound, lm_weight=self._lm_weight, word_bonus=self._word_bonus,
            oov_penalty=options.oov_penalty, oov_estimate=self._oov_estimate, lexicon_only=options.lexicon_only,
            has_vocabulary=self.vocabulary is not None, has_lm=lm is not None, has_hotwords=self.hotwords is not None)
        self._tables = compile_search(tokens, params, self.vocabulary, self.hotwords, lm)

    def search(self, log_probs: np.ndarray) -> list[Hypothesis]:
        """The best hypotheses for (steps, tokens) log-probabilities, best first, texts distinct."""
        options = self.options
        labels, lengths, acoustic, context, allowed = prefix_beam_search(
            np.ascontiguousarray(log_probs, dtype=np.float64), float(options.prune_log_prob),
            options.max_tokens_per_step, self._tables)
        return self._merged((tuple(row[:n]), a, c) for row, n, a, c, ok in
                            zip(labels.tolist(), lengths.tolist(), acoustic.tolist(), context.tolist(),
                                allowed.tolist()) if ok)

    def search_reference(self, log_probs: np.ndarray) -> list[Hypothesis]:
        """What `search` returns, computed in Python."""
        options = self.options
        blank, sep = self.blank_id, self.separator_id
        beam_width = options.beam
        hyp_margin = options.hyp_prune_log_prob
        candidates = _candidates(log_probs, blank, options.prune_log_prob, options.max_tokens_per_step)
        rows = log_probs.tolist()
        lm_cache: dict = {}
        extend = self._extend
        gain_bound = self._gain_bound
        root = _Node(None, sep, 0.0, self.lm.begin_state() if self.lm else (), 0.0, "",
                     self.hotwords.start if self.hotwords is not None else None)
        beams = [(root, 0.0, NEG_INF, 0.0)]  # (prefix, pb, pnb, logaddexp(pb, pnb))
        for row, cands in zip(rows, candidates):
            blank_lp = row[blank]
            next_pb: dict = {}
            next_pnb: dict = {}
            # First the moves that keep each prefix (a blank, or its last token again). With
            # each prefix's likeliest new token they estimate the beam-th best score of this
            # step, which a new prefix must beat to survive.
            estimates = []
            for node, pb, pnb, total in beams:
                stay = next_pb[node] = total + blank_lp
                if pnb != NEG_INF:
                    repeat = next_pnb[node] = pnb + row[node.token]
                    if repeat > stay:
                        stay = repeat
                estimates.append(stay + node.context)
            if cands:
                top_lp = row[cands[0]]
                estimates += [total + node.context + top_lp for node, _, _, total in beams]
            estimates.sort(reverse=True)
            floor = estimates[0] + hyp_margin
            if len(estimates) >= beam_width and estimates[beam_width - 1] > floor:
                floor = estimates[beam_width - 1]
            floor -= gain_bound
            for node, pb, pnb, total in beams:
                reach = total + node.context
                last = node.token
                for token in cands:  # likeliest first
                    lp = row[token]
                    if reach + lp < floor:
                        break
                    if token == last:
                        if pb + lp + node.context < floor:
                            continue
                        value = pb + lp  # a repeated token needs a blank in between
                        child = node if token == sep else node.children.get(token, _MISSING)
                    else:
                        value = total + lp
                        child = node.children.get(token, _MISSING)
                    if child is _MISSING:
                        child = node.children[token] = extend(node, token, lm_cache)
                    if child is None:  # not allowed by the lexicon
                        continue
                    old = next_pnb.get(child)
                    next_pnb[child] = value if old is None else _logaddexp(old, value)
            scored = []
            for node, pnb in next_pnb.items():
                pb = next_pb.pop(node, NEG_INF)
                if pb >= pnb:
                    total = pb if pnb == NEG_INF else pb + _log1p(_exp(pnb - pb))
                else:
                    total = pnb + _log1p(_exp(pb - pnb))
                scored.append((total + node.context, node, pb, pnb, total))
            for node, pb in next_pb.items():
                scored.append((pb + node.context, node, pb, NEG_INF, pb))
            scored.sort(key=itemgetter(0), reverse=True)
            floor = scored[0][0] + hyp_margin
            beams = [entry[1:] for entry in scored[:beam_width] if entry[0] >= floor]
        return self._finish(beams, lm_cache)

    def _extend(self, node: _Node, token: int, lm_cache: dict) -> _Node | None:
        """The child prefix of `node` by `token`, or None when the lexicon forbids it."""
        if self.hotwords is not None:
            hot = self.hotwords.step(node.hot, self.tokens[token])
            hot_score = hot[1] + hot[2]
        else:
            hot, hot_score = None, 0.0
        if token == self.separator_id:
            finished = self._finish_word(node, lm_cache)
            if finished is None:
                return None
            lm_state, words_score = finished
            return _Node(node, token, words_score + hot_score, lm_state, words_score, "", hot)
        word = node.word + self.tokens[token]
        estimate = self._estimate(word)
        if estimate is None:
            return None
        return _Node(node, token, node.words_score + estimate + hot_score, node.lm_state,
                     node.words_score, word, hot)

    def _estimate(self, word: str) -> float | None:
        """Look-ahead context score of an unfinished word; None if the lexicon forbids it."""
        vocabulary = self.vocabulary
        if vocabulary is None:
            return 0.0 if self.lm is None else self._word_bonus
        best = vocabulary.prefix_best.get(word)
        if best is None:
            return None if self.options.lexicon_only else self._oov_estimate
        return self._lm_weight * best + self._word_bonus

    def _finish_word(self, node: _Node, lm_cache: dict) -> tuple | None:
        """(lm_state, words_score) once `node`'s unfinished word is finished; None if forbidden."""
        word = node.word
        score = node.words_score
        if self.vocabulary is not None and word not in self.vocabulary:
            if self.options.lexicon_only:
                return None
            score -= self.options.oov_penalty
        if self.lm is None:
            return node.lm_state, score
        key = (node.lm_state, word)
        scored = lm_cache.get(key)
        if scored is None:
            scored = lm_cache[key] = self.lm.advance(node.lm_state, word)
        log_p, lm_state = scored
        return lm_state, score + self._lm_weight * log_p + self._word_bonus

    def _finish(self, beams: list, lm_cache: dict) -> list[Hypothesis]:
        """Score the surviving prefixes as complete sentences and merge those with equal text."""
        finished = []
        for node, _, _, acoustic in beams:
            if node.word:
                ended = self._finish_word(node, lm_cache)
                if ended is None:
                    continue
                lm_state, context = ended
            else:
                lm_state, context = node.lm_state, node.words_score
            if self.lm is not None:
                context += self._lm_weight * self.lm.end_log_prob(lm_state)
            if node.hot is not None:
                context += self.hotwords.finish(node.hot)
            finished.append((self._labels(node), acoustic, context))
        return self._merged(finished)

    def _merged(self, finished) -> list[Hypothesis]:
        """Hypotheses from (labels, acoustic, context) of finished prefixes, merging equal labels."""
        merged: dict[tuple[int, ...], tuple[float, float]] = {}
        for labels, acoustic, context in finished:
            old = merged.get(labels)
            if old is not None:
                acoustic = _logaddexp(acoustic, old[0])
                context = max(context, old[1])
            merged[labels] = (acoustic, context)
        tokens = self.tokens
        hypotheses = [Hypothesis("".join(tokens[t] for t in labels), labels, acoustic + context, acoustic)
                      for labels, (acoustic, context) in merged.items()]
        hypotheses.sort(key=lambda h: h.score, reverse=True)
        return hypotheses

    def _labels(self, node: _Node) -> tuple[int, ...]:
        """The token ids of a prefix, without a trailing separator."""
        labels = []
        while node.parent is not None:
            labels.append(node.token)
            node = node.parent
        if labels and labels[0] == self.separator_id:
            labels = labels[1:]
        return tuple(reversed(labels))


def _candidates(log_probs: np.ndarray, blank_id: int, floor: float, limit: int) -> list[list[int]]:
    """Per step, the non-blank tokens worth trying, likeliest first: at most `limit`, none below `floor`."""
    scores = np.array(log_probs, dtype=np.float64, copy=True)
    scores[:, blank_id] = NEG_INF
    order = np.argsort(-scores, axis=1, kind="stable")[:, :limit]
    kept = np.take_along_axis(scores, order, axis=1) >= floor
    counts = kept.sum(axis=1).tolist()
    return [row[:count] for row, count in zip(order.tolist(), counts)]
