"""The text a model's word LM is estimated on, as its recipe defines it.

Generated in-domain sentences (seen phrasings only: held-out ones stay unseen by the LM too), and
where the recipe's lm_slot_coverage says so one more per slot value (train.domain.slot_coverage),
their cities drawn by population where lm_population_prior says so,
the real-speech transcripts where the recipe's lm_real_speech says so (less those that are a lone
acoustic-only word, train/domain/data/acoustic_words.txt), and the transcripts of its synthetic
corpora except the scrambled ones and the acoustic-only words; then, where the recipe's
lm_even_command_words says so, each single command word and digit of the catalog (words.txt) said on
its own as often as the most frequent of them. `earshot train` reads those
transcripts from the corpora it synthesised; `earshot lm` plans them again from the recipe without
any audio (the plan is deterministic, so for the shipped recipe both give the same LM, byte for
byte).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from train.recipe import Recipe


def lm_sentences(recipe: Recipe, synthetic_texts: Iterable[str], domain_dirs: tuple[str, ...] = ()) -> list[str]:
    """The LM's sentences: in-domain ones from the recipe's LM catalog plus `domain_dirs`, then
    the real-speech transcripts (if the recipe says so; not a lone acoustic-only word) and
    `synthetic_texts`."""
    from edge.text import normalize_text
    from train.corpus import read_manifest
    from train.domain import load_catalog
    from train.domain.builtin_slots import population_weights
    from train.domain.generate import generate, slot_coverage

    catalog = load_catalog((*recipe.lm_catalog_dirs, *domain_dirs))
    weights = {"city": population_weights(catalog.slots["city"])} if recipe.lm_population_prior else None
    sentences = [s.text for s in generate(catalog, n=recipe.lm_sentences, seed=recipe.seed, weights=weights)]
    if recipe.lm_slot_coverage:
        sentences += [s.text for s in slot_coverage(catalog, seed=recipe.seed)]
    acoustic_only = set(catalog.acoustic_words)  # spoken for acoustic coverage, never a command
    for real in recipe.real_speech if recipe.lm_real_speech else ():
        sentences += [u.text for u in read_manifest(real.manifest) if normalize_text(u.text) not in acoustic_only]
    sentences += list(synthetic_texts)
    if recipe.lm_even_command_words:
        sentences += even_command_words(sentences, catalog.words)
    return sentences


def even_command_words(sentences: list[str], words: Iterable[str]) -> list[str]:
    """The sentences to add so that each of `words` is said on its own as often as the one said
    on its own most often.

    How often the generated text says "skip" or "six" alone depends on how many templates and
    intents happen to contain it (111 and 34 times in the shipped LM's text), which made "skip"
    the likelier lone word by a factor of three to the decoder for no reason a user would know.
    """
    from edge.text import normalize_text

    words = list(dict.fromkeys(normalize_text(w) for w in words))
    wanted = set(words)
    alone = Counter(text for text in map(normalize_text, sentences) if text in wanted)
    most = max(alone.values(), default=0)
    return [word for word in words for _ in range(most - alone[word])]


def planned_synthetic_texts(recipe: Recipe) -> list[str]:
    """The LM-bound transcripts of the recipe's synthetic corpora, planned without synthesising."""
    from train.corpus import NOT_FOR_LM
    from train.synth import plan_corpus

    return [job.text for corpus in (recipe.synthetic, *recipe.extra_synthetic)
            for job in plan_corpus(corpus, recipe.domain_dirs) if job.tags.get("kind") not in NOT_FOR_LM]
