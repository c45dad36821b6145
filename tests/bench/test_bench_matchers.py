"""Answer matchers: numbers found in prose (ids, dates, citations are not numbers), text, regex, sets, JSON."""

import pytest

from evoflux.bench.matchers import Expected, InvalidExpected, MatchKind, find_numbers, matches


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("The Stratos costs 16,120 JPY.", [16120]),
        ("It is -1.3 °C in Oslo", [-1.3]),
        ("It is −1.3 °C (unicode minus)", [-1.3]),
        ("Total: 1,234.5 EUR", [1234.5]),
        ("$1,199.00", [1199]),
        ("An electronvolt is 1.602176634e-19 J", [1.602176634e-19]),
        ("6.02E23 molecules", [6.02e23]),
        ("dial +354", [354]),
        ("93% chance", [93]),
        ("a 12kg parcel", [12]),
        ("the 24-70 mm lens", [24, 70]),
        ("between -5 and -3 degrees", [-5, -3]),
        ("lists 1,2,3", [1, 2, 3]),
        ("Sources: [n3], [n12]", []),
        ("city CTY-0007", []),
        ("station WX-OSL-01, alert ALRT-26-0311", []),
        ("the EM-20 machine", []),
        ("arrives 2026-03-20", []),
        ("ends 2026-03-20T20:00:00+11:00 local", []),
        ("at 14:30 or 9:05:30", []),
        ("on 20/03/2026", []),
        ("H2O and version v1.2.3", []),
        (
            "Tokyo (CTY-0026) is 8404.8 km [n3] from Oslo, on 2026-03-16 at 09:00: 4538.23 nmi",
            [8404.8, 4538.23],
        ),
    ],
)
def test_find_numbers(text, numbers):
    assert find_numbers(text) == pytest.approx(numbers)


@pytest.mark.parametrize(
    ("expected", "answer", "ok"),
    [
        ({"value": 32355, "tolerance": 1}, "The Stratos costs 32,355 JPY [n2].", True),
        ({"value": 16120, "tolerance": 0.5}, "That comes to 16,120 JPY.", True),
        ({"value": 2312.2, "tolerance": 0.05}, "Lisbon to Berlin is 1436.7 miles (2312.2 km).", True),
        ({"value": -1.3, "tolerance": 0.05}, "Currently -1.3 °C, snow.", True),
        ({"value": 1.3, "tolerance": 0.05}, "Currently -1.3 °C, snow.", False),
        ({"value": 7}, "Station CTY-0007 reports 12 °C", False),
        ({"value": 12}, "Station CTY-0007 reports 12 °C", True),
        ({"value": 20}, "It arrives on 2026-03-20.", False),
        ({"value": 3}, "Berlin is the capital [n3].", False),
        ({"value": 42.1648, "rel_tolerance": 0.001}, "A marathon is about 42.16 km.", True),
        ({"value": 42.1648, "rel_tolerance": 0.001}, "A marathon is about 42 km.", False),
        ({"value": 20}, "There are 20 business days.", True),
        ({"value": 20}, "There are 20.5 business days.", False),
        ({"value": 126.2, "tolerance": 0.01}, "Shipping is 126.21 EUR.", True),
        ({"value": 126.2, "tolerance": 0.01}, "Shipping is 126.22 EUR.", False),
        ({"value": 1.602e-19, "rel_tolerance": 0.01}, "1 eV = 1.6e-19 J", True),
        ({"value": 176.667, "tolerance": 0.5, "rel_tolerance": 0.0001}, "About 177 °C.", True),
    ],
)
def test_number_matcher(expected, answer, ok):
    assert matches({"match": "number", **expected}, answer).ok is ok


def test_number_failure_lists_the_numbers_seen():
    result = matches({"match": "number", "value": 7, "tolerance": 0.5}, "CTY-0007 is 12 km and 30 km away")
    assert not result.ok
    assert result.detail == "no number within 7 ± 0.5; numbers found: 12, 30"
    assert "no numbers" in matches({"match": "number", "value": 1}, "none here").detail
    assert matches({"match": "number", "value": 16120, "tolerance": 0.5}, "16,120 JPY").detail == (
        "found 16120 (expected 16120 ± 0.5)"
    )


def test_no_answer_never_matches():
    assert matches({"match": "contains", "value": "x"}, None) == matches(
        Expected(MatchKind.CONTAINS, "x"), None
    )
    assert matches({"match": "contains", "value": "x"}, None).detail == "no answer"


@pytest.mark.parametrize(
    ("value", "answer", "ok"),
    [
        ("canberra", "  Canberra. ", True),
        ("Sao Paulo", "São   Paulo", True),
        ("partly cloudy", "partly_cloudy", True),
        ("Canberra", "Canberra is the capital.", False),
    ],
)
def test_exact_matcher(value, answer, ok):
    assert matches({"match": "exact", "value": value}, answer).ok is ok


def test_contains_needs_every_item_case_and_accent_insensitively():
    expected = {"match": "contains", "value": ["Lucía Romero", "Hamburg Institute"]}
    assert matches(expected, "lucia romero, HAMBURG   institute").ok
    result = matches(expected, "Lucía Romero only")
    assert not result.ok and result.detail == "missing: 'Hamburg Institute'"
    assert matches({"match": "contains", "value": "snow"}, "Snowfall of 5-10 cm").ok


@pytest.mark.parametrize(
    ("answer", "ok"), [("It will be 8 PM there.", True), ("20:00 in Sydney", True), ("8:00 am", False)]
)
def test_regex_matcher_is_case_insensitive(answer, ok):
    assert matches({"match": "regex", "value": r"(?<!\d)20:00|\b8(?::00)?\s*pm\b"}, answer).ok is ok


@pytest.mark.parametrize(
    ("expected", "answer", "ok"),
    [
        ({"value": ["snow", 93]}, "Snow is likely: 93% chance [n2].", True),
        ({"value": ["snow", 93]}, "Snowy, 93% chance.", False),
        ({"value": ["snow", 93]}, "Snow, 9.3% chance.", False),
        (
            {"value": [42.55, "Thursday"], "tolerance": 0.01},
            "A$42.55, arriving on Thursday 2026-03-26.",
            True,
        ),
        ({"value": ["Bern", "Milan", "Geneva"]}, "Closest: Geneva, Milan and Bern.", True),
        ({"value": ["Bern", "Milan", "Geneva"]}, "Closest: Berne, Milan and Geneva.", False),
        (
            {"value": ["Daily stand-up", "Incident post-mortem"]},
            "A daily stand-up and an incident post-mortem",
            True,
        ),
        ({"value": ["partly_cloudy"]}, "Partly cloudy skies", True),
        ({"value": [9.3, 13.8], "tolerance": 0.05}, "Lisbon (13.8 °C) is warmer than Rome (9.3 °C).", True),
        ({"value": [9.3, 13.8], "tolerance": 0.05}, "Lisbon is warmer (13.8 °C).", False),
    ],
)
def test_set_matcher(expected, answer, ok):
    assert matches({"match": "set", **expected}, answer).ok is ok


def test_set_failure_names_the_missing_items():
    assert matches({"match": "set", "value": ["Tokyo Office", 3]}, "Tokyo Office").detail == "missing: 3"


@pytest.mark.parametrize(
    ("answer", "ok"),
    [
        ('Here you go: {"temperature_c": 24.9, "condition": "Fog", "wind": 7} [n2]', True),
        ('```json\n{"data": {"temperature_c": 24.9, "condition": "fog"}}\n```', True),
        ('{"temperature_c": 25, "condition": "fog"}', False),
        ('{"temperature_c": "24.9", "condition": "fog"}', False),
        ("temperature_c is 24.9 and condition fog", False),
        ('{"temperature_c": 24.9, "condition": "fog"', False),
    ],
)
def test_json_subset_matcher(answer, ok):
    expected = {"match": "json_subset", "value": {"temperature_c": 24.9, "condition": "fog"}}
    assert matches(expected, answer).ok is ok


def test_json_subset_compares_nested_values_lists_and_literals():
    expected = {
        "match": "json_subset",
        "value": {"cities": [{"name": "Bern"}], "ok": True, "n": 2},
        "tolerance": 0,
    }
    assert matches(
        expected, '{"cities": [{"name": "Milan"}, {"name": "Bern", "km": 95}], "ok": true, "n": 2.0}'
    ).ok
    assert not matches(expected, '{"cities": [{"name": "Bern"}], "ok": 1, "n": 2}').ok
    assert matches(expected, "no json").detail == "no JSON object in the answer"


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ([1], "expected must be an object"),
        ({"value": 1}, "expected.match is required"),
        (
            {"match": "numbr", "value": 1},
            "expected.match must be one of number, exact, contains, regex, set, json_subset",
        ),
        ({"match": "number"}, "expected.value is required"),
        ({"match": "number", "value": "12"}, "expected.value must be a finite number"),
        ({"match": "number", "value": True}, "expected.value must be a finite number"),
        ({"match": "exact", "value": " "}, "expected.value must be a non-empty string for exact"),
        ({"match": "regex", "value": "(unclosed"}, "expected.value is not a valid regular expression"),
        ({"match": "contains", "value": []}, "non-empty string or list of them for contains"),
        ({"match": "set", "value": [["nested"]]}, "non-empty list of strings and numbers for set"),
        ({"match": "json_subset", "value": [1]}, "expected.value must be a JSON object for json_subset"),
        ({"match": "exact", "value": "x", "tolerance": 1}, "expected.tolerance applies only to number"),
        (
            {"match": "number", "value": 1, "rel_tolerance": -0.1},
            "expected.rel_tolerance must be a non-negative",
        ),
        ({"match": "number", "value": 1, "tol": 1}, "expected: unknown field 'tol'"),
    ],
)
def test_invalid_expectations_are_explained(data, problem):
    with pytest.raises(InvalidExpected) as caught:
        Expected.parse(data)
    assert any(p.startswith(problem) or problem in p for p in caught.value.problems), caught.value.problems


def test_expected_round_trips_through_json():
    data = {"match": "set", "value": [42.55, "Thursday"], "tolerance": 0.01}
    assert Expected.parse(data).to_json() == data
