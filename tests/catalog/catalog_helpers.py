"""Helpers for the catalog tests: in-process servers, stdio specs for the fake servers, process checks."""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
from fake_servers.growing import add_big_and_grow
from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations

from evoflux.catalog.config import StdioServer

FAKE_SERVERS = Path(__file__).parent / "fake_servers"


def fake_stdio(name: str, script: str, env: dict[str, str] | None = None) -> StdioServer:
    return StdioServer(name, sys.executable, (str(FAKE_SERVERS / script),), env or {})


def python_stdio(name: str, code: str, env: dict[str, str] | None = None) -> StdioServer:
    return StdioServer(name, sys.executable, ("-c", code), env or {})


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def math_server() -> MCPServer:
    """A small in-process server: add, fail, slow, big and grow."""
    server = MCPServer("math")

    @server.tool(annotations=ToolAnnotations(read_only_hint=True, idempotent_hint=True))
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    @server.tool()
    def fail(reason: str) -> str:
        """Always fails with the given reason."""
        raise ToolError(reason)

    @server.tool()
    async def slow(seconds: float) -> str:
        """Sleep, then answer."""
        await anyio.sleep(seconds)
        return "done"

    add_big_and_grow(server)
    return server
