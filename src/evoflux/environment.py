"""The live tool environment: a server pool, its current catalog, and an executor over both.

One object for the CLI and the solver to check and run workflows; it owns no planning or repair.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from evoflux.catalog.config import ServersConfig
from evoflux.catalog.pool import ServerHealth, ServerPool
from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.execute.cache import CacheMode, CallCache
from evoflux.execute.executor import Executor
from evoflux.execute.glue_steps import Extractor
from evoflux.execute.outcome import Execution, NodeOutcome
from evoflux.workflow.check import Issue, IssueCode, check_workflow
from evoflux.workflow.glue import with_pseudo_tools
from evoflux.workflow.graph import Workflow
from evoflux.workflow.validators import VALIDATOR_SERVER

_NEEDS_WHOLE_CATALOG = (IssueCode.UNKNOWN_TOOL, IssueCode.UNKNOWN_SERVER, IssueCode.MISSING_SERVER)


class ToolEnvironment:
    """Servers started on demand, the catalog kept current, workflows checked and executed."""

    def __init__(
        self,
        config: ServersConfig,
        *,
        connect_timeout: float = 30.0,
        call_timeout: float = 30.0,
        cache: CallCache | None = None,
        max_result_chars: int = 20_000,
    ):
        self.config = config
        self.pool = ServerPool(
            config,
            connect_timeout=connect_timeout,
            call_timeout=call_timeout,
            on_tools_changed=self._tools_changed,
        )
        self._catalog = ToolCatalog({})
        self.executor = Executor(
            self.pool,
            self._catalog,
            call_timeout=call_timeout,
            cache=cache,
            max_result_chars=max_result_chars,
            down_reason=self.pool.down_reason,
        )

    async def __aenter__(self) -> ToolEnvironment:
        await self.pool.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.pool.__aexit__(*exc)

    def sharing_servers(self) -> ToolEnvironment:
        """A view on the same running servers with a fresh call cache, for one task among many.

        Only the original is a context manager: it starts and stops the servers.
        """
        view = copy.copy(self)
        view.executor = copy.copy(self.executor)
        view.executor.cache = CallCache(CacheMode.MEMORY)
        return view

    def _tools_changed(self, server: str, tools: tuple[ToolSpec, ...]) -> None:
        self._catalog = self._catalog.with_server(server, tools)
        self.executor.catalog = with_pseudo_tools(self._catalog)

    async def catalog(self, servers: Iterable[str] | None = None) -> ToolCatalog:
        """The catalog of the named servers (default: all), starting those not yet started."""
        wanted = list(self.config.names if servers is None else servers)
        fresh = await self.pool.catalog(wanted)
        for server in fresh.servers:
            if server not in self._catalog.servers or (
                self._catalog.server_version(server) != fresh.server_version(server)
            ):
                self._catalog = self._catalog.with_server(server, fresh.tools_of(server))
        self.executor.catalog = with_pseudo_tools(self._catalog)
        return ToolCatalog({s: self._catalog.tools_of(s) for s in wanted if s in self._catalog.servers})

    def health(self) -> dict[str, ServerHealth]:
        return self.pool.healths()

    async def catalog_for(self, workflow: Workflow) -> ToolCatalog:
        """Only the servers a workflow names, or every server when a step names none."""
        named = {n.server for n in workflow.tool_nodes} - {VALIDATOR_SERVER}
        if "" in named or not named:
            return await self.catalog()
        return await self.catalog(s for s in self.config.names if s in named)

    async def check(self, workflow: Workflow) -> list[Issue]:
        issues = check_workflow(workflow, with_pseudo_tools(await self.catalog_for(workflow)))
        if any(i.code in _NEEDS_WHOLE_CATALOG for i in issues):
            # A misplaced tool may live on a server the workflow does not name.
            issues = check_workflow(workflow, with_pseudo_tools(await self.catalog()))
        return issues

    async def execute(
        self,
        workflow: Workflow,
        on_event: Callable[[str, NodeOutcome | None], None] | None = None,
        *,
        extractor: Extractor | None = None,
    ) -> Execution:
        """Run `workflow` on the servers it names; `extractor` serves its extract steps."""
        await self.catalog_for(workflow)
        return await self.executor.run(workflow, on_event, extractor=extractor)
