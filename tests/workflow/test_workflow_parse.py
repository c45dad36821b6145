"""Lenient parsing of model-written workflows, precise parse errors, and the dump/parse round trip."""

from __future__ import annotations

import json

import pytest

from evoflux.errors import UserError
from evoflux.workflow import (
    AnswerNode,
    Ref,
    Template,
    ToolNode,
    Workflow,
    WorkflowParseError,
    dump_workflow,
    parse_workflow,
)
from evoflux.workflow.graph import STAR


def only_tool(data, **kwargs) -> ToolNode:
    workflow = parse_workflow(data, **kwargs)
    (node,) = workflow.tool_nodes
    return node


# ---------------------------------------------------------------- document shapes


@pytest.mark.parametrize(
    "document",
    [
        {"nodes": [{"id": "n1", "tool": "web:search", "args": {"query": "x"}}]},
        {"steps": [{"id": "n1", "tool": "web:search", "args": {"query": "x"}}]},
        {"workflow": {"nodes": [{"id": "n1", "tool": "web:search", "args": {"query": "x"}}]}},
        {"workflow": [{"id": "n1", "tool": "web:search", "args": {"query": "x"}}]},
        [{"id": "n1", "tool": "web:search", "args": {"query": "x"}}],
    ],
)
def test_top_level_shapes(document):
    assert parse_workflow(document) == Workflow((ToolNode("n1", "web", "search", {"query": "x"}),))


def test_task_is_kept():
    workflow = parse_workflow({"task": "find x", "workflow": {"nodes": [{"tool": "web:search"}]}})
    assert workflow.task == "find x"


def test_fenced_json_with_prose_and_trailing_junk():
    text = (
        "Here is the plan:\n```json\n"
        '{"nodes": [{"id": "n1", "tool": "web:search", "args": {"query": "x"}}]}\n'
        "```\nThis plan first searches {the web}."
    )
    assert parse_workflow(text).tool_nodes[0].args == {"query": "x"}


def test_prose_around_unfenced_json():
    text = 'Plan [draft]: {"nodes": [{"tool": "web:search", "args": {"query": "x"}}]} -- done'
    assert parse_workflow(text).tool_nodes[0].tool == "search"


def test_almost_json_is_repaired():
    text = '{"nodes": [{"id": "n1", "tool": "web:search", "args": {"query": "x",}},]'
    assert parse_workflow(text).tool_nodes[0].args == {"query": "x"}


# ---------------------------------------------------------------- tools


def test_tool_as_server_colon_tool():
    node = only_tool({"nodes": [{"tool": "Unit Converter:convert_length"}]})
    assert (node.server, node.tool) == ("Unit Converter", "convert_length")


def test_separate_server_and_tool_fields():
    node = only_tool({"nodes": [{"server": "units", "tool": "convert_length"}]})
    assert (node.server, node.tool) == ("units", "convert_length")
    node = only_tool({"nodes": [{"server": "units", "tool": "units:convert_length"}]})
    assert (node.server, node.tool) == ("units", "convert_length")


@pytest.mark.parametrize("written", ["units.convert_length", "units/convert_length", "units__convert_length"])
def test_other_separators_when_the_prefix_is_a_catalog_server(written, catalog):
    node = only_tool({"nodes": [{"tool": written}]}, catalog=catalog)
    assert (node.server, node.tool) == ("units", "convert_length")


def test_server_names_match_loosely(bench):
    node = only_tool({"nodes": [{"tool": "unit_converter.convert_length"}]}, catalog=bench)
    assert node.server == "Unit Converter"
    node = only_tool({"nodes": [{"tool": "unit converter:convert_length"}]}, catalog=bench)
    assert node.server == "Unit Converter"


def test_bare_tool_name_resolved_via_catalog(catalog, bench):
    assert only_tool({"nodes": [{"tool": "convert_length"}]}, catalog=catalog).server == "units"
    assert (
        only_tool({"nodes": [{"tool_name": "get_current_weather_tool"}]}, catalog=bench).server
        == "Weather Data"
    )


def test_bare_tool_name_on_several_servers_or_unknown_keeps_no_server(catalog):
    assert only_tool({"nodes": [{"tool": "search"}]}, catalog=catalog).server == ""
    assert only_tool({"nodes": [{"tool": "nonexistent"}]}, catalog=catalog).server == ""
    assert only_tool({"nodes": [{"tool": "convert_length"}]}).server == ""


def test_name_is_the_tool_unless_a_tool_field_is_given():
    node = only_tool({"nodes": [{"id": "a", "name": "web:search"}]})
    assert (node.id, node.tool_key) == ("a", "web:search")
    node = only_tool({"nodes": [{"name": "lookup", "tool": "web:search"}]})
    assert (node.id, node.tool_key) == ("lookup", "web:search")


# ---------------------------------------------------------------- arguments


@pytest.mark.parametrize("key", ["args", "params", "arguments", "parameters", "input"])
def test_argument_field_spellings(key):
    assert only_tool({"nodes": [{"tool": "web:search", key: {"query": "x"}}]}).args == {"query": "x"}


def test_arguments_given_as_a_json_string():
    node = only_tool({"nodes": [{"tool": "web:search", "arguments": '{"query": "x", "n": 2}'}]})
    assert node.args == {"query": "x", "n": 2}
    node = only_tool({"nodes": [{"tool": "web:search", "arguments": "{'query': 'x'"}]})
    assert node.args == {"query": "x"}


def test_references_inside_arguments():
    workflow = parse_workflow(
        {
            "nodes": [
                {"id": "n1", "tool": "a:b"},
                {
                    "id": "n2",
                    "tool": "a:c",
                    "args": {
                        "whole": "$n1.items[0].id",
                        "braced": "${n1.city}",
                        "text": "weather in {n1.city} today",
                        "obj": {"$ref": "n1", "path": "items[*].price"},
                        "inline": {"$ref": "n1.rows[-1]"},
                        "nested": [{"deep": ["$n1", 3]}, {"node": "n1", "path": "x"}],
                        "plain": "{not a ref} costs $5",
                    },
                },
            ]
        }
    )
    assert workflow.node("n2").args == {
        "whole": Ref("n1", ("items", 0, "id")),
        "braced": Ref("n1", ("city",)),
        "text": Template(("weather in ", Ref("n1", ("city",)), " today")),
        "obj": Ref("n1", ("items", STAR, "price")),
        "inline": Ref("n1", ("rows", -1)),
        "nested": [{"deep": [Ref("n1"), 3]}, Ref("n1", ("x",))],
        "plain": "{not a ref} costs $5",
    }
    assert workflow.dependencies("n2") == ("n1",)


def test_reference_to_a_declared_id_of_any_shape():
    workflow = parse_workflow(
        [{"id": "lookup", "tool": "a:b"}, {"id": "use", "tool": "a:c", "args": {"q": "{lookup.name}!"}}]
    )
    assert workflow.node("use").args["q"] == Template((Ref("lookup", ("name",)), "!"))


# ---------------------------------------------------------------- ids, waits, answers


def test_missing_ids_are_generated_unique():
    workflow = parse_workflow(
        [{"tool": "a:b"}, {"id": "n1", "tool": "a:c"}, {"tool": "a:d"}, {"answer": "done"}]
    )
    assert workflow.ids == ("n2", "n1", "n3", "answer")


def test_numeric_and_step_ids():
    workflow = parse_workflow([{"step": 1, "tool": "a:b"}, {"id": 2, "tool": "a:c", "after": [1]}])
    assert workflow.ids == ("n1", "n2")
    assert workflow.node("n2").after == ("n1",)


def test_a_sentence_in_step_is_not_an_id():
    assert parse_workflow([{"step": "Search the web", "tool": "a:b"}]).ids == ("n1",)


@pytest.mark.parametrize("key", ["after", "depends_on", "dependencies"])
def test_wait_field_spellings(key):
    workflow = parse_workflow([{"id": "n1", "tool": "a:b"}, {"id": "n2", "tool": "a:c", key: ["$n1", "n1"]}])
    assert workflow.node("n2").after == ("n1",)
    workflow = parse_workflow([{"id": "n1", "tool": "a:b"}, {"id": "n2", "tool": "a:c", key: "n1"}])
    assert workflow.node("n2").after == ("n1",)


@pytest.mark.parametrize(
    ("nodes", "extra", "answer_id"),
    [
        ([{"id": "answer", "answer": "It is {n1.temp} C"}], {}, "answer"),
        ([{"id": "final", "type": "answer", "text": "It is {n1.temp} C"}], {}, "final"),
        ([{"final_answer": "It is {n1.temp} C"}], {}, "answer"),
        ([{"id": "answer", "text": "It is {n1.temp} C"}], {}, "answer"),
        ([], {"answer": "It is {n1.temp} C"}, "answer"),
    ],
)
def test_answer_node_forms(nodes, extra, answer_id):
    workflow = parse_workflow({"nodes": [{"id": "n1", "tool": "w:get"}, *nodes], **extra})
    assert workflow.answer == AnswerNode(answer_id, Template(("It is ", Ref("n1", ("temp",)), " C")))


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ("I cannot help with that.", ["not JSON", "I cannot help"]),
        ("", ["empty"]),
        ({"nodes": "n1 then n2"}, ["'nodes' must be a list", "a string"]),
        ({"plan": []}, ["expected a 'nodes' list", "keys: plan"]),
        (42, ["expected a JSON object", "a number"]),
        ([{"tool": "a:b"}, "search the web"], ["node #2", "expected an object", "a string"]),
        ([{"id": "n1", "args": {"q": 1}}], ["node #1 ('n1')", "no tool given", "server:tool"]),
        ([{"id": "n1", "tool": ["a", "b"]}], ["node #1 ('n1')", "'tool' must be a tool name", "a list"]),
        (
            [{"id": "n1", "tool": "a:b", "args": [1, 2]}],
            ["node #1 ('n1')", "'args' must be an object", "a list"],
        ),
        (
            [{"id": "n1", "tool": "a:b", "params": "query=x"}],
            ["'params' is a string that is not a JSON object"],
        ),
        ([{"id": "n1", "tool": "a:b", "after": {"n0": 1}}], ["'after' must be a list of node ids"]),
        ([{"tool": "a:b", "args": {"q": "{n1.rows[}"}}], ["node #1 ('n1'), argument q", "never closed"]),
        ([{"id": "n1", "tool": "a:b"}, {"answer": ["x"]}], ["node #2 ('answer')", "must be the answer text"]),
        ([{"id": ["x"], "tool": "a:b"}], ["node #1", "'id' must be a string"]),
        ({"nodes": [{"answer": "a"}], "answer": "b"}, ["2 answer nodes"]),
    ],
)
def test_parse_errors_are_precise(data, words):
    with pytest.raises(WorkflowParseError) as caught:
        parse_workflow(data)
    for word in words:
        assert word in str(caught.value)


def test_parse_error_is_a_user_error():
    assert issubclass(WorkflowParseError, UserError)


# ---------------------------------------------------------------- round trip


def test_dump_then_parse_gives_the_same_workflow():
    workflow = Workflow(
        (
            ToolNode("n1", "Unit Converter", "convert_length", {"value": 5, "from_unit": "kilometer"}),
            ToolNode(
                "fetch-2",
                "Weather Data",
                "get_current_weather_tool",
                {
                    "city": Ref("n1", ("result", 0, "key with space")),
                    "all": Ref("n1", ("items", STAR, "price")),
                    "note": Template(("about ", Ref("n1", ("value",)), " km")),
                    "deep": [{"x": Ref("n1")}, "plain {text}"],
                    "first": Ref("n1", (0,)),
                },
                after=("n1",),
            ),
            ToolNode("n3", "", "bare_tool", {}),
            AnswerNode("answer", Template(("It is ", Ref("fetch-2", ("temp",)), " degrees")), ("n3",)),
        ),
        task="weather after conversion",
    )
    assert parse_workflow(workflow.to_json()) == workflow
    assert parse_workflow(dump_workflow(workflow)) == workflow
    assert json.loads(dump_workflow(workflow)) == workflow.to_json()
