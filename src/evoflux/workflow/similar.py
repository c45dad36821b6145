"""Name similarity: edit ratio plus overlap of snake/camel-case words, for "did you mean" suggestions and for
the one candidate that clearly names the same thing.

Owns scoring and ranking of candidate strings only; it knows nothing of tools, schemas or workflows.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence

from evoflux.lexicon import name_words, squash

# Names closer than this (see `similarity`) name the same thing, when ahead of the next one by the margin.
_CLOSE_NAME_CUTOFF = 0.75
_CLOSE_NAME_MARGIN = 0.05
_ABBREVIATION_MIN = 3  # letters of a name that abbreviates a longer one (`temp` -> `temperature`)


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


def close_name(name: str, candidates: Iterable[str]) -> str | None:
    """The one candidate that clearly names the same thing as `name`, or None when none or several do.

    Same words ignoring case and separators (`firstNumber`/`first_number`, `unit_from`/`from_unit`), else
    `name`'s words all inside exactly one candidate (`from` -> `from_unit`), else the one candidate it
    abbreviates (`temp` -> `temperature`, at least 3 letters), else a single candidate with
    similarity >= 0.75 that beats the runner-up by 0.05.
    """
    mine, squashed = words(name), squash(name)
    return the_one(
        [c for c in dict.fromkeys(candidates) if c != name],
        (
            lambda c: words(c) == mine,
            lambda c: bool(mine) and mine < words(c),
            lambda c: len(squashed) >= _ABBREVIATION_MIN and squash(c).startswith(squashed),
        ),
        lambda c: similarity(name, c),
        cutoff=_CLOSE_NAME_CUTOFF,
        margin=_CLOSE_NAME_MARGIN,
    )


def the_one(
    options: Sequence[str],
    tests: Iterable[Callable[[str], bool]],
    score: Callable[[str], float],
    *,
    cutoff: float,
    margin: float,
) -> str | None:
    """The option the first test that any option passes picks alone (None when it picks several); when none
    passes, the best `score` of at least `cutoff` that is ahead of the runner-up by `margin`."""
    for test in tests:
        found = [o for o in options if test(o)]
        if found:
            return found[0] if len(found) == 1 else None
    scored = sorted(((score(o), o) for o in options), reverse=True)
    if not scored or scored[0][0] < cutoff:
        return None
    if len(scored) > 1 and scored[0][0] - scored[1][0] < margin:
        return None
    return scored[0][1]
