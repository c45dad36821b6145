"""The zero-shot baseline: one plan, checked and run as written, and its answer; no second try.

Both model calls get the budget's seconds left as their deadline; the budget bounds nothing else here.
"""

from __future__ import annotations

from evoflux.plan.planner import Planner
from evoflux.strategy import RunContext, StopReason, StrategyLoop, StrategyResult
from evoflux.workflow.check import check_workflow


class ZeroShot(StrategyLoop):
    """Its one step plans (with the context's seed as given, none by default), runs the plan and answers."""

    def __init__(self, context: RunContext):
        super().__init__(context)
        self.seed = context.seed
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
        execution = await self.run_workflow(plan.workflow)
        self.first.note(issues, execution)
        answer = await self.answer(execution)
        self.result = StrategyResult(plan.workflow, execution, issues, answer, execution.tool_calls)
        return StopReason.FINISHED


async def zero_shot(context: RunContext) -> StrategyResult:
    """Plan once (greedy, with the context's seed), run the plan and answer from what ran."""
    run = ZeroShot(context)
    await run.loop()
    return run.result
