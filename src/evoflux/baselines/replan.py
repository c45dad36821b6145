"""The re-plan baseline: plan, check, run; while not complete, plan again told the last attempt's errors.

No rule repair and no edits: only the planner and its feedback, so the search's own operators can be compared.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from evoflux.baselines import BaselineRun, attempt, can_plan, conclude, plan_once
from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.environment import ToolEnvironment
from evoflux.llm import ChatModel
from evoflux.plan.planner import Planner
from evoflux.search.budget import Budget, BudgetMeter
from evoflux.search.population import Candidate
from evoflux.workflow.graph import value_to_json


def feedback(last: Candidate | None, unreadable: str | None = None) -> str:
    """The last attempt and what went wrong with it, as text appended to the next planning request."""
    lines = [
        "Your previous plan for this request did not work. Write a corrected plan that fixes these errors."
    ]
    if last is None:
        lines.append(f"- your reply could not be read as a plan: {unreadable}")
        return "\n".join(lines)
    steps = "; ".join(
        f"{n.id}={n.tool_key}({json.dumps(value_to_json(n.args), ensure_ascii=False)})"
        for n in last.workflow.tool_nodes
    )
    lines.append(f"previous plan: {steps}")
    problems = [*last.problems(), *_why_incomplete(last)] or ["a step returned an empty or error result"]
    lines += [f"- {p}" for p in problems]
    return "\n".join(lines)


def _why_incomplete(last: Candidate) -> list[str]:
    """Why the run is not complete beyond its errors and shortfalls: it did not run, or its answer reads nothing."""
    found = []
    if last.execution is None:
        found.append("the plan could not be run within the tool-call budget; use fewer steps")
    elif not last.fitness.grounded:
        found.append("the answer uses no value a step returned; write {ID.PATH} of a step's output in it")
    return found


async def replan(
    task: str,
    tools: Sequence[ToolSpec],
    catalog: ToolCatalog,
    env: ToolEnvironment,
    client: ChatModel,
    *,
    budget: Budget,
    seed: int = 0,
) -> BaselineRun:
    """Plan at temperature 0 until an attempt is complete or the budget (less the answer's call) runs out."""
    meter = BudgetMeter(budget, client.ledger)
    planner = Planner(client)
    attempts: list[Candidate] = []
    note: str | None = None
    error, stop = "the budget allowed no plan", "budget"
    while can_plan(meter) and not any(c.fitness.complete for c in attempts):
        plan = await plan_once(planner, task, tools, meter, temperature=0.0, seed=seed, feedback=note)
        if plan is None:
            error, stop = "the model call failed", "model error"
            break
        if plan.workflow is None:
            error = plan.error or "no plan"
            note = feedback(None, error)
            continue
        attempts.append(
            await attempt(task, plan.workflow, tools, catalog, env, meter, "replan" if note else "plan")
        )
        note = feedback(attempts[-1])
    return await conclude(client, task, attempts, meter, stop, error)
