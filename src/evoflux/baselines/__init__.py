"""Fair baselines for the search: re-plan with error feedback, best of N plans, and a ReAct loop.

Each runs under the search's `Budget`, counts every model and tool call, and picks with the judge-free `score`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.environment import ToolEnvironment
from evoflux.execute.outcome import Execution
from evoflux.llm import ChatModel, LLMError
from evoflux.plan.planner import Plan, Planner
from evoflux.plan.synthesize import synthesize
from evoflux.search.budget import BudgetMeter
from evoflux.search.population import Candidate, assessed
from evoflux.workflow.check import Issue, check_workflow
from evoflux.workflow.graph import Workflow

# Rough token costs, as in the search: one planning call, and the answer written at the end.
PLAN_TOKENS = 1_600
SYNTHESIS_TOKENS = 1_500


@dataclass(frozen=True)
class BaselineRun:
    """What a baseline hands to `solve_with`: the chosen workflow, its run, the answer and the tool calls spent."""

    workflow: Workflow | None
    execution: Execution | None
    issues: list[Issue]
    answer: str
    tool_calls: int
    error: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    unverified: tuple[str, ...] = ()  # the chosen workflow's shortfalls against the request


def can_plan(meter: BudgetMeter) -> bool:
    """Room for a plan call that leaves one call for the answer; a budget of a single call still plans once."""
    if meter.model_calls == 0:
        return meter.can_call_model(PLAN_TOKENS)
    return meter.model_calls + 2 <= meter.budget.model_calls and meter.can_call_model(
        PLAN_TOKENS + SYNTHESIS_TOKENS
    )


async def plan_once(
    planner: Planner,
    task: str,
    tools: Sequence[ToolSpec],
    meter: BudgetMeter,
    *,
    temperature: float,
    seed: int,
    feedback: str | None = None,
) -> Plan | None:
    """One planning call inside the time budget; None when the call failed (it is still in the ledger)."""
    try:
        return await planner.plan(
            task,
            tools,
            temperature=temperature,
            seed=seed,
            feedback=feedback,
            deadline_s=meter.seconds_left(),
        )
    except LLMError as exc:
        if exc.setup:
            raise
        return None


async def attempt(
    task: str,
    workflow: Workflow,
    shown: Sequence[ToolSpec],
    catalog: ToolCatalog,
    env: ToolEnvironment,
    meter: BudgetMeter,
    origin: str,
) -> Candidate:
    """Check, run (when the tool-call budget has room) and score one planned workflow made of `shown` tools."""
    issues = check_workflow(workflow, catalog)
    execution = None
    if meter.can_execute(len(workflow.tool_nodes)):
        execution = await env.execute(workflow)
        meter.tool_calls += execution.tool_calls
    meter.iterations += 1
    return assessed(
        f"a{meter.iterations}",
        workflow,
        issues,
        execution,
        task,
        shown,
        origin=origin,
        iteration=meter.iterations,
    )


async def conclude(
    client: ChatModel,
    task: str,
    attempts: Sequence[Candidate],
    meter: BudgetMeter,
    stop: str,
    error: str,
    extra: dict[str, Any] | None = None,
) -> BaselineRun:
    """The best attempt by fitness, answered by the synthesizer when a model call is left (else its template)."""
    best = max(attempts, key=lambda c: c.fitness, default=None)
    summary = {
        "stop": "solved" if best is not None and best.fitness.complete else stop,
        "spent": meter.spent(),
        "attempts": [{"id": c.id, "origin": c.origin, "fitness": c.fitness.value} for c in attempts],
        **(extra or {}),
    }
    if best is None:
        return BaselineRun(None, None, [], f"Could not complete: {error}", meter.tool_calls, error, summary)
    summary["best"] = best.id
    if best.execution is None:
        text = "Could not complete: the workflow could not be run within the budget."
    elif meter.can_call_model(SYNTHESIS_TOKENS):
        text = (await synthesize(client, task, best.execution, deadline_s=meter.seconds_left())).text
    else:
        text = best.execution.answer or "Could not complete: no model call was left to write the answer."
    return BaselineRun(
        best.workflow, best.execution, best.issues, text, meter.tool_calls, None, summary, best.shortfalls
    )
