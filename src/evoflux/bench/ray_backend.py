"""The Ray backend of `evoflux bench`: run units on Ray actors, journal them in the driver (extra `ray`).

Same units, same `run_unit`, same journal as the local backend: actors solve, only the driver appends, so
an interrupted run resumes exactly as a local one. Each actor opens its own servers for every unit (a
fresh pool per task) and calls the model the driver serves: the embedded local model is started once,
in the driver, and actors reach it over its loopback URL, so actors must run on the driver's machine
unless the model is an OpenAI-compatible endpoint every node can reach.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import anyio.to_thread

from evoflux.bench.journal import Journal, record_key
from evoflux.bench.runner import BenchPlan, Unit, run_unit
from evoflux.bench.tasks import Task
from evoflux.catalog.config import ServersConfig
from evoflux.environment import ToolEnvironment
from evoflux.errors import UserError
from evoflux.llm import CassetteMode, ChatClient, ModelConfig, open_client


class UnitWorker:
    """A Ray actor's state: the plan, the servers config and the model to call; solves one unit per call."""

    def __init__(
        self, plan: BenchPlan, servers: ServersConfig, model: ModelConfig, judge: ModelConfig | None
    ):
        self.plan = plan
        self.servers = servers
        self.model = model
        self.judge = judge

    async def run(self, unit: Unit) -> dict[str, Any]:
        """Solve one unit on the actor's event loop (Ray runs a class with async methods as an async actor)."""
        async with contextlib.AsyncExitStack() as stack:
            client = await stack.enter_async_context(ChatClient(self.model))
            judge = await stack.enter_async_context(ChatClient(self.judge)) if self.judge else None
            return await run_unit(unit, client, self._environment, self.plan, judge)

    @contextlib.asynccontextmanager
    async def _environment(self, task: Task) -> AsyncIterator[ToolEnvironment]:
        config = self.servers.subset(task.servers) if task.servers else self.servers
        async with ToolEnvironment(config, call_timeout=self.plan.call_timeout) as env:
            yield env


def run_ray(
    plan: BenchPlan,
    journal: Journal,
    servers: ServersConfig,
    model: ModelConfig,
    *,
    concurrency: int = 1,
    address: str | None = None,
    on_record: Callable[[dict[str, Any]], None] | None = None,
    retry_failed: bool = False,
    judge: ModelConfig | None = None,
) -> list[dict[str, Any]]:
    """Run every unit not yet in the journal on `concurrency` Ray actors; return the journal's records.

    `judge`, when given, is the model that scores each result (the solving model when it is the same).
    """
    try:
        import ray
        from ray.util import ActorPool
    except ImportError:
        raise UserError("--backend ray needs Ray: pip install 'evoflux[ray]'") from None
    if model.cassette_mode is CassetteMode.RECORD or model.cassette_mode is CassetteMode.REPLAY_OR_RECORD:
        raise UserError(
            "--backend ray cannot record a cassette (several processes would write it); use replay"
        )
    done = journal.open(retry_failed=retry_failed)
    pending = [u for u in plan.units() if u.key not in done]
    if not pending:
        return list(done.values())
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)

    async def drive() -> None:
        async with contextlib.AsyncExitStack() as stack:
            client = await stack.enter_async_context(open_client(model))  # a local model is served once, here
            judging = None
            if judge is not None:
                judging = client if judge == model else await stack.enter_async_context(open_client(judge))
            actor = ray.remote(num_cpus=0)(UnitWorker)
            workers = [
                actor.remote(plan, servers, client.config, judging.config if judging else None)
                for _ in range(max(1, concurrency))
            ]
            pool = ActorPool(workers)
            for unit in pending:
                pool.submit(lambda worker, u: worker.run.remote(u), unit)
            while pool.has_next():
                record = await anyio.to_thread.run_sync(pool.get_next_unordered)
                journal.append(record)
                done[record_key(record)] = record
                if on_record is not None:
                    on_record(record)

    try:
        anyio.run(drive)
    finally:
        if started_here:
            ray.shutdown()
    return list(done.values())
