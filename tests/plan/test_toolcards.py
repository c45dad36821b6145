"""Tool cards: one prompt line per tool with typed arguments, required marks, enums, ranges, patterns,
output shapes and, for id arguments, the shown tool that produces them (checked on the bundled servers)."""

from __future__ import annotations

import pytest

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.plan.toolcards import output_shape, tool_card, tool_cards, type_of
from tests.support import bundled_catalog


@pytest.fixture(scope="module")
def bundled() -> ToolCatalog:
    """The live catalog of every bundled server, listed in process."""
    return bundled_catalog()


def spec(
    server: str,
    name: str,
    properties: dict,
    required: tuple[str, ...] = (),
    *,
    description: str = "",
    output: dict | None = None,
) -> ToolSpec:
    schema = {"type": "object", "properties": properties, "required": list(required)}
    return ToolSpec(server, name, description or f"{name} on {server}", schema, output)


def card_of(catalog: ToolCatalog, key: str, *shown: str) -> str:
    """The card of `key` as `tool_cards` renders it next to the tools `shown`."""
    tools = [catalog.get(*k.split(":")) for k in (key, *shown)]
    assert all(tools), f"missing tool among {key}, {shown}"
    return tool_cards(tools).splitlines()[0]


# ---------------------------------------------------------------- type_of


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "string"}, "string"),
        ({}, "any"),
        ({"type": "string", "enum": ["metric", "imperial"]}, '"metric"|"imperial"'),
        ({"type": "integer", "minimum": 1, "maximum": 7}, "integer 1..7"),
        ({"type": "number", "minimum": 0}, "number >=0"),
        ({"type": "number", "maximum": 1000}, "number <=1000"),
        ({"type": "integer", "minimum": -90, "maximum": 90}, "integer -90..90"),
        ({"type": "string", "pattern": "^P-\\d{4}$"}, "string /^P-\\d{4}$/"),
        ({"type": "string", "format": "date"}, "string (date)"),
        ({"type": "array", "items": {"type": "string"}}, "list[string]"),
        ({"type": "array"}, "list[any]"),
        ({"type": "array", "items": {"type": "integer", "minimum": 1}}, "list[integer >=1]"),
        ({"type": "object", "properties": {"id": {}, "qty": {}}}, "{id, qty}"),
        ({"type": "object"}, "object"),
        ({"type": ["string", "null"]}, "string"),
        ({"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]}, "integer >=1"),
        ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, "string or integer"),
        ({"anyOf": [{"type": "string"}, {"type": "string"}]}, "string"),
        ({"anyOf": [{"type": "null"}]}, "any"),
    ],
)
def test_type_of_renders_short_types(schema, expected):
    assert type_of(schema) == expected


def test_type_of_follows_refs_into_defs():
    defs = {"Item": {"type": "object", "properties": {"product_id": {}, "quantity": {}}}}
    assert type_of({"$ref": "#/$defs/Item"}, defs) == "{product_id, quantity}"
    assert (
        type_of({"type": "array", "items": {"$ref": "#/$defs/Item"}}, defs) == "list[{product_id, quantity}]"
    )
    assert type_of({"$ref": "#/$defs/Missing"}, defs) == "any"


def test_long_enums_are_cut_after_24_values():
    values = [f"v{i}" for i in range(30)]
    shown = type_of({"type": "string", "enum": values})
    assert shown.startswith('"v0"|"v1"|') and shown.endswith('"v23"|…')
    assert '"v24"' not in shown
    exactly = type_of({"type": "string", "enum": values[:24]})
    assert exactly.endswith('"v23"') and "…" not in exactly


def test_integer_enums_are_not_shown_as_strings():
    assert type_of({"type": "integer", "enum": [1, 2, 3]}) == "1|2|3"


# ---------------------------------------------------------------- output_shape


def test_output_shape_without_a_schema_is_text():
    assert output_shape(None) == "text"
    assert output_shape({"type": "object"}) == "text"


def test_output_shape_goes_one_level_into_lists_and_objects():
    schema = {
        "type": "object",
        "properties": {
            "total": {"type": "integer"},
            "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}},
            "owner": {
                "anyOf": [{"type": "object", "properties": {"name": {}, "email": {}}}, {"type": "null"}]
            },
            "tags": {"type": "array", "items": {"type": "string"}},
        },
        "$defs": {
            "Item": {
                "type": "object",
                "properties": {"sku": {}, "qty": {"type": "object", "properties": {"n": {}}}},
            }
        },
    }
    assert output_shape(schema) == "{total, items: list[{sku, qty}], owner: {name, email}, tags}"


# ---------------------------------------------------------------- single cards


def test_card_marks_required_arguments_and_keeps_declaration_order():
    tool = spec(
        "shop",
        "search",
        {
            "query": {"type": "string"},
            "limit": {"type": "integer", "minimum": 1, "maximum": 50},
            "sku": {"type": "string"},
        },
        ("sku", "query"),
        description="Search things.",
    )
    assert (
        tool_card(tool) == "shop:search(query*: string, limit: integer 1..50, sku*: string) - Search things."
    )


def test_card_says_same_as_for_a_repeated_enum_only():
    unit = {"type": "string", "enum": ["kilometer", "mile"]}
    tool = spec(
        "units",
        "convert",
        {"from_unit": unit, "to_unit": dict(unit), "value": {"type": "number"}, "other": {"type": "number"}},
        ("from_unit", "to_unit"),
    )
    card = tool_card(tool)
    assert 'from_unit*: "kilometer"|"mile", to_unit*: same as from_unit' in card
    # A repeated plain type is written out again, not as "same as".
    assert "value: number, other: number" in card


def test_card_shows_sources_and_output_shape():
    tool = spec(
        "geo",
        "distance",
        {"city_id_a": {"type": "string"}, "city_id_b": {"type": "string"}},
        ("city_id_a", "city_id_b"),
        output={"type": "object", "properties": {"distance": {}, "unit": {}}},
    )
    card = tool_card(tool, {"city_id_a": "search_cities", "city_id_b": "search_cities"})
    assert card == (
        "geo:distance(city_id_a*: string (returned by search_cities), city_id_b*: string (returned by search_cities)) "
        "-> {distance, unit} - distance on geo"
    )


def test_long_descriptions_are_cut_at_a_word_with_an_ellipsis():
    words = " ".join(f"word{i}" for i in range(60))
    card = tool_card(spec("s", "t", {}, description=f"  {words}\n  more  "))
    description = card.split(" - ", 1)[1]
    assert description.endswith("…") and len(description) <= 140
    assert description[:-1] == words[: len(description) - 1] and not description[:-1].endswith(" ")
    short = tool_card(spec("s", "t", {}, description="Two\n   lines."))
    assert short == "s:t() - Two lines."


# ---------------------------------------------------------------- cards of the bundled servers


def test_every_bundled_tool_gets_one_line_with_every_required_argument_marked(bundled):
    lines = tool_cards(list(bundled)).splitlines()
    assert len(lines) == len(bundled) >= 40
    for tool, line in zip(bundled, lines, strict=True):
        assert line.startswith(f"{tool.key}(")
        for name in tool.required:
            assert f"{name}*: " in line, (tool.key, name)
        for name in set(tool.properties) - set(tool.required):
            assert f"{name}: " in line and f"{name}*" not in line, (tool.key, name)
        assert (" -> {" in line) == (tool.output_schema is not None), tool.key


def test_forecast_card_shows_pattern_range_enum_and_output(bundled):
    card = card_of(bundled, "weather:forecast", "weather:search_stations")
    assert card.startswith(
        r"weather:forecast(station_id*: string /^WX-[A-Z]{3}-\d{2}$/ (returned by search_stations), days: integer 1..7, "
        r'units: "metric"|"imperial") -> {'
    )
    assert "days: list[{date, temp_max, temp_min, " in card
    assert card.count("\n") == 0


def test_search_card_shows_optional_pattern_argument(bundled):
    card = card_of(bundled, "weather:search_stations")
    assert card.startswith(
        "weather:search_stations(city*: string, country_code: string /^[A-Z]{2}$/) -> {stations: list[{station_id, "
    )


def test_a_source_is_named_only_when_the_producer_is_shown(bundled):
    alone = card_of(bundled, "weather:forecast")
    assert "from" not in alone.split(") ->")[0]
    assert "station_id*: string /^WX-[A-Z]{3}-\\d{2}$/, days" in alone


def test_repeated_enum_on_a_real_converter_and_text_only_output(bundled):
    card = card_of(bundled, "units:convert_length")
    assert ", to_unit*: same as from_unit) - Convert a length" in card
    assert 'from_unit*: "millimeter"|"centimeter"|' in card
    assert " -> " not in card  # convert_length returns plain text


def test_two_ids_from_two_different_lookup_tools(bundled):
    card = card_of(bundled, "shop:get_inventory", "shop:search_products", "shop:list_warehouses")
    assert "product_id*: string /^P-\\d{4}$/ (returned by search_products)" in card
    assert "warehouse_id*: string /^WH-[A-Z]{3}$/ (returned by list_warehouses)" in card


def test_both_city_ids_of_distance_come_from_search_cities(bundled):
    card = card_of(bundled, "geo:distance_between", "geo:search_cities")
    assert card.count("(returned by search_cities)") == 2
    assert 'unit: "kilometer"|"mile"' in card


def test_a_tool_that_needs_the_id_itself_is_no_source(bundled):
    # nearest_cities returns city ids but needs one first, so it cannot supply get_city's city_id.
    card = card_of(bundled, "geo:get_city", "geo:nearest_cities")
    assert "from" not in card.split(") ->")[0]
    assert "(returned by search_cities)" in card_of(
        bundled, "geo:get_city", "geo:nearest_cities", "geo:search_cities"
    )


def test_a_source_on_another_server_is_named_with_its_server(bundled):
    trip = spec(
        "trip", "plan_visit", {"city_id": {"type": "string"}, "date": {"type": "string"}}, ("city_id", "date")
    )
    cards = tool_cards([trip, bundled.get("geo", "search_cities")]).splitlines()
    assert (
        cards[0]
        == "trip:plan_visit(city_id*: string (returned by geo:search_cities), date*: string) - plan_visit on trip"
    )
    assert "from" not in cards[1].split(") ->")[0]
