"""The best-of-N baseline: independent plans until the model-call budget (less the answer's call) is used.

The first plan is greedy (temperature 0), the others sampled at 0.7 with distinct seeds; each runs, the fittest wins.
"""

from __future__ import annotations

from collections.abc import Sequence

from evoflux.baselines import BaselineRun, attempt, can_plan, conclude, plan_once
from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.environment import ToolEnvironment
from evoflux.llm import ChatModel
from evoflux.plan.planner import Planner
from evoflux.search.budget import Budget, BudgetMeter
from evoflux.search.population import Candidate

SAMPLE_TEMPERATURE = 0.7


async def best_of_n(
    task: str,
    tools: Sequence[ToolSpec],
    catalog: ToolCatalog,
    env: ToolEnvironment,
    client: ChatModel,
    *,
    budget: Budget,
    seed: int = 0,
) -> BaselineRun:
    """Plan `seed`, `seed + 1`, ... while the budget allows, run every readable plan, keep the best by fitness."""
    meter = BudgetMeter(budget, client.ledger)
    planner = Planner(client)
    attempts: list[Candidate] = []
    seeds: list[int] = []
    error, stop = "the budget allowed no plan", "budget"
    while can_plan(meter):
        seeds.append(seed + len(seeds))
        temperature = 0.0 if len(seeds) == 1 else SAMPLE_TEMPERATURE
        plan = await plan_once(planner, task, tools, meter, temperature=temperature, seed=seeds[-1])
        if plan is None:
            error, stop = "the model call failed", "model error"
            break
        if plan.workflow is None:
            error = plan.error or "no plan"
            continue
        attempts.append(
            await attempt(task, plan.workflow, tools, catalog, env, meter, f"plan seed {seeds[-1]}")
        )
    return await conclude(client, task, attempts, meter, stop, error, {"seeds": seeds})
