"""What a request states: literals (places, dates and times, numbers with units, quoted phrases) matched to
arguments, and the names a tool must see.

Owns reading the task text; choosing a binding and editing the workflow are `repair`'s.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from evoflux.lexicon import NOT_NAMES, NOT_PLACES, name_words, stem
from evoflux.lexicon.units import same_unit
from evoflux.lexicon.vocabulary import (
    MONTH_ABBREVIATIONS,
    MONTHS,
    NAME_PARTICLES,
    PLACE_CUES,
    PLACE_WORDS,
    QUANTITY_WORDS,
    TEXT_WORDS,
)
from evoflux.request.dates import TIME_TEXT, parse_date_text, parse_time_text
from evoflux.workflow.schema_read import schema_types

_MONTHS = "|".join(month.capitalize() for month in (*MONTHS, *MONTH_ABBREVIATIONS))
_DATE_TEXT = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+\d{{4}}\b"
    rf"|\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b"
)
_QUOTED = re.compile(r"\"([^\"]+)\"|“([^”]+)”|‘([^’]+)’|(?<!\w)'([^']+)'(?!\w)")
_NUMBER = re.compile(r"(?<![\w.\-])([+-]?\d+(?:\.\d+)?)(?:\s*-?\s*([A-Za-z°%][A-Za-z°%/]*))?")
# A capitalized name, with lower-case particles ("Rio de Janeiro") and model numbers between its words
# ("Ultrabook 14 Air").
_CAPITALIZED = re.compile(
    rf"[A-ZÀ-Þ][\w'’-]*(?:[ -](?:[A-ZÀ-Þ][\w'’-]*|{'|'.join(NAME_PARTICLES)}|\d+(?=[ -][A-ZÀ-Þ])))*"
)
_SENTENCE_END = re.compile(r"[.?!:;]\s*$")
# Names: quoted phrases of 2 to 80 characters, and words.
_QUOTED_NAME = re.compile(r"'([^']{2,80})'|\"([^\"]{2,80})\"")
_WORD = re.compile(r"[A-Za-z][\w-]*")


@dataclass(frozen=True)
class TaskLiteral:
    """One value the task states: its kind (`place`, `date`, `time`, `number`, `quoted`), value and unit word."""

    kind: str
    value: Any
    text: str
    unit: str = ""


def task_literals(task: str) -> list[TaskLiteral]:
    """Every literal in the task, in order of appearance; numbers inside dates, times or quotes are skipped."""
    found: list[tuple[int, TaskLiteral]] = []
    taken: list[tuple[int, int]] = []
    for match in _QUOTED.finditer(task):
        phrase = next(g for g in match.groups() if g is not None)
        found.append((match.start(), TaskLiteral("quoted", phrase.strip(), match.group())))
        taken.append(match.span())
    for match in _DATE_TEXT.finditer(task):
        day = parse_date_text(match.group()) if not _inside(match.span(), taken) else None
        if day is not None:
            found.append((match.start(), TaskLiteral("date", day, match.group())))
            taken.append(match.span())
    for match in TIME_TEXT.finditer(task):
        clock = parse_time_text(match.group()) if not _inside(match.span(), taken) else None
        if clock is not None:
            found.append((match.start(), TaskLiteral("time", clock, match.group())))
            taken.append(match.span())
    for match in _NUMBER.finditer(task):
        if not _inside(match.span(1), taken):
            number = float(match.group(1))
            value = int(number) if number.is_integer() and "." not in match.group(1) else number
            found.append(
                (match.start(), TaskLiteral("number", value, match.group(), (match.group(2) or "").lower()))
            )
    for start, place in _places(task, taken):
        found.append((start, TaskLiteral("place", place, place)))
    return [literal for _, literal in sorted(found, key=lambda item: item[0])]


def _inside(span: tuple[int, int], taken: Iterable[tuple[int, int]]) -> bool:
    return any(start <= span[0] and span[1] <= end for start, end in taken)


def _places(task: str, taken: list[tuple[int, int]]) -> list[tuple[int, str]]:
    """Capitalized names not opening a sentence (unless a place word like `in` precedes), without leading
    question words, and not months, weekdays, units or all-capital codes (`USD`)."""
    places = []
    for match in _CAPITALIZED.finditer(task):
        if _inside(match.span(), taken):
            continue
        parts = re.sub(r"['’]s$", "", match.group()).rstrip(".'’-").split()
        leading = 0
        while leading < len(parts) and parts[leading].lower().rstrip("'’s") in NOT_PLACES:
            leading += 1
        parts = parts[leading:]
        if not parts or any(p.lower() in NOT_PLACES or (p.isupper() and len(p) > 1) for p in parts):
            continue
        before = task[: match.start()]
        previous = before.split()[-1].lower().strip(",") if before.split() else ""
        opens_sentence = not before.strip() or _SENTENCE_END.search(before) is not None
        if leading == 0 and opens_sentence and previous not in PLACE_CUES:
            continue
        places.append((match.start(), " ".join(parts)))
    return places


def salient_terms(task: str) -> set[str]:
    """Names the request gives: quoted phrases and capitalised words that do not start a sentence, but for
    months and weekdays (dates reach tools as dates)."""
    quoted = {q.strip().lower() for pair in _QUOTED_NAME.findall(task) for q in pair if q.strip()}
    names = set()
    for sentence in re.split(r"(?<=[.?!])\s+", task):
        words = _WORD.findall(sentence)
        names |= {w.lower() for w in words[1:] if w[0].isupper() and w.lower() not in NOT_NAMES}
    return quoted | names


def literal_for(
    name: str, schema: Mapping[str, Any], task: str, *, exclude: Iterable[Any] = ()
) -> tuple[Any, str] | None:
    """The one task literal an argument asks for, by its name, description and type, with a reason;
    None when none fits or several do. Values in `exclude` (already used for this purpose) are skipped."""
    if not task:
        return None
    used = {_key(v) for v in exclude}
    literals = [lit for lit in task_literals(task) if _key(lit.value) not in used]
    types = schema_types(schema)
    described = set(name_words(name)) | set(name_words(str(schema.get("description") or "")))
    wants_string = not types or "string" in types
    free_text = wants_string and "enum" not in schema and "pattern" not in schema
    fmt = str(schema.get("format") or "")
    pattern = str(schema.get("pattern") or "")
    date_like = (
        fmt in ("date", "date-time") or r"\d{4}" in pattern or {"date", "datetime"} & set(name_words(name))
    )
    if wants_string and date_like:
        return _when(literals, fmt, pattern, name)
    if types & {"number", "integer"}:
        return _number(literals, name)
    if free_text and PLACE_WORDS & described:
        return _single([lit for lit in literals if lit.kind == "place"], name, "place")
    if free_text and TEXT_WORDS & set(name_words(name)):
        return _single([lit for lit in literals if lit.kind == "quoted"], name, "quoted phrase")
    return None


def _key(value: Any) -> str:
    return str(value).casefold().strip()


def _single(found: list[TaskLiteral], name: str, what: str) -> tuple[Any, str] | None:
    values = list(dict.fromkeys(lit.value for lit in found))
    if len(values) != 1:
        return None
    return values[0], f"the task names one {what} for {name}: {values[0]!r}"


def _when(literals: list[TaskLiteral], fmt: str, pattern: str, name: str) -> tuple[Any, str] | None:
    days = list(dict.fromkeys(lit.value for lit in literals if lit.kind == "date"))
    clocks = list(dict.fromkeys(lit.value for lit in literals if lit.kind == "time"))
    if len(days) != 1:
        return None
    wants_time = fmt == "date-time" or "T" in pattern or "time" in name_words(name)
    if wants_time:
        if len(clocks) != 1:
            return None
        stamp = datetime.combine(days[0], clocks[0]).isoformat(timespec="seconds")
        return stamp, f"the task gives one date and one time for {name}: {stamp}"
    day: date = days[0]
    return day.isoformat(), f"the task gives one date for {name}: {day.isoformat()}"


def _number(literals: list[TaskLiteral], name: str) -> tuple[Any, str] | None:
    numbers = [lit for lit in literals if lit.kind == "number"]
    mine = set(name_words(name))
    with_unit = [lit for lit in numbers if lit.unit and any(_same_word(lit.unit, w) for w in mine)]
    if with_unit:
        return _single(with_unit, name, "number of " + with_unit[0].unit)
    if mine & QUANTITY_WORDS:
        return _single(numbers, name, "number")
    return None


def _same_word(unit: str, word: str) -> bool:
    """Whether the unit word after a number is the word of an argument's name: the same word (`nights`,
    `night`) or the same unit however each is spelled (`kilograms` and `weight_kg`'s `kg`)."""
    return stem(unit) == stem(word) or same_unit(unit, word)
