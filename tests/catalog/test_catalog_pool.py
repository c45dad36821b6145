"""The server pool against in-process servers: calls, faults as results, deadlines, health, tool-list changes."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest
from catalog_helpers import math_server
from mcp.server import MCPServer

from evoflux.catalog.config import InProcessServer, ServersConfig, StdioServer
from evoflux.catalog.pool import RECENT_CALLS, CallStatus, ServerPool, ServerState, ToolCallResult
from evoflux.catalog.tools import ToolSpec
from evoflux.errors import UserError

pytestmark = pytest.mark.anyio

SECRET = "sk-live-0123456789"


def config(*extra: InProcessServer) -> ServersConfig:
    return ServersConfig.of(InProcessServer("math", math_server), *extra)


def broken_factory() -> MCPServer:
    raise RuntimeError("cannot build this server")


@asynccontextmanager
async def never_ready(_server: MCPServer) -> AsyncIterator[dict[str, Any]]:
    await anyio.sleep(60)
    yield {}


async def test_servers_start_lazily_on_first_call() -> None:
    async with ServerPool(config()) as pool:
        assert pool.health("math").state is ServerState.NOT_STARTED
        result = await pool.call_tool("math", "add", {"a": 2, "b": 3})
        assert result == ToolCallResult(CallStatus.OK, {"result": 5}, "5", None, result.seconds)
        assert result.ok
        health = pool.health("math")
    assert health.state is ServerState.UP
    assert health.tool_count == 5
    assert health.protocol_version == "2026-07-28"
    assert health.startup_seconds is not None and health.startup_seconds > 0
    assert health.restarts == 0 and health.last_error is None


async def test_tool_errors_and_unknowns_are_results() -> None:
    async with ServerPool(config()) as pool:
        failed = await pool.call_tool("math", "fail", {"reason": "the moon is full"})
        unknown_tool = await pool.call_tool("math", "nope", {})
        unknown_server = await pool.call_tool("nowhere", "add", {})
    assert (
        failed.status is CallStatus.TOOL_ERROR
        and failed.error == "Error executing tool fail: the moon is full"
    )
    assert unknown_tool.status is CallStatus.TOOL_ERROR and "nope" in (unknown_tool.error or "")
    assert unknown_server.status is CallStatus.UNKNOWN_SERVER
    assert unknown_server.error == "unknown server 'nowhere' (known: math)"


async def test_calls_to_one_server_run_concurrently() -> None:
    async with ServerPool(config()) as pool:
        await pool.start()
        results: list[ToolCallResult] = []

        async def call() -> None:
            results.append(await pool.call_tool("math", "slow", {"seconds": 0.2}))

        began = time.monotonic()
        async with anyio.create_task_group() as tg:
            for _ in range(4):
                tg.start_soon(call)
        elapsed = time.monotonic() - began
    assert [r.status for r in results] == [CallStatus.OK] * 4
    assert elapsed < 0.6


async def test_concurrency_is_capped_per_server() -> None:
    async with ServerPool(config(), max_concurrency_per_server=1) as pool:
        await pool.start()
        began = time.monotonic()
        async with anyio.create_task_group() as tg:
            for _ in range(2):
                tg.start_soon(pool.call_tool, "math", "slow", {"seconds": 0.2})
        assert time.monotonic() - began >= 0.4


async def test_deadline_cancels_the_call_and_the_server_stays_usable() -> None:
    cancelled = anyio.Event()
    server = MCPServer("sleepy")

    @server.tool()
    async def sleep(seconds: float) -> str:
        try:
            await anyio.sleep(seconds)
        finally:
            cancelled.set()
        return "woke"

    @server.tool()
    def ping() -> str:
        return "pong"

    async with ServerPool(ServersConfig.of(InProcessServer("sleepy", lambda: server))) as pool:
        await pool.start()
        began = time.monotonic()
        result = await pool.call_tool("sleepy", "sleep", {"seconds": 30}, timeout=0.3)
        elapsed = time.monotonic() - began
        with anyio.fail_after(1):
            await cancelled.wait()  # the server-side handler was really cancelled
        after = await pool.call_tool("sleepy", "ping", {})
        health = pool.health("sleepy")
    assert result.status is CallStatus.TIMEOUT
    assert "within 0.3 s" in (result.error or "")
    assert 0.25 < elapsed < 0.6
    assert after.text == "pong"
    assert health.state is ServerState.DEGRADED


async def test_degraded_clears_after_enough_clean_calls() -> None:
    async with ServerPool(config()) as pool:
        await pool.call_tool("math", "slow", {"seconds": 5}, timeout=0.05)
        assert pool.health("math").state is ServerState.DEGRADED
        for _ in range(RECENT_CALLS):
            await pool.call_tool("math", "add", {"a": 1, "b": 1})
        assert pool.health("math").state is ServerState.UP


async def test_a_50_mb_result_does_not_raise() -> None:
    async with ServerPool(config()) as pool:
        result = await pool.call_tool("math", "big", {"megabytes": 50}, timeout=30)
    assert result.status is CallStatus.OK
    assert len(result.text) == 50 * 1024 * 1024


async def test_catalog_holds_the_servers_that_are_up() -> None:
    stuck = InProcessServer("stuck", lambda: MCPServer("stuck", lifespan=never_ready))
    broken = InProcessServer("broken", broken_factory)
    async with ServerPool(config(stuck, broken), connect_timeout=0.5) as pool:
        began = time.monotonic()
        catalog = await pool.catalog()
        elapsed = time.monotonic() - began
        healths = pool.healths()
        down_call = await pool.call_tool("broken", "x", {})
        good_call = await pool.call_tool("math", "add", {"a": 1, "b": 2})
    assert catalog.servers == ("math",)
    assert catalog.get("math", "add") is not None
    assert catalog.get("math", "add").annotations == {"readOnlyHint": True, "idempotentHint": True}  # type: ignore[union-attr]
    assert elapsed < 1.0  # started concurrently, bounded by connect_timeout
    assert healths["stuck"].state is ServerState.DOWN
    assert healths["stuck"].last_error == "no answer to initialize within 0.5 s"
    assert healths["broken"].state is ServerState.DOWN
    assert "RuntimeError: cannot build this server" in (healths["broken"].last_error or "")
    assert down_call.status is CallStatus.SERVER_DOWN and "cannot build this server" in (
        down_call.error or ""
    )
    assert good_call.status is CallStatus.OK


async def test_start_returns_health_and_never_raises() -> None:
    async with ServerPool(config(InProcessServer("broken", broken_factory))) as pool:
        healths = await pool.start()
    assert {name: h.state for name, h in healths.items()} == {
        "math": ServerState.UP,
        "broken": ServerState.DOWN,
    }


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_tool_list_changes_reach_the_pool(mode: str) -> None:
    changes: list[tuple[str, tuple[str, ...]]] = []

    def changed(server: str, tools: tuple[ToolSpec, ...]) -> None:
        changes.append((server, tuple(t.name for t in tools)))

    async with ServerPool(config(), mode=mode, on_tools_changed=changed) as pool:
        before = await pool.catalog()
        version = pool.catalog_version
        assert (await pool.call_tool("math", "grow", {})).ok
        with anyio.fail_after(2):
            while not changes:
                await anyio.sleep(0.01)
        after = await pool.catalog()
        tools = await pool.list_tools("math")
        protocol = pool.health("math").protocol_version
    assert protocol == ("2026-07-28" if mode == "auto" else "2025-11-25")
    assert changes == [("math", ("add", "fail", "slow", "big", "grow", "extra"))]
    assert pool.catalog_version != version
    assert after.version != before.version
    assert after.get("math", "extra") is not None
    assert [t.name for t in tools][-1] == "extra"


async def test_a_failing_change_listener_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    def explode(_server: str, _tools: tuple[ToolSpec, ...]) -> None:
        raise ValueError("listener bug")

    async with ServerPool(config(), on_tools_changed=explode) as pool:
        await pool.call_tool("math", "grow", {})
        with anyio.fail_after(2):
            while len(await pool.list_tools("math")) < 6:
                await anyio.sleep(0.01)
        assert (await pool.call_tool("math", "add", {"a": 1, "b": 1})).ok
    assert any("on_tools_changed failed" in r.message for r in caplog.records)


async def test_closing_answers_calls_in_flight_and_later_calls() -> None:
    results: list[ToolCallResult] = []
    async with anyio.create_task_group() as tg, ServerPool(config()) as pool:
        await pool.start()

        async def call() -> None:
            results.append(await pool.call_tool("math", "slow", {"seconds": 10}))

        tg.start_soon(call)
        await anyio.sleep(0.1)
    late = await pool.call_tool("math", "add", {"a": 1, "b": 2})
    assert [r.status for r in results] == [CallStatus.SERVER_DOWN]
    assert "closing" in (results[0].error or "")
    assert late.status is CallStatus.SERVER_DOWN


async def test_unknown_names_are_user_errors() -> None:
    async with ServerPool(config()) as pool:
        with pytest.raises(UserError, match="unknown server 'x'"):
            await pool.catalog(["x"])
        with pytest.raises(UserError, match="unknown server 'x'"):
            pool.health("x")
        with pytest.raises(UserError, match="unknown server 'x'"):
            await pool.list_tools("x")


async def test_secrets_are_redacted_from_errors_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="evoflux")

    def leaky() -> MCPServer:
        raise RuntimeError(f"bad key {SECRET}")

    secret_holder = StdioServer("holder", "unused", env={"API_KEY": SECRET})
    pool_config = ServersConfig.of(
        InProcessServer("math", math_server), InProcessServer("leaky", leaky), secret_holder
    )
    async with ServerPool(pool_config) as pool:
        tool_error = await pool.call_tool("math", "fail", {"reason": f"rejected {SECRET}"})
        down = await pool.call_tool("leaky", "x", {})
        health = pool.health("leaky")
    assert tool_error.error == "Error executing tool fail: rejected ***"
    assert down.error is not None and "bad key ***" in down.error
    shown = f"{tool_error.error} {down.error} {health} {pool_config!r} " + " ".join(
        r.getMessage() for r in caplog.records
    )
    assert SECRET not in shown
