"""The re-plan baseline: plan, check, run; while not complete, plan again told the last attempt's errors.

No rule repair and no edits: only the planner and its feedback, so the search's own operators can be compared.
"""

from __future__ import annotations

import json

from evoflux.baselines import Baseline, can_plan
from evoflux.scoring.candidate import Candidate
from evoflux.strategy import RunContext, StopReason, StrategyResult
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


class Replan(Baseline):
    """Each step plans at temperature 0, told what went wrong with the last attempt, and runs the plan."""

    def __init__(self, context: RunContext):
        super().__init__(context)
        self.note: str | None = None  # the feedback for the next plan

    async def step(self) -> str | None:
        if not can_plan(self.meter) or any(c.fitness.complete for c in self.attempts):
            return StopReason.BUDGET  # a complete attempt's stop is told as "solved" by `conclude`
        plan = await self.plan(temperature=0.0, seed=self.seed, feedback=self.note)
        if plan is None:
            return StopReason.MODEL_ERROR
        if plan.workflow is None:
            self.note = feedback(None, self.error)
        else:
            self.note = feedback(await self.attempt(plan.workflow, "replan" if self.note else "plan"))
        return None


async def replan(context: RunContext) -> StrategyResult:
    """Plan at temperature 0 until an attempt is complete or the budget (less the answer's call) runs out."""
    run = Replan(context)
    return await run.conclude(await run.loop())
