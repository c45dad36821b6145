"""Helpers for the catalog tests: in-process servers, stdio specs for the fake servers, process checks."""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
from mcp.server import MCPServer
from mcp.server.mcpserver import Context
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

    @server.tool()
    def big(megabytes: int) -> str:
        """A large text result."""
        return "x" * (megabytes * 1024 * 1024)

    @server.tool()
    async def grow(ctx: Context) -> str:
        """Add a tool and announce it (legacy notification and modern event)."""
        server.add_tool(lambda: "new", name="extra", description="added at runtime")
        await ctx.session.send_tool_list_changed()
        await ctx.notify_tools_changed()
        return "grown"

    return server
