"""Value transforms behind coercion: numbers, enum spellings, dates and times, limits."""

from __future__ import annotations

import re
from datetime import date, time

import pytest

from evoflux.repair.values import candidates, enum_match, is_limit, to_number
from evoflux.request.dates import parse_date_text, parse_when

LENGTH = ["millimeter", "centimeter", "meter", "kilometer", "inch", "foot", "yard", "mile", "nautical_mile"]
PRESSURE = ["pascal", "hectopascal", "kilopascal", "bar", "psi", "atmosphere", "inches of mercury"]
MASS = ["gram", "kilogram", "pound", "ounce", "stone"]
TEMPERATURE = ["celsius", "fahrenheit", "kelvin"]
SPEED = ["meter_per_second", "kilometer_per_hour", "mile_per_hour", "knot"]
TIME_UNITS = ["seconds", "minutes", "hours", "days", "milliseconds"]


@pytest.mark.parametrize(
    ("value", "options", "meant"),
    [
        ("kilometers", LENGTH, "kilometer"),
        ("KM", LENGTH, "kilometer"),
        ("Miles", LENGTH, "mile"),
        ("feet", LENGTH, "foot"),
        ("nautical miles", LENGTH, "nautical_mile"),
        ("kpa", PRESSURE, "kilopascal"),
        ("inHg", PRESSURE, "inches of mercury"),
        ("pounds", MASS, "pound"),
        ("lbs", MASS, "pound"),
        ("Celsius", TEMPERATURE, "celsius"),
        ("deg C", TEMPERATURE, "celsius"),
        ("°F", TEMPERATURE, "fahrenheit"),
        ("mph", SPEED, "mile_per_hour"),
        ("km/h", SPEED, "kilometer_per_hour"),
        ("ms", TIME_UNITS, "milliseconds"),
        ("hour", TIME_UNITS, "hours"),
        ("fahr", TEMPERATURE, "fahrenheit"),
        ("kilometr", LENGTH, "kilometer"),
        ("3", [1, 2, 3], 3),
    ],
)
def test_enum_match(value, options, meant):
    assert enum_match(value, options) == meant


@pytest.mark.parametrize(
    ("value", "options"),
    [
        ("kilo", ["kilometer", "kilogram"]),  # a prefix of both
        ("m", ["mile", "minute"]),  # the abbreviation means meter, which is not an option
        ("big", LENGTH),
        ("celsius", TEMPERATURE),  # already fine: nothing to change
        (True, ["true", "false"]),
    ],
)
def test_enum_match_refuses_unclear_values(value, options):
    assert enum_match(value, options) is None


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("42", 42),
        (" -3.5 ", -3.5),
        ("1,200", 1200),
        ("1e3", 1000.0),
        ("7.0", 7.0),
        ("4 km", None),
        ("x", None),
    ],
)
def test_to_number(text, number):
    assert to_number(text) == number


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-03-20", date(2026, 3, 20)),
        ("March 20, 2026", date(2026, 3, 20)),
        ("20th of March 2026", date(2026, 3, 20)),
        ("Friday, March 20, 2026", date(2026, 3, 20)),
        ("2026/03/20", date(2026, 3, 20)),
        ("20.03.2026", date(2026, 3, 20)),
        ("03/20/2026", date(2026, 3, 20)),  # only one reading is a real date
        ("03/04/2026", None),  # March 4th or April 3rd
        ("soon", None),
    ],
)
def test_parse_date_text(text, day):
    assert parse_date_text(text) == day


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("2026-03-20 15:00", (date(2026, 3, 20), time(15, 0))),
        ("2026-03-20T15:00:00Z", (date(2026, 3, 20), time(15, 0))),
        ("March 20, 2026 at 3pm", (date(2026, 3, 20), time(15, 0))),
        ("15:30 on 20 March 2026", (date(2026, 3, 20), time(15, 30))),
        ("3:30 p.m.", (None, time(15, 30))),
        ("2026-03-20", (date(2026, 3, 20), None)),
    ],
)
def test_parse_when(text, when):
    assert parse_when(text) == when


def test_limits_are_counts_not_data():
    assert is_limit("limit", {"type": "integer", "minimum": 1, "maximum": 50})
    assert is_limit("max_results", {"type": "integer"})
    assert is_limit("days", {"type": "integer", "minimum": 1, "maximum": 7})
    assert not is_limit("days", {"type": "integer", "minimum": -3650, "maximum": 3650})  # days to add
    assert not is_limit("amount", {"type": "number", "minimum": 0})
    assert not is_limit("max_price", {"type": "number", "exclusiveMinimum": 0})


def test_candidates_cover_each_kind():
    def first(value, schema):
        return next(iter(candidates(value, schema, schema)))[0]

    assert first("42", {"type": "integer"}) == 42
    assert first("true", {"type": "boolean"}) is True
    assert first("a, b", {"type": "array", "items": {"type": "string"}}) == ["a", "b"]
    assert first("1, 2", {"type": "array", "items": {"type": "integer"}}) == [1, 2]
    assert first("x", {"type": "array"}) == ["x"]
    assert first('{"a": 1}', {"type": "object"}) == {"a": 1}
    assert first(["Oslo"], {"type": "string"}) == "Oslo"
    assert first(7, {"type": "string"}) == "7"
    assert first("de", {"type": "string", "pattern": "^[A-Z]{2}$"}) == "DE"
    assert first("March 20, 2026", {"type": "string", "format": "date"}) == "2026-03-20"
    assert first("12 km", {"type": "number"}) == 12
    anyof = {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]}
    assert first("5", anyof) == 5


@pytest.mark.parametrize(
    ("value", "pattern", "name", "meant"),
    [
        ("Australia", "^[A-Z]{2}$", "destination_country", "AU"),
        ("japan", "^[A-Z]{3}$", "country", "JPN"),
        ("Euro", "^[A-Z]{3}$", "currency", "EUR"),
        ("United Mexican States", "^[A-Z]{2}$", "country_code", "MX"),
    ],
)
def test_a_country_or_currency_name_becomes_the_code_the_pattern_wants(value, pattern, name, meant):
    schema = {"type": "string", "pattern": pattern}
    fitting = [
        c for c, _ in candidates(value, schema, schema, name) if isinstance(c, str) and re.match(pattern, c)
    ]
    assert fitting[0] == meant


def test_codes_and_unknown_names_are_not_read_as_countries():
    code = {"type": "string", "pattern": "^[A-Z]{3}$"}
    assert "CAN" not in [c for c, _ in candidates("CA", code, code, "currency")]
    assert [
        c for c, _ in candidates("Canberra", code, code, "country") if re.match("^[A-Z]{3}$", str(c))
    ] == []
