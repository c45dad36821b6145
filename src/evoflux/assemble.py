"""A solve from its settings: open the model client and the servers, trace the candidates, solve, close.

Front ends parse their options into `SolveSettings` and call `solve_task`; `solve` is the sync facade of the
public API. The solving itself is `solver`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import anyio

from evoflux.catalog.config import resolve_servers_config
from evoflux.environment import ToolEnvironment
from evoflux.llm import ProgressCallback, open_client
from evoflux.search.trace import TraceWriter, write_summary
from evoflux.settings import ModelSettings, SolveSettings
from evoflux.solver import SolveResult, Strategy, solve_with


async def solve_task(
    task: str,
    settings: SolveSettings,
    *,
    progress: ProgressCallback | None = None,
    busy: Callable[[], AbstractContextManager[Any]] = contextlib.nullcontext,
) -> SolveResult:
    """Solve `task` as `settings` say; with a trace folder, write its candidates and `result.json` there.

    `progress` sees the local model file being assembled; `busy` is entered once the client and the
    servers are open, for as long as the solve runs (a front end's spinner).
    """
    config = resolve_servers_config(settings.servers)
    models = settings.model.config()
    trace = settings.trace
    writer = TraceWriter(trace) if trace is not None and settings.strategy is Strategy.EVOFLUX else None
    async with (
        open_client(models, progress=progress, model_path=settings.model.model_path) as client,
        ToolEnvironment(config) as env,
    ):
        with busy():
            result = await solve_with(
                task,
                env,
                client,
                strategy=settings.strategy,
                top_k=settings.top_k,
                servers=settings.server_names,
                budget=settings.budget,
                settings=settings.search,
                on_candidate=writer,
            )
    if trace is not None:
        write_summary(trace, result.to_json())
    return result


def solve(
    task: str,
    *,
    servers: str | Path | None = None,
    model: str | None = None,
    base_url: str | None = None,
    strategy: Strategy | str = Strategy.EVOFLUX,
    top_k: int = 8,
    server_names: Sequence[str] | None = None,
) -> SolveResult:
    """Solve one task with the configured servers and model; opens and closes both."""
    settings = SolveSettings(
        servers=str(servers) if servers is not None else None,
        model=ModelSettings(model, base_url),
        strategy=Strategy(strategy),
        server_names=tuple(server_names) if server_names is not None else None,
        top_k=top_k,
    )
    return anyio.run(solve_task, task, settings)
