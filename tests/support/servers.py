"""The bundled servers run in this process: the same data as over stdio, whatever $EVOFLUX_SERVERS says."""

from __future__ import annotations

import importlib

import anyio

from evoflux.catalog.config import InProcessServer, ServersConfig
from evoflux.catalog.tools import ToolCatalog
from evoflux.environment import ToolEnvironment
from evoflux.servers import BUNDLED_SERVERS


def bundled_config(*names: str) -> ServersConfig:
    """The bundled servers named (all of them unless named), each built in this process."""
    chosen = names or tuple(BUNDLED_SERVERS)
    return ServersConfig.of(
        *(
            InProcessServer(name, importlib.import_module(BUNDLED_SERVERS[name]).build_server)
            for name in chosen
        )
    )


def bundled_catalog() -> ToolCatalog:
    """The live catalog of every bundled server, listed in process (for module- and session-scoped fixtures)."""

    async def listed() -> ToolCatalog:
        async with ToolEnvironment(bundled_config()) as env:
            return await env.catalog()

    return anyio.run(listed)
