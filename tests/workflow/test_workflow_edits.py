"""Edit operators: each keeps the graph sound (or refuses), re-binds references as documented, and records an Edit."""

from __future__ import annotations

import pytest
from weather_world import oslo

from evoflux.workflow import Ref, Template, check_workflow, parse_workflow
from evoflux.workflow.edits import (
    EditOp,
    add_step,
    add_wait,
    map_arguments,
    remove_arg,
    remove_step,
    remove_wait,
    rename_arg,
    rename_node,
    rewire,
    set_arg,
    swap_tool,
)
from evoflux.workflow.paths import EditError, graph_problems
from tests.support import assert_sound, station_read, station_search

# ---------------------------------------------------------------- swap_tool


def test_swap_tool_keeps_same_named_arguments_and_drops_the_rest(weather):
    wf = oslo(weather)
    wf = set_arg(wf, "n2", "units", "metric")[0]
    new, edit = swap_tool(wf, "n2", weather.get("weather", "forecast"), weather)
    node = new.node("n2")
    assert (node.server, node.tool) == ("weather", "forecast")
    assert node.args == {"station_id": Ref("n1", ("stations", 0, "station_id"))}
    assert edit.op is EditOp.SWAP_TOOL and edit.after["dropped"] == ["units"]
    assert edit.before["tool"] == "weather:current_conditions"
    assert_sound(new, weather)


def test_swap_tool_maps_near_miss_names(bench):
    wf = parse_workflow(
        {
            "nodes": [
                {
                    "id": "n1",
                    "tool": "Unit Converter:convert_temperature",
                    "args": {"value": 3, "from": "celsius", "to": "kelvin"},
                }
            ]
        },
        catalog=bench,
    )
    new, edit = swap_tool(wf, "n1", bench.get("Unit Converter", "convert_length"), bench)
    assert new.node("n1").args == {"value": 3, "from_unit": "celsius", "to_unit": "kelvin"}
    assert edit.after["renamed"] == {"from": "from_unit", "to": "to_unit"}


def test_swap_tool_maps_by_type_onto_unfilled_required_arguments(bench):
    wf = parse_workflow(
        {"nodes": [{"id": "n1", "tool": "Math MCP:add", "args": {"firstNumber": 7, "secondNumber": 2}}]},
        catalog=bench,
    )
    new, edit = swap_tool(wf, "n1", bench.get("Math MCP", "subtract"), bench)
    assert new.node("n1").args == {"minuend": 7, "subtrahend": 2}
    assert "dropped" not in edit.after
    assert [i for i in check_workflow(new, bench) if i.severity == "error"] == []


def test_swap_tool_never_carries_an_id_into_a_plain_argument(weather):
    wf = oslo(weather)
    new, edit = swap_tool(wf, "n2", weather.get("weather", "search_stations"), weather)
    assert new.node("n2").args == {}
    assert edit.after["dropped"] == ["station_id"]


def test_map_arguments_rejects_literals_that_fail_the_new_schema(bench):
    old = bench.get("Unit Converter", "convert_temperature")
    new = bench.get("Math MCP", "add")
    assert map_arguments({"value": "hot"}, old, new) == {}
    assert map_arguments({"value": 4}, old, new) == {"value": "firstNumber"}


# ---------------------------------------------------------------- set / remove / rename arguments


def test_set_arg_literal_reference_and_template(weather):
    wf = oslo(weather)
    wf, edit = set_arg(wf, "n3", "value", 21.5)
    assert wf.node("n3").args["value"] == 21.5
    assert (edit.op, edit.node, edit.arg, edit.before, edit.after) == (
        EditOp.SET_ARG,
        "n3",
        "value",
        {"$ref": "n2", "path": "temperature"},
        21.5,
    )
    wf, _ = set_arg(wf, "n3", "value", Ref("n2", ("temperature",)))
    wf, _ = set_arg(wf, "n1", "city", Template(("Oslo", " ", "Norway")))
    assert wf.node("n1").args["city"] == Template(("Oslo", " ", "Norway"))
    assert_sound(wf, weather)


def test_set_arg_creates_nested_paths(weather):
    wf, edit = set_arg(oslo(weather), "n1", "filters.country[0]", "NO")
    assert edit.arg == "filters.country[0]"
    assert wf.node("n1").args["filters"] == {"country": ["NO"]}


@pytest.mark.parametrize(
    ("node", "value", "message"),
    [
        ("n1", Ref("n3", ("result",)), "cycle"),
        ("n1", Ref("n9"), "missing node 'n9'"),
        ("n1", Ref("n1"), "depend on itself"),
        ("n1", Ref("answer"), "answer"),
    ],
)
def test_set_arg_refuses_references_that_break_the_graph(weather, node, value, message):
    with pytest.raises(EditError, match=message):
        set_arg(oslo(weather), node, "city", value)


def test_set_arg_on_the_answer_or_a_missing_node_is_refused(weather):
    with pytest.raises(EditError, match="answer node"):
        set_arg(oslo(weather), "answer", "x", 1)
    with pytest.raises(EditError, match="no node 'n7'"):
        set_arg(oslo(weather), "n7", "x", 1)


def test_remove_arg_and_list_items(weather):
    wf, edit = remove_arg(oslo(weather), "n3", "from_unit")
    assert "from_unit" not in wf.node("n3").args and edit.before == "celsius"
    wf = set_arg(wf, "n1", "tags", ["a", "b", "c"])[0]
    wf, _ = remove_arg(wf, "n1", "tags[1]")
    assert wf.node("n1").args["tags"] == ["a", "c"]
    with pytest.raises(EditError, match="no argument nope"):
        remove_arg(wf, "n1", "nope")


def test_removing_the_only_reference_keeps_the_graph_sound(weather):
    wf, _ = remove_arg(oslo(weather), "n2", "station_id")
    assert "n1" not in wf.dependencies("n2")
    assert_sound(wf, weather)


def test_rename_arg_keeps_value_and_position(weather):
    wf = set_arg(oslo(weather), "n3", "from", "celsius")[0]
    wf = remove_arg(wf, "n3", "from_unit")[0]
    new, edit = rename_arg(wf, "n3", "from", "from_unit")
    assert list(new.node("n3").args) == ["value", "to_unit", "from_unit"]
    assert new.node("n3").args["from_unit"] == "celsius"
    assert edit.before == {"from": "celsius"} and edit.after == {"from_unit": "celsius"}
    with pytest.raises(EditError, match="already has"):
        rename_arg(new, "n3", "value", "to_unit")


# ---------------------------------------------------------------- add_step / remove_step


def test_add_step_binds_consumers_to_the_new_output(weather):
    wf = parse_workflow(
        {
            "nodes": [
                {"id": "n1", "tool": "weather:forecast", "args": {"station_id": "WX-MAD", "days": 3}},
                {"id": "n2", "tool": "weather:current_conditions", "args": {"station_id": "WX-MAD"}},
                {"id": "answer", "answer": "{n1.temperature} / {n2.temperature}"},
            ]
        },
        catalog=weather,
    )
    spec = weather.get("weather", "search_stations")
    new, edit = add_step(
        wf,
        spec,
        {"city": "Madrid"},
        bind={
            ("n1", "station_id"): "stations[0].station_id",
            ("n2", "station_id"): ("stations", 0, "station_id"),
        },
    )
    assert edit.op is EditOp.ADD_STEP and edit.node == "n3"
    assert new.ids == ("n3", "n1", "n2", "answer")
    for consumer in ("n1", "n2"):
        assert new.node(consumer).args["station_id"] == Ref("n3", ("stations", 0, "station_id"))
    assert edit.after["bound"] == {
        "n1.station_id": "$n3.stations[0].station_id",
        "n2.station_id": "$n3.stations[0].station_id",
    }
    assert_sound(new, weather)
    assert check_workflow(new, weather) == []


def test_add_step_before_makes_that_node_wait(weather):
    wf = oslo(weather)
    new, edit = add_step(
        wf, weather.get("weather", "search_stations"), {"city": "Bergen"}, before="n3", node_id="extra"
    )
    assert new.ids.index("extra") == new.ids.index("n3") - 1
    assert new.node("n3").after == ("extra",)
    assert edit.after["before"] == "n3"
    assert_sound(new, weather)


def test_add_step_refuses_a_new_step_reading_its_own_consumer(weather):
    spec = weather.get("weather", "current_conditions")
    with pytest.raises(EditError, match="cycle"):
        add_step(
            oslo(weather),
            spec,
            {"station_id": Ref("n2", ("station_id",))},
            bind={("n2", "station_id"): "station_id"},
        )
    with pytest.raises(EditError, match="taken"):
        add_step(oslo(weather), spec, {}, node_id="n1")


def test_remove_step_rebinds_to_an_identical_upstream_call(weather):
    wf = parse_workflow(
        {
            "nodes": [
                station_search("n1", "Oslo"),
                station_search("n2", "Oslo"),
                station_read("n3", "n2"),
                {"id": "answer", "answer": "{n3.temperature}"},
            ]
        },
        catalog=weather,
    )
    new, edit = remove_step(wf, "n2", weather)
    assert new.ids == ("n1", "n3", "answer")
    assert new.node("n3").args["station_id"] == Ref("n1", ("stations", 0, "station_id"))
    assert edit.after == {"rebound": {"n3: $n2.stations[0].station_id": "$n1.stations[0].station_id"}}
    assert_sound(new, weather)


def test_remove_step_rebinds_through_output_schemas_and_drops_what_has_no_source(weather):
    wf = oslo(weather)
    wf = add_step(
        wf,
        weather.get("weather", "forecast"),
        {"station_id": Ref("n1", ("stations", 0, "station_id"))},
        node_id="n4",
    )[0]
    new, edit = remove_step(wf, "n2", weather)
    assert new.node("n3").args["value"] == Ref("n4", ("temperature",))  # forecast's output has the same field
    new, edit = remove_step(oslo(weather), "n1", weather)
    assert "station_id" not in new.node("n2").args
    assert edit.after["removed_args"] == ["n2.station_id", "answer: $n1.stations[0].name"]
    assert new.node("answer").text.parts[-1] == "(unavailable)"
    assert_sound(new, weather)


def test_remove_step_passes_its_waits_on(weather):
    wf = parse_workflow(
        {
            "nodes": [
                {"id": "n1", "tool": "weather:search_stations", "args": {"city": "Oslo"}},
                {"id": "n2", "tool": "weather:search_stations", "args": {"city": "Bergen"}, "after": ["n1"]},
                {"id": "n3", "tool": "weather:search_stations", "args": {"city": "Molde"}, "after": ["n2"]},
            ]
        },
        catalog=weather,
    )
    new, _ = remove_step(wf, "n2", weather)
    assert new.node("n3").after == ("n1",)
    assert_sound(new, weather)


def test_remove_step_refuses_the_answer(weather):
    with pytest.raises(EditError, match="answer node"):
        remove_step(oslo(weather), "answer", weather)


# ---------------------------------------------------------------- rewire / waits


def test_rewire_points_a_reference_elsewhere(weather):
    wf = add_step(
        oslo(weather), weather.get("weather", "forecast"), {"station_id": "WX-OSL-01"}, node_id="n4"
    )[0]
    new, edit = rewire(wf, "n3", "value", Ref("n4", ("temperature",)))
    assert new.node("n3").args["value"] == Ref("n4", ("temperature",))
    assert (edit.before, edit.after) == ("$n2.temperature", "$n4.temperature")
    new, _ = rewire(new, "answer", None, Ref("n2", ("station_id",)), old=Ref("n1", ("stations", 0, "name")))
    assert Ref("n2", ("station_id",)) in new.node("answer").text.refs
    assert_sound(new, weather)


@pytest.mark.parametrize(
    ("node", "arg", "target", "message"),
    [
        ("n2", "station_id", Ref("n3", ("x",)), "runs after n2"),
        ("n2", "station_id", Ref("n2"), "its own output"),
        ("n2", "station_id", Ref("answer"), "answer node"),
        ("n2", "station_id", Ref("n8"), "no node 'n8'"),
        ("n3", "from_unit", Ref("n1"), "holds no reference"),
    ],
)
def test_rewire_refusals(weather, node, arg, target, message):
    with pytest.raises(EditError, match=message):
        rewire(oslo(weather), node, arg, target)


def test_rewire_needs_old_when_a_value_holds_several_references(weather):
    with pytest.raises(EditError, match="2 references"):
        rewire(oslo(weather), "answer", None, Ref("n2", ("temperature",)))


def test_add_wait_and_remove_wait(weather):
    wf, edit = add_wait(oslo(weather), "n3", "n1")
    assert wf.node("n3").after == ("n1",) and edit.op is EditOp.ADD_WAIT
    with pytest.raises(EditError, match="runs after"):
        add_wait(wf, "n1", "n3")
    wf, edit = remove_wait(wf, "n3", "n1")
    assert wf.node("n3").after == () and (edit.before, edit.after) == (["n1"], [])
    with pytest.raises(EditError, match="does not wait"):
        remove_wait(wf, "n3", "n1")


def test_operators_leave_old_problems_but_add_none():
    broken = parse_workflow(
        {
            "nodes": [
                {"id": "n1", "tool": "s:a", "args": {"x": "$n9.y"}},
                {"id": "n2", "tool": "s:b", "args": {}},
            ]
        }
    )
    fixed, _ = set_arg(broken, "n2", "x", 1)  # n1's dangling reference was there before
    assert set(graph_problems(fixed)) == {("missing", "n1", "n9")}


# ---------------------------------------------------------------- rename_node


def test_rename_node_updates_every_reference_and_wait(weather):
    wf = add_wait(oslo(weather), "n3", "n1")[0]
    new, edit = rename_node(wf, "n1", "find")
    assert new.node("n2").args["station_id"] == Ref("find", ("stations", 0, "station_id"))
    assert new.node("n3").after == ("find",)
    assert Ref("find", ("stations", 0, "name")) in new.node("answer").text.refs
    assert (edit.before, edit.after) == ("n1", "find")
    assert_sound(new, weather)


def test_rename_one_of_two_duplicates_by_position(weather):
    wf = parse_workflow(
        {
            "nodes": [
                station_search("n1", "Oslo"),
                station_search("n1", "Bergen"),
                station_read("n2", "n1"),
                station_read("n3", "n1"),
            ]
        },
        catalog=weather,
    )
    with pytest.raises(EditError, match="say which one"):
        rename_node(wf, "n1", "n4")
    new, _ = rename_node(wf, "n1", "n4", index=1, retarget=["n3"])
    assert new.ids == ("n1", "n4", "n2", "n3")
    assert new.node("n2").args["station_id"].node == "n1"
    assert new.node("n3").args["station_id"].node == "n4"
    assert_sound(new, weather)


def test_rename_node_refuses_taken_or_malformed_ids(weather):
    with pytest.raises(EditError, match="taken"):
        rename_node(oslo(weather), "n1", "n2")
    with pytest.raises(EditError, match="plain id"):
        rename_node(oslo(weather), "n1", "bad id")
