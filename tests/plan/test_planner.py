"""The planner: its prompt and schema over the retrieved tools, and reading model replies into workflows -
good ones, prose, truncated JSON, JSON of the wrong shape and unknown tools (which must reach the checker)."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.errors import UserError
from evoflux.llm import FailureKind, ModelReply, Purpose, ScriptedChat
from evoflux.plan.planner import INSTRUCTIONS, Plan, Planner, planning_messages, read_plan
from evoflux.plan.toolcards import tool_cards
from evoflux.workflow.check import IssueCode, check_workflow, has_errors
from evoflux.workflow.graph import AnswerNode, Ref, ToolNode, Workflow
from tests.support import bundled_catalog, station_read, station_search

TASK = "What is the temperature right now in Oslo in Fahrenheit?"
WEATHER = ("weather:search_stations", "weather:current_conditions", "weather:forecast")
GOOD = {
    "steps": [
        {"id": "n1", "tool": "weather:search_stations", "args": {"city": "Oslo"}},
        {
            "id": "n2",
            "tool": "weather:current_conditions",
            "args": {"station_id": "$n1.stations[0].station_id", "units": "imperial"},
        },
    ],
    "answer": "It is {n2.temperature} {n2.temperature_unit} in Oslo.",
}


@pytest.fixture(scope="module")
def bundled() -> ToolCatalog:
    """The live catalog of every bundled server, listed in process."""
    return bundled_catalog()


@pytest.fixture(scope="module")
def tools(bundled: ToolCatalog) -> list[ToolSpec]:
    found = [bundled.get(*key.split(":")) for key in WEATHER]
    assert all(found)
    return found  # type: ignore[return-value]


@pytest.fixture(scope="module")
def catalog(tools: list[ToolSpec]) -> ToolCatalog:
    return ToolCatalog({"weather": tools})


def reply(text: str, *, finish_reason: str = "stop") -> ModelReply:
    """A plan reply as the chat client builds it from `text` (any JSON object passes the schema)."""
    return ScriptedChat(finish_reason=finish_reason).reply(text, {"type": "object"}, Purpose.PLAN)


# ---------------------------------------------------------------- prompt and schema


def test_planning_messages_hold_instructions_cards_and_the_request(tools):
    messages = planning_messages(TASK, tools, max_steps=3)
    assert [m["role"] for m in messages] == ["system", "user"]
    system = messages[0]["content"]
    assert system.startswith(INSTRUCTIONS.split("{max_steps}")[0])
    assert "(at most 3)" in system and "{max_steps}" not in system
    assert system.endswith("\n\nTools:\n" + tool_cards(tools))
    assert "station_id*: string /^WX-[A-Z]{3}-\\d{2}$/ (returned by search_stations)" in system
    assert messages[1]["content"] == f"request: {TASK}"


def test_the_system_prompt_does_not_depend_on_the_task(tools):
    one = planning_messages("weather in Oslo", tools, max_steps=6)
    two = planning_messages("forecast for Bergen", tools, max_steps=6)
    assert one[0] == two[0] and one[1] != two[1]


def test_schema_enumerates_exactly_the_shown_tools_and_bounds_the_steps(tools):
    schema = Planner(object(), max_steps=4).schema(tools)  # type: ignore[arg-type]
    Draft202012Validator.check_schema(schema)
    steps = schema["properties"]["steps"]
    assert steps["items"]["properties"]["tool"]["enum"] == list(WEATHER)
    assert (steps["minItems"], steps["maxItems"]) == (1, 4)
    assert schema["required"] == ["steps", "answer"] and schema["additionalProperties"] is False
    assert steps["items"]["required"] == ["id", "tool", "args"]


def test_schema_accepts_a_good_plan_and_rejects_unknown_tools_and_too_many_steps(tools):
    validator = Draft202012Validator(Planner(object(), max_steps=2).schema(tools))  # type: ignore[arg-type]
    assert not list(validator.iter_errors(GOOD))
    unknown = {**GOOD, "steps": [{"id": "n1", "tool": "weather:get_forecast", "args": {}}]}
    assert any("is not one of" in e.message for e in validator.iter_errors(unknown))
    long = {**GOOD, "steps": GOOD["steps"] + [{"id": "n3", "tool": "weather:forecast", "args": {}}]}
    assert any("too long" in e.message or "is not valid" in e.message for e in validator.iter_errors(long))


@pytest.mark.anyio
async def test_plan_sends_one_schema_call_and_reads_the_workflow(tools):
    client = ScriptedChat(json.dumps(GOOD))
    plan = await Planner(client, max_steps=5, max_tokens=321).plan(TASK, tools, temperature=0.2, seed=11)
    (call,) = client.calls
    assert call.purpose is Purpose.PLAN
    assert (call.temperature, call.seed, call.max_tokens) == (0.2, 11, 321)
    assert call.messages == planning_messages(TASK, tools, max_steps=5)
    assert call.schema["properties"]["steps"]["maxItems"] == 5
    assert plan.error is None and plan.reply.ok
    assert plan.workflow is not None and plan.workflow.task == TASK
    assert [n.tool_key for n in plan.workflow.tool_nodes] == [
        "weather:search_stations",
        "weather:current_conditions",
    ]


@pytest.mark.anyio
async def test_plan_defaults_are_deterministic(tools):
    client = ScriptedChat(json.dumps(GOOD))
    await Planner(client).plan(TASK, tools)
    (call,) = client.calls
    assert (call.temperature, call.seed, call.max_tokens) == (0.0, None, 700)
    assert call.schema["properties"]["steps"]["maxItems"] == 6


@pytest.mark.anyio
async def test_plan_without_tools_is_a_user_error():
    client = ScriptedChat()
    with pytest.raises(UserError, match="no tools to plan with"):
        await Planner(client).plan(TASK, [])
    assert client.calls == []


@pytest.mark.anyio
async def test_plan_resolves_a_tool_named_without_its_server(tools):
    bare = {
        "steps": [{"id": "n1", "tool": "search_stations", "args": {"city": "Oslo"}}],
        "answer": "{n1.stations}",
    }
    plan = await Planner(ScriptedChat(json.dumps(bare))).plan(TASK, tools)
    assert plan.workflow is not None
    assert plan.workflow.tool_nodes[0].tool_key == "weather:search_stations"
    assert plan.reply.failure is not None and plan.reply.failure.kind is FailureKind.SCHEMA_MISMATCH


# ---------------------------------------------------------------- reading replies


def test_a_good_reply_becomes_a_workflow_with_task_and_references(catalog):
    plan = read_plan(TASK, reply(json.dumps(GOOD)), catalog)
    assert isinstance(plan, Plan) and plan.error is None
    workflow = plan.workflow
    assert isinstance(workflow, Workflow) and workflow.task == TASK
    assert workflow.ids == ("n1", "n2", "answer")
    n1, n2, answer = workflow.nodes
    assert n1 == ToolNode("n1", "weather", "search_stations", {"city": "Oslo"})
    assert isinstance(n2, ToolNode) and n2.args["units"] == "imperial"
    assert n2.args["station_id"] == Ref("n1", ("stations", 0, "station_id"))
    assert isinstance(answer, AnswerNode)
    assert answer.text.refs == (Ref("n2", ("temperature",)), Ref("n2", ("temperature_unit",)))
    assert workflow.dependencies("n2") == ("n1",) and workflow.dependencies("answer") == ("n2",)
    assert not has_errors(check_workflow(workflow, catalog))


def test_the_callers_task_replaces_one_the_model_wrote(catalog):
    plan = read_plan(TASK, reply(json.dumps({"task": "something else", **GOOD})), catalog)
    assert plan.workflow is not None and plan.workflow.task == TASK


def test_prose_is_no_workflow_and_the_error_says_so(catalog):
    text = "First I would look up the weather stations in Oslo, then read the current conditions."
    plan = read_plan(TASK, reply(text), catalog)
    assert plan.workflow is None
    assert plan.reply.failure is not None and plan.reply.failure.kind is FailureKind.NOT_JSON
    assert plan.error is not None and plan.error.startswith("the model's reply is not a workflow:")
    assert "Expected a JSON object" in plan.error


def test_truncated_json_is_no_workflow_and_the_error_names_max_tokens(catalog):
    text = json.dumps(GOOD)[:70]
    plan = read_plan(TASK, reply(text, finish_reason="length"), catalog)
    assert plan.workflow is None
    assert plan.reply.failure is not None and plan.reply.failure.kind is FailureKind.TRUNCATED
    assert plan.error is not None and "not a workflow" in plan.error and "max_tokens" in plan.error


def test_an_empty_reply_is_no_workflow(catalog):
    plan = read_plan(TASK, reply("   "), catalog)
    assert plan.workflow is None and plan.error is not None and "no text" in plan.error


def test_a_reply_without_value_or_failure_is_an_empty_reply(catalog):
    bare = reply(json.dumps(GOOD)).model_copy(update={"value": None, "failure": None})
    assert read_plan(TASK, bare, catalog) == Plan(
        None, bare, "the model's reply is not a workflow: empty reply"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (["weather:search_stations", "weather:current_conditions"], "node #1: expected an object"),
        ({"steps": "n1 then n2"}, "'steps' must be a list"),
        ({"plan": "search, then read"}, "expected a 'nodes' list"),
        ({"steps": [{"id": "n1", "tool": "weather:forecast", "args": {}}, 42]}, "node #2"),
        ({"steps": [{"id": ["n1"], "tool": "weather:forecast"}]}, "'id' must be a string"),
    ],
)
def test_json_of_the_wrong_shape_is_no_workflow_with_a_precise_error(catalog, value, expected):
    plan = read_plan(TASK, reply(json.dumps(value)), catalog)
    assert plan.workflow is None
    assert plan.error is not None and expected in plan.error
    assert plan.reply.value == value


def test_an_unknown_tool_still_parses_and_the_checker_reports_it(catalog):
    value = {
        "steps": [
            station_search("n1", "Oslo"),
            station_read("n2", "n1", tool="weather:get_forecast"),
        ],
        "answer": "{n2.days[0].temp_max}",
    }
    plan = read_plan(TASK, reply(json.dumps(value)), catalog)
    assert plan.error is None and plan.workflow is not None
    assert plan.workflow.tool_nodes[1] == ToolNode(
        "n2", "weather", "get_forecast", {"station_id": Ref("n1", ("stations", 0, "station_id"))}
    )
    issues = check_workflow(plan.workflow, catalog)
    unknown = [i for i in issues if i.code is IssueCode.UNKNOWN_TOOL]
    assert [i.node for i in unknown] == ["n2"]
    assert "forecast" in unknown[0].hint


def test_a_tool_on_an_unknown_server_still_parses(catalog):
    value = {"steps": [{"id": "n1", "tool": "meteo:forecast", "args": {}}], "answer": "{n1}"}
    plan = read_plan(TASK, reply(json.dumps(value)), catalog)
    assert plan.workflow is not None
    assert [i.code for i in check_workflow(plan.workflow, catalog)] == [IssueCode.UNKNOWN_SERVER]
