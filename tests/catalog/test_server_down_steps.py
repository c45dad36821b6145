"""A step whose server could not start is `server_down` with the start error, not an unknown tool."""

from __future__ import annotations

import pytest
from catalog_helpers import math_server

from evoflux.catalog.config import InProcessServer, ServersConfig, StdioServer
from evoflux.environment import ToolEnvironment
from evoflux.execute.outcome import NodeStatus
from evoflux.workflow.parse import parse_workflow

pytestmark = pytest.mark.anyio


async def test_a_step_of_a_server_that_failed_to_start_is_server_down_with_the_reason() -> None:
    config = ServersConfig.of(
        InProcessServer("math", math_server), StdioServer("weather", "evoflux-no-such-command-xyz")
    )
    workflow = parse_workflow(
        {
            "nodes": [
                {"id": "n1", "tool": "weather:search_stations", "args": {"query": "Oslo"}},
                {"id": "n2", "tool": "math:add", "args": {"a": 1, "b": 2}},
                {"id": "n3", "tool": "math:imaginary", "args": {}},
            ]
        }
    )
    async with ToolEnvironment(config) as env:
        execution = await env.execute(workflow)
    down, added, unknown = (execution.outcomes[n] for n in ("n1", "n2", "n3"))
    assert down.status is NodeStatus.SERVER_DOWN
    assert down.error == (
        "server 'weather' is down: cannot start 'evoflux-no-such-command-xyz': No such file or directory"
    )
    assert added.ok and added.output == 3
    assert unknown.status is NodeStatus.TOOL_ERROR and "unknown tool math:imaginary" in (unknown.error or "")
    assert execution.tool_calls == 1
