"""Missing required arguments: bound to an upstream field that fits, else to the value the server's other steps
were given (a workbook path), else to a task literal; never a guess."""

from __future__ import annotations

from repair_helpers import errors, ops, repaired

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.workflow import IssueCode, Ref
from evoflux.workflow.edits import EditOp


def test_a_missing_id_is_read_from_the_upstream_output_that_has_it(bundled):
    result = repaired(
        bundled,
        {"id": "n1", "tool": "weather:search_stations", "args": {"city": "Oslo"}},
        {"id": "n2", "tool": "weather:current_conditions", "args": {}},
        {"id": "answer", "answer": "{n2.temperature}"},
    )
    assert result.workflow.node("n2").args == {"station_id": Ref("n1", ("stations", 0, "station_id"))}
    assert result.edits[0].op is EditOp.SET_ARG and "upstream output" in result.edits[0].reason
    assert errors(result) == []


def test_sibling_arguments_take_their_producers_in_order(bundled):
    result = repaired(
        bundled,
        {"id": "n1", "tool": "geo:search_cities", "args": {"name": "Lisbon"}},
        {"id": "n2", "tool": "geo:search_cities", "args": {"name": "Berlin"}},
        {"id": "n3", "tool": "geo:distance_between", "args": {"unit": "mile"}},
        {"id": "answer", "answer": "{n3.distance}"},
    )
    args = result.workflow.node("n3").args
    assert args["city_id_a"] == Ref("n1", ("cities", 0, "city_id"))
    assert args["city_id_b"] == Ref("n2", ("cities", 0, "city_id"))
    assert errors(result) == []


def test_a_sibling_already_bound_leaves_the_other_producer(bundled):
    result = repaired(
        bundled,
        {"id": "n1", "tool": "geo:search_cities", "args": {"name": "Lisbon"}},
        {"id": "n2", "tool": "geo:search_cities", "args": {"name": "Berlin"}},
        {"id": "n3", "tool": "geo:distance_between", "args": {"city_id_b": "$n1.cities[0].city_id"}},
    )
    assert result.workflow.node("n3").args["city_id_a"] == Ref("n2", ("cities", 0, "city_id"))


def test_two_producers_for_one_argument_is_ambiguous(bundled):
    result = repaired(
        bundled,
        {"id": "n1", "tool": "weather:search_stations", "args": {"city": "Oslo"}},
        {"id": "n2", "tool": "weather:search_stations", "args": {"city": "Bergen"}},
        {"id": "n3", "tool": "weather:current_conditions", "args": {}},
    )
    assert ops(result) == []
    assert [i.code for i in errors(result)] == [IssueCode.MISSING_REQUIRED_ARG]


def test_a_place_from_the_task(bundled):
    result = repaired(
        bundled,
        {"id": "n1", "tool": "weather:search_stations", "args": {}},
        task="What is the 3-day forecast for Madrid?",
    )
    assert result.workflow.node("n1").args == {"city": "Madrid"}
    assert "the task names one place" in result.edits[0].reason


def test_a_place_already_given_to_the_same_tool_is_not_reused(bundled):
    result = repaired(
        bundled,
        {"id": "n1", "tool": "calendar:get_timezone", "args": {"city": "Tokyo"}},
        {"id": "n2", "tool": "calendar:get_timezone", "args": {}},
        task="A meeting starts at 15:00 on 20 March 2026 in Tokyo. What time is it in New York then?",
    )
    assert result.workflow.node("n2").args == {
        "city": "New York"
    }  # not $n1.city: that only echoes n1's input


def test_two_places_in_the_task_are_ambiguous(bench):
    result = repaired(
        bench,
        {"id": "n1", "tool": "Weather Data:get_current_weather_tool", "args": {}},
        task="Is it warmer in Paris or in Rome?",
    )
    assert ops(result) == [] and errors(result, IssueCode.MISSING_REQUIRED_ARG)


def test_dates_times_numbers_and_quoted_phrases_from_the_task(bundled, bench):
    day = repaired(
        bundled,
        {"id": "n1", "tool": "calendar:day_of_week", "args": {}},
        task="What weekday is March 20, 2026?",
    )
    assert day.workflow.node("n1").args == {"date": "2026-03-20"}
    start = repaired(
        bundled,
        {"id": "n1", "tool": "calendar:add_duration", "args": {"hours": 3}},
        task="A 3-hour meeting starts at 15:00 on 20 March 2026. When does it end?",
    )
    assert start.workflow.node("n1").args["datetime"] == "2026-03-20T15:00:00"
    convert = repaired(
        bench,
        {
            "id": "n1",
            "tool": "Unit Converter:convert_length",
            "args": {"from_unit": "kilometer", "to_unit": "mile"},
        },
        task="How many miles is 42 kilometers?",
    )
    assert convert.workflow.node("n1").args["value"] == 42
    papers = repaired(
        bundled,
        {"id": "n1", "tool": "library:search_papers", "args": {}},
        task='Find papers on "graph neural networks".',
    )
    assert papers.workflow.node("n1").args == {"query": "graph neural networks"}
    for result in (day, start, convert, papers):
        assert errors(result) == []


def test_a_number_whose_unit_names_the_argument(bundled):
    result = repaired(
        bundled,
        {
            "id": "n1",
            "tool": "calendar:find_free_slots",
            "args": {"calendar_id": "CAL-ENG", "date": "2026-03-20"},
        },
        task="Find a 45-minute slot for 3 people on the engineering calendar",
    )
    assert result.workflow.node("n1").args["duration_minutes"] == 45
    assert errors(result) == []


def test_numbers_already_used_by_the_call_are_not_reused(bench):
    result = repaired(
        bench, {"id": "n1", "tool": "Math MCP:add", "args": {"firstNumber": 2}}, task="Add 2 and 5"
    )
    assert result.workflow.node("n1").args == {"firstNumber": 2, "secondNumber": 5}
    unclear = repaired(
        bench, {"id": "n1", "tool": "Math MCP:add", "args": {"firstNumber": 2}}, task="Add 2, 5 and 7"
    )
    assert ops(unclear) == [] and errors(unclear, IssueCode.MISSING_REQUIRED_ARG)


def test_a_missing_container_argument_takes_the_one_the_servers_other_steps_were_given():
    # In the shape of excel-mcp-server: the workbook was described by its path; the search left the path out.
    text = {"type": "string"}

    def tool(name: str, *args: str) -> ToolSpec:
        schema = {"type": "object", "properties": {a: text for a in args}, "required": list(args)}
        return ToolSpec("xl", name, f"{name} in a workbook", schema)

    catalog = ToolCatalog({"xl": [tool("describe_workbook", "path"), tool("find_cells", "path", "query")]})
    nodes = (
        {"id": "n1", "tool": "xl:describe_workbook", "args": {"path": "/d/staff.xlsx"}},
        {"id": "n2", "tool": "xl:find_cells", "args": {"query": "Hamburg"}},
        {"id": "answer", "answer": "{n2}"},
    )
    result = repaired(catalog, *nodes, task="Who manages the Hamburg warehouse?")
    assert result.workflow.node("n2").args["path"] == "/d/staff.xlsx"
    # Two workbooks in play: no guess.
    two = repaired(
        catalog,
        *nodes[:2],
        {"id": "n3", "tool": "xl:describe_workbook", "args": {"path": "/d/sales.xlsx"}},
        nodes[2],
        task="Who manages the Hamburg warehouse?",
    )
    assert "path" not in two.workflow.node("n2").args
