"""The word helpers: one tokenizer, one squash, one singular, one stem, and the word lists."""

from __future__ import annotations

import re

import pytest

from evoflux.lexicon import (
    DATE_WORDS,
    ID_WORDS,
    NOT_NAMES,
    NOT_PLACES,
    base_name,
    name_words,
    singular,
    squash,
    stem,
)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("cityIdA", ["city", "id", "a"]),
        ("station_id", ["station", "id"]),
        ("HTTPServer_v2", ["http", "server", "v", "2"]),
        ("getCurrentWeather_tool", ["get", "current", "weather", "tool"]),
        ("abc123def", ["abc", "123", "def"]),
        ("Zürich", ["z", "rich"]),
        ("", []),
    ],
)
def test_name_words_split_at_case_changes_digits_and_separators(name, words):
    assert name_words(name) == words


def test_name_words_keep_digits_with_letters_when_asked():
    """Name similarity reads `v2beta` as one word, where argument matching reads three."""
    assert name_words("v2beta_Tool", digits_apart=False) == ["v2beta", "tool"]
    assert name_words("ABC1def", digits_apart=False) == ["abc1def"]
    assert name_words("v2beta_Tool") == ["v", "2", "beta", "tool"]


def test_name_words_drop_lone_lower_case_letters_when_asked():
    """Retrieval never counted a single lower-case letter as a word (`iPhone` is `phone`); a capital stays."""
    assert name_words("iPhone", lone_letters=False) == ["phone"]
    assert name_words("city_id_a", lone_letters=False) == ["city", "id"]
    assert name_words("cityIdA", lone_letters=False) == ["city", "id", "a"]
    assert name_words("iPhone") == ["i", "phone"]


@pytest.mark.parametrize(
    ("name", "base"),
    [("city_id_a", "city_id"), ("cityIdB", "city_id"), ("unit_from", "unit"), ("to", "to"), ("x", "x")],
)
def test_base_name_drops_one_trailing_letter_or_tag(name, base):
    assert base_name(name) == base


@pytest.mark.parametrize(
    ("text", "squashed", "separated"),
    [
        ("Weather Data", "weatherdata", "weather_data"),
        ("weatherData", "weatherdata", "weather_data"),
        ("weather-data__", "weatherdata", "weather_data"),
        ("getHTTPResponse2", "gethttpresponse2", "get_http_response2"),
        ("", "", ""),
    ],
)
def test_squash_with_and_without_a_separator(text, squashed, separated):
    """One spelling whatever the case and separators; the `_` form is what name similarity compares."""
    assert squash(text) == squashed
    assert squash(text, "_") == separated


@pytest.mark.parametrize(
    ("plural", "single"),
    [
        ("Grinders", "Grinder"),
        ("batteries", "battery"),
        ("glasses", "glass"),
        ("boxes", "box"),
        ("watches", "watch"),
        ("bus", "bus"),
        ("analysis", "analysis"),  # the enum matcher's copy made it "analysi"
        ("P-1001s", "P-1001s"),
        ("ties", "tie"),  # the filter's copy made it "ty"
        ("feet", "foot"),  # only the enum matcher's copy knew it
        ("Feet", "foot"),
        ("kilometers", "kilometer"),
        ("gas", "gas"),
    ],
)
def test_singular(plural, single):
    assert singular(plural) == single


@pytest.mark.parametrize(
    ("word", "stemmed"), [("stations", "station"), ("bus", "bus"), ("glasses", "glasse"), ("id", "id")]
)
def test_stem_only_drops_a_final_s(word, stemmed):
    assert stem(word) == stemmed


def test_word_lists():
    assert {"id", "key", "isbn"} <= ID_WORDS and "code" not in ID_WORDS
    assert {"march", "friday"} <= DATE_WORDS
    # Both stop lists leave out question words and dates; only places leave out units and request verbs,
    # only names leave out auxiliaries.
    assert {"what", "the", "march"} <= NOT_NAMES & NOT_PLACES
    assert {"celsius", "find", "utc"} <= NOT_PLACES - NOT_NAMES
    assert {"would", "my", "i'm"} <= NOT_NAMES - NOT_PLACES


def test_one_wording_list_serves_the_failure_test_the_not_found_test_and_discovery():
    from evoflux.execute.failure_text import reports_failure, says_nothing_found
    from evoflux.lexicon.wording import ERROR_WORDS, UNKNOWN_WORDING, alternatives
    from evoflux.repair.context import names_unknown_value

    assert re.fullmatch(alternatives(["not found"]), "not \t found")  # any whitespace between the words
    assert re.fullmatch(alternatives(["can't"]), "can't") and not re.fullmatch(alternatives(["a.b"]), "axb")
    for (
        opening
    ) in UNKNOWN_WORDING:  # an error opening with a not-found wording is a failure and names a value
        message = f"{opening.capitalize()} table: orders"
        assert reports_failure(message) and names_unknown_value(message, "orders")
    assert {"unknown", "found", "such", "invalid", "denied"} <= ERROR_WORDS
    assert says_nothing_found("No  rows returned") and says_nothing_found("0 items")
