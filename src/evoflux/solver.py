"""Solving one task end to end: retrieve tools, plan, check, execute, synthesize the answer.

The async core takes an open tool environment and model client; opening them is `evoflux.assemble`.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from evoflux.baselines.best_of_n import best_of_n
from evoflux.baselines.react import react
from evoflux.baselines.replan import replan
from evoflux.baselines.zero_shot import zero_shot
from evoflux.catalog.retrieval import ToolRetriever
from evoflux.environment import ToolEnvironment
from evoflux.execute.outcome import Execution
from evoflux.llm import ChatModel, ModelConfig, UsageLedger
from evoflux.scoring.answer_check import unsupported_claims
from evoflux.scoring.budget import Budget, BudgetMeter
from evoflux.scoring.candidate import Candidate
from evoflux.search.loop import Search, SearchSettings
from evoflux.search.population import lineage
from evoflux.strategy import RunContext, StrategyResult, write_answer
from evoflux.workflow.graph import Workflow
from evoflux.workflow.issues import Issue

DEFAULT_MODEL = "local"
_SYNTHESIS_TOKENS = 1_500  # a synthesis prompt with capped evidence, plus its answer
_SYNTHESIS_SECONDS = 0.15  # the share of the time budget kept for writing the answer


class Strategy(StrEnum):
    EVOFLUX = "evoflux"
    ZERO_SHOT = "zero-shot"
    REPLAN = "replan"
    BEST_OF_N = "best-of-n"
    REACT = "react"


_BASELINES = {
    Strategy.ZERO_SHOT: zero_shot,
    Strategy.REPLAN: replan,
    Strategy.BEST_OF_N: best_of_n,
    Strategy.REACT: react,
}


@dataclass(frozen=True)
class Cost:
    """Everything a solve spent: model calls and tokens (all purposes), tool calls, wall time."""

    model_calls: int
    prompt_tokens: int
    completion_tokens: int
    tool_calls: int
    seconds: float
    by_purpose: dict[str, dict[str, int]] = field(default_factory=dict)

    def line(self) -> str:
        return (
            f"{self.model_calls} model calls, {self.prompt_tokens}+{self.completion_tokens} tokens, "
            f"{self.tool_calls} tool calls, {self.seconds:.1f} s"
        )


@dataclass(frozen=True)
class SolveResult:
    """The outcome of one task: the answer, the workflow that produced it, what it cost."""

    task: str
    strategy: str
    answer: str
    workflow: Workflow | None
    issues: list[Issue]
    execution: Execution | None
    tools_shown: list[str]
    cost: Cost
    error: str | None = None
    search: dict[str, Any] | None = None
    # What the returned workflow left out of the request, what its answer template fails of the answer check,
    # and what the returned answer states that the evidence lacks, when known.
    unverified: tuple[str, ...] = ()

    @property
    def executed(self) -> bool:
        """The returned workflow ran end to end."""
        return self.execution is not None and self.execution.ok

    def to_json(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "strategy": self.strategy,
            "answer": self.answer,
            "executed": self.executed,
            "error": self.error,
            "workflow": self.workflow.to_json() if self.workflow else None,
            "issues": [str(i) for i in self.issues],
            "nodes": self.execution.to_trace()["nodes"] if self.execution else [],
            "tools_shown": self.tools_shown,
            "cost": self.cost.__dict__,
            "unverified": list(self.unverified),
            **({"search": self.search} if self.search else {}),
        }


async def solve_with(
    task: str,
    env: ToolEnvironment,
    client: ChatModel,
    *,
    strategy: Strategy | str = Strategy.EVOFLUX,
    top_k: int = 8,
    servers: Sequence[str] | None = None,
    seed: int | None = None,
    budget: Budget | None = None,
    settings: SearchSettings | None = None,
    on_candidate: Callable[[Candidate], None] | None = None,
) -> SolveResult:
    """Solve `task` with an open environment and client; `servers` narrows (and hints) the tools used.

    `on_candidate` sees every workflow the evoflux search scores, as soon as it is scored.
    """
    strategy = Strategy(strategy)
    start = time.perf_counter()
    calls_before = len(client.ledger.records)
    catalog = await env.catalog(servers)
    tools = [scored.tool for scored in ToolRetriever(catalog).rank(task, k=top_k, servers=servers)]
    context = RunContext(task, tools, catalog, env, client, budget or Budget(), seed, start)
    if strategy is Strategy.EVOFLUX:
        run = await _evolve(context, settings, on_candidate)
    else:
        run = await _BASELINES[strategy](context)
    return SolveResult(
        task=task,
        strategy=strategy.value,
        answer=run.answer,
        workflow=run.workflow,
        issues=run.issues,
        execution=run.execution,
        tools_shown=[t.key for t in tools],
        cost=_cost(client.ledger, calls_before, run.tool_calls, time.perf_counter() - start),
        error=run.error,
        search={**run.summary, **_first_try(context)} or None,
        unverified=tuple(
            dict.fromkeys((*run.unverified, *unsupported_claims(run.answer, task, run.execution)))
        ),
    )


async def _evolve(
    context: RunContext,
    settings: SearchSettings | None,
    on_candidate: Callable[[Candidate], None] | None,
) -> StrategyResult:
    """The search, then the answer: both inside the context's budget, the answer's share kept out of the
    search's."""
    budget = context.budget
    searchable = budget.reserve(
        model_calls=1, tokens=_SYNTHESIS_TOKENS, seconds=_SYNTHESIS_SECONDS * budget.seconds
    )
    search = Search(
        dataclasses.replace(context, budget=searchable), settings=settings, on_candidate=on_candidate
    )
    outcome = await search.run()
    summary = {
        "stop": outcome.stop_reason,
        "spent": outcome.spent,
        "candidates": len(outcome.candidates),
        "best_fitness": outcome.history,
        "model_errors": outcome.model_errors,
    }
    best = outcome.best
    if best is None:
        why = outcome.model_errors[-1] if outcome.model_errors else "the model wrote no usable workflow"
        return StrategyResult(None, None, [], f"Could not complete: {why}", 0, why, summary)
    if best.execution is None:
        text = "Could not complete: the workflow could not be run within the budget."
    else:  # the answer's call gets what is left of the whole budget
        left = BudgetMeter(budget, context.client.ledger, started=context.started).seconds_left()
        text = await write_answer(context.client, context.task, best.execution, left)
    summary["lineage"] = [str(e) for e in lineage(outcome.candidates, best)]
    return StrategyResult(
        best.workflow,
        best.execution,
        best.issues,
        text,
        outcome.spent["tool_calls"],
        None,
        summary,
        best.shortfalls,
    )


def _first_try(context: RunContext) -> dict[str, Any]:
    """The first tried workflow's summary, for the failure audit; nothing when no strategy step tried one."""
    return {"first": context.first.summary} if context.first.summary is not None else {}


def _cost(ledger: UsageLedger, first: int, tool_calls: int, seconds: float) -> Cost:
    records = ledger.records[first:]
    by_purpose: dict[str, dict[str, int]] = {}
    for record in records:
        entry = by_purpose.setdefault(
            str(record.purpose), {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0}
        )
        entry["calls"] += 1
        entry["prompt_tokens"] += record.prompt_tokens
        entry["completion_tokens"] += record.completion_tokens
    return Cost(
        model_calls=len(records),
        prompt_tokens=sum(r.prompt_tokens for r in records),
        completion_tokens=sum(r.completion_tokens for r in records),
        tool_calls=tool_calls,
        seconds=seconds,
        by_purpose=by_purpose,
    )


def model_config(model: str | None = None, base_url: str | None = None, **extra: Any) -> ModelConfig:
    """Flags over EVOFLUX_* variables; with neither a model nor a base URL, the embedded local model."""
    config = ModelConfig.from_env(model=model, base_url=base_url, **extra)
    if config.model is None and config.base_url is None:
        config = config.with_overrides(model=DEFAULT_MODEL)
    return config
