"""Whether an answer text meets a task's expectation: numbers within a tolerance, text, regex, sets, JSON.

Owns what an expectation is (`Expected`, with its validation) and the matching rules; not task files (`tasks`).
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

_EPSILON = 1e-9  # float noise allowed on top of every tolerance
_MAX_JSON_STARTS = 200
_SHOWN_NUMBERS = 8
_PREVIEW_CHARS = 80

# Spans whose digits are not quantities: ISO dates and date-times, clock times, d/m/y dates, and hyphenated
# identifiers that start with a letter (CTY-0007, WX-OSL-01, ALRT-26-0311, EM-20).
_NOT_QUANTITIES = re.compile(
    r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\b\d{1,2}:\d{2}(?::\d{2})?(?:\s*[+-]\d{2}:\d{2})?\b"
    r"|\b\d{1,2}/\d{1,2}/\d{2,4}\b"
    r"|\b[^\W\d_][^\W_]*(?:-[^\W_]+)+"
)
# A number not glued to a word or a dot before it (so not the 3 of `n3`, `H2O` or `v1.2.3`): optional sign,
# digits with optional `,ddd` thousands groups, optional decimals, optional exponent.
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?(?!\d)")
_EDGE_PUNCTUATION = " \t\n.,;:!?\"'`"


class MatchKind(StrEnum):
    NUMBER = "number"
    EXACT = "exact"
    CONTAINS = "contains"
    REGEX = "regex"
    SET = "set"
    JSON_SUBSET = "json_subset"


_KINDS = ", ".join(kind.value for kind in MatchKind)
_FIELDS = ("match", "value", "tolerance", "rel_tolerance")
_NUMERIC_KINDS = (MatchKind.NUMBER, MatchKind.SET, MatchKind.JSON_SUBSET)


class InvalidExpected(ValueError):
    """An `expected` object that cannot be used; `problems` are messages like `expected.match must be ...`."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Expected:
    """What a correct answer must contain; `tolerance` (absolute) and `rel_tolerance` apply to numbers."""

    match: MatchKind
    value: Any
    tolerance: float | None = None
    rel_tolerance: float | None = None

    @classmethod
    def parse(cls, data: Any) -> Expected:
        """An Expected from its JSON form; raises InvalidExpected listing every problem."""
        if not isinstance(data, Mapping):
            raise InvalidExpected(
                [f'expected must be an object like {{"match": "number", "value": 12.5}}, got {_kind(data)}']
            )
        problems = [
            f"expected: unknown field {key!r} (known: {', '.join(_FIELDS)})"
            for key in data
            if key not in _FIELDS
        ]
        kind = _parse_kind(data, problems)
        if "value" not in data:
            problems.append("expected.value is required")
        elif kind is not None:
            problems.extend(_value_problems(kind, data["value"]))
        for key in ("tolerance", "rel_tolerance"):
            if key not in data:
                continue
            if kind is not None and kind not in _NUMERIC_KINDS:
                problems.append(
                    f"expected.{key} applies only to number, set and json_subset, not {kind.value}"
                )
            elif not _is_number(data[key]) or data[key] < 0:
                problems.append(f"expected.{key} must be a non-negative number, got {data[key]!r}")
        if problems or kind is None:
            raise InvalidExpected(problems)
        return cls(kind, data["value"], data.get("tolerance"), data.get("rel_tolerance"))

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"match": self.match.value, "value": self.value}
        if self.tolerance is not None:
            data["tolerance"] = self.tolerance
        if self.rel_tolerance is not None:
            data["rel_tolerance"] = self.rel_tolerance
        return data


def _parse_kind(data: Mapping[str, Any], problems: list[str]) -> MatchKind | None:
    if "match" not in data:
        problems.append(f"expected.match is required (one of {_KINDS})")
        return None
    try:
        return MatchKind(data["match"])
    except (ValueError, TypeError):
        problems.append(f"expected.match must be one of {_KINDS}, got {data['match']!r}")
        return None


def _value_problems(kind: MatchKind, value: Any) -> list[str]:
    if kind is MatchKind.NUMBER and not _is_number(value):
        return [f"expected.value must be a finite number for number, got {value!r}"]
    if kind in (MatchKind.EXACT, MatchKind.REGEX) and not _is_text(value):
        return [f"expected.value must be a non-empty string for {kind.value}, got {value!r}"]
    if kind is MatchKind.REGEX:
        try:
            re.compile(value)
        except re.error as exc:
            return [f"expected.value is not a valid regular expression: {exc}"]
    if kind is MatchKind.CONTAINS and not (
        _is_text(value) or (isinstance(value, list) and value and all(map(_is_text, value)))
    ):
        return [f"expected.value must be a non-empty string or list of them for contains, got {value!r}"]
    if kind is MatchKind.SET and not (
        isinstance(value, list) and value and all(_is_text(v) or _is_number(v) for v in value)
    ):
        return [f"expected.value must be a non-empty list of strings and numbers for set, got {value!r}"]
    if kind is MatchKind.JSON_SUBSET and not isinstance(value, Mapping):
        return [f"expected.value must be a JSON object for json_subset, got {_kind(value)}"]
    return []


@dataclass(frozen=True)
class MatchResult:
    ok: bool
    detail: str


def matches(expected: Expected | Mapping[str, Any], answer_text: str | None) -> MatchResult:
    """Whether `answer_text` meets `expected` (or its JSON form), with a one-line reason either way.

    number: some number in the answer (see `find_numbers`) lies within `tolerance` or `rel_tolerance` of
    the value (exact when neither is given). exact: equal after folding case, accents, `_` and runs of
    spaces, ignoring punctuation at the ends. contains: every string appears, folded the same way.
    regex: `re.search`, case-insensitive. set: every string item appears as a whole word or phrase
    (folded) and every number item as a number. json_subset: some JSON object in the answer has every
    key of the value with a matching value (recursively; list items may be in any order).
    """
    spec = expected if isinstance(expected, Expected) else Expected.parse(expected)
    if answer_text is None:
        return MatchResult(False, "no answer")
    return _MATCHERS[spec.match](spec, answer_text)


def find_numbers(text: str) -> list[float]:
    """The quantities written in `text`, in order: `16,120 JPY` -> 16120, `-1.3 °C` -> -1.3, `1.6e-19`.

    A comma followed by three digits is a thousands separator. Not numbers: digits glued to a word
    (`[n3]`, `H2O`), hyphenated ids (`CTY-0007`), ISO dates and times (`2026-03-20`, `14:30`), d/m/y dates.
    """
    masked = _NOT_QUANTITIES.sub(" ", text.replace("\u2212", "-"))
    return [float(m.group().replace(",", "")) for m in _NUMBER.finditer(masked)]


def _match_number(spec: Expected, answer: str) -> MatchResult:
    found = find_numbers(answer)
    hit = next((x for x in found if _close(x, spec.value, spec)), None)
    if hit is not None:
        return MatchResult(True, f"found {_show(hit)} (expected {_describe_number(spec.value, spec)})")
    seen = ", ".join(map(_show, found[:_SHOWN_NUMBERS])) + (", ..." if len(found) > _SHOWN_NUMBERS else "")
    return MatchResult(
        False,
        f"no number within {_describe_number(spec.value, spec)}; "
        + (f"numbers found: {seen}" if found else "the answer has no numbers"),
    )


def _match_exact(spec: Expected, answer: str) -> MatchResult:
    if _fold(answer).strip(_EDGE_PUNCTUATION) == _fold(spec.value).strip(_EDGE_PUNCTUATION):
        return MatchResult(True, "exact match")
    return MatchResult(False, f"expected exactly {spec.value!r}, got {_preview(answer)!r}")


def _match_contains(spec: Expected, answer: str) -> MatchResult:
    wanted = [spec.value] if isinstance(spec.value, str) else spec.value
    folded = _fold(answer)
    missing = [item for item in wanted if _fold(item) not in folded]
    if missing:
        return MatchResult(False, f"missing: {', '.join(map(repr, missing))}")
    return MatchResult(True, f"contains all of {', '.join(map(repr, wanted))}")


def _match_regex(spec: Expected, answer: str) -> MatchResult:
    found = re.search(spec.value, answer, re.IGNORECASE)
    if found is None:
        return MatchResult(False, f"no match for /{spec.value}/")
    return MatchResult(True, f"matched {found.group()!r}")


def _match_set(spec: Expected, answer: str) -> MatchResult:
    folded, numbers = _fold(answer), find_numbers(answer)
    missing = [
        item
        for item in spec.value
        if not (
            any(_close(x, item, spec) for x in numbers)
            if _is_number(item)
            else re.search(rf"(?<!\w){re.escape(_fold(item))}(?!\w)", folded)
        )
    ]
    if missing:
        return MatchResult(False, f"missing: {', '.join(map(repr, missing))}")
    return MatchResult(True, f"mentions all {len(spec.value)} items")


def _match_json_subset(spec: Expected, answer: str) -> MatchResult:
    objects = _json_objects(answer)
    if not objects:
        return MatchResult(False, "no JSON object in the answer")
    if any(_is_subset(spec.value, found, spec) for found in objects):
        return MatchResult(True, "a JSON object in the answer contains the expected fields")
    shown = json.dumps(spec.value, ensure_ascii=False)
    return MatchResult(False, f"none of the {len(objects)} JSON objects in the answer contains {shown}")


_MATCHERS = {
    MatchKind.NUMBER: _match_number,
    MatchKind.EXACT: _match_exact,
    MatchKind.CONTAINS: _match_contains,
    MatchKind.REGEX: _match_regex,
    MatchKind.SET: _match_set,
    MatchKind.JSON_SUBSET: _match_json_subset,
}


def _json_objects(text: str) -> list[dict[str, Any]]:
    """Every JSON object that starts at some `{` of `text` (nested ones too)."""
    decoder = json.JSONDecoder()
    found = []
    for start in [m.start() for m in re.finditer(r"\{", text)][:_MAX_JSON_STARTS]:
        try:
            value, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            continue  # not a JSON object at this brace
        if isinstance(value, dict):
            found.append(value)
    return found


def _is_subset(expected: Any, actual: Any, spec: Expected) -> bool:
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(
            key in actual and _is_subset(value, actual[key], spec) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return isinstance(actual, list) and all(any(_is_subset(e, a, spec) for a in actual) for e in expected)
    if _is_number(expected):
        return _is_number(actual) and _close(actual, expected, spec)
    if isinstance(expected, str):
        return isinstance(actual, str) and _fold(actual) == _fold(expected)
    return actual is expected  # true, false, null


def _close(found: float, value: float, spec: Expected) -> bool:
    if spec.tolerance is None and spec.rel_tolerance is None:
        return math.isclose(found, value, rel_tol=_EPSILON, abs_tol=_EPSILON)
    gap = abs(found - value)
    return (spec.tolerance is not None and gap <= spec.tolerance + _EPSILON) or (
        spec.rel_tolerance is not None and gap <= spec.rel_tolerance * abs(value) + _EPSILON
    )


def _describe_number(value: float, spec: Expected) -> str:
    bounds = [f"± {_show(spec.tolerance)}"] if spec.tolerance is not None else []
    if spec.rel_tolerance is not None:
        bounds.append(f"± {_show(spec.rel_tolerance * 100)}%")
    return f"{_show(value)} {' or '.join(bounds)}" if bounds else f"exactly {_show(value)}"


def _fold(text: str) -> str:
    """Case-, accent-, underscore- and spacing-insensitive form of `text`."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().replace("_", " ")
    return " ".join(plain.split())


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _show(value: float) -> str:
    return f"{value:.10g}"


def _preview(text: str) -> str:
    return text if len(text) <= _PREVIEW_CHARS else text[: _PREVIEW_CHARS - 1] + "…"


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number" if _is_number(value) else type(value).__name__
    )
