"""Tool retrieval: ranking over the bundled catalog, server hints, producer expansion (a chosen tool that
needs an id brings in the tool that looks it up), and, on hand-made tools, the name bonus, the fusion of
per-sentence rankings, the hinted servers' order, producers found by the id's noun, and the id/producer rules."""

from __future__ import annotations

import pytest

from evoflux.catalog import retrieval
from evoflux.catalog.retrieval import ToolRetriever, lookup_arguments, produces, tokens
from evoflux.catalog.tools import ToolCatalog, ToolSpec
from tests.support import bundled_catalog

FORECAST = "What is the weather forecast for Bergen for the next three days?"
DISTANCE = "How far is Lisbon from the capital of Germany, in miles?"


@pytest.fixture(scope="module")
def retriever() -> ToolRetriever:
    """A retriever over the live catalog of every bundled server, listed in process."""
    return ToolRetriever(bundled_catalog())


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
    assert tokens("cityIdB station_id") == ["citi", "id", "station", "id", "cityidb"]
    assert tokens("the Weather forecasts in 2026 a") == ["weather", "forecast", "2026"]
    assert tokens("get the tool, using x") == []


def test_a_mixed_case_word_is_also_kept_whole():
    assert tokens("papers on arXiv") == ["paper", "ar", "xiv", "arxiv"]
    assert "arxiv" in tokens("search_arxiv") and "pubm" in tokens("PubMed")


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
    plain = keys(retriever, DISTANCE, k=5, producers=False)
    assert "geo:distance_between" in plain and "geo:search_cities" not in plain
    expanded = keys(retriever, DISTANCE, k=6)
    assert {"geo:distance_between", "geo:search_cities"} <= set(expanded)
    # The search comes right after the first tool that needs a city id.
    first_needing = next(key for key in expanded if key in ("geo:nearest_cities", "geo:distance_between"))
    assert expanded[expanded.index(first_needing) + 1] == "geo:search_cities"


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


def test_every_hinted_server_has_its_best_tool_at_the_top(retriever):
    hinted = keys(retriever, "convert 10 km to miles", k=6, servers=["geo", "weather"], producers=False)
    assert {key.split(":")[0] for key in hinted[:2]} == {"geo", "weather"}
    assert all(key.split(":")[0] in ("geo", "weather") for key in hinted)


def test_unknown_hinted_servers_are_ignored(retriever):
    query = "convert 10 km to miles"
    assert keys(retriever, query, k=5, servers=["nope"]) == keys(retriever, query, k=5)


def test_query_without_known_words_still_returns_k_tools(retriever):
    ranked = retriever.rank("zzzz qqqq", k=4)
    assert len(ranked) == 4 and all(s.score == 0 for s in ranked)


def test_a_tool_whose_name_the_query_uses_gains_a_bonus(monkeypatch):
    catalog = ToolCatalog(
        {
            "m": [
                tool("rank", server="m", description="Computes the rank of a stored matrix."),
                tool(
                    "describe",
                    server="m",
                    description="Summary statistics of a stored matrix: values, shape, summary.",
                ),
                tool("transpose", server="m", description="Transposes a stored matrix."),
            ]
        }
    )
    query = "For my stored matrix I need a summary of the values, and the rank."
    assert keys(ToolRetriever(catalog), query, k=2, producers=False) == ["m:rank", "m:describe"]
    # On its description words alone, the longer description would win.
    monkeypatch.setattr(retrieval, "_NAME_BONUS", 0.0)
    assert keys(ToolRetriever(catalog), query, k=2, producers=False) == ["m:describe", "m:rank"]


def test_the_best_tool_of_a_short_sentence_is_not_drowned_by_a_long_one():
    words = ["price", "rating", "rooms", "reviews", "center", "hotel"]
    hotels = [tool(f"hotel_{i}", description=f"Hotel {' '.join(words[: 3 + i % 4])}.") for i in range(8)]
    converters = [
        tool(f"convert_{thing}", description=f"Convert {thing} from one unit to another.")
        for thing in ("length", "mass")
    ]
    currency = tool("convert_currency", description="Convert an amount from one currency to another.")
    retriever = ToolRetriever(ToolCatalog({"s": [*hotels, *converters, currency]}))
    request = "I want a hotel in Rome with a good rating and a fair price near the center, with reviews about the rooms and the price"
    one_sentence = keys(retriever, f"{request}, and convert 200 dollars into euros.", k=11, producers=False)
    two_sentences = keys(retriever, f"{request}. Then convert 200 dollars into euros.", k=11, producers=False)
    assert one_sentence.index("s:convert_currency") >= 8  # after every hotel tool
    assert two_sentences.index("s:convert_currency") <= 4


def test_hinted_servers_share_the_top_with_a_discount_per_tool_of_the_same_server():
    fruit = ["apple", "banana", "cherry", "grape", "lemon", "mango", "olive", "peach"]

    def matching(server: str, name: str, words: int) -> ToolSpec:
        return tool(name, server=server, description=" ".join(fruit[:words]))

    catalog = ToolCatalog(
        {
            "c": [matching("c", "c0", 8)],
            "a": [matching("a", f"a{i}", 7 - i) for i in range(4)],
            "b": [matching("b", f"b{i}", 3 - i) for i in range(2)],
        }
    )
    retriever = ToolRetriever(catalog)
    query = " ".join(fruit)
    plain = ["c:c0", "a:a0", "a:a1", "a:a2", "a:a3", "b:b0", "b:b1"]
    assert keys(retriever, query, k=7, producers=False) == plain
    # Each hinted server's best first; then a1 and a2 still outscore b1, but a3, discounted for the
    # three better tools of its server, falls behind it; the unhinted server comes last.
    hinted = keys(retriever, query, k=7, servers=["a", "b"], producers=False)
    assert hinted == ["a:a0", "b:b0", "a:a1", "a:a2", "b:b1", "a:a3", "c:c0"]


def test_without_hints_the_best_matching_servers_tools_come_forward():
    catalog = ToolCatalog(
        {
            "g": [
                tool("g_best", server="g", description="apple banana cherry"),
                tool("g_weak", server="g", description="apple"),
            ],
            "x": [tool("x_mid", server="x", description="apple banana")],
        }
    )
    retriever = ToolRetriever(catalog)
    query = "apple banana cherry"
    # On its own words x_mid beats g_weak (hinting both servers ranks each on its own score) ...
    assert keys(retriever, query, k=3, servers=["g", "x"], producers=False) == [
        "g:g_best",
        "x:x_mid",
        "g:g_weak",
    ]
    # ... but without hints g_weak gains from its server's best match.
    assert keys(retriever, query, k=3, producers=False) == ["g:g_best", "g:g_weak", "x:x_mid"]


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


def test_without_a_declared_producer_the_tool_about_the_ids_noun_is_pulled_in():
    info = tool(
        "get_model_info", {"model_id": {}}, server="hub", description="Details of one model: size, license."
    )
    search = tool("search_models", {"query": {}}, server="hub", description="Search the hub for models.")
    files = tool("list_model_files", {"model_id": {}}, server="hub", description="Files of a model.")
    datasets = tool(
        "search_datasets", {"query": {}}, server="hub", description="Search datasets with a size and license."
    )
    query = "What is the size and license of the model bert-base?"
    retriever = ToolRetriever(ToolCatalog({"hub": [info, search, files, datasets]}))
    assert keys(retriever, query, k=4, producers=False)[:2] == ["hub:get_model_info", "hub:search_datasets"]
    assert keys(retriever, query, k=2) == ["hub:get_model_info", "hub:search_models"]
    # A tool that itself requires the id, or that does not speak of models, is no producer.
    alone = ToolRetriever(ToolCatalog({"hub": [info, files, datasets]}))
    assert keys(alone, query, k=2) == keys(alone, query, k=2, producers=False)


def test_the_producer_found_by_noun_shares_words_with_the_tool_that_needs_it():
    read = tool(
        "read_arxiv_paper", {"paper_id": {}}, server="papers", description="Read the text of an arXiv paper."
    )
    arxiv = tool(
        "search_arxiv",
        {"query": {}},
        server="papers",
        description="Search arXiv for papers, preprints and their authors.",
    )
    # On the noun alone, PubMed's search (shorter, with "paper" twice) would be the producer.
    pubmed = tool(
        "search_pubmed",
        {"query": {}},
        server="papers",
        description="Search PubMed papers; read paper abstracts.",
    )
    summary = tool(
        "summarize_text", {"text": {}}, server="papers", description="Summarize a text into a short abstract."
    )
    retriever = ToolRetriever(ToolCatalog({"papers": [read, arxiv, pubmed, summary]}))
    query = "Read the paper 2106.12345 and give me a short abstract of its text."
    plain = keys(retriever, query, k=4, producers=False)
    assert plain == [
        "papers:summarize_text",
        "papers:read_arxiv_paper",
        "papers:search_pubmed",
        "papers:search_arxiv",
    ]
    assert keys(retriever, query, k=3) == [
        "papers:summarize_text",
        "papers:read_arxiv_paper",
        "papers:search_arxiv",
    ]


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


def _doc_tool(name: str, description: str, **annotations: bool) -> ToolSpec:
    schema = {"type": "object", "properties": {"filename": {"type": "string"}}, "required": ["filename"]}
    return ToolSpec("doc", name, description, schema, annotations=annotations)


# In the shape of office-word-mcp-server: readers marked read-only, writers unmarked and many of them.
WORD_LIKE = ToolCatalog(
    {
        "doc": [
            _doc_tool("add_footnote_to_document", "Add a footnote to a paragraph of a Word document"),
            _doc_tool("add_heading", "Add a heading (section title) to a Word document"),
            _doc_tool("format_text", "Format a range of text within a paragraph of a document"),
            _doc_tool("get_document_text", "Extract all text from a Word document.", readOnlyHint=True),
            _doc_tool("get_document_outline", "Get the structure of a Word document.", readOnlyHint=True),
            _doc_tool("delete_paragraph", "Delete a paragraph.", destructiveHint=True),
        ]
    }
)


def test_a_tool_changes_state_by_its_annotations_or_its_leading_verb():
    tools = {tool.name: tool for tool in WORD_LIKE}
    assert retrieval.changes_state(tools["delete_paragraph"])
    assert retrieval.changes_state(tools["add_heading"])
    assert not retrieval.changes_state(tools["get_document_text"])
    reader = ToolSpec("db", "execute_query", "Run a SQL query", {"type": "object"})
    assert not retrieval.changes_state(reader)  # running a query may only read


def test_a_question_ranks_every_tool_that_changes_state_after_those_that_look():
    ranked = [s.tool.name for s in ToolRetriever(WORD_LIKE).rank("What are the sections of a.docx?", k=6)]
    assert set(ranked[:2]) == {"get_document_outline", "get_document_text"}
    assert "add_heading" in ranked[2:]  # unmarked on a server that marks its readers: it changes


def test_a_request_to_change_keeps_the_writers_in_their_place():
    ranked = [s.tool.name for s in ToolRetriever(WORD_LIKE).rank("Add a footnote to a.docx", k=3)]
    assert ranked[0] == "add_footnote_to_document"
