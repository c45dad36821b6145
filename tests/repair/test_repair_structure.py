"""Shape repairs: duplicate ids, cycles, repeated calls, and waiting for the step that creates what a step names."""

from __future__ import annotations

from repair_helpers import errors, executed, flow, ops, repaired

from evoflux.execute.outcome import NodeStatus
from evoflux.repair import repair_workflow
from evoflux.workflow import IssueCode, Ref
from evoflux.workflow.edits import EditOp
from tests.support import catalog_of, spec

SEARCH = {"id": "n1", "tool": "weather:search_stations", "args": {"city": "Oslo"}}


def test_a_duplicate_id_takes_the_id_later_steps_read(bench):
    result = repaired(
        bench,
        {"id": "n1", "tool": "Time MCP:get_current_time", "args": {"timezone": "Asia/Tokyo"}},
        {"id": "n2", "tool": "Math MCP:add", "args": {"firstNumber": 1, "secondNumber": 2}},
        {"id": "n2", "tool": "Math MCP:subtract", "args": {"minuend": 5, "subtrahend": 2}},
        {"id": "answer", "answer": "{n1} {n2} {n3}"},
    )
    assert result.workflow.ids == ("n1", "n2", "n3", "answer")
    assert result.workflow.node("n3").tool == "subtract"
    assert result.edits[0].op is EditOp.RENAME_NODE and "no node has" in result.edits[0].reason
    assert errors(result) == []


def test_a_duplicate_id_gets_a_fresh_id_and_keeps_readers_where_they_were(bundled):
    result = repaired(
        bundled,
        SEARCH,
        {"id": "n1", "tool": "weather:current_conditions", "args": {"station_id": "WX-OSL-01"}},
        {
            "id": "n2",
            "tool": "units:convert_temperature",
            "args": {"value": "$n1.temperature", "from_unit": "celsius", "to_unit": "kelvin"},
        },
        {
            "id": "n3",
            "tool": "weather:current_conditions",
            "args": {"station_id": "$n1.stations[0].station_id"},
        },
    )
    wf = result.workflow
    assert wf.ids == ("n1", "n1_2", "n2", "n3")
    assert wf.node("n2").args["value"] == Ref("n1_2", ("temperature",))  # only the second n1 has it
    assert wf.node("n3").args["station_id"] == Ref("n1", ("stations", 0, "station_id"))


def test_a_cycle_of_waits_loses_the_wait_that_points_forward(bundled):
    result = repaired(
        bundled,
        {**SEARCH, "after": ["n2"]},
        {"id": "n2", "tool": "weather:search_stations", "args": {"city": "Bergen"}, "after": ["n1"]},
    )
    assert result.workflow.node("n1").after == () and result.workflow.node("n2").after == ("n1",)
    assert result.edits[0].op is EditOp.REMOVE_WAIT


def test_a_reference_against_the_waits_loses_the_wait(bundled):
    result = repaired(
        bundled,
        {"id": "n0", "tool": "weather:weather_alerts", "args": {"country_code": "NO"}},
        {
            "id": "n1",
            "tool": "weather:current_conditions",
            "args": {"station_id": "$n2.stations[0].station_id"},
        },
        {"id": "n2", "tool": "weather:search_stations", "args": {"city": "Oslo"}, "after": ["n1"]},
    )
    assert result.workflow.node("n2").after == ()
    assert result.workflow.node("n1").args["station_id"] == Ref("n2", ("stations", 0, "station_id"))
    assert errors(result) == []


def test_a_reference_cycle_is_broken_by_reading_the_same_field_elsewhere(bundled):
    result = repaired(
        bundled,
        {"id": "n0", "tool": "weather:get_station", "args": {"station_id": "WX-OSL-01"}},
        {"id": "n1", "tool": "weather:current_conditions", "args": {"station_id": "$n2.station_id"}},
        {"id": "n2", "tool": "weather:get_station", "args": {"station_id": "$n1.station_id"}},
    )
    assert result.workflow.node("n1").args["station_id"] == Ref("n0", ("station_id",))
    assert errors(result) == []


def test_a_reference_cycle_with_no_other_source_is_left(bundled):
    wf = flow(
        bundled,
        {"id": "n0", "tool": "weather:weather_alerts", "args": {"country_code": "NO"}},
        {"id": "n1", "tool": "weather:current_conditions", "args": {"station_id": "$n2.station_id"}},
        {"id": "n2", "tool": "weather:get_station", "args": {"station_id": "$n1.station_id"}},
    )
    result = repair_workflow(wf, bundled)
    assert ops(result) == []
    assert {i.code for i in errors(result)} == {IssueCode.REF_DOWNSTREAM}


def test_an_identical_unread_call_is_removed(bundled):
    result = repaired(
        bundled,
        SEARCH,
        {**SEARCH, "id": "n2"},
        {
            "id": "n3",
            "tool": "weather:current_conditions",
            "args": {"station_id": "$n1.stations[0].station_id"},
        },
    )
    assert result.workflow.ids == ("n1", "n3")
    assert result.edits[0].op is EditOp.REMOVE_STEP and "repeats n1" in result.edits[0].reason


def test_repeated_calls_that_are_read_differ_or_change_state_stay(bundled):
    read = repaired(bundled, SEARCH, {**SEARCH, "id": "n2"}, {"id": "answer", "answer": "{n2.stations}"})
    other = repaired(
        bundled, SEARCH, {"id": "n2", "tool": "weather:search_stations", "args": {"city": "Bergen"}}
    )
    event = {"calendar_id": "CAL-ENG", "title": "Sync", "start": "2026-03-20T09:00", "duration_minutes": 30}
    booked = repaired(
        bundled,
        {"id": "n1", "tool": "calendar:create_event", "args": event},
        {"id": "n2", "tool": "calendar:create_event", "args": event},
    )
    assert ops(read) == ops(other) == ops(booked) == []


STATEFUL = catalog_of(
    spec(
        "tensors",
        "create_tensor",
        {"name": {"type": "string"}, "values": {"type": "array"}},
        ("name", "values"),
        annotations={"readOnlyHint": False},
    ),
    spec("tensors", "view_tensor", {"name": {"type": "string"}}, ("name",)),
)


def test_a_step_waits_for_the_step_that_creates_what_it_names():
    wf = flow(
        STATEFUL,
        {"id": "n1", "tool": "tensors:create_tensor", "args": {"name": "A", "values": [1, 2]}},
        {"id": "n2", "tool": "tensors:view_tensor", "args": {"name": "A"}},
    )
    run = executed(wf, n2=(NodeStatus.TOOL_ERROR, "Tensor 'A' not found"))
    result = repair_workflow(wf, STATEFUL, execution=run)
    assert result.workflow.node("n2").after == ("n1",)
    assert result.edits[0].op is EditOp.ADD_WAIT and "creates it" in result.edits[0].reason


def test_no_wait_without_a_creating_step_or_a_not_found_error():
    wf = flow(
        STATEFUL,
        {"id": "n1", "tool": "tensors:view_tensor", "args": {"name": "B"}},
        {"id": "n2", "tool": "tensors:view_tensor", "args": {"name": "A"}},
    )
    missing = executed(wf, n2=(NodeStatus.TOOL_ERROR, "Tensor 'A' not found"))
    assert repair_workflow(wf, STATEFUL, execution=missing).edits == ()
    made = flow(
        STATEFUL,
        {"id": "n1", "tool": "tensors:create_tensor", "args": {"name": "A", "values": [1]}},
        {"id": "n2", "tool": "tensors:view_tensor", "args": {"name": "A"}},
    )
    crashed = executed(made, n2=(NodeStatus.TOOL_ERROR, "out of memory"))
    assert repair_workflow(made, STATEFUL, execution=crashed).edits == ()
