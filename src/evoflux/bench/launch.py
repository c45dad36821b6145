"""A bench run from its settings: the suite and its servers, the plan, the run folder, the clients, the backend.

Front ends parse their options into `BenchSettings`, call `prepare_bench` (every check that can fail before
anything runs), show the warnings, then call `run_bench`. Scheduling the units is `runner` and `ray_backend`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio

from evoflux.bench.journal import Journal
from evoflux.bench.mcpbench import OFFLINE_SERVERS, McpBenchOptions, load_mcpbench
from evoflux.bench.runner import BenchPlan, StrategySpec, prepare_out, run_local
from evoflux.bench.tasks import BUNDLED_SUITE, Task, load_tasks
from evoflux.catalog.config import ServersConfig, resolve_servers_config
from evoflux.errors import UserError
from evoflux.llm import ModelConfig, ProgressCallback, open_client
from evoflux.settings import BenchSettings, SuiteSettings

OnRecord = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class BenchRun:
    """A bench run ready to go: its plan, servers and models, and its journal opened for appending."""

    settings: BenchSettings
    plan: BenchPlan
    servers: ServersConfig
    model: ModelConfig
    judge: ModelConfig | None
    journal: Journal
    done: dict[str, dict[str, Any]]
    """The records the journal already holds, by unit key (a resumed run skips them)."""
    warnings: list[str]

    def totals(self) -> dict[str, int]:
        """Units per strategy."""
        per_strategy = len(self.plan.tasks) * len(self.plan.seeds)
        return {spec.name: per_strategy for spec in self.plan.strategies}


def prepare_bench(settings: BenchSettings) -> BenchRun:
    """Load the suite, check the strategies and the judge, create (or reopen to resume) the run folder."""
    if settings.backend not in ("local", "ray"):
        raise UserError(f"unknown backend {settings.backend!r}; use 'local' or 'ray'")
    suite, servers = _suite(settings.suite)
    specs = [StrategySpec.parse(name) for name in settings.strategies]
    if not specs:
        raise UserError("--strategies names no strategy")
    plan = BenchPlan(
        tasks=suite,
        tasks_source=_source(settings.suite),
        strategies=specs,
        seeds=list(range(max(1, settings.seeds))),
        budget=settings.budget,
        top_k=settings.top_k,
        isolate=settings.isolate,
        call_timeout=settings.call_timeout,
    )
    model = settings.model.config()
    judge = (
        ModelConfig(model=settings.judge_model, base_url=settings.judge_base_url)
        if settings.judge_model or settings.judge_base_url
        else None
    )
    if judge is not None and judge.model is None:
        raise UserError("--judge-base-url needs --judge-model (the model name the endpoint serves)")
    journal = prepare_out(settings.out, plan.settings(model, servers), settings.resume)
    done = journal.open(retry_failed=settings.retry_failed)
    return BenchRun(settings, plan, servers, model, judge, journal, done, _unserved(suite, servers))


def run_bench(
    run: BenchRun, *, on_record: OnRecord | None = None, progress: ProgressCallback | None = None
) -> None:
    """Solve every unit the journal lacks on the chosen backend; `progress` sees the local model assembled."""
    settings = run.settings
    if settings.backend == "ray":
        from evoflux.bench.ray_backend import run_ray

        run_ray(
            run.plan,
            run.journal,
            run.servers,
            run.model,
            concurrency=settings.concurrency,
            address=settings.ray_address,
            on_record=on_record,
            retry_failed=settings.retry_failed,
            judge=run.judge,
        )
        return
    anyio.run(_run_local, run, on_record, progress)


async def _run_local(run: BenchRun, on_record: OnRecord | None, progress: ProgressCallback | None) -> None:
    """The local backend with one model client, shared with the judge when the judge is the same model."""
    async with contextlib.AsyncExitStack() as stack:
        client = await stack.enter_async_context(
            open_client(run.model, progress=progress, model_path=run.settings.model.model_path)
        )
        judge_client = None
        if run.judge is not None:
            same = run.judge.model == run.model.model and run.judge.base_url == run.model.base_url
            judge_client = client if same else await stack.enter_async_context(open_client(run.judge))
        await run_local(
            run.plan,
            run.journal,
            run.servers,
            run.model,
            concurrency=run.settings.concurrency,
            on_record=on_record,
            client=client,
            retry_failed=run.settings.retry_failed,
            judge_client=judge_client,
        )


def _suite(settings: SuiteSettings) -> tuple[list[Task], ServersConfig]:
    """The tasks (only those asked for) and servers: a task file with a servers config, or MCP-Bench."""
    if settings.mcpbench is not None:
        if settings.tasks is not None:
            raise UserError("give either --tasks or --mcpbench, not both")
        if settings.description not in ("fuzzy", "concrete"):
            raise UserError(f"--description must be 'fuzzy' or 'concrete', got {settings.description!r}")
        names = [n for a in settings.allow for n in (OFFLINE_SERVERS if a == "offline" else (a,))]
        options = McpBenchOptions(
            description=settings.description,
            distraction=settings.distraction,
            allow=tuple(names) or None,
            python=settings.python,
            node=settings.node,
        )
        suite, servers = load_mcpbench(settings.mcpbench, options)
    else:
        suite, servers = load_tasks(settings.tasks or BUNDLED_SUITE), resolve_servers_config(settings.servers)
    if settings.task_ids:
        missing = sorted(set(settings.task_ids) - {t.id for t in suite})
        if missing:
            raise UserError(f"unknown task id {', '.join(missing)} in {_source(settings)}")
        suite = [t for t in suite if t.id in set(settings.task_ids)]
    return (suite[: settings.limit] if settings.limit is not None else suite), servers


def _source(settings: SuiteSettings) -> str:
    """Where the tasks come from, as `run.json` records it."""
    if settings.mcpbench is not None:
        return f"mcpbench:{settings.mcpbench.resolve()}"
    return str(settings.tasks or BUNDLED_SUITE)


def _unserved(suite: list[Task], servers: ServersConfig) -> list[str]:
    """Tasks naming servers the config lacks; they will be recorded as failures."""
    return [
        f"task {t.id}: unknown server {', '.join(sorted(set(t.servers) - set(servers.names)))}"
        for t in suite
        if set(t.servers) - set(servers.names)
    ]
