"""The best-of-N baseline: independent plans until the model-call budget (less the answer's call) is used.

The first plan is greedy (temperature 0), the others sampled at 0.7 with distinct seeds; each runs, the fittest wins.
"""

from __future__ import annotations

from evoflux.baselines import Baseline, can_plan
from evoflux.strategy import RunContext, StopReason, StrategyResult

SAMPLE_TEMPERATURE = 0.7


class BestOfN(Baseline):
    """Each step plans with the next seed and runs the plan."""

    def __init__(self, context: RunContext):
        super().__init__(context)
        self.seeds: list[int] = []

    async def step(self) -> str | None:
        if not can_plan(self.meter):
            return StopReason.BUDGET
        self.seeds.append(self.seed + len(self.seeds))
        temperature = 0.0 if len(self.seeds) == 1 else SAMPLE_TEMPERATURE
        plan = await self.plan(temperature=temperature, seed=self.seeds[-1])
        if plan is None:
            return StopReason.MODEL_ERROR
        if plan.workflow is not None:
            await self.attempt(plan.workflow, f"plan seed {self.seeds[-1]}")
        return None


async def best_of_n(context: RunContext) -> StrategyResult:
    """Plan `seed`, `seed + 1`, ... while the budget allows, run every readable plan, keep the best by fitness."""
    run = BestOfN(context)
    stop = await run.loop()
    return await run.conclude(stop, {"seeds": run.seeds})
