"""Model-style broken plans repaired by rules and executed for real against the bundled servers (in-process)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from repair_helpers import errors

from evoflux.environment import ToolEnvironment
from evoflux.execute.outcome import Execution, NodeStatus
from evoflux.repair import Repair, repair_workflow
from evoflux.workflow import Ref, parse_workflow
from evoflux.workflow.edits import EditOp
from tests.support import assert_sound, bundled_config

pytestmark = pytest.mark.anyio


@pytest.fixture
async def env() -> AsyncIterator[ToolEnvironment]:
    async with ToolEnvironment(bundled_config()) as environment:
        yield environment


async def repair_and_run(env: ToolEnvironment, plan: dict[str, Any]) -> tuple[Repair, Execution]:
    """Parse, execute (it fails), repair with that execution, execute again; return the repair and the rerun."""
    catalog = await env.catalog()
    workflow = parse_workflow(plan, catalog=catalog)
    first = await env.execute(workflow)
    assert not first.ok
    repair = repair_workflow(workflow, catalog, execution=first)
    assert_sound(repair.workflow, catalog)
    assert errors(repair) == []
    rerun = await env.execute(repair.workflow)
    assert rerun.ok, {o.node: o.error for o in rerun.failures()}
    return repair, rerun


async def test_madrid_forecast_with_an_invented_station_id(env):
    repair, run = await repair_and_run(
        env,
        {
            "task": "What is the 3-day forecast for Madrid, in metric units?",
            "nodes": [
                {
                    "id": "n1",
                    "tool": "weather:forecast",
                    "args": {"station_id": "WX-MAD", "days": "3", "units": "Metric"},
                },
                {"id": "answer", "answer": "Madrid, next days: {n1.days[*].condition}"},
            ],
        },
    )
    lookup = next(e for e in repair.edits if e.op is EditOp.ADD_STEP)
    assert repair.workflow.node(lookup.node).args == {"city": "Madrid"}
    assert repair.workflow.node("n1").args == {
        "station_id": Ref(lookup.node, ("stations", 0, "station_id")),
        "days": 3,
        "units": "metric",
    }
    assert run.outcomes["n1"].output["station_id"].startswith("WX-MAD-")
    assert len(run.outcomes["n1"].output["days"]) == 3


async def test_a_unit_conversion_with_loose_names_and_plural_units(env):
    repair, run = await repair_and_run(
        env,
        {
            "task": "How many miles are 42 kilometers?",
            "nodes": [
                {
                    "id": "n1",
                    "tool": "convert_lenght",
                    "args": {"value": "42", "from": "kilometers", "to": "miles"},
                },
                {
                    "id": "n2",
                    "tool": "units:convert_mass",
                    "args": {"value": 3, "from_unit": "pounds", "to_unit": "KG"},
                },
                {"id": "answer", "answer": "{n1} ({n2})"},
            ],
        },
    )
    assert repair.workflow.node("n1").tool_key == "units:convert_length"
    assert "26.0976 mile" in run.answer


async def test_a_wrong_field_and_an_unknown_station_fixed_from_execution(env):
    plan = {
        "task": "What is the temperature in Oslo at station WX-OSL-99 right now, in Fahrenheit?",
        "nodes": [
            {"id": "n1", "tool": "weather.currentConditions", "args": {"station_id": "WX-OSL-99"}},
            {
                "id": "n2",
                "tool": "units:convert_temperature",
                "args": {"value": "$n1.temperature_c", "from": "C", "to_unit": "fahrenheit"},
            },
            {"id": "answer", "answer": "It is {n2.result} F in Oslo"},
        ],
    }
    catalog = await env.catalog()
    workflow = parse_workflow(plan, catalog=catalog)
    static = repair_workflow(workflow, catalog)  # names, units, the field path: no execution needed
    assert static.workflow.node("n2").args == {
        "value": Ref("n1", ("temperature",)),
        "from_unit": "celsius",
        "to_unit": "fahrenheit",
    }
    first = await env.execute(static.workflow)
    assert (
        first.outcomes["n1"].status is NodeStatus.TOOL_ERROR
    )  # WX-OSL-99 fits the pattern but does not exist
    repair = repair_workflow(static.workflow, catalog, execution=first)
    assert [e.op for e in repair.edits] == [EditOp.ADD_STEP]
    rerun = await env.execute(repair.workflow)
    assert rerun.ok and rerun.answer.startswith("It is ")


async def test_lisbon_to_berlin_with_whole_outputs_and_a_misnamed_sibling(env):
    _, run = await repair_and_run(
        env,
        {
            "task": "How far is Lisbon from Berlin, in miles?",
            "nodes": [
                {"id": "n1", "tool": "geo:searchCities", "args": {"name": "Lisbon"}},
                {"id": "n2", "tool": "geo_search_cities", "args": {"name": "Berlin"}},
                {
                    "id": "n3",
                    "tool": "geo:distance_between",
                    "args": {"city_id_a": "$n1", "city_id": "$n2.cities[0].city_id", "unit": "miles"},
                },
                {"id": "answer", "answer": "{n3.from_city} to {n3.to_city}: {n3.distance} {n3.unit}"},
            ],
        },
    )
    assert run.answer.startswith("Lisbon to Berlin: ") and run.answer.endswith(" mile")


async def test_tokyo_meeting_with_a_missing_city_and_loose_date(env):
    repair, run = await repair_and_run(
        env,
        {
            "task": "A 3-hour meeting starts at 15:00 on 20 March 2026 in Tokyo. What time is it in New York when it ends?",
            "nodes": [
                {"id": "n1", "tool": "calendar:get_timezone", "args": {"city": "Tokyo"}},
                {"id": "n2", "tool": "calendar:get_timezone", "args": {}},
                {
                    "id": "n3",
                    "tool": "calendar:add_duration",
                    "args": {"datetime": "March 20, 2026 15:00", "hours": "3"},
                },
                {
                    "id": "n4",
                    "tool": "calendar:convert_time",
                    "args": {"datetime": "$n3.result", "from_timezone": "$n1", "to_timezone": "$n2.timezone"},
                },
                {"id": "answer", "answer": "It ends at {n4.converted_datetime} in New York"},
            ],
        },
    )
    assert repair.workflow.node("n2").args == {"city": "New York"}
    assert run.answer == "It ends at 2026-03-20T05:00:00-04:00 in New York"
