"""The baselines (replan, best-of-n, react) replayed from the real 1.5B model, held to their budgets.

Replays `tests/cassettes/baselines_local_qwen1p5b.jsonl`, recorded from the embedded Qwen2.5-Coder-1.5B over
the in-process bundled servers (temperature 0, seed 7, small fixed budgets); replay loads no model.

Re-record (needs xllamacpp and the local model; about 15 minutes on 2 busy cores):

    rm tests/cassettes/baselines_local_qwen1p5b.jsonl
    EVOFLUX_RECORD_CASSETTES=1 .venv/bin/pytest -m e2e tests/baselines -k record -s

Recording uses `replay_or_record`, so an interrupted recording resumes where it stopped (a repeated
request is recorded again). It prints each SolveResult as JSON; update RECORDED below from that output.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from evoflux.baselines import can_plan
from evoflux.baselines.react import FINISH, OBSERVATION_CHARS, observation, react_schema
from evoflux.environment import ToolEnvironment
from evoflux.execute.outcome import NodeOutcome, NodeStatus
from evoflux.llm import (
    CallRecord,
    CassetteMiss,
    CassetteMode,
    ModelConfig,
    ModelReply,
    Purpose,
    UsageLedger,
    open_client,
)
from evoflux.scoring.budget import Budget, BudgetMeter
from evoflux.solver import SolveResult, Strategy, solve_with
from evoflux.strategy import StrategyResult
from tests.support import bundled_config

CASSETTE = Path(__file__).resolve().parents[1] / "cassettes" / "baselines_local_qwen1p5b.jsonl"
RECORD = os.environ.get("EVOFLUX_RECORD_CASSETTES") == "1"
SEED = 7
OSLO = "What is the temperature right now in Oslo in Fahrenheit?"
LIBRARY = "Is the book 'The Quiet Algorithm' available at the Central Library branch?"
ONE_CALL = Budget(model_calls=1, seconds=3600)


@dataclass(frozen=True)
class Run:
    """One recorded solve: a strategy on a task, over some servers, within a budget."""

    strategy: str
    task: str
    budget: Budget
    servers: tuple[str, ...] | None = ("weather",)
    top_k: int = 4


RUNS = {
    "replan": Run("replan", OSLO, Budget(model_calls=3, tool_calls=8, seconds=3600)),
    "best-of-n": Run("best-of-n", OSLO, Budget(model_calls=3, tool_calls=8, seconds=3600)),
    "react": Run("react", OSLO, Budget(model_calls=4, tool_calls=3, seconds=3600)),
    "replan-1": Run("replan", OSLO, ONE_CALL),
    "best-of-n-1": Run("best-of-n", OSLO, ONE_CALL),
    "react-1": Run("react", OSLO, ONE_CALL),
    # All servers and 8 tools, as in tests/test_solve.py, where the first plan fails: the re-plan is told why.
    "replan-library": Run("replan", LIBRARY, Budget(model_calls=3, tool_calls=8, seconds=3600), None, 8),
}


class Spy:
    """The client, with every request it was asked for kept (messages and settings)."""

    def __init__(self, client: Any):
        self.client = client
        self.ledger = client.ledger
        self.requests: list[tuple[list[Mapping[str, str]], dict[str, Any]]] = []

    async def complete_json(
        self, messages: Sequence[Mapping[str, str]], schema: dict[str, Any], **kw: Any
    ) -> ModelReply:
        self.requests.append((list(messages), {"schema": schema, **kw}))
        return await self.client.complete_json(messages, schema, **kw)


async def solve(client: Any, run: Run) -> tuple[SolveResult, Spy]:
    """One solve on fresh servers, as on replay."""
    spy = Spy(client)
    async with ToolEnvironment(bundled_config()) as env:
        result = await solve_with(
            run.task,
            env,
            spy,
            strategy=run.strategy,
            servers=run.servers,
            top_k=run.top_k,
            seed=SEED,
            budget=run.budget,  # type: ignore[arg-type]
        )
    return result, spy


# ---------------------------------------------------------------- recording (the real model)


@pytest.mark.e2e
@pytest.mark.anyio
async def test_record_baselines_cassette() -> None:
    if not RECORD:
        pytest.skip("re-record with EVOFLUX_RECORD_CASSETTES=1 (see the module docstring)")
    if importlib.util.find_spec("xllamacpp") is None:
        pytest.skip("xllamacpp is not installed (pip install 'evoflux[local]')")
    config = ModelConfig(model="local", cassette_path=CASSETTE, cassette_mode=CassetteMode.REPLAY_OR_RECORD)
    async with open_client(config) as client:
        for name, run in RUNS.items():
            result, _ = await solve(client, run)
            print(name, json.dumps(result.to_json(), indent=2), flush=True)
    assert CASSETTE.is_file()


# ---------------------------------------------------------------- replaying the recorded model


@dataclass(frozen=True)
class Recorded:
    """What the recorded model did in one run."""

    tools: tuple[str, ...]
    executed: bool
    answer: str
    purposes: dict[str, int]
    tool_calls: int


OSLO_TOOLS = ("weather:search_stations", "weather:current_conditions")
RECORDED = {
    # The first, greedy plan ran end to end and was complete: nothing to re-plan.
    "replan": Recorded(OSLO_TOOLS, True, "29.6 Fahrenheit", {"plan": 1, "synthesize": 1}, 2),
    # The sampled second plan differed only in its answer sentence; its tool calls came from the call cache.
    "best-of-n": Recorded(OSLO_TOOLS, True, "29.6 Fahrenheit", {"plan": 2, "synthesize": 1}, 2),
    # Looked the station up, read its conditions and finished with the temperature it read.
    "react": Recorded(OSLO_TOOLS, True, "The current temperature in Oslo is 29.6°F.", {"react": 3}, 2),
    # No call left for the synthesizer: the answer is the plan's template, filled from what ran.
    "replan-1": Recorded(
        OSLO_TOOLS, True, "The temperature right now in Oslo is 29.6 Fahrenheit.", {"plan": 1}, 2
    ),
    "best-of-n-1": Recorded(
        OSLO_TOOLS, True, "The temperature right now in Oslo is 29.6 Fahrenheit.", {"plan": 1}, 2
    ),
    # Forced to finish at once, the model answered without a tool call, and wrongly.
    "react-1": Recorded(
        (), False, "The current temperature in Oslo is 15.0 degrees Fahrenheit.", {"react": 1}, 0
    ),
    # The first plan searched for the book by title and read it, but its answer was not complete, so the one
    # re-plan was spent; the second plan's template read a field the book does not have, and the first stayed
    # the best. The answer was written from what it ran.
    "replan-library": Recorded(
        ("library:search_books", "library:get_book"),
        True,
        "Yes, the book 'The Quiet Algorithm' is available at the Central Library branch.",
        {"plan": 1, "redesign": 1, "synthesize": 1},
        2,
    ),
}

needs_cassette = pytest.mark.skipif(
    not CASSETTE.is_file(),
    reason=f"{CASSETTE.name} is missing; record it with EVOFLUX_RECORD_CASSETTES=1 (see the module docstring)",
)


async def replay(name: str) -> tuple[SolveResult, Spy, UsageLedger]:
    config = ModelConfig(model="local", cassette_path=CASSETTE, cassette_mode=CassetteMode.REPLAY)
    ledger = UsageLedger()
    async with open_client(config, ledger=ledger) as client:
        assert client.config.base_url is None  # replay never starts the local model
        try:
            result, spy = await solve(client, RUNS[name])
        except CassetteMiss as exc:
            pytest.fail(f"the cassette is stale: {exc.message}\nRe-record it (see the module docstring).")
    return result, spy, ledger


@needs_cassette
@pytest.mark.anyio
@pytest.mark.parametrize("name", list(RUNS))
async def test_replayed_baseline_stays_within_its_budget_and_costs_what_the_ledger_says(name: str) -> None:
    result, spy, ledger = await replay(name)
    budget = RUNS[name].budget
    cost = result.cost
    assert result.strategy == RUNS[name].strategy
    assert cost.model_calls == len(ledger.records) == len(spy.requests) <= budget.model_calls
    assert cost.tool_calls <= budget.tool_calls
    assert cost.prompt_tokens == sum(r.prompt_tokens for r in ledger.records) > 0
    assert cost.completion_tokens == sum(r.completion_tokens for r in ledger.records) > 0
    assert sum(p["calls"] for p in cost.by_purpose.values()) == cost.model_calls
    assert result.search is not None and result.search["spent"]["tool_calls"] == cost.tool_calls
    assert ledger.total().replayed_calls == cost.model_calls
    json.dumps(result.to_json())  # everything is already JSON


@needs_cassette
@pytest.mark.anyio
@pytest.mark.parametrize("name", list(RECORDED))
async def test_replayed_baseline_does_what_the_model_did(name: str) -> None:
    result, _, _ = await replay(name)
    expected = RECORDED[name]
    tools = tuple(n.tool_key for n in result.workflow.tool_nodes) if result.workflow else ()
    assert tools == expected.tools
    assert result.executed is expected.executed
    assert result.answer == expected.answer
    assert {p: v["calls"] for p, v in result.cost.by_purpose.items()} == expected.purposes
    assert result.cost.tool_calls == expected.tool_calls


@needs_cassette
@pytest.mark.anyio
@pytest.mark.parametrize("strategy", ["replan", "best-of-n", "react"])
async def test_a_one_call_budget_makes_only_the_first_call(strategy: str) -> None:
    _, full_spy, _ = await replay(strategy)
    one, one_spy, _ = await replay(f"{strategy}-1")
    assert one.cost.model_calls == 1 and len(one_spy.requests) == 1
    first, only = full_spy.requests[0], one_spy.requests[0]
    assert only[0] == first[0]  # the same messages: the same first request
    if strategy == "react":
        assert only[1]["schema"]["properties"]["action"]["properties"]["tool"]["enum"] == [FINISH]
        assert one.cost.tool_calls == 0 and one.execution is None
    else:
        same = ("schema", "purpose", "temperature", "seed", "max_tokens")
        assert [only[1][k] for k in same] == [first[1][k] for k in same]
        assert list(one.cost.by_purpose) == ["plan"]
        assert one.execution is not None and one.cost.tool_calls == one.execution.tool_calls


@needs_cassette
@pytest.mark.anyio
async def test_replan_tells_the_second_plan_what_went_wrong_with_the_first() -> None:
    result, spy, _ = await replay("replan-library")
    plans = [request for request in spy.requests if request[1]["purpose"] in ("plan", "redesign")]
    assert len(plans) >= 2 and [p[1]["purpose"] for p in plans[:2]] == ["plan", "redesign"]
    first_request, second_request = plans[0][0][-1]["content"], plans[1][0][-1]["content"]
    assert second_request.startswith(first_request)
    told = second_request[len(first_request) :]
    assert told.startswith("\n\nYour previous plan for this request did not work.")
    assert (
        'previous plan: n1=library:search_books({"title": "The Quiet Algorithm"}); n2=library:get_book('
        in told
    )
    assert "- the answer uses no value a step returned" in told  # the grounding problem the score found
    assert [a["origin"] for a in result.search["attempts"]] == ["plan", "replan"]
    assert result.search["stop"] == "budget" and result.search["best"] == "a1"


@needs_cassette
@pytest.mark.anyio
async def test_best_of_n_plans_with_distinct_seeds_greedy_first() -> None:
    result, spy, _ = await replay("best-of-n")
    plans = [settings for _, settings in spy.requests if settings["purpose"] == "plan"]
    seeds = [p["seed"] for p in plans]
    assert len(plans) == 2 and seeds == result.search["seeds"] == [SEED, SEED + 1]
    assert [p["temperature"] for p in plans] == [0.0, 0.7]
    best = max(result.search["attempts"], key=lambda a: a["fitness"])
    assert result.search["best"] == best["id"]


@needs_cassette
@pytest.mark.anyio
async def test_react_workflow_has_a_node_per_action_and_truncated_observations() -> None:
    result, spy, _ = await replay("react")
    assert result.workflow is not None and result.execution is not None
    turns = [(m, kw) for m, kw in spy.requests if kw["purpose"] is Purpose.REACT]
    actions = []
    for messages, _ in turns[1:]:
        reply = json.loads(messages[-2]["content"])  # the assistant turn before the newest observation
        actions.append(reply["action"])
    tool_nodes = result.workflow.tool_nodes
    taken = [a for a in actions if a["tool"] != FINISH]
    # Each tool call shows in the next turn's request; the last turn finished with the answer.
    assert len(tool_nodes) == len(taken) == len(turns) - 1
    assert [f"{n.server}:{n.tool}" for n in tool_nodes] == [a["tool"] for a in taken]
    assert [n.args for n in tool_nodes] == [a["args"] for a in taken]
    assert [n.after for n in tool_nodes] == [(), *((n.id,) for n in tool_nodes[:-1])]
    observations = [m["content"] for m in turns[-1][0] if m["content"].startswith("observation: ")]
    assert len(observations) == len(tool_nodes)
    assert all(len(o) <= len("observation: ") + OBSERVATION_CHARS for o in observations)
    system = turns[0][0][0]
    assert all(messages[0] == system for messages, _ in turns)  # a stable, cacheable prefix
    assert set(result.cost.by_purpose) == {"react"}


# ---------------------------------------------------------------- pieces, without a model


def test_observations_are_cut_to_their_limit() -> None:
    long = NodeOutcome("n1", NodeStatus.OK, output={"items": list(range(1000))})
    text = observation(long)
    assert len(text) == OBSERVATION_CHARS and text.endswith("…")
    failed = NodeOutcome("n2", NodeStatus.TOOL_ERROR, error="no such station")
    assert observation(failed) == "FAILED (tool_error): no such station"


def test_the_final_react_turn_can_only_finish_and_must_answer() -> None:
    schema = react_schema([], final=True)
    assert schema["properties"]["action"]["properties"]["tool"]["enum"] == [FINISH]
    assert "answer" in schema["required"]


@pytest.mark.parametrize(
    ("calls", "spent", "room"), [(1, 0, True), (1, 1, False), (2, 1, False), (3, 1, True), (3, 2, False)]
)
def test_plans_leave_one_call_for_the_answer_but_a_one_call_budget_still_plans(
    calls: int, spent: int, room: bool
) -> None:
    ledger = UsageLedger()
    meter = BudgetMeter(Budget(model_calls=calls), ledger)
    for _ in range(spent):
        ledger.record(CallRecord("plan", "m", 10, 1, 0.0))  # type: ignore[arg-type]
    assert can_plan(meter) is room


def test_baseline_strategies_are_strategies() -> None:
    assert {Strategy(s) for s in ("replan", "best-of-n", "react")} <= set(Strategy)
    assert StrategyResult(None, None, [], "x", 0).summary == {}
