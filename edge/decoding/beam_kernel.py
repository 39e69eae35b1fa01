"""numba CTC prefix beam search: the algorithm of `beam.PrefixBeamSearch.search_reference`, on arrays.

It makes the same moves in the same order with the same floating-point operations, so it
returns the same hypotheses and scores; beam.py documents the maths. The prefix tree lives in
two growing arrays, integer and float fields per node; a node's integer row ends with its child
per token (-1 until made), so finding a child is one load. The per-step accumulators of the
reference's dicts are node fields stamped with the step that set them, and a list of nodes in
first-insertion order stands in for a dict's iteration order.

Speed note: every array a jitted call takes (alone or in a tuple) costs two atomic reference-
count updates, which made making nodes cost more than the search itself. So the per-step work
and making a node live in `prefix_beam_search`, with the arrays it reads unpacked once, and
helpers take only the arrays they read.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from edge.decoding.lm_tables import lm_advance, lm_log10_prob
from edge.decoding.ranking import rank
from edge.decoding.search_tables import NO_MATCH, NOT_A_WORD, OFF_TRIE, SearchTables

NEG_INF = -np.inf
# integer fields of a node, followed by its child per token
PARENT, TOKEN, ALLOWED, LM_STATE, TRIE, HOT, PB_STEP, PNB_STEP = range(8)
CHILDREN = 8
# float fields of a node: its context score and the rest of what the reference's _Node holds
CONTEXT, WORDS_SCORE, HOT_PENDING, HOT_COMMITTED, NEXT_PB, NEXT_PNB = range(6)
N_FLOAT_FIELDS = 6
FIRST_CAPACITY = 256
NODES_PER_STEP = 16  # room for this many nodes per step before the node arrays grow (~10 is usual)
# A wide beam makes up to a couple of nodes per hypothesis per step: room for that from
# the start saves the doubling copies, which cost time and memory (10 s of speech at beam 128: search
# 12.3 -> 10.1 ms, peak RSS +29 -> +16 MB; rows never written are never paged in).
NODES_PER_HYPOTHESIS_STEP = 2


@njit(cache=True, nogil=True)
def prefix_beam_search(log_probs, prune_log_prob, max_tokens, tables: SearchTables):  # pragma: no cover - numba
    """The surviving prefixes scored as sentences.

    log_probs: (steps, tokens) float64. Per step the non-blank tokens at or above prune_log_prob
    are tried, at most max_tokens of them, likeliest first. Returns (labels, lengths,
    acoustic, context, allowed), one row per surviving prefix: its token ids (labels[i, :lengths[i]],
    without a trailing separator), acoustic log-probability, context score as a finished
    sentence, and whether the lexicon allows that sentence.
    """
    params, hotwords, lm = tables.params, tables.hotwords, tables.lm
    token_chars, token_lengths = tables.spelling.token_chars, tables.spelling.token_lengths
    trie_next, trie_best, trie_word = tables.spelling.trie_next, tables.spelling.trie_best, tables.spelling.trie_word
    oov_word = tables.spelling.oov_word
    separator, beam = params.separator, params.beam
    capacity = max(FIRST_CAPACITY, max(NODES_PER_STEP, NODES_PER_HYPOTHESIS_STEP * beam) * log_probs.shape[0])
    ints = np.empty((capacity, CHILDREN + log_probs.shape[1]), dtype=np.int64)
    floats = np.empty((capacity, N_FLOAT_FIELDS))
    _set_node(ints, floats, 0, -1, separator, True, lm.begin, 0, 0, 0.0, 0.0, 0.0, 0.0)  # the root
    count = 1
    beam_node = np.zeros(beam, dtype=np.int64)
    beam_pb = np.zeros(beam)
    beam_pnb = np.full(beam, NEG_INF)
    beam_total = np.zeros(beam)
    n_beams = 1
    width = max_tokens
    candidates = np.empty(max_tokens, dtype=np.int64)
    touched = np.empty(beam * (1 + width), dtype=np.int64)  # next_pnb's keys, first insertion first
    estimates = np.empty(2 * beam)
    scored_node = np.empty(beam * (2 + width), dtype=np.int64)
    scored_value = np.empty(beam * (2 + width))
    scored = np.empty((beam * (2 + width), 3))  # pb, pnb, total
    ranked = np.empty(beam * (2 + width), dtype=np.int64)
    for t in range(log_probs.shape[0]):
        step = t + 1
        row = log_probs[t]
        blank_lp = row[params.blank]
        n_touched = 0
        n_estimates = 0
        for i in range(n_beams):
            node = beam_node[i]
            stay = beam_total[i] + blank_lp
            floats[node, NEXT_PB] = stay
            ints[node, PB_STEP] = step
            if beam_pnb[i] != NEG_INF:
                repeat = beam_pnb[i] + row[ints[node, TOKEN]]
                floats[node, NEXT_PNB] = repeat
                ints[node, PNB_STEP] = step
                touched[n_touched] = node
                n_touched += 1
                if repeat > stay:
                    stay = repeat
            estimates[n_estimates] = stay + floats[node, CONTEXT]
            n_estimates += 1
        # the reference's _candidates: the likeliest non-blank tokens at or above the floor
        n_cands = rank(row, row.shape[0], max_tokens, params.blank, prune_log_prob, candidates)
        if n_cands:
            top_lp = row[candidates[0]]
            for i in range(n_beams):
                estimates[n_estimates] = beam_total[i] + floats[beam_node[i], CONTEXT] + top_lp
                n_estimates += 1
        n_top = rank(estimates, n_estimates, beam, -1, NEG_INF, ranked)
        floor = estimates[ranked[0]] + params.hyp_margin
        if n_top == beam and estimates[ranked[beam - 1]] > floor:
            floor = estimates[ranked[beam - 1]]
        floor -= params.gain_bound
        for i in range(n_beams):
            node = beam_node[i]
            pb = beam_pb[i]
            total = beam_total[i]
            context = floats[node, CONTEXT]
            reach = total + context
            last = ints[node, TOKEN]
            for k in range(n_cands):  # likeliest first
                token = candidates[k]
                lp = row[token]
                if reach + lp < floor:
                    break
                if token == last:
                    if pb + lp + context < floor:
                        continue
                    value = pb + lp  # a repeated token needs a blank in between
                    child = node if token == separator else ints[node, CHILDREN + token]
                else:
                    value = total + lp
                    child = ints[node, CHILDREN + token]
                if child < 0:  # made when first asked for, allowed or not, as in the reference
                    if count == ints.shape[0]:
                        ints, floats = _grown(ints, floats)
                    hot, pending, committed = ints[node, HOT], floats[node, HOT_PENDING], floats[node, HOT_COMMITTED]
                    if params.has_hotwords:
                        hot, pending, committed = _hot_step(hotwords, token_chars, token_lengths, token,
                                                            hot, pending, committed)
                    words_score = floats[node, WORDS_SCORE]
                    if token == separator:  # the reference's _extend: a word ends
                        allowed, lm_state, words_score = _finish_word(ints[node, TRIE], ints[node, LM_STATE],
                                                                      words_score, params, trie_word, oov_word, lm)
                        _set_node(ints, floats, count, node, token, allowed, lm_state, 0, hot,
                                  words_score + (pending + committed), words_score, pending, committed)
                    else:  # the reference's _extend and _estimate: a word grows
                        trie = ints[node, TRIE]
                        for c in range(token_lengths[token]):
                            if trie != OFF_TRIE:
                                trie = trie_next[trie, token_chars[token, c]]
                        allowed = True
                        if not params.has_vocabulary:
                            estimate = params.word_bonus if params.has_lm else 0.0
                        elif trie == OFF_TRIE:
                            allowed = not params.lexicon_only
                            estimate = params.oov_estimate
                        else:
                            estimate = params.lm_weight * trie_best[trie] + params.word_bonus
                        _set_node(ints, floats, count, node, token, allowed, ints[node, LM_STATE], trie, hot,
                                  words_score + estimate + (pending + committed), words_score, pending, committed)
                    child = count
                    count += 1
                if not ints[child, ALLOWED]:
                    continue
                if ints[child, PNB_STEP] == step:
                    floats[child, NEXT_PNB] = _logaddexp(floats[child, NEXT_PNB], value)
                else:
                    floats[child, NEXT_PNB] = value
                    ints[child, PNB_STEP] = step
                    touched[n_touched] = child
                    n_touched += 1
        # Score the step's prefixes: next_pnb's in insertion order, then those with only pb.
        n_scored = 0
        for j in range(n_touched):
            node = touched[j]
            pnb = floats[node, NEXT_PNB]
            pb = NEG_INF
            if ints[node, PB_STEP] == step:
                pb = floats[node, NEXT_PB]
                ints[node, PB_STEP] = 0  # taken: it does not also score as blank-only below
            if pb >= pnb:
                total = pb if pnb == NEG_INF else pb + math.log1p(math.exp(pnb - pb))
            else:
                total = pnb + math.log1p(math.exp(pb - pnb))
            scored_node[n_scored] = node
            scored_value[n_scored] = total + floats[node, CONTEXT]
            scored[n_scored, 0] = pb
            scored[n_scored, 1] = pnb
            scored[n_scored, 2] = total
            n_scored += 1
        for i in range(n_beams):
            node = beam_node[i]
            if ints[node, PB_STEP] == step:
                pb = floats[node, NEXT_PB]
                scored_node[n_scored] = node
                scored_value[n_scored] = pb + floats[node, CONTEXT]
                scored[n_scored, 0] = pb
                scored[n_scored, 1] = NEG_INF
                scored[n_scored, 2] = pb
                n_scored += 1
        n_top = rank(scored_value, n_scored, beam, -1, NEG_INF, ranked)
        keep = scored_value[ranked[0]] + params.hyp_margin
        n_beams = 0
        for r in range(n_top):
            entry = ranked[r]
            if scored_value[entry] >= keep:
                beam_node[n_beams] = scored_node[entry]
                beam_pb[n_beams] = scored[entry, 0]
                beam_pnb[n_beams] = scored[entry, 1]
                beam_total[n_beams] = scored[entry, 2]
                n_beams += 1
    return _finish(ints, floats, beam_node[:n_beams], beam_total[:n_beams], tables)


@njit(cache=True, nogil=True)
def _logaddexp(a, b):  # pragma: no cover - numba
    if a < b:
        a, b = b, a
    if b == NEG_INF:
        return a
    return a + math.log1p(math.exp(b - a))


@njit(cache=True, nogil=True)
def _finish(ints, floats, nodes, acoustic, tables: SearchTables):  # pragma: no cover - numba
    """Each surviving prefix scored as a complete sentence, as the reference's _finish."""
    params = tables.params
    context = np.zeros(nodes.shape[0])
    allowed = np.ones(nodes.shape[0], dtype=np.bool_)
    for i in range(nodes.shape[0]):
        node = nodes[i]
        if ints[node, TOKEN] != params.separator:  # an unfinished word
            ok, lm_state, score = _finish_word(ints[node, TRIE], ints[node, LM_STATE], floats[node, WORDS_SCORE],
                                               params, tables.spelling.trie_word, tables.spelling.oov_word, tables.lm)
            if not ok:
                allowed[i] = False
                continue
        else:
            lm_state, score = ints[node, LM_STATE], floats[node, WORDS_SCORE]
        if params.has_lm:
            score += params.lm_weight * (lm_log10_prob(tables.lm, lm_state, tables.lm.end_word) * math.log(10.0))
        if params.has_hotwords:
            committed = floats[node, HOT_COMMITTED]
            hot = ints[node, HOT]
            score += committed + floats[node, HOT_PENDING] if hot > 0 and tables.hotwords.is_phrase[hot] else committed
        context[i] = score
    labels, lengths = _labels(ints, nodes, params.separator)
    return labels, lengths, acoustic, context, allowed


@njit(cache=True, nogil=True)
def _labels(ints, nodes, separator):  # pragma: no cover - numba
    """Token ids of each prefix from the root, without a trailing separator; padded with -1."""
    ends = nodes.copy()
    lengths = np.zeros(nodes.shape[0], dtype=np.int64)
    for i in range(nodes.shape[0]):
        if ints[ends[i], PARENT] >= 0 and ints[ends[i], TOKEN] == separator:
            ends[i] = ints[ends[i], PARENT]
        node = ends[i]
        while ints[node, PARENT] >= 0:
            lengths[i] += 1
            node = ints[node, PARENT]
    labels = np.full((nodes.shape[0], max(1, lengths.max()) if nodes.shape[0] else 1), -1, dtype=np.int64)
    for i in range(nodes.shape[0]):
        node = ends[i]
        for j in range(lengths[i] - 1, -1, -1):
            labels[i, j] = ints[node, TOKEN]
            node = ints[node, PARENT]
    return labels, lengths


@njit(cache=True, nogil=True)
def _finish_word(trie, lm_state, score, params, trie_word, oov_word, lm):  # pragma: no cover - numba
    """(allowed, lm_state, words_score) as the reference's _finish_word, for a node's trie node,
    LM state and words score."""
    known = params.has_vocabulary and trie != OFF_TRIE and trie_word[trie] != NOT_A_WORD
    if params.has_vocabulary and not known:
        if params.lexicon_only:
            return False, lm_state, score
        score -= params.oov_penalty
    if not params.has_lm:
        return True, lm_state, score
    log_p, lm_state = lm_advance(lm, lm_state, trie_word[trie] if known else oov_word)
    return True, lm_state, score + params.lm_weight * log_p + params.word_bonus


@njit(cache=True, nogil=True)
def _hot_step(hotwords, token_chars, token_lengths, token, hot, pending, committed):  # pragma: no cover - numba
    """Hotwords.step by `token` from the state (hot, pending, committed)."""
    for c in range(token_lengths[token]):
        hot, pending, committed = _hot_char(hotwords, hot, pending, committed, token_chars[token, c])
    return hot, pending, committed


@njit(cache=True, nogil=True)
def _hot_char(hotwords, prefix, pending, committed, char):  # pragma: no cover - numba
    """Hotwords._char on state ids: the state after one more character."""
    if char == hotwords.separator_char:
        if prefix <= 0:  # at a word start already, or leaving a word that matched nothing
            return 0, 0.0, committed
        if hotwords.is_phrase[prefix]:
            committed += pending
            pending = 0.0
        extended = hotwords.next[prefix, char]
        if extended != NO_MATCH:
            return extended, pending, committed
        return 0, 0.0, committed
    if prefix == NO_MATCH:
        return prefix, pending, committed
    extended = hotwords.next[prefix, char]
    if extended != NO_MATCH:
        return extended, pending + hotwords.gain[extended], committed
    if hotwords.ends_with_separator[prefix]:
        extended = hotwords.next[0, char]
        if extended != NO_MATCH:
            return extended, hotwords.gain[extended], committed
    return NO_MATCH, 0.0, committed


@njit(cache=True, nogil=True)
def _grown(ints, floats):  # pragma: no cover - numba
    """The node arrays with twice the rows, the existing ones copied."""
    grown_ints = np.empty((2 * ints.shape[0], ints.shape[1]), dtype=np.int64)
    grown_floats = np.empty((2 * floats.shape[0], floats.shape[1]))
    for node in range(ints.shape[0]):  # loops: a slice assignment here compiles for seconds
        for field in range(ints.shape[1]):
            grown_ints[node, field] = ints[node, field]
        for field in range(floats.shape[1]):
            grown_floats[node, field] = floats[node, field]
    return grown_ints, grown_floats


@njit(cache=True, nogil=True)
def _set_node(ints, floats, node, parent, token, allowed, lm_state, trie, hot, context, words_score,
              pending, committed):  # pragma: no cover - numba
    """Fill row `node` (which must exist) as `parent`'s child by `token`."""
    ints[node, PARENT] = parent
    ints[node, TOKEN] = token
    ints[node, ALLOWED] = allowed
    ints[node, LM_STATE] = lm_state
    ints[node, TRIE] = trie
    ints[node, HOT] = hot
    ints[node, PB_STEP] = 0
    ints[node, PNB_STEP] = 0
    ints[node, CHILDREN:] = -1
    if parent >= 0:
        ints[parent, CHILDREN + token] = node
    floats[node, CONTEXT] = context
    floats[node, WORDS_SCORE] = words_score
    floats[node, HOT_PENDING] = pending
    floats[node, HOT_COMMITTED] = committed
