"""A stdio MCP server that ignores SIGTERM and does not exit when its stdin closes; it also has a child."""

import os
import signal
import subprocess
import sys
import time

from mcp.server import MCPServer

signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen(
    [sys.executable, "-c", "import time; time.sleep(60)"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
)
server = MCPServer("stubborn")


@server.tool()
def pids() -> list[int]:
    """This server's pid and its child's."""
    return [os.getpid(), child.pid]


if __name__ == "__main__":
    server.run()
    time.sleep(60)  # linger after stdin closed, ignoring SIGTERM: only SIGKILL ends it
