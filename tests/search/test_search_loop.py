"""The search loop on the real bundled servers (in-process) from given workflows, with no model calls.

Model edits and redesign need a model; these tests switch them off, so what they show is the loop's own
work: rule repair of a failing plan, budgets that are never exceeded, and the lineage of the winner.
"""

from __future__ import annotations

from typing import Any

import pytest

from evoflux.environment import ToolEnvironment
from evoflux.llm import ChatClient, ModelConfig, ModelUnreachable
from evoflux.scoring.budget import Budget
from evoflux.search.loop import Search, SearchSettings
from evoflux.search.population import lineage
from evoflux.strategy import RunContext
from evoflux.workflow.parse import parse_workflow
from tests.support import bundled_config

pytestmark = pytest.mark.anyio

TASK = "What will the maximum temperature be in Madrid tomorrow, in Fahrenheit?"
# A plan as the 1.5B model writes it: an invented station id, a unit the enum does not take, a number as text.
BROKEN = {
    "nodes": [
        {
            "id": "n1",
            "tool": "weather:forecast",
            "args": {"station_id": "WX-MAD", "days": "2", "units": "Imperial"},
        },
        {"id": "answer", "answer": "Tomorrow in Madrid: {n1.days[1].temp_max} °F"},
    ]
}
NO_MODEL = SearchSettings(initial=0, model_edits=False, redesign=False)


def offline_client() -> ChatClient:
    # Never called: the settings above plan nothing and propose nothing. Its ledger proves it.
    return ChatClient(ModelConfig(model="none", base_url="http://127.0.0.1:9/v1"))


async def weather_search(
    env: ToolEnvironment, client: ChatClient, budget: Budget | None = None, **options: Any
) -> Search:
    """A search for TASK over the weather server's tools within `budget`; `options` as Search takes them."""
    catalog = await env.catalog(["weather"])
    tools = list(catalog.tools_of("weather"))
    return Search(RunContext(TASK, tools, catalog, env, client, budget or Budget()), **options)


async def search(budget: Budget, settings: SearchSettings = NO_MODEL) -> tuple[Search, object]:
    async with ToolEnvironment(bundled_config()) as env:
        run = await weather_search(
            env, offline_client(), budget=budget, settings=settings, initial=[parse_workflow(BROKEN)]
        )
        return run, await run.run()


async def test_rule_repair_turns_a_failing_plan_into_a_complete_one():
    run, outcome = await search(Budget())
    first = outcome.candidates[0]
    assert first.origin == "given" and not first.fitness.executed
    best = outcome.best
    assert outcome.stop_reason == "solved" and best.fitness.complete
    assert [n.tool_key for n in best.workflow.tool_nodes] == ["weather:search_stations", "weather:forecast"]
    assert best.execution.ok and isinstance(best.execution.answer, str) and "°F" in best.execution.answer
    edits = [str(e) for e in lineage(outcome.candidates, best)]
    assert any("add_step" in e and "search_stations" in e for e in edits)
    assert any("units" in e and "imperial" in e for e in edits)
    assert run.meter.model_calls == 0


@pytest.mark.parametrize("tool_calls", [0, 1, 2])
async def test_the_search_never_spends_more_tool_calls_than_its_budget(tool_calls):
    run, outcome = await search(Budget(tool_calls=tool_calls))
    assert run.meter.tool_calls <= tool_calls
    assert sum(c.execution.tool_calls for c in outcome.candidates if c.execution) <= tool_calls
    assert outcome.stop_reason != "solved" or tool_calls >= 2


async def test_iterations_are_bounded_and_recorded():
    stuck = SearchSettings(initial=0, model_edits=False, redesign=False, rule_repair=False)
    run, outcome = await search(Budget(iterations=2), stuck)
    assert run.meter.iterations <= 2
    assert not outcome.best.fitness.complete and outcome.stop_reason in ("iterations", "stalled")
    assert len(outcome.history) == run.meter.iterations + 1


async def test_a_model_that_cannot_be_reached_stops_the_search_at_the_first_call():
    unreachable = ChatClient(ModelConfig(model="none", base_url="http://127.0.0.1:9/v1", max_retries=0))
    async with ToolEnvironment(bundled_config()) as env:
        run = await weather_search(env, unreachable, settings=SearchSettings(initial=2))
        with pytest.raises(ModelUnreachable, match=r"127\.0\.0\.1:9"):
            await run.run()  # a setup error: no later call could succeed, so none is made
    assert run.meter.model_calls == 1  # the failed call is still in the ledger


async def test_rule_repairs_and_exploration_go_on_when_no_model_call_is_left():
    settings = SearchSettings(initial=0, model_edits=True, redesign=True, rule_repair=False)
    run, outcome = await search(Budget(model_calls=0, iterations=3), settings)
    assert run.meter.model_calls == 0
    assert run.meter.iterations == 3  # free children (exploration here) kept coming after the calls ran out
    assert {c.origin for c in outcome.candidates} == {"given", "explore"}
