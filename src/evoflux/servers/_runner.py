"""Command-line entry shared by every bundled server: stdio by default, ``--http`` for streamable HTTP
on ``/mcp``, and ``--latency-ms`` (or $EVOFLUX_SERVER_LATENCY_MS) to simulate a remote service."""

import argparse
import os
import sys
from collections.abc import Callable, Sequence

import anyio
from mcp.server import MCPServer
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext

LATENCY_ENV = "EVOFLUX_SERVER_LATENCY_MS"


def add_latency(server: MCPServer, latency_ms: int) -> None:
    """Delay every ``tools/call`` on ``server`` by ``latency_ms`` (other requests are not delayed)."""
    delay = latency_ms / 1000

    async def delay_tool_calls(ctx: ServerRequestContext, call_next: CallNext) -> HandlerResult:
        if ctx.method == "tools/call":
            await anyio.sleep(delay)
        return await call_next(ctx)

    server.middleware.append(delay_tool_calls)


def _milliseconds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of milliseconds, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"latency must be >= 0, got {value}")
    return value


def build_parser(module: str) -> argparse.ArgumentParser:
    """The command line of ``python -m MODULE``; the latency default comes from $EVOFLUX_SERVER_LATENCY_MS."""
    parser = argparse.ArgumentParser(
        prog=f"python -m {module}",
        description="Run a bundled evoflux MCP server (stdio unless --http is given).",
    )
    parser.add_argument("--http", action="store_true", help="serve streamable HTTP at http://HOST:PORT/mcp")
    parser.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="HTTP port (default: 8000)")
    parser.add_argument(
        "--latency-ms",
        type=_milliseconds,
        default=os.environ.get(LATENCY_ENV, "0"),
        help=f"sleep this long before every tool call (default: ${LATENCY_ENV} or 0)",
    )
    return parser


def run_server(build_server: Callable[[], MCPServer], argv: Sequence[str] | None = None) -> None:
    """Parse the command line, build the server and serve it until the transport closes."""
    spec = sys.modules[build_server.__module__].__spec__  # names the real module even when run as __main__
    args = build_parser(spec.name if spec else build_server.__module__).parse_args(argv)
    server = build_server()
    if args.latency_ms:
        add_latency(server, args.latency_ms)
    if args.http:
        server.run("streamable-http", host=args.host, port=args.port, streamable_http_path="/mcp")
    else:
        server.run("stdio")
