"""The server pool against a streamable HTTP server on localhost: headers, large results, auth failures."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest
import uvicorn
from catalog_helpers import math_server

from evoflux.catalog.config import HttpServer, ServersConfig, parse_servers_config
from evoflux.catalog.pool import CallStatus, ServerPool, ServerState

pytestmark = pytest.mark.anyio

TOKEN = "Bearer very-secret-token"


def require_authorization(app: Any) -> Any:
    """An ASGI wrapper answering 401 unless the Authorization header carries TOKEN."""

    async def guarded(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and dict(scope["headers"]).get(b"authorization") != TOKEN.encode():
            await send({"type": "http.response.start", "status": 401, "headers": []})
            await send({"type": "http.response.body", "body": b"unauthorized"})
            return
        await app(scope, receive, send)

    return guarded


@asynccontextmanager
async def http_server() -> AsyncIterator[str]:
    """The math server over streamable HTTP on a free localhost port; yields its URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = require_authorization(math_server().streamable_http_app())
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    async with anyio.create_task_group() as tg:
        tg.start_soon(server.serve, [sock])
        with anyio.fail_after(5):
            while not server.started:
                await anyio.sleep(0.01)
        try:
            yield f"http://127.0.0.1:{port}/mcp"
        finally:
            server.should_exit = True


async def test_headers_reach_the_server_and_large_results_arrive() -> None:
    async with http_server() as url:
        data = {
            "mcpServers": {"remote": {"type": "http", "url": url, "headers": {"Authorization": "${TOKEN}"}}}
        }
        config = parse_servers_config(data, "cfg.json", environ={"TOKEN": TOKEN})
        async with ServerPool(config) as pool:
            added = await pool.call_tool("remote", "add", {"a": 20, "b": 22})
            large = await pool.call_tool(
                "remote", "big", {"megabytes": 3}
            )  # over the SDK's 1 MiB SSE default
            health = pool.health("remote")
    assert added.structured == {"result": 42}
    assert large.status is CallStatus.OK and len(large.text) == 3 * 1024 * 1024
    assert health.state is ServerState.UP and health.tool_count == 5


async def test_a_rejected_header_means_down_without_leaking_it() -> None:
    async with http_server() as url:
        config = ServersConfig.of(HttpServer("remote", url, {"Authorization": "Bearer wrong-but-secret"}))
        async with ServerPool(config, connect_timeout=5) as pool:
            result = await pool.call_tool("remote", "add", {"a": 1, "b": 2})
            health = pool.health("remote")
    assert result.status is CallStatus.SERVER_DOWN
    assert health.state is ServerState.DOWN
    assert (health.last_error or "").endswith("; the server answered HTTP 401 Unauthorized")
    assert "wrong-but-secret" not in f"{result} {health}"


async def test_an_unreachable_url_is_down_at_once() -> None:
    data = {"mcpServers": {"gone": {"url": "http://127.0.0.1:9/mcp?key=${KEY}"}}}
    config = parse_servers_config(data, "cfg.json", environ={"KEY": "key-material-123"})
    async with ServerPool(config, connect_timeout=5) as pool:
        healths = await pool.start()
    error = healths["gone"].last_error or ""
    assert healths["gone"].state is ServerState.DOWN
    assert error.startswith("HTTP request to http://127.0.0.1:9/mcp?key=*** failed: ConnectError")


async def test_an_echoed_token_stays_out_of_errors_and_the_sdk_tracebacks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def echo_token(scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Answers every request with non-JSON that repeats the token of its Authorization header."""
        if scope["type"] != "http":
            return
        token = dict(scope["headers"]).get(b"authorization", b"").split()[-1]
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": b"not json: " + token})

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(echo_token, log_level="warning", lifespan="off"))
    async with anyio.create_task_group() as tg:
        tg.start_soon(server.serve, [sock])
        with anyio.fail_after(5):
            while not server.started:
                await anyio.sleep(0.01)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/mcp"
        config = ServersConfig.of(HttpServer("remote", url, {"Authorization": "Bearer literal-token-77"}))
        async with ServerPool(config, connect_timeout=5) as pool:
            healths = await pool.start()
        server.should_exit = True
    assert healths["remote"].state is ServerState.DOWN
    assert "not json: ***" in (healths["remote"].last_error or "")
    assert "Error parsing JSON response" in caplog.text  # the SDK's traceback, forwarded
    assert "literal-token-77" not in caplog.text + str(healths)
