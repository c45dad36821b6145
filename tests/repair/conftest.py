"""Catalogs for repair tests: the bundled servers listed in-process, and the MCP-Bench subset."""

from __future__ import annotations

from pathlib import Path

import pytest

from evoflux.catalog.tools import ToolCatalog
from tests.support import bundled_catalog

BENCH = Path(__file__).parent.parent / "workflow" / "data" / "mcpbench_tools.json"


@pytest.fixture(scope="session")
def bundled() -> ToolCatalog:
    return bundled_catalog()


@pytest.fixture(scope="session")
def bench() -> ToolCatalog:
    return ToolCatalog.load(BENCH)
