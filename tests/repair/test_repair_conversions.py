"""Unit repairs: a quantity returned in another unit than the request names gets a conversion step."""

from __future__ import annotations

from repair_helpers import executed, flow, ops

from evoflux.execute.outcome import NodeStatus
from evoflux.repair import repair_workflow
from evoflux.repair.conversions import converters, quantity_in
from evoflux.workflow import Ref
from evoflux.workflow.edits import EditOp

WIND = {
    "temperature_unit": "celsius",
    "wind_speed_unit": "kilometer_per_hour",
    "station_id": "WX-BGO-01",
    "temperature": -0.9,
    "wind_speed": 10.4,
}
KNOTS = "What is the wind speed at the Bergen station at the moment, in knots?"


STATIONS = {"stations": [{"station_id": "WX-BGO-01", "name": "Bergen", "city": "Bergen"}]}
LOOKUP = {"id": "n0", "tool": "weather:search_stations", "args": {"city": "Bergen"}}
CONDITIONS = {
    "id": "n1",
    "tool": "weather:current_conditions",
    "args": {"station_id": "$n0.stations[0].station_id"},
}


def wind_workflow(bundled, answer="The wind is {n1.wind_speed} knots."):
    return flow(bundled, LOOKUP, CONDITIONS, {"id": "answer", "answer": answer}, task=KNOTS)


def conversions(result):
    return [e for e in result.edits if e.op is EditOp.ADD_STEP and "converts" in e.reason]


def test_a_quantity_in_another_unit_is_converted_and_the_answer_reads_the_result(bundled):
    workflow = wind_workflow(bundled)
    run = executed(workflow, n0=(NodeStatus.OK, STATIONS), n1=(NodeStatus.OK, WIND))
    result = repair_workflow(workflow, bundled, execution=run)
    [added] = conversions(result)
    step = result.workflow.node(added.node)
    assert step.tool_key == "units:convert_speed"
    assert step.args == {
        "value": Ref("n1", ("wind_speed",)),
        "from_unit": Ref("n1", ("wind_speed_unit",)),
        "to_unit": "knot",
    }
    assert "'knot'" in added.reason and "kilometer_per_hour" in added.reason
    assert result.workflow.answer.text.refs == (Ref(added.node, ()),)  # convert_speed answers in text
    assert ops(result)[-1] is EditOp.REWIRE


def test_no_conversion_when_a_step_already_uses_the_named_unit(bundled):
    workflow = flow(
        bundled,
        LOOKUP,
        CONDITIONS,
        {
            "id": "n2",
            "tool": "units:convert_speed",
            "args": {"value": "$n1.wind_speed", "from_unit": "kilometer_per_hour", "to_unit": "knot"},
        },
        {"id": "answer", "answer": "{n2}"},
        task=KNOTS,
    )
    outcomes = executed(
        workflow,
        n0=(NodeStatus.OK, STATIONS),
        n1=(NodeStatus.OK, WIND),
        n2=(NodeStatus.OK, "10.4 km/h = 5.6 kn"),
    )
    assert conversions(repair_workflow(workflow, bundled, execution=outcomes)) == []


def test_no_conversion_before_the_step_has_run(bundled):
    assert conversions(repair_workflow(wind_workflow(bundled), bundled)) == []


def test_a_lone_unit_field_names_its_one_number():
    distance = {"from_city_id": "CTY-0001", "distance": 223.5, "unit": "mile"}
    units = ["kilometer", "mile", "nautical_mile"]
    assert quantity_in(distance, units, "nautical_mile") == (("distance",), ("unit",), "mile")
    assert quantity_in(distance, units, "mile") is None  # already in the wanted unit
    two_numbers = {"distance": 223.5, "duration": 3.5, "unit": "mile"}
    assert quantity_in(two_numbers, units, "nautical_mile") is None  # which number is in miles is unclear


def test_converters_are_tools_with_a_from_and_a_to_unit(bundled):
    found = converters(bundled, "nautical_mile")
    assert [(c.spec.key, c.amount, c.source, c.target) for c in found] == [
        ("units:convert_length", "value", "from_unit", "to_unit")
    ]
    assert converters(bundled, "express") == []  # shipping speed: an option, but nothing converts to it


def test_nautical_miles_do_not_name_the_plain_mile_of_another_tool(bundled):
    task = "How many nautical miles is it from Oslo to Tokyo?"
    workflow = flow(
        bundled,
        {
            "id": "n1",
            "tool": "geo:distance_between",
            "args": {"city_id_a": "CTY-0001", "city_id_b": "CTY-0026", "unit": "kilometer"},
        },
        {"id": "answer", "answer": "{n1.distance}"},
        task=task,
    )
    run = executed(
        workflow,
        n1=(
            NodeStatus.OK,
            {"from_city_id": "CTY-0001", "to_city_id": "CTY-0026", "distance": 8404.8, "unit": "kilometer"},
        ),
    )
    result = repair_workflow(workflow, bundled, execution=run)
    assert result.workflow.node("n1").args["unit"] == "kilometer"  # "mile" is not what the request names
    added = result.workflow.node(conversions(result)[0].node)
    assert added.args["to_unit"] == "nautical_mile" and added.args["value"] == Ref("n1", ("distance",))


PERTH = "What temperature is it in Perth at the moment, in Fahrenheit?"
PERTH_STATIONS = {"stations": [{"station_id": "WX-PER-01", "city": "Perth"}]}


def perth_workflow(bundled, units):
    return flow(
        bundled,
        {"id": "n0", "tool": "weather:search_stations", "args": {"city": "Perth"}},
        {
            "id": "n1",
            "tool": "weather:current_conditions",
            "args": {"station_id": "$n0.stations[0].station_id", "units": units},
        },
        {
            "id": "n2",
            "tool": "units:convert_temperature",
            "args": {"value": "$n1.temperature", "from_unit": "fahrenheit", "to_unit": "celsius"},
        },
        {"id": "answer", "answer": "It is {n2.result} °F in Perth."},
        task=PERTH,
    )


def test_a_conversion_away_from_the_named_unit_is_undone(bundled):
    workflow = perth_workflow(bundled, "imperial")
    imperial = {"temperature_unit": "fahrenheit", "temperature": 76.1}
    run = executed(workflow, n0=(NodeStatus.OK, PERTH_STATIONS), n1=(NodeStatus.OK, imperial))
    result = repair_workflow(workflow, bundled, execution=run)
    assert "n2" not in result.workflow.ids
    assert result.workflow.answer.text.refs == (Ref("n1", ("temperature",)),)
    assert ops(result) == [EditOp.REWIRE, EditOp.REMOVE_STEP]
    assert "the request asks for 'fahrenheit'" in result.edits[0].reason


def test_undoing_a_wrong_way_conversion_of_a_metric_reading_converts_it_the_right_way(bundled):
    workflow = perth_workflow(bundled, "metric")
    metric = {"temperature_unit": "celsius", "temperature": 24.5}
    run = executed(workflow, n0=(NodeStatus.OK, PERTH_STATIONS), n1=(NodeStatus.OK, metric))
    result = repair_workflow(workflow, bundled, execution=run)
    [added] = conversions(result)
    step = result.workflow.node(added.node)
    assert step.args == {
        "value": Ref("n1", ("temperature",)),
        "from_unit": Ref("n1", ("temperature_unit",)),
        "to_unit": "fahrenheit",
    }
    assert result.workflow.answer.text.refs == (Ref(step.id, ("result",)),)


def test_a_conversion_into_the_named_unit_stays(bundled):
    workflow = flow(
        bundled,
        {
            "id": "n1",
            "tool": "units:convert_temperature",
            "args": {"value": 425, "from_unit": "fahrenheit", "to_unit": "celsius"},
        },
        {"id": "answer", "answer": "{n1.result}"},
        task="The pizza stone wants an oven at 425 °F: how hot is that in Celsius?",
    )
    assert repair_workflow(workflow, bundled).edits == ()
