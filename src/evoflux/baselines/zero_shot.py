"""The zero-shot baseline: one plan, checked and run as written, and its answer; no second try.

Both model calls get the budget's seconds left as their deadline; the budget bounds nothing else here.
"""

from __future__ import annotations

from collections.abc import Sequence

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.environment import ToolEnvironment
from evoflux.llm import ChatModel
from evoflux.plan.planner import Planner
from evoflux.scoring.budget import Budget
from evoflux.strategy import StopReason, StrategyLoop, StrategyResult
from evoflux.workflow.check import check_workflow


class ZeroShot(StrategyLoop):
    """Its one step plans, runs the plan and answers."""

    def __init__(
        self,
        task: str,
        tools: Sequence[ToolSpec],
        catalog: ToolCatalog,
        env: ToolEnvironment,
        client: ChatModel,
        budget: Budget,
        *,
        seed: int | None,
        started: float | None = None,
    ):
        super().__init__(task, client, budget, started=started)
        self.tools = list(tools)
        self.catalog = catalog
        self.env = env
        self.seed = seed
        self.result = StrategyResult(None, None, [], "Could not complete: no plan was made", 0)

    async def step(self) -> str | None:
        plan = await self.ask(
            lambda deadline_s: Planner(self.client).plan(
                self.task, self.tools, seed=self.seed, deadline_s=deadline_s
            )
        )
        if plan is None or plan.workflow is None:
            why = plan.error if plan is not None else self.model_errors[-1]
            self.result = StrategyResult(None, None, [], f"Could not complete: {why}", 0, why)
            return StopReason.MODEL_ERROR if plan is None else StopReason.FINISHED
        issues = check_workflow(plan.workflow, self.catalog)
        execution = await self.env.execute(plan.workflow)
        answer = await self.answer(execution)
        self.result = StrategyResult(plan.workflow, execution, issues, answer, execution.tool_calls)
        return StopReason.FINISHED


async def zero_shot(
    task: str,
    tools: Sequence[ToolSpec],
    catalog: ToolCatalog,
    env: ToolEnvironment,
    client: ChatModel,
    *,
    budget: Budget,
    seed: int | None = None,
    started: float | None = None,
) -> StrategyResult:
    """Plan once (greedy, with `seed`), run the plan and answer from what ran."""
    run = ZeroShot(task, tools, catalog, env, client, budget, seed=seed, started=started)
    await run.loop()
    return run.result
