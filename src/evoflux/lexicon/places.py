"""Places in words: the capitalized words of a request that are no places, and countries and currencies by
name (pycountry's ISO 3166 and ISO 4217 tables), since a request's country often reaches a tool as its code.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pycountry

from evoflux.lexicon.units import SCALES
from evoflux.lexicon.vocabulary import DATE_WORDS, QUESTION_WORDS, REQUEST_VERBS

# Capitalized words that are no places (`request.text.task_literals`): question words, dates, temperature
# scales, time zone names, the verbs of a request and words that join its parts.
NOT_PLACES = (
    QUESTION_WORDS | DATE_WORDS | frozenset(SCALES) | {"utc", "gmt"} | {"then", "also"} | REQUEST_VERBS
)


@lru_cache(maxsize=1024)
def country_codes(word: str) -> frozenset[str]:
    """The ISO 3166 codes (lower case) of the countries a name word begins a word of (`japan` -> jp, jpn;
    `korea` -> kr, kp, prk, kor)."""
    word = word.casefold()
    if len(word) < 4:
        return frozenset()
    codes: set[str] = set()
    for country in pycountry.countries:
        names = " ".join(
            getattr(country, key, "") or "" for key in ("name", "common_name", "official_name")
        ).casefold()
        if any(part.startswith(word) for part in re.findall(r"\w+", names)):
            codes |= {country.alpha_2.casefold(), country.alpha_3.casefold()}
    return frozenset(codes)


def iso_codes(name: str, *, currency: bool) -> tuple[str, ...]:
    """The ISO codes of the country (alpha-2, alpha-3) or, with `currency`, the currency (alpha-3) written by
    its name ("Australia", "Euro"); () for a code itself (three letters or fewer) or an unknown name."""
    if len(name) <= 3:
        return ()
    table, keys = (
        (pycountry.currencies, ("alpha_3",)) if currency else (pycountry.countries, ("alpha_2", "alpha_3"))
    )
    try:
        found = table.lookup(name)
    except LookupError:
        return ()
    return tuple(getattr(found, key) for key in keys)
