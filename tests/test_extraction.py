"""Extract steps in a strategy's runs: the model pulls a typed value out of a real server's plain-text result
through `StrategyLoop.ask`, counted in the ledger as an extraction and held to the strategy's budget."""

from __future__ import annotations

import json

import pytest

from evoflux.environment import ToolEnvironment
from evoflux.execute.outcome import NodeStatus
from evoflux.llm import Purpose, ScriptedChat
from evoflux.scoring.budget import Budget
from evoflux.solver import solve_with
from evoflux.strategy import RunContext, StopReason, StrategyLoop
from evoflux.workflow.graph import Workflow
from evoflux.workflow.parse import parse_workflow
from evoflux.workflow.render import render_text
from tests.support import bundled_config

pytestmark = pytest.mark.anyio

TASK = "In which year was the first paper about graphs published?"
CITATION = {"id": "n1", "tool": "library:format_citation", "args": {"paper_id": "PAP-0015", "style": "apa"}}


def extract_year(node_id: str, source: str) -> dict:
    """An extract step reading the publication year, as an integer, from `source`."""
    args = {"extract": "the publication year", "from": source, "schema": {"type": "integer"}}
    return {"id": node_id, "tool": "evoflux:extract", "args": args}


def year_of(*sources: str) -> Workflow:
    """A citation (plain text), then one extract step per source."""
    steps = [extract_year(f"x{i}", source) for i, source in enumerate(sources, 1)]
    answer = {"id": "answer", "answer": "It was published in {x1}."}
    return parse_workflow({"task": TASK, "nodes": [CITATION, *steps, answer]})


class RunOnce(StrategyLoop):
    """A strategy whose one step checks and runs a given workflow."""

    def __init__(self, context: RunContext, workflow: Workflow):
        super().__init__(context)
        self.workflow = workflow
        self.issues: list = []
        self.execution = None

    async def step(self) -> str | None:
        self.issues, self.execution = await self.tried(self.workflow, self.catalog)
        return StopReason.FINISHED


async def run_once(workflow: Workflow, chat: ScriptedChat, budget: Budget | None = None) -> RunOnce:
    async with ToolEnvironment(bundled_config("library")) as env:
        catalog = await env.catalog()
        run = RunOnce(RunContext(TASK, list(catalog), catalog, env, chat, budget or Budget()), workflow)
        await run.loop()
        return run


async def test_an_extraction_reads_a_plain_text_result_through_the_model_and_is_counted():
    chat = ScriptedChat('{"found": true, "value": 2023}')
    run = await run_once(year_of("$n1"), chat)
    assert run.issues == []
    execution = run.execution
    assert execution.ok and execution.outcomes["x1"].output == 2023
    assert execution.answer == "It was published in 2023."
    assert [call.purpose for call in chat.calls] == [Purpose.EXTRACT]
    assert list(chat.ledger.by_purpose()) == [Purpose.EXTRACT]
    prompt = chat.calls[0].messages[-1]["content"]
    assert "the publication year" in prompt and "Benchmarking Graph Transformers" in prompt  # the real text
    assert chat.calls[0].schema["properties"]["value"] == {"type": "integer"}
    assert chat.calls[0].deadline_s is not None and chat.calls[0].deadline_s <= Budget().seconds
    # The trace and the text tree show the glue step like any tool step.
    traced = {node["node"]: node for node in execution.to_trace()["nodes"]}
    assert traced["x1"]["status"] == "ok" and traced["x1"]["output"] == 2023
    assert "x1 evoflux:extract(" in render_text(execution.workflow)


async def test_a_reply_outside_the_schema_or_not_found_is_a_failed_step_with_the_reason():
    chat = ScriptedChat('{"found": true, "value": "twenty twenty-three"}')
    run = await run_once(year_of("$n1"), chat)
    outcome = run.execution.outcomes["x1"]
    assert outcome.status is NodeStatus.TOOL_ERROR and outcome.output is None
    assert "does not fit the schema" in outcome.error and "twenty twenty-three" in outcome.error
    assert run.execution.outcomes["answer"].status is NodeStatus.SKIPPED
    absent = await run_once(year_of("$n1"), ScriptedChat('{"found": false}'))
    assert "found no 'the publication year'" in absent.execution.outcomes["x1"].error


async def test_a_one_call_budget_cannot_extract_twice():
    chat = ScriptedChat('{"found": true, "value": 2023}', '{"found": true, "value": 2021}')
    run = await run_once(year_of("$n1", "Printed in 2021 by the Graph Society."), chat, Budget(model_calls=1))
    outcomes = run.execution.outcomes
    assert sorted(o.status for o in (outcomes["x1"], outcomes["x2"])) == [
        NodeStatus.OK,
        NodeStatus.TOOL_ERROR,
    ]
    failed = outcomes["x1"] if not outcomes["x1"].ok else outcomes["x2"]
    assert failed.error == "no model call left in the budget to extract with"
    assert len(chat.calls) == 1 and run.meter.model_calls == 1


async def test_the_same_extraction_is_asked_once_per_strategy_run():
    chat = ScriptedChat('{"found": true, "value": 2023}')
    run = await run_once(year_of("$n1", "$n1"), chat)
    assert run.execution.ok and run.execution.outcomes["x2"].output == 2023
    assert len(chat.calls) == 1


async def test_the_planner_is_shown_only_the_servers_tools_glue_comes_from_the_rules():
    plan = {"steps": [CITATION], "answer": "It was published in {n1}."}
    chat = ScriptedChat(json.dumps(plan), '{"answer": "In 2023 [n1]."}')
    async with ToolEnvironment(bundled_config("library")) as env:
        result = await solve_with(TASK, env, chat, strategy="zero-shot")
    first = chat.calls[0]
    assert "evoflux:" not in first.messages[0]["content"]
    shown = first.schema["properties"]["steps"]["items"]["properties"]["tool"]["enum"]
    assert "library:format_citation" in shown and not [key for key in shown if key.startswith("evoflux:")]
    assert result.executed and [c.purpose for c in chat.calls] == [Purpose.PLAN, Purpose.SYNTHESIZE]
