"""The loop every strategy shares: one budget meter, model calls held to its deadline, stop reasons, one result.

The search, the baselines and zero-shot each supply only their `step`; what they run on (`RunContext`), what a
model call may take, what a failed call does and what `solve_with` gets back are written here once.
"""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

import anyio

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.environment import ToolEnvironment
from evoflux.execute.outcome import Execution
from evoflux.llm import ChatModel, LLMError
from evoflux.plan.extract import extract
from evoflux.plan.synthesize import synthesize
from evoflux.scoring.answer_check import numbers_missing, unsupported_claims
from evoflux.scoring.budget import Budget, BudgetMeter
from evoflux.workflow.check import check_workflow
from evoflux.workflow.glue import GlueResult, with_pseudo_tools
from evoflux.workflow.graph import Workflow
from evoflux.workflow.issues import Issue

T = TypeVar("T")

DEADLINE_MARGIN_S = 2.0
"""How far past `Budget.seconds` a solve may end. The budget's clock starts with the solve (server start and tool
retrieval included), and every model call is cancelled when the budget ends; what runs after that is the work
between calls (checks, repair rules, scoring) and a cancelled call's last 0.1 s. A workflow run started inside
the budget is held by the tool-call budget and each tool call's own timeout, not by this margin."""
_ERROR_CHARS = 160  # of a failed step's error kept in the first try's summary


EXTRACT_TOKENS = 800
"""Rough tokens of one extraction call: its instructions, the capped source text and the value."""


class StopReason(StrEnum):
    """Why a strategy's loop ended (the search also stops on the meter's exhausted limit, by name)."""

    SOLVED = "solved"
    BUDGET = "budget"
    MODEL_ERROR = "model error"
    FINISHED = "finished"
    STALLED = "stalled"


@dataclass
class FirstTry:
    """The first workflow a run tried, as the failure audit reads it (`bench.failure_modes`): its error codes,
    whether it ran end to end and answered, the steps that failed themselves with the start of their error.

    Claimed before the workflow runs, so of plans run side by side the first one started is kept.
    """

    claimed: bool = False
    summary: dict[str, Any] | None = None

    def claim(self) -> bool:
        """True for the first caller only."""
        first, self.claimed = not self.claimed, True
        return first

    def note(self, issues: Sequence[Issue], execution: Execution | None) -> None:
        """Keep this try's summary (a try that claimed the first place, or a strategy's only try)."""
        failures = execution.failures() if execution is not None else []
        self.summary = {
            "issues": sorted({str(issue.code) for issue in issues if issue.severity == "error"}),
            "ran": execution is not None,
            "executed": execution is not None and execution.ok,
            "answered": execution is not None and execution.answer is not None,
            "failed": [{"status": str(o.status), "error": (o.error or "")[:_ERROR_CHARS]} for o in failures],
        }


@dataclass(frozen=True)
class RunContext:
    """What one task's run of a strategy works with: the request, the `tools` shown to the model (from
    `catalog`), the environment that runs them, the model, the budget and when its clock started
    (`time.perf_counter()`).

    `solve_with` builds it once; every strategy takes it. `seed` None leaves the seed to the strategy. `first`
    keeps the first workflow tried (`StrategyLoop.tried`, zero-shot's one run) for the result's summary.
    """

    task: str
    tools: Sequence[ToolSpec]
    catalog: ToolCatalog
    env: ToolEnvironment
    client: ChatModel
    budget: Budget
    seed: int | None = None
    started: float = field(default_factory=time.perf_counter)
    first: FirstTry = field(default_factory=FirstTry)


@dataclass(frozen=True)
class StrategyResult:
    """What a strategy hands to `solve_with`: the chosen workflow, its run, the answer and the tool calls spent."""

    workflow: Workflow | None
    execution: Execution | None
    issues: list[Issue]
    answer: str
    tool_calls: int
    error: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    unverified: tuple[str, ...] = ()  # the chosen workflow's shortfalls against the request


async def write_answer(client: ChatModel, task: str, execution: Execution, deadline_s: float | None) -> str:
    """The synthesizer's answer from `execution`, or the filled template when the written answer states a number
    or name the evidence lacks (`unsupported_claims`), or no number where the request asks for one
    (`numbers_missing`), and the template does not."""
    answer = await synthesize(
        client,
        task,
        execution,
        deadline_s=deadline_s,
        vet=lambda text: (*unsupported_claims(text, task, execution), *numbers_missing(text, task)),
    )
    return answer.text


class StrategyLoop(ABC):
    """One task's run of a strategy in `context`, metered against its budget from the moment it started.

    Every model call goes through `ask`, so each gets the seconds left as its deadline; `loop` calls `step`
    until it names why to stop.
    """

    def __init__(self, context: RunContext):
        self.task = context.task
        self.tools = list(context.tools)
        self.catalog = with_pseudo_tools(context.catalog)  # glue and validator steps check like tool steps
        self.env = context.env
        self.client = context.client
        self.meter = BudgetMeter(context.budget, context.client.ledger, started=context.started)
        self.first = context.first
        self.model_errors: list[str] = []  # failed model calls, in order; the ledger counts them too
        self._extracted: dict[str, GlueResult] = {}  # extractions the model answered, by request
        self._extracting = anyio.Lock()  # one extraction at a time, so the budget check holds

    async def ask(self, call: Callable[[float], Awaitable[T]]) -> T | None:
        """`call(deadline_s)` with the seconds left; a setup error raises, any other is spent and gives None."""
        try:
            return await call(self.meter.seconds_left())
        except LLMError as exc:
            if exc.setup:
                raise
            self.model_errors.append(str(exc).splitlines()[0])
            return None

    async def extract(self, what: str, source: str, schema: Mapping[str, Any]) -> GlueResult:
        """The `Extractor` of this loop's runs: one model call through `ask`, when the budget has room for it;
        a request the model already answered is not asked again."""
        key = json.dumps([what, source, schema], sort_keys=True, default=str)
        async with self._extracting:
            if key in self._extracted:
                return self._extracted[key]
            if not self.meter.can_call_model(EXTRACT_TOKENS):
                return GlueResult(error="no model call left in the budget to extract with")
            result = await self.ask(
                lambda deadline_s: extract(self.client, what, source, schema, deadline_s=deadline_s)
            )
            if result is None:
                return GlueResult(error=f"the extraction call failed: {self.model_errors[-1]}")
            self._extracted[key] = result
            return result

    async def run_workflow(self, workflow: Workflow) -> Execution:
        """Run `workflow` in the environment, its extract steps served by `extract`."""
        return await self.env.execute(workflow, extractor=self.extract)

    async def tried(self, workflow: Workflow, catalog: ToolCatalog) -> tuple[list[Issue], Execution | None]:
        """`workflow`'s issues against `catalog`, and its run when the tool-call budget has room (spent from it)."""
        issues = check_workflow(workflow, catalog)
        first = self.first.claim()
        execution = None
        if self.meter.can_execute(len(workflow.tool_nodes)):
            execution = await self.run_workflow(workflow)
            self.meter.tool_calls += execution.tool_calls
        if first:
            self.first.note(issues, execution)
        return issues, execution

    async def answer(self, execution: Execution) -> str:
        """The synthesizer's answer from `execution`, written in the time left (else the filled template)."""
        return await write_answer(self.client, self.task, execution, self.meter.seconds_left())

    async def loop(self) -> str:
        """Run `step` until it returns a stop reason."""
        while (stop := await self.step()) is None:
            pass
        return stop

    @abstractmethod
    async def step(self) -> str | None:
        """One step of the strategy; a stop reason ends the loop."""
