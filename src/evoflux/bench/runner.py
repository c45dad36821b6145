"""The bench runner: every (strategy, seed, task) solved once, its record appended to the journal at once.

One job: schedule run units on the local asyncio backend (a shared model client, shared servers for
stateless servers, fresh ones per task for stateful servers) and turn each `SolveResult` into a journal
record. A failure of the harness for one task (a server that will not start, an unknown server name) is
that task's record, never the end of the run; so is a model that answered none of a unit's calls, the same
`failed` record whatever the strategy. The Ray backend (`ray_backend`) runs the same `run_unit`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio

from evoflux.bench.journal import RUN_NAME, Journal, record_key, unit_key
from evoflux.bench.judge import judge
from evoflux.bench.matchers import matches
from evoflux.bench.metrics import rule_based_metrics
from evoflux.bench.tasks import Task
from evoflux.catalog.config import ServersConfig
from evoflux.catalog.pool import ServerState
from evoflux.environment import ToolEnvironment
from evoflux.errors import UserError
from evoflux.llm import ChatClient, LLMError, ModelConfig, UsageLedger, open_client
from evoflux.scoring.budget import Budget
from evoflux.search.loop import SearchSettings
from evoflux.solver import SolveResult, Strategy, solve_with

ABLATIONS = {
    "no-rule-repair": "rule_repair",
    "no-model-edits": "model_edits",
    "no-redesign": "redesign",
    "no-adaptive": "adaptive",
    "no-diversity": "diversity",
    "no-answer-check": "answer_check",
}
"""Suffixes of `evoflux-...` strategy names, each switching off one part of the search."""
MODEL_OUTAGE = "model unavailable: "
"""How the error of a unit whose model calls all failed begins, for every strategy."""
_SETTINGS_THAT_MUST_MATCH = ("tasks_sha256", "strategies", "seeds", "budget", "top_k", "model")


@dataclass(frozen=True)
class StrategySpec:
    """A strategy name as given to `bench`: a solver strategy, for evoflux with ablations (`evoflux-no-redesign`)."""

    name: str
    strategy: Strategy
    switched_off: tuple[str, ...] = ()

    @classmethod
    def parse(cls, name: str) -> StrategySpec:
        name = name.strip()
        try:
            return cls(name, Strategy(name))
        except ValueError:
            pass
        prefix = f"{Strategy.EVOFLUX.value}-"
        parts = name.removeprefix(prefix).split("+") if name.startswith(prefix) else []
        unknown = [p for p in parts if p not in ABLATIONS]
        if not parts or unknown:
            known = [s.value for s in Strategy] + [f"{prefix}{a}" for a in ABLATIONS]
            raise UserError(
                f"unknown strategy {name!r}; known: {', '.join(known)} (ablations combine with +)"
            )
        return cls(name, Strategy.EVOFLUX, tuple(parts))

    def settings(self, seed: int) -> SearchSettings:
        return replace(SearchSettings(seed=seed), **{ABLATIONS[p]: False for p in self.switched_off})


@dataclass(frozen=True)
class Unit:
    """One task solved by one strategy with one seed."""

    strategy: StrategySpec
    seed: int
    task: Task

    @property
    def key(self) -> str:
        return unit_key(self.strategy.name, self.seed, self.task.id)


@dataclass(frozen=True)
class BenchPlan:
    """What a bench run solves and with what limits; stored as `run.json` and checked on `--resume`."""

    tasks: list[Task]
    tasks_source: str
    strategies: list[StrategySpec]
    seeds: list[int]
    budget: Budget = field(default_factory=Budget)
    top_k: int = 8
    isolate: tuple[str, ...] = ()
    """Servers started fresh for every task; 'auto' adds servers with tools marked as having side effects."""
    call_timeout: float = 30.0

    def units(self) -> list[Unit]:
        """Task by task; the strategy that goes first rotates, so no strategy always meets a cold prompt cache."""
        units = []
        count = len(self.strategies)
        for index, task in enumerate(self.tasks):
            order = self.strategies[index % count :] + self.strategies[: index % count]
            units.extend(Unit(spec, seed, task) for seed in self.seeds for spec in order)
        return units

    def settings(self, model: ModelConfig, servers: ServersConfig) -> dict[str, Any]:
        """The JSON of `run.json`: what decides the results, and where it ran (secrets never included)."""
        return {
            "tasks": self.tasks_source,
            "tasks_sha256": _tasks_digest(self.tasks),
            "task_count": len(self.tasks),
            "strategies": [s.name for s in self.strategies],
            "seeds": list(self.seeds),
            "budget": asdict(self.budget),
            "top_k": self.top_k,
            "model": model.model,
            "base_url": model.base_url,
            "servers": list(servers.names),
            "servers_source": servers.source,
            "isolate": list(self.isolate),
        }


def _tasks_digest(tasks: Sequence[Task]) -> str:
    text = "\n".join(json.dumps(t.to_json(), sort_keys=True) for t in tasks)
    return hashlib.sha256(text.encode()).hexdigest()


def prepare_out(out: Path, settings: dict[str, Any], resume: bool) -> Journal:
    """Create or reopen a run folder, locked for this process while the journal lives (or until `unlock`).

    A folder another bench process holds, resuming with other settings, or reusing a folder without
    --resume, is an error.
    """
    journal = Journal(out)
    journal.lock()
    try:
        _check_reuse(out, journal, settings, resume)
    except BaseException:
        journal.unlock()
        raise
    return journal


def _check_reuse(out: Path, journal: Journal, settings: dict[str, Any], resume: bool) -> None:
    run_file = out / RUN_NAME
    if run_file.exists():
        if not resume:
            done = len(journal.read())
            raise UserError(
                f"{out} already holds a run ({done} results); pass --resume to continue it or choose another --out"
            )
        stored = json.loads(run_file.read_text())
        changed = [k for k in _SETTINGS_THAT_MUST_MATCH if stored.get(k) != settings.get(k)]
        if changed:
            details = "; ".join(f"{k}: was {stored.get(k)!r}, now {settings.get(k)!r}" for k in changed)
            raise UserError(f"cannot resume {out} with different settings ({details})")
        return
    run_file.write_text(
        json.dumps({**settings, "started": datetime.now(UTC).isoformat(timespec="seconds")}, indent=2)
    )


def record_of(unit: Unit, result: SolveResult, metrics: dict[str, Any]) -> dict[str, Any]:
    """The journal record of a finished unit."""
    task = unit.task
    check = matches(task.expected, result.answer) if task.expected is not None else None
    summary = result.search or {}
    if "best_fitness" in summary:
        curve = list(summary["best_fitness"])
    else:  # baselines: the best fitness after each attempt
        curve = []
        for attempt in summary.get("attempts", []):
            curve.append(max(attempt["fitness"], curve[-1]) if curve else attempt["fitness"])
    return {
        **_identity(unit),
        "status": "done",
        "error": result.error,
        "answer": result.answer,
        "success": check.ok if check is not None else None,
        "match": check.detail if check is not None else None,
        "executed": result.executed,
        "cost": {k: v for k, v in result.cost.__dict__.items() if k != "by_purpose"},
        "cost_by_purpose": result.cost.by_purpose,
        "metrics": metrics,
        "fitness_curve": curve,
        "result": result.to_json(),
    }


def failure_record(unit: Unit, error: str, seconds: float) -> dict[str, Any]:
    """The record of a unit the harness could not run (the task counts as unsolved and not executed)."""
    return {
        **_identity(unit),
        "status": "failed",
        "error": error,
        "answer": None,
        "success": False if unit.task.expected is not None else None,
        "match": None,
        "executed": False,
        "cost": {
            "model_calls": 0,
            "prompt_tokens": 0,
            "completion_tokens": 0,
            "tool_calls": 0,
            "seconds": seconds,
        },
        "metrics": {},
        "fitness_curve": [],
    }


def run_failure(journal: Journal) -> str | None:
    """One line when no unit of the run finished (every last record is `failed`), naming the first error."""
    latest = list({record_key(r): r for r in journal.read()}.values())
    if not latest or any(r.get("status") != "failed" for r in latest):
        return None
    return f"every one of {len(latest)} units failed; the first: {latest[0].get('error')}"


def _identity(unit: Unit) -> dict[str, Any]:
    task = unit.task
    return {
        "task_id": task.id,
        "strategy": unit.strategy.name,
        "seed": unit.seed,
        "query": task.query,
        "tags": list(task.tags),
        "steps": task.steps,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
    }


EnvFactory = Callable[[Task], contextlib.AbstractAsyncContextManager[ToolEnvironment]]


async def run_unit(
    unit: Unit,
    client: ChatClient,
    environment: EnvFactory,
    plan: BenchPlan,
    judge_client: ChatClient | None = None,
) -> dict[str, Any]:
    """Solve one unit and return its record; anything the harness trips over becomes a failure record.

    With a `judge_client`, the result is also scored on MCP-Bench's six dimensions; the judge's calls are
    counted apart (`judge_cost`), not against the strategy's budget.
    """
    start = time.perf_counter()
    task = unit.task
    ledger = UsageLedger()
    try:
        async with environment(task) as env:
            names = list(task.servers) or None
            await env.catalog(names)
            down = [
                f"{name}: {health.last_error or 'did not start'}"
                for name, health in env.health().items()
                if (names is None or name in names) and health.state is ServerState.DOWN
            ]
            if down:
                return failure_record(unit, "server down: " + "; ".join(down), time.perf_counter() - start)
            result = await solve_with(
                task.query,
                env,
                client.counting_into(ledger, scope=unit.key),
                strategy=unit.strategy.strategy,
                top_k=plan.top_k,
                servers=names,
                seed=unit.seed,
                budget=plan.budget,
                settings=unit.strategy.settings(unit.seed),
            )
            calls = ledger.records
            if calls and all(call.error is not None for call in calls):  # the search went on without a model
                reason = result.error or calls[-1].error
                return failure_record(unit, f"{MODEL_OUTAGE}{reason}", time.perf_counter() - start)
            catalog = await env.catalog(names)
            record = record_of(unit, result, rule_based_metrics(result.workflow, result.execution, catalog))
        if judge_client is not None:
            record.update(await _judged(judge_client.counting_into(UsageLedger(), scope=unit.key), result))
        return record
    except UserError as exc:
        return failure_record(unit, str(exc), time.perf_counter() - start)
    except LLMError as exc:  # zero-shot's plan, or a setup error any strategy lets through
        return failure_record(unit, f"{MODEL_OUTAGE}{exc.message}", time.perf_counter() - start)
    except Exception as exc:  # a bug or a broken server must cost one task, not the run
        return failure_record(unit, f"{type(exc).__name__}: {exc}", time.perf_counter() - start)


async def _judged(client: ChatClient, result: SolveResult) -> dict[str, Any]:
    """The judge's fields of a record: scores by dimension, any error, and what judging cost (`client` has a
    ledger of its own)."""
    ledger = client.ledger
    try:
        verdict = await judge(client, result)
        fields: dict[str, Any] = {"judge": verdict.scores, "judge_error": verdict.error}
    except LLMError as exc:
        fields = {"judge": {}, "judge_error": exc.message}
    totals = ledger.records
    fields["judge_cost"] = {
        "model_calls": len(totals),
        "prompt_tokens": sum(r.prompt_tokens for r in totals),
        "completion_tokens": sum(r.completion_tokens for r in totals),
    }
    return fields


class LocalEnvironments:
    """Servers for the local backend: one shared pool for stateless servers, a fresh pool per task otherwise."""

    def __init__(self, shared: ToolEnvironment, isolated: frozenset[str], call_timeout: float):
        self.shared = shared
        self.isolated = isolated
        self.call_timeout = call_timeout

    @contextlib.asynccontextmanager
    async def __call__(self, task: Task) -> AsyncIterator[ToolEnvironment]:
        config = self.shared.config
        unknown = [name for name in task.servers if name not in config.names]
        if unknown:
            raise UserError(f"unknown server {', '.join(unknown)}; configured: {', '.join(config.names)}")
        if self.isolated & set(task.servers or config.names):
            async with ToolEnvironment(
                config.subset(task.servers or config.names), call_timeout=self.call_timeout
            ) as env:
                yield env
        else:
            yield self.shared.sharing_servers()


async def stateful_servers(
    env: ToolEnvironment, isolate: Sequence[str], tasks: Sequence[Task]
) -> frozenset[str]:
    """The servers to start fresh per task: those named, plus with 'auto' those whose tools have side effects."""
    names = set(isolate) - {"auto"}
    unknown = names - set(env.config.names) - {"all"}
    if unknown:
        raise UserError(
            f"--isolate: unknown server {', '.join(sorted(unknown))}; configured: {', '.join(env.config.names)}"
        )
    if "all" in names:
        return frozenset(env.config.names)
    if "auto" in isolate:
        used = {name for task in tasks for name in task.servers if name in env.config.names} or set(
            env.config.names
        )
        catalog = await env.catalog(sorted(used))
        names |= {tool.server for tool in catalog if not tool.cacheable}
    return frozenset(names)


async def run_local(
    plan: BenchPlan,
    journal: Journal,
    servers: ServersConfig,
    model: ModelConfig,
    *,
    concurrency: int = 1,
    on_record: Callable[[dict[str, Any]], None] | None = None,
    retry_failed: bool = False,
    client: ChatClient | None = None,
    judge_client: ChatClient | None = None,
) -> list[dict[str, Any]]:
    """Run every unit not yet in the journal, `concurrency` at a time; return the journal's records."""
    done = journal.open(retry_failed=retry_failed)
    pending = [u for u in plan.units() if u.key not in done]
    if not pending:
        return list(done.values())

    async def one(
        unit: Unit, chat: ChatClient, environments: EnvFactory, limit: anyio.CapacityLimiter
    ) -> None:
        async with limit:
            record = await run_unit(unit, chat, environments, plan, judge_client)
        journal.append(record)
        done[unit.key] = record
        if on_record is not None:
            on_record(record)

    async with contextlib.AsyncExitStack() as stack:
        chat = client if client is not None else await stack.enter_async_context(open_client(model))
        shared = await stack.enter_async_context(ToolEnvironment(servers, call_timeout=plan.call_timeout))
        isolated = await stateful_servers(shared, plan.isolate, plan.tasks)
        environments = LocalEnvironments(shared, isolated, plan.call_timeout)
        limit = anyio.CapacityLimiter(max(1, concurrency))
        async with anyio.create_task_group() as group:
            for unit in pending:
                group.start_soon(one, unit, chat, environments, limit)
    return list(done.values())
