"""One server as the pool keeps it: its connection generations, their mailboxes and what they learned.

Plain state, opening a generation's transport and session, and the one-line error messages built from that
state; `pool.py` runs the owner tasks that use them.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import anyio
import httpx2
import mcp_types as types
from mcp import Client, StdioServerParameters
from mcp.client import IncomingMessage, Transport
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from pydantic import ValidationError

from evoflux.catalog.config import HttpServer, InProcessServer, StdioServer
from evoflux.catalog.live import tool_spec
from evoflux.catalog.processes import TOKEN_VAR, new_token
from evoflux.catalog.tools import ToolSpec

logger = logging.getLogger(__name__)

RECENT_CALLS = 10
"""How many recent calls (and restarts) decide between `up` and `degraded`."""

_MAX_LIST_PAGES = 100
_MAX_HTTP_EVENT_BYTES = 256 * 1024 * 1024  # the SDK's 1 MiB default would fail large tool results
_HTTP_TIMEOUT = httpx2.Timeout(30.0, read=300.0)  # per HTTP operation; each call also has its own deadline
_STDERR_TAIL_BYTES = 4096
_STDERR_TAIL_LINES = 3
_MAX_ERROR_CHARS = 600
_NOISE_SAMPLES = 3
_SDK_NOISE_MESSAGE = "Failed to parse JSONRPC message from server"  # mcp.client.stdio, logged per bad line


class CallStatus(StrEnum):
    OK = "ok"
    TOOL_ERROR = "tool_error"  # the tool ran and reported an error (an `isError` result)
    TIMEOUT = "timeout"
    SERVER_DOWN = "server_down"  # could not start, or died during the call
    PROTOCOL_ERROR = "protocol_error"  # the server answered with a JSON-RPC error or a malformed result
    UNKNOWN_SERVER = "unknown_server"


@dataclass(frozen=True)
class ToolCallResult:
    """What one tool call gave: never an exception."""

    status: CallStatus
    structured: Any = None
    text: str = ""
    error: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status is CallStatus.OK


@dataclass(eq=False)
class Request:
    tool: str
    args: dict[str, Any]
    started: float
    scope: anyio.CancelScope  # carries the call's deadline; cancelled when the caller gives up
    done: anyio.Event = field(default_factory=anyio.Event)
    result: ToolCallResult | None = None

    def finish(self, result: ToolCallResult) -> None:
        if self.result is None:
            self.result = result
            self.done.set()


def one_line(text: str, limit: int = _MAX_ERROR_CHARS) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


class _QuietStdoutNoise(logging.Filter):
    """Demotes the SDK's ERROR-with-traceback for each non-JSON stdout line to DEBUG: the pool counts them
    and names them in the server's error instead, so a chatty server cannot flood the terminal."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == _SDK_NOISE_MESSAGE:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            record.exc_info = record.exc_text = None
        return True


def quiet_stdout_noise() -> None:
    sdk_logger = logging.getLogger("mcp.client.stdio")
    if not any(isinstance(existing, _QuietStdoutNoise) for existing in sdk_logger.filters):
        sdk_logger.addFilter(_QuietStdoutNoise())


class Connection:
    """One generation of one server: its owner task's mailbox and what that owner has learned."""

    def __init__(self, connect_deadline: float, max_concurrency: int, log_offset: int):
        self.requests, self.inbox = anyio.create_memory_object_stream[Request](math.inf)
        self._changed, self.changes = anyio.create_memory_object_stream[None](1)
        self.connect_deadline = connect_deadline
        self.scope = anyio.CancelScope()  # the owner's whole life; cancelled to abandon a start
        self.serving = anyio.CancelScope()  # the request loop; cancelled when the server is found dead
        self.limit = anyio.Semaphore(max_concurrency)
        self.ready = anyio.Event()  # set once up, or once the start failed
        self.transport_closed = anyio.Event()
        self.token = new_token()
        self.log_offset = log_offset
        self.phase = "initialize"
        self.up = False
        self.was_up = False
        self.modern = False
        self.error: str | None = None
        self.noise_count = 0
        self.noise: list[str] = []
        self.http_status: str | None = None  # the last HTTP error status, which the SDK does not report
        self.probe: anyio.Event | None = None  # set once the probe after a timed-out call has its verdict
        self._suspected, self.suspicions = anyio.create_memory_object_stream[None](1)

    async def note_http_status(self, response: httpx2.Response) -> None:
        if response.status_code >= 400:
            self.http_status = f"{response.status_code} {response.reason_phrase}".strip()

    def signal_change(self) -> None:
        """Ask for a re-list; signals that arrive while one is already pending merge into it."""
        try:
            self._changed.send_nowait(None)
        except anyio.WouldBlock:
            logger.debug("tool-list change merged into the re-list already pending")
        except (anyio.ClosedResourceError, anyio.BrokenResourceError):
            logger.debug("tool-list change after the connection ended; the next start re-lists anyway")

    def suspect(self) -> None:
        """A call timed out: have the owner probe whether the server still answers, and calls wait for it."""
        if self.up and self.probe is None:
            self.probe = anyio.Event()
            self._suspected.send_nowait(None)

    def note_noise(self, exc: Exception) -> None:
        self.noise_count += 1
        sample: object = exc
        if (
            isinstance(exc, ValidationError)
            and exc.errors()
            and isinstance(exc.errors()[0].get("input"), str)
        ):
            sample = exc.errors()[0]["input"]
        if len(self.noise) < _NOISE_SAMPLES:
            self.noise.append(one_line(str(sample), 80))

    def close_mailbox(self, reason: str) -> None:
        """Refuse new requests and answer the queued ones; no await, so nothing can slip in meanwhile."""
        self.requests.close()
        while True:
            try:
                request = self.inbox.receive_nowait()
            except (anyio.WouldBlock, anyio.EndOfStream, anyio.ClosedResourceError):
                break
            request.finish(failure(CallStatus.SERVER_DOWN, reason, request.started))
        self.inbox.close()
        self._changed.close()
        self.changes.close()
        self._suspected.close()
        self.suspicions.close()
        if self.probe is not None:
            self.probe.set()


class ServerRecord:
    """Everything the pool keeps about one server across restarts."""

    def __init__(self, spec: StdioServer | HttpServer | InProcessServer):
        self.spec = spec
        self.name = spec.name
        self.log_path: Path | None = None
        self.conn: Connection | None = None
        self.tools: tuple[ToolSpec, ...] = ()
        self.listed = False
        self.failed = False
        self.restarts = 0
        self.startup_seconds: float | None = None
        self.protocol_version: str | None = None
        self.last_error: str | None = None
        self.recent: deque[bool] = deque(maxlen=RECENT_CALLS)  # True = a timeout, crash or restart


def failure(status: CallStatus, error: str, started: float) -> ToolCallResult:
    return ToolCallResult(status=status, error=error, seconds=anyio.current_time() - started)


def innermost(exc: BaseException) -> BaseException:
    """The first real error inside (possibly nested) exception groups."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


class EndWatch:
    """A transport read stream that sets `ended` when the server side closes (EOF): how a crash is noticed."""

    def __init__(self, inner: Any, ended: anyio.Event):
        self._inner = inner
        self._ended = ended

    async def receive(self) -> Any:
        try:
            return await self._inner.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError):
            self._ended.set()
            raise

    def __aiter__(self) -> EndWatch:
        return self

    async def __anext__(self) -> Any:
        try:
            return await self.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def __aenter__(self) -> EndWatch:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __getattr__(self, name: str) -> Any:  # e.g. `last_context` of the HTTP transport's streams
        return getattr(self._inner, name)


@asynccontextmanager
async def watched(transport: Transport, ended: anyio.Event) -> AsyncIterator[tuple[Any, Any]]:
    async with transport as (read, write):
        yield EndWatch(read, ended), write


# -- opening a connection ----------------------------------------------------------------------------


async def open_client(
    stack: AsyncExitStack, server: ServerRecord, conn: Connection, mode: str, redact: Callable[[str], str]
) -> Client:
    """Open the transport and client session of one connection generation on `stack`."""
    spec = server.spec

    async def on_message(message: IncomingMessage) -> None:
        if isinstance(message, Exception):
            conn.note_noise(message)
            logger.debug("server %s: ignored transport fault %s", server.name, redact(repr(message)))
        elif isinstance(message, types.ToolListChangedNotification) and not conn.modern:
            conn.signal_change()

    options: dict[str, Any] = {"mode": mode, "message_handler": on_message, "cache": None}
    if isinstance(spec, InProcessServer):
        return await stack.enter_async_context(Client(spec.factory(), **options))
    if isinstance(spec, StdioServer):
        assert server.log_path is not None
        errlog = stack.enter_context(server.log_path.open("a", encoding="utf-8", errors="replace"))
        params = StdioServerParameters(
            command=spec.command,
            args=list(spec.args),
            env={**spec.env, TOKEN_VAR: conn.token},
            cwd=spec.cwd,
        )
        transport: Transport = stdio_client(params, errlog=errlog)
    else:
        http = await stack.enter_async_context(
            httpx2.AsyncClient(
                headers=dict(spec.headers),
                timeout=_HTTP_TIMEOUT,
                event_hooks={"response": [conn.note_http_status]},
            )
        )
        transport = streamable_http_client(
            spec.url, http_client=http, max_sse_event_size=_MAX_HTTP_EVENT_BYTES
        )
    return await stack.enter_async_context(Client(watched(transport, conn.transport_closed), **options))


async def list_all_tools(server: ServerRecord, client: Client) -> tuple[ToolSpec, ...]:
    """Every page of the server's tools."""
    tools: list[ToolSpec] = []
    cursor: str | None = None
    for _ in range(_MAX_LIST_PAGES):
        page = await client.list_tools(cursor=cursor)
        tools.extend(tool_spec(server.name, tool) for tool in page.tools)
        cursor = page.next_cursor
        if cursor is None:
            return tuple(tools)
    raise MCPError(types.INTERNAL_ERROR, f"tools/list did not end after {_MAX_LIST_PAGES} pages")


# -- error messages: one redacted line each ----------------------------------------------------------


def timeout_message(
    server: ServerRecord, conn: Connection, seconds: float, redact: Callable[[str], str]
) -> str:
    what = "no answer to initialize" if conn.phase == "initialize" else "no tools/list answer"
    return with_context(server, conn, f"{what} within {seconds:g} s", redact)


def describe_failure(
    server: ServerRecord, conn: Connection, exc: BaseException, redact: Callable[[str], str]
) -> str:
    leaf = innermost(exc)
    spec = server.spec
    if isinstance(leaf, OSError) and isinstance(spec, StdioServer) and conn.phase == "initialize":
        message = f"cannot start {spec.command!r}: {leaf.strerror or leaf}"
    elif isinstance(leaf, MCPError) and leaf.code == types.CONNECTION_CLOSED:
        message = f"the server closed the connection during {conn.phase}"
    elif isinstance(leaf, MCPError):
        message = f"server error {leaf.code} during {conn.phase}: {leaf.message}"
    elif isinstance(leaf, httpx2.HTTPError) and isinstance(spec, HttpServer):
        message = f"HTTP request to {spec.url} failed: {type(leaf).__name__}: {leaf}"
    else:
        message = f"{conn.phase} failed: {type(leaf).__name__}: {leaf}"
    return with_context(server, conn, message, redact)


def with_context(server: ServerRecord, conn: Connection, message: str, redact: Callable[[str], str]) -> str:
    """`message` plus stray stdout lines and the last stderr lines: one redacted line."""
    if conn.http_status:
        message += f"; the server answered HTTP {conn.http_status}"
    if conn.noise_count:
        lines = "line" if conn.noise_count == 1 else "lines"
        message += f"; it wrote {conn.noise_count} non-protocol {lines} to stdout, e.g. {conn.noise[0]!r}"
    tail = stderr_tail(server, conn)
    if tail:
        message += f"; stderr: {tail}"
    return one_line(redact(message))


def stderr_tail(server: ServerRecord, conn: Connection) -> str:
    if server.log_path is None or not server.log_path.exists():
        return ""
    try:
        with server.log_path.open("rb") as log:
            size = log.seek(0, 2)
            log.seek(max(conn.log_offset, size - _STDERR_TAIL_BYTES))
            text = log.read().decode("utf-8", errors="replace")
    except OSError as exc:
        logger.warning("cannot read %s: %s", server.log_path, exc)
        return ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " | ".join(lines[-_STDERR_TAIL_LINES:])
