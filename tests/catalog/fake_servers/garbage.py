"""A stdio MCP server that writes non-protocol lines to stdout, before and among its messages."""

import sys

from mcp.server import MCPServer

server = MCPServer("garbage")


@server.tool()
def noisy(text: str) -> str:
    """Print junk to stdout (the protocol channel), then answer."""
    sys.stdout.write("debug: this line is not JSON-RPC\n")
    sys.stdout.flush()
    return text


if __name__ == "__main__":
    sys.stdout.write("Starting garbage server v1.0...\n{not json either\n")
    sys.stdout.flush()
    server.run()
