"""Generate deterministic in-domain sentences, each tagged with its intent and phrasing split."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from edge.text import normalize_text
from train.domain import builtin_slots
from train.domain.catalog import SLOT, Catalog, Template

MAX_SLOT_DEPTH = 4  # slot values may contain slots ({house_number} {street_name} ...)
# "a {place_type}" with a vowel-initial value reads "an": "an atm", "an italian restaurant", "an hour";
# not before a "y"/"w" sound: "a university", "a euro", "a one way ticket".
_ARTICLE_BEFORE_VOWEL = re.compile(r"\ba (?=(?!uni|use|usu|eu|ewe|one\b|once\b|ur[aoei])[aeiou]|hour|honest|honou?r|heir)")


@dataclass(frozen=True, slots=True)
class Sentence:
    """One generated sentence: normalised text plus where it came from."""

    text: str
    intent: str
    template: str
    phrasing: str  # "seen" or "heldout"


def sentence_at(catalog: Catalog, seed: int, index: int, phrasing: str = "seen") -> Sentence:
    """The `index`-th sentence of the stream for `seed`: the same whatever else is generated.

    Templates are drawn from the whole catalogue and redrawn until one has the wanted phrasing,
    so moving a template between splits changes only the sentences that drew it.
    """
    if not catalog.phrasings(phrasing):
        raise ValueError(f"the catalog has no {phrasing} phrasings")
    rng = np.random.default_rng([seed, index])
    while True:
        template = catalog.templates[int(rng.integers(len(catalog.templates)))]
        if phrasing == "any" or template.heldout == (phrasing == "heldout"):
            return fill(catalog, template, rng)


def generate(catalog: Catalog, n: int, seed: int, phrasing: str = "seen") -> list[Sentence]:
    """`n` sentences from templates of the given phrasing split ("seen", "heldout" or "any")."""
    return [sentence_at(catalog, seed, i, phrasing) for i in range(n)]


def fill(catalog: Catalog, template: Template, rng: np.random.Generator) -> Sentence:
    """Replace each {slot} of `template` with a value drawn from `rng`, then normalise."""
    text = _ARTICLE_BEFORE_VOWEL.sub("an ", normalize_text(_expand(catalog, template.text, rng, MAX_SLOT_DEPTH)))
    return Sentence(text, template.intent, template.text,
                    "heldout" if template.heldout else "seen")


def _expand(catalog: Catalog, text: str, rng: np.random.Generator, depth: int) -> str:
    if depth == 0:
        raise ValueError(f"slot values nest deeper than {MAX_SLOT_DEPTH} levels: {text!r}")

    def value(match) -> str:
        name = match.group(1)
        values = catalog.slots.get(name)
        if values:
            return _expand(catalog, values[int(rng.integers(len(values)))], rng, depth - 1)
        return builtin_slots.GENERATED[name](rng)

    return SLOT.sub(value, text)
