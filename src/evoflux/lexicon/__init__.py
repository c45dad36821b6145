"""The word layer every other layer reads, one copy of each piece of word knowledge:
`names` (splitting names into words, base names, one spelling, singulars, stems and bent words),
`vocabulary` (what a word in a name says: ids, filters, limits, directions, filler, containers; dates; words of
a request), `units` (unit names, symbols and dimensions, and one normal form of a unit however a server spells
it), `places` (words that are no places; countries and currencies as ISO codes) and `wording` (how messages
say a failure, an unknown name, an empty find, a rejected call, a count).

Imports nothing else of evoflux, so the catalog, the workflow, the request analysis and the repairs can all
use it. The helpers and the word lists most layers need are importable from here.
"""

from evoflux.lexicon.names import base_name, name_words, same_word, singular, spells_number, squash, stem
from evoflux.lexicon.places import NOT_PLACES
from evoflux.lexicon.vocabulary import DATE_WORDS, ID_OR_CODE_WORDS, ID_WORDS, NOT_NAMES

__all__ = [
    "DATE_WORDS",
    "ID_OR_CODE_WORDS",
    "ID_WORDS",
    "NOT_NAMES",
    "NOT_PLACES",
    "base_name",
    "name_words",
    "same_word",
    "singular",
    "spells_number",
    "squash",
    "stem",
]
