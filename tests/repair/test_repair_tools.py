"""Tool-name repairs: aliases and close names become the catalog tool, arguments follow; unclear names stay."""

from __future__ import annotations

import pytest
from repair_helpers import errors, ops, repaired

from evoflux.workflow import IssueCode
from evoflux.workflow.edits import EditOp


@pytest.mark.parametrize(
    "written",
    [
        "weather_search_stations",
        "weather__search_stations",
        "weather.searchStations",
        "searchStations",
        "search_stations",
        "Weather:SearchStations",
        "units:search_stations",
    ],
)
def test_aliases_of_a_bundled_tool(bundled, written):
    result = repaired(
        bundled, {"id": "n1", "tool": written, "args": {"city": "Oslo"}}, {"id": "answer", "answer": "{n1}"}
    )
    node = result.workflow.node("n1")
    assert node.tool_key == "weather:search_stations" and node.args == {"city": "Oslo"}
    assert errors(result) == []


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("unit_converter_convert_temperature", "Unit Converter:convert_temperature"),
        ("weather_data_get_current_weather_tool", "Weather Data:get_current_weather_tool"),
        ("getCurrentWeatherTool", "Weather Data:get_current_weather_tool"),
        ("Time MCP:getCurrentTime", "Time MCP:get_current_time"),
    ],
)
def test_aliases_of_mcpbench_tools(bench, written, meant):
    result = repaired(bench, {"id": "n1", "tool": written, "args": {}})
    assert result.workflow.node("n1").tool_key == meant
    assert result.edits[0].op is EditOp.SWAP_TOOL and "same name" in result.edits[0].reason


def test_a_misspelt_tool_is_matched_by_name_and_description_and_its_arguments_mapped(bundled):
    result = repaired(
        bundled,
        {"id": "n1", "tool": "convert_lenght", "args": {"value": "42", "from": "kilometers", "to": "miles"}},
        {"id": "answer", "answer": "{n1}"},
    )
    node = result.workflow.node("n1")
    assert node.tool_key == "units:convert_length"
    assert node.args == {"value": 42, "from_unit": "kilometer", "to_unit": "mile"}
    assert result.edits[0].after["renamed"] == {"from": "from_unit", "to": "to_unit"}
    assert "closest tool" in result.edits[0].reason
    assert errors(result) == []


def test_a_shortened_mcpbench_name_is_matched(bench):
    result = repaired(bench, {"id": "n1", "tool": "get_current_weather", "args": {"city": "Paris"}})
    assert result.workflow.node("n1").tool_key == "Weather Data:get_current_weather_tool"
    assert errors(result) == []


def test_a_forecast_tool_named_loosely_on_its_server(bundled):
    result = repaired(
        bundled, {"id": "n1", "tool": "weather:get_forecast", "args": {"station_id": "WX-OSL-01"}}
    )
    assert result.workflow.node("n1").tool_key == "weather:forecast"


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("weather:get_weather", IssueCode.UNKNOWN_TOOL),  # forecast? current conditions? not clear
        ("convert", IssueCode.UNKNOWN_TOOL),  # every converter is as close as the next
        ("teleport", IssueCode.UNKNOWN_TOOL),
    ],
)
def test_unclear_names_are_left_alone(bundled, written, code):
    result = repaired(bundled, {"id": "n1", "tool": written, "args": {}})
    assert ops(result) == []
    assert [i.code for i in errors(result)] == [code]


def test_a_name_on_two_servers_needs_a_hint(bench):
    alone = repaired(bench, {"id": "n1", "tool": "search", "args": {"query": "BRAF"}})
    assert ops(alone) == [] and errors(alone, IssueCode.MISSING_SERVER)
    hinted = repaired(
        bench,
        {"id": "n1", "tool": "DEX Paprika:getNetworkPools", "args": {"network": "ethereum"}},
        {"id": "n2", "tool": "search", "args": {"query": "uniswap"}},
    )
    assert hinted.workflow.node("n2").tool_key == "DEX Paprika:search"


def test_validator_steps_are_not_renamed(bundled):
    result = repaired(
        bundled,
        {"id": "n1", "tool": "weather:search_stations", "args": {"city": "Oslo"}},
        {"id": "v1", "tool": "evoflux:assert_nonempty", "args": {"value": "$n1.stations"}},
    )
    assert ops(result) == [] and errors(result) == []
