"""Schema-guided coercion of one literal: numbers and booleans from text, lists, enum spellings, dates, limits,
country and currency names as ISO codes.

Owns proposing candidate values; checking them and editing the workflow is `arguments`'.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from evoflux.lexicon import name_words, singular, squash
from evoflux.lexicon.places import iso_codes
from evoflux.lexicon.units import same_unit
from evoflux.lexicon.vocabulary import FALSE_WORDS, LIMIT_NAMES, TRUE_WORDS
from evoflux.request.dates import parse_when
from evoflux.workflow.schema_read import resolve_local, schema_types
from evoflux.workflow.similar import the_one

Candidate = tuple[Any, str]

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_NUMBER_WITH_UNIT = re.compile(r"\s*([+-]?\d+(?:\.\d+)?)\s*[A-Za-z°%µ/][A-Za-z°%µ/ .]*")
# Enum matching: a unique prefix needs this many letters; a fuzzy match this similarity and lead.
_PREFIX_MIN = 3
_FUZZY_CUTOFF = 0.8
_FUZZY_MARGIN = 0.1


# ---------------------------------------------------------------- candidates


def candidates(
    value: Any, schema: Mapping[str, Any], root: Mapping[str, Any], name: str = ""
) -> Iterator[Candidate]:
    """Values `value` might have been meant as under `schema`, each with a one-line reason; best first.

    The caller keeps the first that validates. `root` resolves local `$ref`s; `name` is the argument's
    name (only limit-like names are clamped into range).
    """
    schema = resolve_local(schema, root)
    if not isinstance(schema, Mapping):
        return
    branches = [b for key in ("anyOf", "oneOf") for b in schema.get(key) or ()]
    for branch in [b for b in branches if schema_types(resolve_local(b, root)) != {"null"}] or [schema]:
        branch = resolve_local(branch, root)
        if isinstance(branch, Mapping):
            yield from _for_branch(value, branch, root, name)


def _for_branch(
    value: Any, schema: Mapping[str, Any], root: Mapping[str, Any], name: str
) -> Iterator[Candidate]:
    types = schema_types(schema)
    options = schema.get("enum")
    if isinstance(options, list):
        match = enum_match(value, options)
        if match is not None:
            yield match, f"{value!r} means the allowed value {match!r}"
    if isinstance(value, list) and len(value) == 1 and "array" not in types:
        yield value[0], "took the one item out of the list"
        yield from _for_branch(value[0], schema, root, name)
    if types & {"integer", "number"}:
        yield from _numbers(value, schema, types, name)
    if "boolean" in types and isinstance(value, str | int) and not isinstance(value, bool):
        yield from _boolean(value)
    if "string" in types:
        yield from _strings(value, schema, name)
    if "array" in types:
        yield from _arrays(value, schema, root, name)
    if "object" in types and isinstance(value, str) and value.strip().startswith("{"):
        parsed = _json(value)
        if isinstance(parsed, dict):
            yield parsed, "parsed the JSON object written as a string"


def _numbers(value: Any, schema: Mapping[str, Any], types: set[str], name: str) -> Iterator[Candidate]:
    number = to_number(value) if isinstance(value, str) else None
    if number is not None:
        yield _narrowed(number, types), f"wrote the number {value!r} without quotes"
    elif isinstance(value, str) and (unit := _NUMBER_WITH_UNIT.fullmatch(value)):
        yield _narrowed(float(unit.group(1)), types), f"kept the number of {value!r}"
    if isinstance(value, float) and value.is_integer() and "integer" in types:
        yield int(value), f"{value!r} is a whole number"
    if isinstance(value, int | float) and not isinstance(value, bool) and is_limit(name, schema):
        clamped = _clamped(value, schema)
        if clamped != value:
            yield clamped, f"{name}={value} is outside the allowed range; clamped to {clamped}"


def _boolean(value: str | int) -> Iterator[Candidate]:
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        yield True, f"{value!r} means true"
    elif text in FALSE_WORDS:
        yield False, f"{value!r} means false"


def _strings(value: Any, schema: Mapping[str, Any], name: str) -> Iterator[Candidate]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        yield _plain(value), f"wrote the number {value!r} as text"
    if not isinstance(value, str):
        return
    fmt, pattern = schema.get("format"), schema.get("pattern")
    if fmt in ("date", "date-time", "time") or isinstance(pattern, str):
        yield from when_candidates(value, fmt if isinstance(fmt, str) else "")
    if isinstance(pattern, str):
        stripped = value.strip()
        variants = [stripped, stripped.upper(), stripped.lower(), re.sub(r"\s+", "_", stripped)]
        for variant in dict.fromkeys(variants):
            if variant != value:
                yield variant, f"rewrote {value!r} to fit the pattern {pattern}"
        yield from _iso_codes(stripped, currency="currency" in name_words(name))


def _iso_codes(name: str, *, currency: bool) -> Iterator[Candidate]:
    """A country (or, for a `currency` argument, a currency) written by its name ("Australia", "Euro") as
    its ISO codes, for an argument whose pattern wants a code. Codes themselves are left alone."""
    kind = "currency" if currency else "country"
    for code in iso_codes(name, currency=currency):
        yield code, f"{name!r} is the {kind} whose ISO code is {code}"


def _arrays(value: Any, schema: Mapping[str, Any], root: Mapping[str, Any], name: str) -> Iterator[Candidate]:
    if isinstance(value, list):
        return
    items_schema = resolve_local(schema.get("items") or {}, root)
    if isinstance(value, str):
        parsed = _json(value) if value.strip().startswith("[") else None
        if isinstance(parsed, list):
            yield parsed, "parsed the JSON list written as a string"
            return
        if "," in value:
            parts = [p.strip() for p in value.split(",") if p.strip()]
            yield (
                [_item(p, items_schema, root, name) for p in parts],
                "split the comma-separated text into a list",
            )
            return
    yield [_item(value, items_schema, root, name)], "wrapped the single value in a list"


def _item(value: Any, schema: Any, root: Mapping[str, Any], name: str) -> Any:
    """An item coerced to the items schema when one candidate is plainly of the right type, else unchanged."""
    types = schema_types(schema)
    if not isinstance(schema, Mapping) or not types:
        return value
    for candidate, _ in candidates(value, schema, root, name):
        if _type_of(candidate) & types:
            return candidate
    return value


def _type_of(value: Any) -> set[str]:
    if isinstance(value, bool):
        return {"boolean"}
    if isinstance(value, int):
        return {"integer", "number"}
    if isinstance(value, float):
        return {"number"}
    return {"string"} if isinstance(value, str) else {"array" if isinstance(value, list) else "object"}


# ---------------------------------------------------------------- numbers and limits


def to_number(text: str) -> int | float | None:
    """`"42"` -> 42, `"3.5"` -> 3.5, `"1,200"` -> 1200; None when the text is not just a number."""
    stripped = text.strip()
    if _GROUPED.fullmatch(stripped):
        stripped = stripped.replace(",", "")
    if not _NUMBER.fullmatch(stripped):
        return None
    number = float(stripped)
    return int(number) if number.is_integer() and re.fullmatch(r"[+-]?\d+", stripped) else number


def _narrowed(number: float, types: set[str]) -> int | float:
    return int(number) if "integer" in types and float(number).is_integer() else number


def _plain(number: int | float) -> str:
    return str(int(number)) if isinstance(number, float) and number.is_integer() else str(number)


def is_limit(name: str, schema: Mapping[str, Any]) -> bool:
    """Whether an argument counts results or days ahead (so clamping is harmless): a limit-like name and a
    range that starts at 0 or above (a negative lower bound means a signed data value, e.g. days to add)."""
    low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
    return "_".join(name_words(name)) in LIMIT_NAMES and isinstance(low, int | float) and low >= 0


def _clamped(value: float, schema: Mapping[str, Any]) -> float:
    low, high = schema.get("minimum"), schema.get("maximum")
    if isinstance(low, int | float) and value < low:
        return low
    if isinstance(high, int | float) and value > high:
        return high
    return value


# ---------------------------------------------------------------- enums


def enum_match(value: Any, options: list[Any]) -> Any:
    """The one enum option `value` clearly means, or None (no match or several).

    In order: same text ignoring case, spaces and punctuation (`Celsius`, `nautical mile`); same up to
    plural (`kilometers`, `pounds`, `feet`); the same unit however either side spells it (`KM` means
    `kilometer`, `Kilometres` or `km`; `mph` means `miles_per_hour`; `deg C` means `C`);
    initials of a multi-word option; a unique prefix of at least 3 letters; a unique close spelling
    (character ratio >= 0.8, ahead of the next option by 0.1).
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = str(value)
    strings = {str(o): o for o in options if isinstance(o, str | int | float) and not isinstance(o, bool)}
    if text in strings:
        return strings[text] if strings[text] != value else None
    steps = (
        lambda o: squash(o) == squash(text),
        lambda o: _singular(o) == _singular(text),
        lambda o: same_unit(o, text),
        lambda o: len(name_words(o)) > 1 and "".join(w[0] for w in name_words(o)) == squash(text),
        lambda o: len(squash(text)) >= _PREFIX_MIN and squash(o).startswith(squash(text)),
    )
    found = the_one(
        list(strings), steps, lambda o: _ratio(text, o), cutoff=_FUZZY_CUTOFF, margin=_FUZZY_MARGIN
    )
    return strings[found] if found is not None else None


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, squash(a), squash(b)).ratio()


def _singular(text: str) -> str:
    """Text as one squashed word, each of its words singular (`Nautical Miles` -> `nauticalmile`)."""
    return "".join(singular(w) for w in name_words(text.casefold(), digits_apart=False))


# ---------------------------------------------------------------- dates and times


def when_candidates(text: str, fmt: str = "") -> list[Candidate]:
    """ISO spellings of the date/time in `text`, the form `fmt` (date, date-time, time) asks for first."""
    day, clock = parse_when(text)
    out: list[str] = []
    if day is not None and clock is not None:
        stamp = datetime.combine(day, clock)
        full = [
            stamp.isoformat(timespec="seconds"),
            stamp.isoformat(timespec="minutes"),
            stamp.isoformat(timespec="seconds") + "Z",
        ]
        out += [day.isoformat(), *full] if fmt == "date" else [*full, day.isoformat()]
    elif day is not None:
        out.append(day.isoformat())
    if clock is not None:
        out += [clock.isoformat(timespec="seconds"), clock.isoformat(timespec="minutes")]
    return [(o, f"rewrote {text!r} as {o}") for o in dict.fromkeys(out) if o != text]


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None  # not JSON after all: the caller tries other readings
