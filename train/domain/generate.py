"""Generate deterministic in-domain sentences, each tagged with its intent and phrasing split."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

import numpy as np

from edge.text import normalize_text
from train.domain import builtin_slots
from train.domain.catalog import SLOT, Catalog, Template

SlotWeights = dict  # slot name -> np.ndarray, one draw weight per value of catalog.slots[name]
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


def sentence_at(catalog: Catalog, seed: int, index: int, phrasing: str = "seen",
                weights: SlotWeights | None = None) -> Sentence:
    """The `index`-th sentence of the stream for `seed`: the same whatever else is generated.

    Templates are drawn from the whole catalogue and redrawn until one has the wanted phrasing,
    so moving a template between splits changes only the sentences that drew it. `weights`
    (slot name -> one weight per value) draws those slots' values in proportion to them; other
    slots, and all of them without it, draw uniformly.
    """
    if not catalog.phrasings(phrasing):
        raise ValueError(f"the catalog has no {phrasing} phrasings")
    rng = np.random.default_rng([seed, index])
    while True:
        template = catalog.templates[int(rng.integers(len(catalog.templates)))]
        if phrasing == "any" or template.heldout == (phrasing == "heldout"):
            return fill(catalog, template, rng, weights)


def generate(catalog: Catalog, n: int, seed: int, phrasing: str = "seen",
             weights: SlotWeights | None = None) -> list[Sentence]:
    """`n` sentences from templates of the given phrasing split ("seen", "heldout" or "any")."""
    return [sentence_at(catalog, seed, i, phrasing, weights) for i in range(n)]


def fill(catalog: Catalog, template: Template, rng: np.random.Generator,
         weights: SlotWeights | None = None) -> Sentence:
    """Replace each {slot} of `template` with a value drawn from `rng`, then normalise."""
    text = _ARTICLE_BEFORE_VOWEL.sub("an ", normalize_text(_expand(catalog, template.text, rng, MAX_SLOT_DEPTH,
                                                                   weights or {})))
    return Sentence(text, template.intent, template.text,
                    "heldout" if template.heldout else "seen")


def _expand(catalog: Catalog, text: str, rng: np.random.Generator, depth: int, weights: SlotWeights) -> str:
    if depth == 0:
        raise ValueError(f"slot values nest deeper than {MAX_SLOT_DEPTH} levels: {text!r}")

    def value(match) -> str:
        name = match.group(1)
        values = catalog.slots.get(name)
        if values:
            if name in weights:
                cumulative = np.cumsum(weights[name])
                index = min(int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right")),
                            len(values) - 1)
            else:
                index = int(rng.integers(len(values)))
            return _expand(catalog, values[index], rng, depth - 1, weights)
        return builtin_slots.GENERATED[name](rng)

    return SLOT.sub(value, text)


def slot_coverage(catalog: Catalog, seed: int) -> list[Sentence]:
    """One sentence per value of every listed slot that seen phrasings can say (in slot-name order,
    then the slot file's order): the value in a seen template drawn for it, the other slots filled
    at random. Random generation leaves out the values it happens not to draw (of 3,554 cities,
    50,000 sentences miss about a quarter); a word-LM over these sentences too knows every one."""
    seen = catalog.phrasings("seen")
    sentences = []
    for slot in sorted(catalog.slots):
        for index, value in enumerate(catalog.slots[slot]):
            rng = np.random.default_rng([seed, zlib.crc32(slot.encode()), index])
            carried = _carrier(catalog, seen, slot, rng, MAX_SLOT_DEPTH)
            if carried is None:
                break  # no seen phrasing says this slot
            template, text = carried
            sentence = fill(catalog, Template(template.intent, text.replace(f"{{{slot}}}", value, 1),
                                              template.heldout), rng)
            sentences.append(Sentence(sentence.text, template.intent, template.text, "seen"))
    return sentences


def _carrier(catalog: Catalog, seen: tuple[Template, ...], slot: str, rng: np.random.Generator,
             depth: int) -> tuple[Template, str] | None:
    """A seen template, drawn by `rng`, and its text with the way to `slot` spelt out: the template
    says {slot} itself, or says a slot one of whose values says it ({street_address} ->
    "{house_number} {street_name} ..."); None when no seen template reaches it."""
    placeholder = f"{{{slot}}}"
    direct = [t for t in seen if placeholder in t.text]
    if direct:
        template = direct[int(rng.integers(len(direct)))]
        return template, template.text
    if depth <= 1:
        return None
    for parent in sorted(catalog.slots):
        entries = [v for v in catalog.slots[parent] if placeholder in v]
        if entries:
            outer = _carrier(catalog, seen, parent, rng, depth - 1)
            if outer is not None:
                template, text = outer
                return template, text.replace(f"{{{parent}}}", entries[int(rng.integers(len(entries)))], 1)
    return None
