"""A stdio MCP server for the pool tests: echo, crash, slow, big, grow and child-spawning tools."""

import os
import subprocess
import sys
import time
from pathlib import Path

import anyio
from growing import add_big_and_grow
from mcp.server import MCPServer

server = MCPServer("toolbox")
MARKS = Path(os.environ.get("TOOLBOX_MARKS", os.devnull))


def mark(text: str) -> None:
    """Leave a trace the test can read after the call (e.g. that a slow call was cancelled)."""
    with MARKS.open("a") as marks:
        marks.write(text + "\n")


@server.tool()
def echo(text: str) -> str:
    """Return the text."""
    return text


@server.tool()
def pid() -> int:
    """This server's process id."""
    return os.getpid()


@server.tool()
def crash() -> str:
    """Die in the middle of the call."""
    sys.stderr.write("toolbox: crashing on purpose\n")
    sys.stderr.flush()
    os._exit(1)


@server.tool()
async def slow(seconds: float) -> str:
    """Sleep, then answer; records whether it was cancelled."""
    try:
        await anyio.sleep(seconds)
    except anyio.get_cancelled_exc_class():
        mark("slow cancelled")
        raise
    mark("slow finished")
    return "done"


add_big_and_grow(server)


@server.tool()
def spawn_child() -> int:
    """Start a child that ignores SIGTERM and outlives this server; return its pid."""
    code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"
    child = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        start_new_session=False,
    )
    time.sleep(0.2)  # let it install its signal handler
    return child.pid


if __name__ == "__main__":
    server.run()
