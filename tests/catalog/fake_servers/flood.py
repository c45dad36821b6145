"""A stdio MCP server whose `flood` tool answers with many megabytes, written slowly.

Its stdout writes one message at a time, as the SDK does, so while the big answer is on its way every later
answer (to a ping, a tools/list, another call) waits behind it.
"""

import io
import sys

import anyio
from mcp.server import MCPServer
from mcp.server.stdio import stdio_server

server = MCPServer("flood")
_PIECES = 50
_slowness = {"seconds": 0.0}


@server.tool()
def echo(text: str) -> str:
    """Return the text."""
    return text


@server.tool()
def flood(megabytes: int, seconds: float) -> str:
    """A text of `megabytes`, whose answer takes `seconds` to write."""
    _slowness["seconds"] = seconds
    return "x" * (megabytes * 1024 * 1024)


class _SlowStdout:
    """Writes a message over 1 MB in pieces over the flood's seconds; others at once."""

    def __init__(self) -> None:
        self._out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8")

    async def write(self, text: str) -> None:
        if len(text) < 1024 * 1024:
            self._out.write(text)
            return
        step = len(text) // _PIECES + 1
        for start in range(0, len(text), step):
            self._out.write(text[start : start + step])
            self._out.flush()
            await anyio.sleep(_slowness["seconds"] / _PIECES)

    async def flush(self) -> None:
        self._out.flush()


async def main() -> None:
    lowlevel = server._lowlevel_server
    async with stdio_server(stdout=_SlowStdout()) as (read, write):  # type: ignore[arg-type]
        await lowlevel.run(read, write, lowlevel.create_initialization_options())


if __name__ == "__main__":
    anyio.run(main)
