"""Word helpers shared by every layer: splitting names into words, base names, one spelling of a name,
singulars and stems, numbers written as text.
"""

from __future__ import annotations

import re

from evoflux.lexicon.vocabulary import IRREGULAR_PLURALS, PAIR_TAGS

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_DIGITS = re.compile(r"(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])")
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]+")
_LETTERS = re.compile(r"[^\W\d_]+")
# Plural endings, longest first, and what the singular ends with instead; "ss", "us", "is" words are no plurals.
_PLURAL_ENDINGS = (("sses", "ss"), ("shes", "sh"), ("ches", "ch"), ("xes", "x"), ("s", ""))
_NOT_PLURAL = ("ss", "us", "is")
_IRREGULAR = {plural: single for single, plural in IRREGULAR_PLURALS.items()}
# Tags that tell two arguments about the same thing apart (`city_id_from`, `city_id_to`): the words of PAIR_TAGS.
_TAGS = frozenset(tag for tag in PAIR_TAGS if len(tag) > 1)


def name_words(name: str, *, digits_apart: bool = True, lone_letters: bool = True) -> list[str]:
    """The lower-case words of a name, split at case changes and at anything but ASCII letters and digits:
    `cityIdA` -> [city, id, a], `HTTPServer_v2` -> [http, server, v, 2].

    `digits_apart=False` keeps digits with the letters around them (`v2beta` -> [v2beta]);
    `lone_letters=False` drops single lower-case letters (`city_id_a` -> [city, id], `iPhone` -> [phone]).
    """
    spaced = _CAMEL.sub(" ", name)
    if digits_apart:
        spaced = _DIGITS.sub(" ", spaced)
    words = [w for w in _NOT_ALNUM.split(spaced) if w]
    if not lone_letters:
        words = [w for w in words if len(w) > 1 or not w.islower()]
    return [w.lower() for w in words]


def base_name(name: str) -> str:
    """What a name is about: its words without a trailing one-letter or from/to tag (`city_id_a` -> `city_id`)."""
    found = name_words(name)
    while len(found) > 1 and (len(found[-1]) == 1 or found[-1] in _TAGS):
        found.pop()
    return "_".join(found)


def squash(text: str, separator: str = "") -> str:
    """One spelling of a name whatever its case and separators: `Weather Data`, `weather_data` and
    `weatherData` -> `weatherdata`; with a `separator` its words stay apart (`_`: `weather_data`)."""
    return separator.join(name_words(text, digits_apart=False))


def spells_number(text: str) -> bool:
    """Whether `text` reads as a number (`"42"`, `"-1.5e3"`, `" 7 "`: what Python's `float` takes)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def singular(word: str) -> str:
    """The singular of an English plural noun by its ending, in the word's case ("Grinders" -> "Grinder",
    "batteries" -> "battery", "boxes" -> "box", "feet" -> "foot"). Words of three letters or fewer, words
    with digits or marks, and words ending in "ss", "us" or "is" ("glass", "bus", "analysis") stay as they
    are."""
    lower = word.lower()
    if lower in _IRREGULAR:
        return _IRREGULAR[lower]
    if len(word) <= 3 or not _LETTERS.fullmatch(word) or lower.endswith(_NOT_PLURAL):
        return word
    if lower.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    for plural, single in _PLURAL_ENDINGS:
        if lower.endswith(plural):
            return word[: len(word) - len(plural)] + single
    return word


def stem(word: str) -> str:
    """A word without a final "s" when it has more than three letters (`stations` -> `station`, `bus` stays):
    cruder than `singular`, for telling whether two words are the same."""
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


# Endings that bend a word without changing what it names (`joined`, `joining`, `joins` of `join`).
_INFLECTIONS = ("ed", "d", "ing", "s", "es")


def same_word(a: str, b: str) -> bool:
    """Whether two lower-case words are one word, one of them bent by an ending (`join` and `joined`,
    `load` and `loading`); words of three letters or fewer only when equal."""
    short, long = sorted((a, b), key=len)
    if short == long:
        return True
    return len(short) > 3 and long.startswith(short) and long[len(short) :] in _INFLECTIONS
