"""Catalogs for repair tests: the bundled servers listed in-process, and the MCP-Bench subset."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from repair_helpers import bundled_config

from evoflux.catalog.tools import ToolCatalog
from evoflux.environment import ToolEnvironment

BENCH = Path(__file__).parent.parent / "workflow" / "data" / "mcpbench_tools.json"


@pytest.fixture(scope="session")
def bundled() -> ToolCatalog:
    async def listed() -> ToolCatalog:
        async with ToolEnvironment(bundled_config()) as env:
            return await env.catalog()

    return anyio.run(listed)


@pytest.fixture(scope="session")
def bench() -> ToolCatalog:
    return ToolCatalog.load(BENCH)
