"""The server pool against real stdio subprocesses: crashes and restarts, bad servers, deadlines, cleanup."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest
from catalog_helpers import FAKE_SERVERS, alive, fake_stdio, python_stdio

from evoflux.catalog.config import ServersConfig, StdioServer
from evoflux.catalog.pool import CallStatus, ServerPool, ServerState
from evoflux.catalog.tools import ToolSpec

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]

SECRET = "hunter2-but-longer"


async def test_a_crash_mid_call_is_server_down_and_the_next_call_restarts(tmp_path: Path) -> None:
    async with ServerPool(ServersConfig.of(fake_stdio("box", "toolbox.py")), log_dir=tmp_path) as pool:
        first_pid = (await pool.call_tool("box", "pid", {})).structured
        crashed = await pool.call_tool("box", "crash", {})
        after = await pool.call_tool("box", "pid", {})
        health = pool.health("box")
    assert crashed.status is CallStatus.SERVER_DOWN
    assert crashed.error is not None
    assert "closed the connection" in crashed.error and "toolbox: crashing on purpose" in crashed.error
    assert after.status is CallStatus.OK and after.structured != first_pid
    assert health.restarts == 1
    assert health.state is ServerState.DEGRADED  # a crash and a restart among the last calls
    assert health.log_path == str(tmp_path / "box.stderr.log")
    assert "crashing on purpose" in (tmp_path / "box.stderr.log").read_text()


async def test_after_max_restarts_the_server_stays_down() -> None:
    async with ServerPool(ServersConfig.of(fake_stdio("box", "toolbox.py")), max_restarts=1) as pool:
        assert (await pool.call_tool("box", "crash", {})).status is CallStatus.SERVER_DOWN
        assert (await pool.call_tool("box", "crash", {})).status is CallStatus.SERVER_DOWN  # after restart 1
        began = time.monotonic()
        refused = await pool.call_tool("box", "echo", {"text": "hi"})
        assert time.monotonic() - began < 0.1
        health = pool.health("box")
    assert refused.status is CallStatus.SERVER_DOWN
    assert "gave up after 1 restarts" in (refused.error or "")
    assert health.state is ServerState.DOWN and health.restarts == 1


async def test_servers_that_cannot_start_are_down_with_one_line_reasons() -> None:
    config = ServersConfig.of(
        StdioServer("missing", "evoflux-no-such-command-xyz"),
        python_stdio("exits", "import sys; sys.stderr.write('boom: no config file\\n'); sys.exit(3)"),
        python_stdio("chatty", "print('Hello! I am not an MCP server.')"),
        fake_stdio("silent", "silent.py"),
        fake_stdio("box", "toolbox.py"),
    )
    async with ServerPool(config, connect_timeout=2) as pool:
        began = time.monotonic()
        healths = await pool.start()
        elapsed = time.monotonic() - began
        working = await pool.call_tool("box", "echo", {"text": "still fine"})
        refused = await pool.call_tool("silent", "anything", {})
    assert elapsed < 2.5
    errors = {name: h.last_error or "" for name, h in healths.items()}
    assert {name: h.state for name, h in healths.items()} == {
        "missing": ServerState.DOWN,
        "exits": ServerState.DOWN,
        "chatty": ServerState.DOWN,
        "silent": ServerState.DOWN,
        "box": ServerState.UP,
    }
    assert errors["missing"] == "cannot start 'evoflux-no-such-command-xyz': No such file or directory"
    assert (
        errors["exits"] == "the server closed the connection during initialize; stderr: boom: no config file"
    )
    assert "non-protocol line to stdout, e.g. 'Hello! I am not an MCP server.'" in errors["chatty"]
    assert errors["silent"] == "no answer to initialize within 2 s; stderr: silent: warming up forever"
    assert all("\n" not in error for error in errors.values())
    assert working.text == "still fine"
    assert refused.status is CallStatus.SERVER_DOWN and "no answer to initialize" in (refused.error or "")


async def test_stdout_garbage_among_messages_is_tolerated_quietly(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with ServerPool(ServersConfig.of(fake_stdio("junk", "garbage.py"))) as pool:
        result = await pool.call_tool("junk", "noisy", {"text": "ok"})
        health = pool.health("junk")
    assert result.status is CallStatus.OK and result.text == "ok"
    assert health.state is ServerState.UP
    sdk_records = [r for r in caplog.records if r.name == "mcp.client.stdio" and "Failed to parse" in r.msg]
    assert sdk_records, "the SDK should still report the bad lines, at debug level"
    assert all(r.levelno == logging.DEBUG and r.exc_info is None for r in sdk_records)


async def test_a_slow_call_is_cancelled_at_its_deadline(tmp_path: Path) -> None:
    marks = tmp_path / "marks.txt"
    config = ServersConfig.of(fake_stdio("box", "toolbox.py", {"TOOLBOX_MARKS": str(marks)}))
    async with ServerPool(config) as pool:
        await pool.start()
        began = time.monotonic()
        result = await pool.call_tool("box", "slow", {"seconds": 20}, timeout=0.5)
        elapsed = time.monotonic() - began
        after = await pool.call_tool("box", "echo", {"text": "usable"})
        with anyio.fail_after(2):
            while not marks.exists():
                await anyio.sleep(0.02)
    assert result.status is CallStatus.TIMEOUT
    assert 0.45 < elapsed < 0.9
    assert after.text == "usable"
    assert marks.read_text() == "slow cancelled\n"


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_tool_list_changes_over_stdio(mode: str) -> None:
    changes: list[tuple[str, tuple[ToolSpec, ...]]] = []
    async with ServerPool(
        ServersConfig.of(fake_stdio("box", "toolbox.py")),
        mode=mode,
        on_tools_changed=lambda server, tools: changes.append((server, tools)),
    ) as pool:
        version = (await pool.catalog()).version
        await pool.call_tool("box", "grow", {})
        with anyio.fail_after(3):
            while not changes:
                await anyio.sleep(0.02)
        catalog = await pool.catalog()
    assert [t.name for t in changes[0][1]][-1] == "extra"
    assert catalog.version != version and catalog.get("box", "extra") is not None


async def test_no_process_is_left_behind() -> None:
    config = ServersConfig.of(fake_stdio("box", "toolbox.py"), fake_stdio("stubborn", "stubborn.py"))
    async with ServerPool(config) as pool:
        orphan = (await pool.call_tool("box", "spawn_child", {})).structured["result"]  # type: ignore[index]
        stubborn, child = (await pool.call_tool("stubborn", "pids", {})).structured["result"]  # type: ignore[index]
        assert alive(orphan) and alive(stubborn) and alive(child)
    assert not alive(orphan)  # outlived its server: swept by the pool
    assert not alive(stubborn) and not alive(child)  # ignored SIGTERM: killed with its group by the SDK


async def test_a_large_result_over_stdio() -> None:
    # 4 MiB of text (8 MiB on the wire with its structured copy): the SDK's stdio reader is quadratic in
    # the line length, so bigger results over stdio are slow (see the in-process 50 MB test for size).
    async with ServerPool(ServersConfig.of(fake_stdio("box", "toolbox.py"))) as pool:
        result = await pool.call_tool("box", "big", {"megabytes": 4})
    assert result.status is CallStatus.OK and len(result.text) == 4 * 1024 * 1024


async def test_server_secrets_stay_out_of_errors_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    leak = "import os, sys; sys.stderr.write('auth failed for ' + os.environ['API_KEY'] + '\\n'); sys.exit(1)"
    config = ServersConfig.of(python_stdio("leaky", leak, {"API_KEY": SECRET}))
    async with ServerPool(config) as pool:
        result = await pool.call_tool("leaky", "x", {})
        health = pool.health("leaky")
    assert "auth failed for ***" in (result.error or "")
    shown = f"{result} {health} {config!r} " + " ".join(r.getMessage() for r in caplog.records)
    assert SECRET not in shown


async def test_a_server_stuck_behind_an_oversized_result_is_restarted_for_the_next_call() -> None:
    async with ServerPool(ServersConfig.of(fake_stdio("flood", "flood.py"))) as pool:
        await pool.start()
        flooded = await pool.call_tool("flood", "flood", {"megabytes": 8, "seconds": 120}, timeout=1)
        after = await pool.call_tool("flood", "echo", {"text": "still here"}, timeout=40)
        health = pool.health("flood")
    assert flooded.status is CallStatus.TIMEOUT
    assert after.status is CallStatus.OK and after.text == "still here"
    assert health.restarts == 1
    assert "stuck after a call timed out: no answer to tools/list within 5 s" in (health.last_error or "")


async def test_sigterm_removes_the_server_log_folder() -> None:
    script = f"""
import sys, anyio
sys.path.insert(0, {str(FAKE_SERVERS.parent)!r})
from catalog_helpers import fake_stdio
from evoflux.catalog.config import ServersConfig
from evoflux.catalog.pool import ServerPool

async def main():
    async with ServerPool(ServersConfig.of(fake_stdio("box", "toolbox.py"))) as pool:
        await pool.call_tool("box", "pid", {{}})
        print(pool.health("box").log_path, flush=True)
        await anyio.sleep(60)

anyio.run(main)
"""
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        log_path = Path((await anyio.to_thread.run_sync(child.stdout.readline)).strip())
        assert log_path.parent.is_dir()
        child.send_signal(signal.SIGTERM)
        code = await anyio.to_thread.run_sync(lambda: child.wait(timeout=20))
    finally:
        child.kill()
    assert code == -signal.SIGTERM
    assert not log_path.parent.exists()
