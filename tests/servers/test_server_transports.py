"""The shared command line: real stdio and streamable-HTTP subprocesses, and simulated latency."""

import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import anyio
import pytest
from mcp import Client, StdioServerParameters

from evoflux.servers._runner import LATENCY_ENV, add_latency, build_parser
from evoflux.servers.geo import build_server as build_geo

pytestmark = pytest.mark.anyio


def stdio(module: str, *args: str) -> StdioServerParameters:
    return StdioServerParameters(command=sys.executable, args=["-m", module, *args])


@pytest.fixture
def http_units_server() -> Iterator[str]:
    """Start the units server with --http on a free loopback port; yields its /mcp URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "evoflux.servers.units", "--http", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert process.poll() is None, process.stderr.read().decode()
                assert time.monotonic() < deadline, "HTTP server did not start"
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


@pytest.mark.e2e
async def test_stdio_subprocess():
    async with Client(stdio("evoflux.servers.geo")) as client:
        result = await client.call_tool("get_country", {"country_code": "NO"})
    assert result.structured_content["capital_name"] == "Oslo"


@pytest.mark.e2e
async def test_streamable_http_subprocess(http_units_server):
    async with Client(http_units_server) as client:
        tools = (await client.list_tools()).tools
        result = await client.call_tool(
            "convert_length", {"value": 1, "from_unit": "mile", "to_unit": "kilometer"}
        )
    assert len(tools) == 9
    assert result.content[0].text == "1 mile = 1.60934 kilometer"


@pytest.mark.e2e
async def test_latency_flag_delays_a_tool_call():
    async with Client(stdio("evoflux.servers.units", "--latency-ms", "200")) as client:
        started = time.monotonic()
        await client.call_tool("list_units", {"category": "mass"})
        single = time.monotonic() - started
    assert single >= 0.2


async def test_latency_sleeps_do_not_block_concurrent_calls():
    server = build_geo()
    add_latency(server, 200)
    async with Client(server) as client:
        started = time.monotonic()
        async with anyio.create_task_group() as group:
            for code in ("NO", "JP", "BR", "KE"):
                group.start_soon(client.call_tool, "get_country", {"country_code": code})
        elapsed = time.monotonic() - started
    assert 0.2 <= elapsed < 0.6


def test_latency_defaults_to_environment(monkeypatch):
    monkeypatch.setenv(LATENCY_ENV, "150")
    assert build_parser("evoflux.servers.geo").parse_args([]).latency_ms == 150
    assert build_parser("evoflux.servers.geo").parse_args(["--latency-ms", "0"]).latency_ms == 0
    with pytest.raises(SystemExit):
        build_parser("evoflux.servers.geo").parse_args(["--latency-ms", "-5"])
