"""Name similarity for "did you mean" suggestions: edit ratio plus overlap of snake/camel-case words.

Owns scoring and ranking of candidate strings only; it knows nothing of tools, schemas or workflows.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from evoflux.lexicon import name_words, squash


def words(text: str) -> frozenset[str]:
    """`getCurrentWeather_tool` -> {get, current, weather, tool}."""
    return frozenset(name_words(text, digits_apart=False))


def similarity(a: str, b: str) -> float:
    """0..1: mostly the character edit ratio (case and separators ignored), partly shared words."""
    ratio = difflib.SequenceMatcher(None, squash(a, "_"), squash(b, "_")).ratio()
    wa, wb = words(a), words(b)
    overlap = len(wa & wb) / len(wa | wb) if wa | wb else 0.0
    return 0.7 * ratio + 0.3 * overlap


def nearest(query: str, candidates: Iterable[str], *, limit: int = 5, cutoff: float = 0.4) -> list[str]:
    """The candidates most similar to `query`, best first, scoring at least `cutoff`."""
    scored = sorted(((similarity(query, c), c) for c in set(candidates)), key=lambda sc: (-sc[0], sc[1]))
    return [c for score, c in scored[:limit] if score >= cutoff]
