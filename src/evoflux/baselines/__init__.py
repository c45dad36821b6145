"""Fair baselines for the search: re-plan with error feedback, best of N plans, a ReAct loop, and zero-shot.

Each runs on the shared `StrategyLoop` under the search's `Budget`, counts every model and tool call, and picks
with the judge-free `score`.
"""

from __future__ import annotations

from typing import Any

from evoflux.plan.planner import Plan, Planner
from evoflux.scoring.budget import BudgetMeter
from evoflux.scoring.candidate import Candidate, assessed
from evoflux.strategy import RunContext, StopReason, StrategyLoop, StrategyResult
from evoflux.workflow.graph import Workflow

# Rough token costs, as in the search: one planning call, and the answer written at the end.
PLAN_TOKENS = 1_600
SYNTHESIS_TOKENS = 1_500


def can_plan(meter: BudgetMeter) -> bool:
    """Room for a plan call that leaves one call for the answer; a budget of a single call still plans once."""
    if meter.model_calls == 0:
        return meter.can_call_model(PLAN_TOKENS)
    return meter.model_calls + 2 <= meter.budget.model_calls and meter.can_call_model(
        PLAN_TOKENS + SYNTHESIS_TOKENS
    )


class Baseline(StrategyLoop):
    """A planning baseline's run: plans the context's tools, runs them, keeps every attempt; seeds count from
    the context's seed, else 0."""

    def __init__(self, context: RunContext):
        super().__init__(context)
        self.seed = context.seed or 0
        self.planner = Planner(self.client)
        self.attempts: list[Candidate] = []
        self.error = "the budget allowed no plan"  # why nothing was planned, if nothing is

    async def plan(self, *, temperature: float, seed: int, feedback: str | None = None) -> Plan | None:
        """One planning call inside the time budget; None when the call failed (it is still in the ledger)."""
        plan = await self.ask(
            lambda deadline_s: self.planner.plan(
                self.task,
                self.tools,
                temperature=temperature,
                seed=seed,
                feedback=feedback,
                deadline_s=deadline_s,
            )
        )
        if plan is None:
            self.error = "the model call failed"
        elif plan.workflow is None:
            self.error = plan.error or "no plan"
        return plan

    async def attempt(self, workflow: Workflow, origin: str) -> Candidate:
        """Check, run (when the tool-call budget has room) and score one planned workflow; keep it."""
        meter = self.meter
        issues, execution = await self.tried(workflow, self.catalog)
        meter.iterations += 1
        candidate = assessed(
            f"a{meter.iterations}",
            workflow,
            issues,
            execution,
            self.task,
            self.tools,
            origin=origin,
            iteration=meter.iterations,
        )
        self.attempts.append(candidate)
        return candidate

    async def conclude(self, stop: str, extra: dict[str, Any] | None = None) -> StrategyResult:
        """The best attempt by fitness, answered by the synthesizer when a model call is left (else its template)."""
        meter = self.meter
        best = max(self.attempts, key=lambda c: c.fitness, default=None)
        summary = {
            "stop": StopReason.SOLVED if best is not None and best.fitness.complete else stop,
            "spent": meter.spent(),
            "attempts": [{"id": c.id, "origin": c.origin, "fitness": c.fitness.value} for c in self.attempts],
            **(extra or {}),
        }
        if best is None:
            error = self.error
            return StrategyResult(
                None, None, [], f"Could not complete: {error}", meter.tool_calls, error, summary
            )
        summary["best"] = best.id
        if best.execution is None:
            text = "Could not complete: the workflow could not be run within the budget."
        elif meter.can_call_model(SYNTHESIS_TOKENS):
            text = await self.answer(best.execution)
        else:
            text = best.execution.answer or "Could not complete: no model call was left to write the answer."
        return StrategyResult(
            best.workflow, best.execution, best.issues, text, meter.tool_calls, None, summary, best.shortfalls
        )
