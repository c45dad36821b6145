"""`connect(name)`: an in-process client of one bundled server, with short helpers for tool calls."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

import pytest
from mcp import Client
from mcp.types import TextContent, Tool

from evoflux.servers import BUNDLED_SERVERS


class ServerClient:
    """Calls one server's tools and asserts whether each call should succeed or fail."""

    def __init__(self, client: Client):
        self.client = client

    async def tools(self) -> dict[str, Tool]:
        return {tool.name: tool for tool in (await self.client.list_tools()).tools}

    async def ok(self, tool: str, **args: Any) -> Any:
        result = await self.client.call_tool(tool, args)
        assert not result.is_error, _text(result)
        assert result.structured_content is not None, f"{tool} returned no structured content"
        return result.structured_content

    async def text(self, tool: str, **args: Any) -> str:
        result = await self.client.call_tool(tool, args)
        assert not result.is_error, _text(result)
        return _text(result)

    async def error(self, tool: str, **args: Any) -> str:
        result = await self.client.call_tool(tool, args)
        assert result.is_error, f"{tool} should have failed but returned {_text(result)!r}"
        return _text(result)


def _text(result: Any) -> str:
    return "".join(block.text for block in result.content if isinstance(block, TextContent))


@pytest.fixture
async def connect() -> AsyncIterator[Callable[[str], Awaitable[ServerClient]]]:
    async with AsyncExitStack() as stack:

        async def open_server(name: str) -> ServerClient:
            module = importlib.import_module(BUNDLED_SERVERS[name])
            client = await stack.enter_async_context(Client(module.build_server()))
            return ServerClient(client)

        yield open_server
