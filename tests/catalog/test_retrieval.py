"""Tool retrieval: BM25 ranking over the bundled catalog, server hints, producer expansion (a chosen tool
that needs an id brings in the tool that looks it up), and the id/producer rules on hand-made tools."""

from __future__ import annotations

import importlib

import anyio
import pytest

from evoflux.catalog.config import InProcessServer, ServersConfig
from evoflux.catalog.retrieval import ToolRetriever, lookup_arguments, produces, tokens
from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.environment import ToolEnvironment
from evoflux.servers import BUNDLED_SERVERS

FORECAST = "What is the weather forecast for Bergen for the next three days?"
DISTANCE = "How far is Lisbon from the capital of Germany, in miles?"


@pytest.fixture(scope="module")
def retriever() -> ToolRetriever:
    """A retriever over the live catalog of every bundled server, listed in process."""

    async def load() -> ToolCatalog:
        config = ServersConfig.of(
            *(
                InProcessServer(name, importlib.import_module(module).build_server)
                for name, module in BUNDLED_SERVERS.items()
            )
        )
        async with ToolEnvironment(config) as env:
            return await env.catalog()

    return ToolRetriever(anyio.run(load))


def keys(retriever: ToolRetriever, query: str, **options) -> list[str]:
    return [scored.tool.key for scored in retriever.rank(query, **options)]


def tool(
    name: str,
    required: dict[str, dict] | None = None,
    optional: dict[str, dict] | None = None,
    *,
    server: str = "s",
    description: str = "",
    output: dict | None = None,
) -> ToolSpec:
    properties = {**(required or {}), **(optional or {})}
    schema = {"type": "object", "properties": properties, "required": list(required or {})}
    return ToolSpec(server, name, description, schema, output)


def listing(field: str) -> dict:
    """An output schema with `field` inside the items of a list, as MCP servers declare them."""
    return {
        "type": "object",
        "properties": {"items": {"type": "array", "items": {"$ref": "#/$defs/Item"}}},
        "$defs": {
            "Item": {"type": "object", "properties": {field: {"type": "string"}, "name": {"type": "string"}}}
        },
    }


# ---------------------------------------------------------------- tokens


def test_tokens_split_case_and_snake_drop_stop_words_and_stem():
    assert tokens("cityIdB station_id") == ["citi", "id", "station", "id"]
    assert tokens("the Weather forecasts in 2026 a") == ["weather", "forecast", "2026"]
    assert tokens("get the tool, using x") == []


# ---------------------------------------------------------------- ranking the bundled catalog


def test_forecast_query_ranks_forecast_first_and_pulls_in_search_stations(retriever):
    for k in (2, 3, 8):
        ranked = keys(retriever, FORECAST, k=k)
        assert len(ranked) == k
        assert ranked[0] == "weather:forecast"
        assert "weather:search_stations" in ranked, (k, ranked)
    # The producer goes right after the tool that needs it, displacing the weakest pick.
    assert keys(retriever, FORECAST, k=2) == ["weather:forecast", "weather:search_stations"]


def test_without_producers_the_lookup_tool_is_not_pulled_in(retriever):
    plain = keys(retriever, FORECAST, k=3, producers=False)
    assert plain[0] == "weather:forecast" and "weather:search_stations" not in plain
    expanded = keys(retriever, FORECAST, k=3)
    assert expanded[:2] == ["weather:forecast", "weather:search_stations"]
    assert expanded[2:] == plain[1:2]


def test_distance_query_pulls_in_the_city_search(retriever):
    plain = keys(retriever, DISTANCE, k=3, producers=False)
    assert "geo:distance_between" in plain and "geo:search_cities" not in plain
    expanded = keys(retriever, DISTANCE, k=4)
    assert {"geo:distance_between", "geo:search_cities"} <= set(expanded)


def test_scores_are_sorted_within_the_plain_ranking(retriever):
    ranked = retriever.rank("convert 10 km to miles", k=5, producers=False)
    assert ranked[0].tool.key == "units:convert_length"
    scores = [s.score for s in ranked]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0


def test_a_hinted_server_comes_first(retriever):
    plain = keys(retriever, "convert 10 km to miles", k=6)
    assert plain[0] == "units:convert_length"
    hinted = keys(retriever, "convert 10 km to miles", k=6, servers=["geo"])
    assert len(hinted) == 6 and all(key.startswith("geo:") for key in hinted)


def test_two_hinted_servers_take_turns_at_the_top(retriever):
    hinted = keys(retriever, "convert 10 km to miles", k=6, servers=["geo", "weather"], producers=False)
    servers = [key.split(":")[0] for key in hinted]
    assert servers == ["geo", "weather"] * 3


def test_unknown_hinted_servers_are_ignored(retriever):
    query = "convert 10 km to miles"
    assert keys(retriever, query, k=5, servers=["nope"]) == keys(retriever, query, k=5)


def test_query_without_known_words_still_returns_k_tools(retriever):
    ranked = retriever.rank("zzzz qqqq", k=4)
    assert len(ranked) == 4 and all(s.score == 0 for s in ranked)


def test_empty_catalog_ranks_nothing():
    assert ToolRetriever(ToolCatalog({})).rank("weather in Oslo") == []


# ---------------------------------------------------------------- lookup arguments and producers


def test_lookup_arguments_are_required_ids_keys_and_addresses():
    needy = tool(
        "t",
        required={
            "station_id": {},
            "cityIdB": {},
            "isbn": {},
            "api_key": {},
            "wallet_address": {},
            "date": {},
            "start_date": {},
            "country_code": {},
            "query": {},
            "paperID": {},
        },
        optional={"user_id": {}},
    )
    assert lookup_arguments(needy) == [
        "station_id",
        "cityIdB",
        "isbn",
        "api_key",
        "wallet_address",
        "paperID",
    ]
    assert lookup_arguments(tool("t", optional={"station_id": {}})) == []


def test_produces_reads_field_names_from_the_output_schema():
    search = tool("search_stations", {"city": {}}, output=listing("station_id"))
    assert produces(search, "station_id")
    assert not produces(search, "city_id")


def test_suffixed_ids_match_the_plain_field():
    search = tool("search_cities", {"name": {}}, output=listing("city_id"))
    for arg in ("city_id_a", "city_id_b", "cityIdB", "city_id_from", "city_id"):
        assert produces(search, arg), arg


def test_a_tool_that_requires_the_id_does_not_produce_it():
    nearest = tool("nearest_cities", {"city_id": {}}, output=listing("city_id"))
    assert not produces(nearest, "city_id")
    optional = tool("list_cities", optional={"city_id": {}}, output=listing("city_id"))
    assert produces(optional, "city_id")


def test_the_output_schema_wins_over_the_description():
    tool_ = tool("lookup", {"q": {}}, description="Returns the station_id of a city.", output=listing("name"))
    assert not produces(tool_, "station_id")


def test_without_an_output_schema_the_description_decides():
    books = tool(
        "search_books", optional={"title": {}}, description="Search books; returns ISBNs and titles."
    )
    assert produces(books, "isbn")
    stations = tool("find", {"city": {}}, description="Find stations; returns each station id.")
    assert produces(stations, "station_id")
    assert not produces(stations, "city_id")


def test_description_match_needs_whole_words():
    summary = tool("summarize_video", {"url": {}}, description="Provides a short summary of a video.")
    assert not produces(summary, "id")


def test_producer_expansion_stays_on_the_needing_tools_server():
    get_city = tool("get_city", {"city_id": {}}, server="geo", description="Weather city details")
    other = tool("list_cities", server="atlas", description="Cities", output=listing("city_id"))
    same = tool("search_cities", {"name": {}}, server="geo", description="Search", output=listing("city_id"))
    retriever = ToolRetriever(ToolCatalog({"geo": [get_city, same], "atlas": [other]}))
    assert [s.tool.key for s in retriever.rank("weather city details", k=2)] == [
        "geo:get_city",
        "geo:search_cities",
    ]
    lonely = ToolRetriever(ToolCatalog({"geo": [get_city], "atlas": [other]}))
    assert [s.tool.key for s in lonely.rank("weather city details", k=1)] == ["geo:get_city"]


def test_the_cheapest_producer_is_chosen():
    needy = tool("get_event", {"event_id": {}}, server="cal", description="event details by id")
    costly = tool(
        "list_events",
        {"calendar_id": {}, "date": {}},
        server="cal",
        description="events",
        output=listing("event_id"),
    )
    cheap = tool("recent_events", server="cal", description="events", output=listing("event_id"))
    retriever = ToolRetriever(ToolCatalog({"cal": [needy, costly, cheap]}))
    assert [s.tool.key for s in retriever.rank("event details", k=2)] == [
        "cal:get_event",
        "cal:recent_events",
    ]
