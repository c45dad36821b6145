"""The answer check and the fitness that knows it: an answer that echoes the request, reports an error text,
answers one part of two or states numbers found nowhere is not complete; a count a step computed is evidence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evoflux.bench.runner import StrategySpec
from evoflux.catalog.tools import ToolSpec
from evoflux.execute.outcome import Execution, NodeOutcome, NodeStatus
from evoflux.llm import ScriptedChat
from evoflux.scoring.answer_check import check_answer, unsupported_claims
from evoflux.scoring.candidate import assessed
from evoflux.strategy import write_answer
from evoflux.workflow.graph import AnswerNode
from evoflux.workflow.parse import parse_workflow
from evoflux.workflow.refs import resolve_value
from tests.support.specs import spec

MCPBENCH = Path(__file__).parents[3] / "shared" / "mcpbench"
needs_mcpbench = pytest.mark.skipif(
    not (MCPBENCH / "tool_catalog.json").is_file(), reason=f"no MCP-Bench tool catalog in {MCPBENCH}"
)

# A knowledge-graph server as such servers are written: search entities by text, open nodes by name.
GRAPH = [
    spec(
        "graph", "search_entities", {"query": {"type": "string", "description": "Text to match"}}, ("query",)
    ),
    spec(
        "graph",
        "open_nodes",
        {"names": {"type": "array", "items": {"type": "string"}, "description": "Entity names to open"}},
        ("names",),
    ),
]
ACME = {"name": "Acme Corp", "entityType": "account", "observations": ["Enterprise plan since 2021"]}
MANAGER = {"from": "Acme Corp", "to": "Dana Whitfield", "relationType": "managed_by"}
GRAPH_OUTPUTS = {
    "n1": {"entities": [ACME]},
    "n2": {"entities": [ACME], "relations": [MANAGER]},
}


def ran(workflow_json: dict[str, Any], outputs: dict[str, Any]) -> tuple[Any, Execution]:
    """The workflow and its execution, every tool step returning `outputs[id]` and the answer rendered."""
    workflow = parse_workflow(workflow_json)
    outcomes = {
        n.id: NodeOutcome(n.id, NodeStatus.OK, output=outputs[n.id], args=resolve_value(n.args, outputs))
        for n in workflow.tool_nodes
    }
    answer = workflow.answer
    assert isinstance(answer, AnswerNode)
    outcomes[answer.id] = NodeOutcome(answer.id, NodeStatus.OK, output=resolve_value(answer.text, outputs))
    return workflow, Execution(workflow, outcomes, 0.1, len(workflow.tool_nodes))


def graph_plan(answer: str) -> dict[str, Any]:
    return {
        "nodes": [
            {"id": "n1", "tool": "graph:search_entities", "args": {"query": "Acme Corp"}},
            {"id": "n2", "tool": "graph:open_nodes", "args": {"names": ["$n1.entities[0].name"]}},
            {"id": "answer", "answer": answer},
        ]
    }


def judged(task: str, plan: dict[str, Any], outputs: dict[str, Any], shown: list[ToolSpec]):
    workflow, execution = ran(plan, outputs)
    return assessed("c", workflow, [], execution, task, shown, origin="plan", iteration=0)


def test_an_answer_that_echoes_the_searched_entity_is_not_complete_and_the_relation_target_is():
    task = "Who manages the Acme Corp account?"
    echo = judged(task, graph_plan("{n2.entities[0].name}"), GRAPH_OUTPUTS, GRAPH)
    assert echo.fitness.executed and echo.fitness.grounded and echo.fitness.covered == 1.0
    assert not echo.fitness.complete and echo.fitness.answered < 1.0
    told = [s for s in echo.shortfalls if "{n2.entities[0].name}" in s]
    assert told and "Who manages the Acme Corp account" in told[0] and "acme corp" in told[0]
    assert any("{n2.entities[0].name}" in p for p in echo.problems())  # model edits and redesigns see it

    manager = judged(task, graph_plan("{n2.relations[0].to}"), GRAPH_OUTPUTS, GRAPH)
    assert manager.fitness.complete and manager.shortfalls == ()
    assert manager.fitness > echo.fitness and manager.fitness.value > echo.fitness.value


def test_an_error_text_read_as_the_answer_is_not_an_answer():
    database = [spec("db", "read_query", {"query": {"type": "string"}}, ("query",))]
    task = "How many orders did Globex place in 2024?"
    plan = {
        "nodes": [
            {
                "id": "n1",
                "tool": "db:read_query",
                "args": {"query": "SELECT count(*) FROM orders WHERE customer = 'Globex' AND year = 2024"},
            },
            {"id": "answer", "answer": "Globex placed {n1.message} orders."},
        ]
    }
    failed = {"n1": {"rows": [], "message": "Error: no such column: customer"}}
    candidate = judged(task, plan, failed, database)
    assert candidate.fitness.executed and candidate.fitness.grounded and not candidate.fitness.complete
    assert any("error message" in s and "no such column" in s for s in candidate.shortfalls)
    counted = {"n1": {"rows": [{"count(*)": 17}], "message": "1 row"}}
    fixed = {**plan, "nodes": [plan["nodes"][0], {"id": "answer", "answer": "{n1.rows[0]} orders"}]}
    assert judged(task, fixed, counted, database).fitness.complete


def test_a_count_computed_by_a_transform_step_answers_and_a_number_found_nowhere_is_flagged():
    git = [
        spec("git", "git_log", {"repo_path": {"type": "string"}, "since": {"type": "string"}}, ("repo_path",))
    ]
    task = "How many commits were made to /srv/app since 2024-03-01?"
    log = [{"hash": h, "author": "Ines Roth"} for h in ("a1f", "b2e", "c3d", "d4c", "e5b")]
    plan = {
        "nodes": [
            {"id": "n1", "tool": "git:git_log", "args": {"repo_path": "/srv/app", "since": "2024-03-01"}},
            {"id": "n2", "tool": "evoflux:transform", "args": {"data": "$n1", "expression": "length(@)"}},
            {"id": "answer", "answer": "{n2.count} commits since 2024-03-01."},
        ]
    }
    outputs = {"n1": log, "n2": {"count": 5}}
    assert judged(task, plan, outputs, git).fitness.complete
    _, execution = ran(plan, outputs)
    assert unsupported_claims("There were 5 commits [n2], all by Ines Roth.", task, execution) == ()
    flagged = unsupported_claims(
        "There were 7 commits [n2], mostly by Ines Roth and Omar Diaz.", task, execution
    )
    assert any("states 7" in f for f in flagged) and any("'Omar'" in f for f in flagged)
    assert not any("Ines" in f or "Roth" in f for f in flagged)
    padded = {**plan, "nodes": [*plan["nodes"][:2], {"id": "answer", "answer": "{n2.count} of 40 commits."}]}
    guessed = judged(task, padded, outputs, git)
    assert not guessed.fitness.complete and any("states 40" in s for s in guessed.shortfalls)


def test_numbers_may_be_rounded_and_list_lengths_count_as_evidence():
    plan = {
        "nodes": [
            {"id": "n1", "tool": "shop:list_orders", "args": {"status": "open"}},
            {"id": "answer", "answer": "{n1.orders[*].total}"},
        ]
    }
    outputs = {"n1": {"orders": [{"total": 388.77}, {"total": 12.5}, {"total": 40.0}], "currency": "EUR"}}
    _, execution = ran(plan, outputs)
    task = "What are my open orders worth?"
    assert (
        unsupported_claims(
            "3 open orders; the largest is about 389 EUR (388.8 exactly) [n1].", task, execution
        )
        == ()
    )
    assert unsupported_claims("The largest is 390 EUR.", task, execution) != ()
    assert unsupported_claims("The largest is 388.77 USD.", task, execution) != ()  # a currency found nowhere


@pytest.mark.anyio
async def test_a_written_answer_with_a_made_up_number_falls_back_to_a_template_that_passes():
    plan = graph_plan("{n2.relations[0].to} manages it.")
    _, execution = ran(plan, GRAPH_OUTPUTS)
    task = "Who manages the Acme Corp account?"
    made_up = ScriptedChat(json.dumps({"answer": "Dana Whitfield [n2], since 2019."}))
    assert await write_answer(made_up, task, execution, None) == "Dana Whitfield manages it."
    honest = ScriptedChat(json.dumps({"answer": "Dana Whitfield manages it [n2]; plan since 2021."}))
    assert (
        await write_answer(honest, task, execution, None)
        == "Dana Whitfield manages it [n2]; plan since 2021."
    )


def mcpbench_tools(server: str) -> list[ToolSpec]:
    catalog = json.loads((MCPBENCH / "tool_catalog.json").read_text())
    return [
        ToolSpec(server, t["name"], t.get("description", ""), t.get("inputSchema") or {}, None, {})
        for t in catalog["servers"][server]
    ]


@needs_mcpbench
def test_on_mcpbench_a_two_part_question_needs_a_value_for_each_part():
    weather = mcpbench_tools("Weather Data")
    server = weather[0].server
    task = "What is the temperature in Porto right now, and will it rain there tomorrow?"
    steps = [
        {"id": "n1", "tool": f"{server}:get_current_weather_tool", "args": {"city": "Porto"}},
        {"id": "n2", "tool": f"{server}:get_weather_forecast_tool", "args": {"city": "Porto", "days": 2}},
    ]
    outputs = {
        "n1": {"location": "Porto", "temperature_c": 17.4, "condition": "Cloudy"},
        "n2": {"location": "Porto", "forecast": [{"day": 1, "rain_mm": 0.0}, {"day": 2, "rain_mm": 6.2}]},
    }
    one_part = judged(
        task, {"nodes": [*steps, {"id": "answer", "answer": "{n1.temperature_c} °C"}]}, outputs, weather
    )
    assert one_part.fitness.grounded and not one_part.fitness.complete
    assert one_part.fitness.answered == pytest.approx(2 / 3, abs=1e-4)  # one ask of two, nothing made up
    assert any("will it rain there tomorrow" in s for s in one_part.shortfalls)
    both = judged(
        task,
        {
            "nodes": [
                *steps,
                {
                    "id": "answer",
                    "answer": "{n1.temperature_c} °C; rain tomorrow: {n2.forecast[1].rain_mm} mm",
                },
            ]
        },
        outputs,
        weather,
    )
    assert both.fitness.complete and both.fitness > one_part.fitness


@needs_mcpbench
def test_on_mcpbench_reading_the_searched_parks_own_name_does_not_answer_which_campgrounds():
    parks = mcpbench_tools("National Parks")
    task = "Which campgrounds does Yosemite National Park have?"
    steps = [
        {"id": "n1", "tool": "National Parks:findParks", "args": {"q": "Yosemite"}},
        {"id": "n2", "tool": "National Parks:getCampgrounds", "args": {"parkCode": "$n1.data[0].parkCode"}},
    ]
    outputs = {
        "n1": {"data": [{"parkCode": "yose", "fullName": "Yosemite National Park"}]},
        "n2": {"data": [{"name": "Upper Pines", "parkCode": "yose"}, {"name": "Wawona", "parkCode": "yose"}]},
    }
    echo = judged(
        task, {"nodes": [*steps, {"id": "answer", "answer": "{n1.data[0].fullName}"}]}, outputs, parks
    )
    assert (
        not echo.fitness.complete
        and check_answer(
            task, *ran({"nodes": [*steps, {"id": "answer", "answer": "{n1.data[0].fullName}"}]}, outputs)
        ).answered
        == 0
    )
    named = judged(task, {"nodes": [*steps, {"id": "answer", "answer": "{n2.data[*].name}"}]}, outputs, parks)
    assert named.fitness.complete


def test_a_name_written_only_into_an_extraction_is_not_evidence_that_a_server_saw_it() -> None:
    from evoflux.scoring.fitness import shortfalls

    plan = parse_workflow(
        {
            "nodes": [
                {"id": "n1", "tool": "graph:search_entities", "args": {"query": "accounts"}},
                {
                    "id": "n2",
                    "tool": "evoflux:extract",
                    "args": {"extract": "the manager of Globex", "from": "$n1", "schema": {"type": "string"}},
                },
                {"id": "answer", "answer": "{n2}"},
            ]
        }
    )
    _, missing = shortfalls("Who manages the Globex account?", plan, None, GRAPH)
    assert any("'globex'" in problem for problem in missing)


@pytest.mark.anyio
async def test_a_written_answer_without_the_number_asked_for_falls_back_to_the_template():
    plan = {
        "nodes": [
            {"id": "n1", "tool": "shop:list_orders", "args": {"status": "cancelled"}},
            {
                "id": "n2",
                "tool": "evoflux:transform",
                "args": {"input": "$n1.orders", "expression": "length(@)"},
            },
            {"id": "answer", "answer": "{n2} orders were cancelled."},
        ]
    }
    outputs = {"n1": {"orders": [{"id": 1}, {"id": 2}, {"id": 3}]}, "n2": 3}
    _, execution = ran(plan, outputs)
    task = "How many orders were cancelled?"
    wordy = ScriptedChat(json.dumps({"answer": "cancelled orders [n2]"}))
    assert await write_answer(wordy, task, execution, None) == "3 orders were cancelled."
    counted = ScriptedChat(json.dumps({"answer": "Three orders were cancelled [n2]."}))
    assert await write_answer(counted, task, execution, None) == "Three orders were cancelled [n2]."


def test_the_no_answer_check_ablation_counts_an_echo_as_complete():
    task = "Who manages the Acme Corp account?"
    workflow, execution = ran(graph_plan("{n2.entities[0].name}"), GRAPH_OUTPUTS)
    unchecked = assessed(
        "c", workflow, [], execution, task, GRAPH, origin="plan", iteration=0, answer_check=False
    )
    assert unchecked.fitness.complete and unchecked.shortfalls == ()
    assert StrategySpec.parse("evoflux-no-answer-check").settings(0).answer_check is False


# Office servers as the third-party suite installs them (office-word-mcp-server, excel-mcp-server): no output
# schemas, results of whole records and whole documents.
OFFICE = [
    spec("word", "get_document_info", {"filename": {"type": "string"}}, ("filename",)),
    spec("word", "get_document_text", {"filename": {"type": "string"}}, ("filename",)),
    spec("excel", "describe_workbook", {"filepath": {"type": "string"}}, ("filepath",)),
]
POLICY_TEXT = (
    "Travel policy.\n"
    + "Staff book economy class for trips under six hours. " * 8
    + ("Expense claims must be filed within 30 days of return.")
)


def test_a_whole_record_or_document_read_into_the_answer_does_not_answer():
    task = "Within how many days must expense claims be filed under policy.docx?"
    info = {"title": "", "author": "Office team", "created": "2025-03-01 09:00:00+00:00", "pages": 1}

    def plan(tool: str, answer: str) -> dict[str, Any]:
        args = {"filename": "policy.docx"}
        return {"nodes": [{"id": "n1", "tool": tool, "args": args}, {"id": "answer", "answer": answer}]}

    record = judged(task, plan("word:get_document_info", "Within {n1} days."), {"n1": info}, OFFICE)
    assert record.fitness.executed and not record.fitness.complete
    assert any("{n1} is a whole record of fields title, author, created" in s for s in record.shortfalls)
    document = judged(task, plan("word:get_document_text", "Within {n1}."), {"n1": POLICY_TEXT}, OFFICE)
    assert not document.fitness.complete
    assert any(f"a whole text of {len(POLICY_TEXT)} characters" in s for s in document.shortfalls)
    field = judged(task, plan("word:get_document_info", "By {n1.pages} day."), {"n1": info}, OFFICE)
    assert not any("whole" in s for s in field.shortfalls)  # one field of the record is a value


def test_a_list_ask_answered_by_the_first_of_several_items_is_not_complete_and_every_item_is():
    task = "What sheets does the workbook sales_2025.xlsx have?"
    sheets = {"n1": {"sheets": [{"name": "About"}, {"name": "By region"}, {"name": "Targets"}]}}

    def plan(answer: str) -> dict[str, Any]:
        step = {"id": "n1", "tool": "excel:describe_workbook", "args": {"filepath": "sales_2025.xlsx"}}
        return {"nodes": [step, {"id": "answer", "answer": answer}]}

    first = judged(task, plan("It has the sheet {n1.sheets[0].name}."), sheets, OFFICE)
    assert not first.fitness.complete
    assert any("reads only the first of 3 items" in s and "[*]" in s for s in first.shortfalls)
    every = judged(task, plan("It has the sheets {n1.sheets[*].name}."), sheets, OFFICE)
    assert every.fitness.complete and every.shortfalls == ()
    one = {"n1": {"sheets": [{"name": "About"}]}}
    assert judged(task, plan("It has the sheet {n1.sheets[0].name}."), one, OFFICE).fitness.complete


def test_a_value_that_only_gives_back_an_argument_of_its_step_does_not_answer():
    # In the shape of excel-mcp-server's read_range, which returns the range it was asked for beside the values.
    task = "What is the West region's annual sales target in sales_2025.xlsx?"
    reader = spec(
        "excel", "read_range", {"path": {"type": "string"}, "range": {"type": "string"}}, ("path", "range")
    )
    output = {"n1": {"range": "A1:B6", "values": [["Region", "Target"], ["West", 1500]]}}

    def plan(answer: str) -> dict[str, Any]:
        step = {"id": "n1", "tool": "excel:read_range", "args": {"path": "sales_2025.xlsx", "range": "A1:B6"}}
        return {"nodes": [step, {"id": "answer", "answer": answer}]}

    echo = judged(task, plan("The target is {n1.range}."), output, [reader])
    assert not echo.fitness.complete
    assert any("what the step was given as its 'range'" in s for s in echo.shortfalls)
    found = judged(task, plan("The target is {n1.values[1][1]}."), output, [reader])
    assert found.fitness.complete
