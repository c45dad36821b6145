"""Every repair rule on a catalog this project did not write: MCP-Bench's 25 servers (its `tool_catalog.json`
snapshot, no output schemas, no id patterns), and the unit normal form of the word layer on their enums.

Skipped when the snapshot is absent (CI links /work/shared next to the clone as ../shared).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from repair_helpers import executed, flow, ops, repaired

from evoflux.catalog.tools import ToolCatalog
from evoflux.execute.outcome import NodeStatus
from evoflux.lexicon.units import unit_name
from evoflux.repair.values import enum_match
from evoflux.request.options import enum_options, named_options
from evoflux.request.text import literal_for
from evoflux.workflow import IssueCode, Ref
from evoflux.workflow.edits import EditOp

SNAPSHOT = Path(__file__).parents[3] / "shared" / "mcpbench" / "tool_catalog.json"
pytestmark = pytest.mark.skipif(
    not SNAPSHOT.exists(), reason=f"MCP-Bench tool snapshot not found: {SNAPSHOT}"
)


@pytest.fixture(scope="module")
def mcpbench() -> ToolCatalog:
    return ToolCatalog.load(SNAPSHOT)


def edits_of(result, op):
    return [edit for edit in result.edits if edit.op is op]


# ---------------------------------------------------------------- the word layer on the servers' own enums


def test_units_are_matched_in_the_servers_own_spelling(mcpbench):
    speed = mcpbench.get("Unit Converter", "convert_speed").properties["to_unit"]["enum"]
    length = mcpbench.get("Unit Converter", "convert_length").properties["to_unit"]["enum"]
    data = mcpbench.get("Unit Converter", "convert_computer_data").properties["to_unit"]["enum"]
    assert enum_match("km/h", speed) == "kilometers per hour"  # the server writes plurals
    assert enum_match("mph", speed) == "miles per hour"
    assert enum_match("Kilometres", length) == "kilometer"  # ... or singulars
    assert enum_match("GB", data) == "gigabytes"
    assert unit_name("knots") == unit_name("kn") == "knot"
    # servers that abbreviate (enums shaped as in OpenWeather-style and map servers): the value is normalised too
    assert enum_match("kilometers", ["km", "mi"]) == "km"
    assert enum_match("Celsius", ["C", "F"]) == "C"


def test_a_request_names_a_unit_option_by_its_full_name(mcpbench):
    everywhere = enum_options(mcpbench)
    assert "miles per hour" in named_options("How fast is 30 m/s in miles per hour?", everywhere)
    # an abbreviated option is named by the unit's name: `hpa` is the server's spelling of hectopascal
    assert named_options("What is 1013 hectopascals in bar?", ["hpa", "bar"]) == ["hpa", "bar"]
    assert named_options("Give the minutes", ["min", "max"]) == []  # `min` may be a minimum


def test_a_number_with_a_spelled_out_unit_fills_an_argument_with_its_abbreviation(mcpbench):
    found = literal_for("weight_kg", {"type": "number"}, "I weigh 70 kilograms and am 180 cm tall.")
    assert found is not None and found[0] == 70


# ---------------------------------------------------------------- issue rules

WEATHER = "Weather Data:get_current_weather_tool"
SPEED = "Unit Converter:convert_speed"


def test_resolve_tool_swaps_a_misnamed_tool(mcpbench):
    result = repaired(
        mcpbench, {"id": "n1", "tool": "Weather Data:get_current_weather", "args": {"city": "Oslo"}}
    )
    assert result.workflow.node("n1").tool == "get_current_weather_tool"
    assert EditOp.SWAP_TOOL in ops(result)


def test_rename_duplicate_gives_a_repeated_id_a_fresh_one(mcpbench):
    result = repaired(
        mcpbench,
        {"id": "n1", "tool": WEATHER, "args": {"city": "Oslo"}},
        {"id": "n1", "tool": WEATHER, "args": {"city": "Bergen"}},
    )
    assert len(set(result.workflow.ids)) == len(result.workflow.ids)
    assert EditOp.RENAME_NODE in ops(result)


def test_break_cycle_drops_the_wait_that_points_forward(mcpbench):
    result = repaired(
        mcpbench,
        {"id": "a", "tool": "Wikipedia:get_summary", "args": {"title": "Ada Lovelace"}, "after": ["b"]},
        {"id": "b", "tool": "Wikipedia:get_article", "args": {"title": "Ada Lovelace"}, "after": ["a"]},
    )
    assert not [i for i in result.remaining if i.code is IssueCode.CYCLE]
    assert EditOp.REMOVE_WAIT in ops(result)


def test_rename_near_miss_moves_a_misspelled_argument(mcpbench):
    result = repaired(
        mcpbench, {"id": "n1", "tool": "Hugging Face:get-model-info", "args": {"modelId": "bert-base"}}
    )
    assert result.workflow.node("n1").args == {"model_id": "bert-base"}


def test_coerce_argument_writes_a_unit_the_way_the_server_spells_it(mcpbench):
    result = repaired(
        mcpbench,
        {"id": "n1", "tool": SPEED, "args": {"value": "30", "from_unit": "km/h", "to_unit": "kn"}},
    )
    assert result.workflow.node("n1").args == {
        "value": 30,
        "from_unit": "kilometers per hour",
        "to_unit": "knots",
    }


def test_bind_missing_fills_a_city_from_the_request(mcpbench):
    result = repaired(
        mcpbench, {"id": "n1", "tool": WEATHER, "args": {}}, task="What is the weather in Lisbon now?"
    )
    assert result.workflow.node("n1").args == {"city": "Lisbon"}


# ---------------------------------------------------------------- node rules


def test_choose_named_option_sets_the_unit_the_request_names(mcpbench):
    result = repaired(
        mcpbench,
        {
            "id": "n1",
            "tool": SPEED,
            "args": {"value": 30, "from_unit": "meters per second", "to_unit": "knots"},
        },
        task="How fast is 30 meters per second in miles per hour?",
    )
    assert result.workflow.node("n1").args["to_unit"] == "miles per hour"


def test_drop_duplicate_call_removes_an_identical_unread_call(mcpbench):
    result = repaired(
        mcpbench,
        {"id": "n1", "tool": WEATHER, "args": {"city": "Oslo"}},
        {"id": "n2", "tool": WEATHER, "args": {"city": "Oslo"}},
        {"id": "answer", "answer": "{n1}"},
    )
    assert result.workflow.ids.count("n2") == 0
    assert EditOp.REMOVE_STEP in ops(result)


def test_convert_to_named_unit_adds_the_servers_converter(mcpbench):
    task = "What is the wind speed in Oslo right now, in knots?"
    nodes = (
        {"id": "n1", "tool": WEATHER, "args": {"city": "Oslo"}},
        {"id": "answer", "answer": "Wind: {n1.wind_speed}"},
    )
    workflow = flow(mcpbench, *nodes, task=task)
    output = {"wind_speed": 12.0, "wind_speed_unit": "kilometers per hour"}
    result = repaired(mcpbench, *nodes, task=task, execution=executed(workflow, n1=(NodeStatus.OK, output)))
    [added] = edits_of(result, EditOp.ADD_STEP)
    step = result.workflow.node(added.node)
    assert step.tool_key == SPEED
    assert step.args["to_unit"] == "knots"
    assert step.args["from_unit"] == Ref("n1", ("wind_speed_unit",))


def test_drop_conversion_away_from_named_unit(mcpbench):
    task = "What is the temperature in Oslo in fahrenheit?"
    result = repaired(
        mcpbench,
        {"id": "n1", "tool": "Weather Data:get_live_temp", "args": {"city": "Oslo"}},
        {
            "id": "n2",
            "tool": "Unit Converter:convert_temperature",
            "args": {"value": "$n1.temperature", "from_unit": "fahrenheit", "to_unit": "celsius"},
        },
        {"id": "answer", "answer": "It is {n2} degrees."},
        task=task,
    )
    assert "n2" not in result.workflow.ids
    assert result.workflow.answer.text.refs == (Ref("n1", ("temperature",)),)
