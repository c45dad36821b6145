"""The live MCP servers of one run: one owner task per server that connects, lists tools, serves calls, restarts.

Owns starting, calling, health, restarts, tool-list changes and shutdown; never plans, caches or caps results.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any

import anyio
import mcp_types as types
from anyio.abc import TaskGroup
from mcp import Client
from mcp.client.subscriptions import ListenNotSupportedError, SubscriptionLost
from mcp.shared.exceptions import MCPError
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import ValidationError

from evoflux.catalog.config import ServersConfig, StdioServer
from evoflux.catalog.connection import (
    RECENT_CALLS,
    CallStatus,
    Connection,
    Request,
    ServerRecord,
    ToolCallResult,
    describe_failure,
    failure,
    innermost,
    list_all_tools,
    one_line,
    open_client,
    quiet_stdout_noise,
    timeout_message,
    with_context,
)
from evoflux.catalog.live import content_text
from evoflux.catalog.processes import kill_marked
from evoflux.catalog.tempdirs import make_temp_dir, remove_temp_dir
from evoflux.catalog.tools import ToolCatalog, ToolSpec, tools_version
from evoflux.errors import UserError
from evoflux.redaction import redact_logs

__all__ = ["RECENT_CALLS", "CallStatus", "ServerHealth", "ServerPool", "ServerState", "ToolCallResult"]

logger = logging.getLogger(__name__)

_PROBE_SECONDS = 5.0  # how long a server may take to answer tools/list after one of its calls timed out


class ServerState(StrEnum):
    """A server's health.

    not_started  never started;
    starting     connecting, initializing or listing tools;
    up           serving, and none of its last RECENT_CALLS calls timed out or lost the server;
    degraded     serving, but a timeout, a crash or a restart is among its last RECENT_CALLS calls -- or it
                 crashed and its next call will restart it;
    down         it failed to start (a failed start is never retried), or it crashed again after
                 `max_restarts` restarts; calls then return `server_down` at once, with the reason.
    """

    NOT_STARTED = "not_started"
    STARTING = "starting"
    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"


@dataclass(frozen=True)
class ServerHealth:
    name: str
    state: ServerState
    tool_count: int = 0
    startup_seconds: float | None = None
    restarts: int = 0
    last_error: str | None = None
    protocol_version: str | None = None
    log_path: str | None = None  # stderr of a stdio server


class ServerPool:
    """The configured servers, started lazily, each owned by one task of this pool; an async context manager.

    Each server has ONE owner task (a child of the pool's task group) that opens and closes its transport
    and client session; callers hand it requests through a memory stream and wait on a per-request event,
    and each request runs as a child task of the owner, so calls to one server run concurrently up to
    `max_concurrency_per_server`. Faults never raise out of `call_tool`: they come back as a
    `ToolCallResult` with a `CallStatus`. Once the pool is closed, `health()` reports each server as it
    was at closing.
    """

    def __init__(
        self,
        config: ServersConfig,
        *,
        connect_timeout: float = 30.0,
        call_timeout: float = 60.0,
        max_concurrency_per_server: int = 4,
        max_restarts: int = 3,
        on_tools_changed: Callable[[str, tuple[ToolSpec, ...]], None] | None = None,
        log_dir: str | Path | None = None,
        mode: str = "auto",
    ):
        """`mode` is the SDK's connect mode: "auto" (modern protocol, falling back to initialize) or "legacy".

        Stdio servers' stderr goes to `<log_dir>/<server>.stderr.log`; without `log_dir` a temporary
        directory is used and removed when the pool closes.
        """
        self.config = config
        self.connect_timeout = connect_timeout
        self.call_timeout = call_timeout
        self.max_concurrency_per_server = max_concurrency_per_server
        self.max_restarts = max_restarts
        self.on_tools_changed = on_tools_changed
        self.mode = mode
        self._own_log_dir = log_dir is None
        self._log_dir = Path(log_dir) if log_dir is not None else None
        self._servers = {name: ServerRecord(spec) for name, spec in config.servers.items()}
        self._tg: TaskGroup | None = None
        self._closing = False
        self._final: dict[str, ServerHealth] = {}  # health as it was when the pool closed

    # -- lifecycle -------------------------------------------------------------------------------------

    async def __aenter__(self) -> ServerPool:
        if self._tg is not None:
            raise RuntimeError("a ServerPool can be entered only once")
        quiet_stdout_noise()
        redact_logs(self.config.redactor)
        self._tg = anyio.create_task_group()
        await self._tg.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> bool | None:
        assert self._tg is not None, "ServerPool exited without being entered"
        self._final = self.healths()
        self._closing = True
        for server in self._servers.values():
            conn = server.conn
            if conn is None:
                continue
            conn.requests.close()  # a serving owner finishes its request loop and closes its session
            if not conn.ready.is_set():
                conn.scope.cancel()  # a starting owner gives up
        try:
            if isinstance(exc_val, Exception):
                # The caller's own error leaves as it came, not wrapped in the task group's ExceptionGroup.
                await self._tg.__aexit__(None, None, None)
                return False
            return await self._tg.__aexit__(exc_type, exc_val, exc_tb)
        finally:
            if self._own_log_dir and self._log_dir is not None:
                try:
                    remove_temp_dir(self._log_dir)
                except OSError as exc:
                    logger.warning("could not remove the server log directory %s: %s", self._log_dir, exc)

    async def aclose(self) -> None:
        await self.__aexit__(None, None, None)

    # -- public API ------------------------------------------------------------------------------------

    async def start(self, names: Iterable[str] | None = None) -> dict[str, ServerHealth]:
        """Start the named servers (default: all) concurrently; failures are recorded in their health."""
        wanted = self._known(names)
        self._require_open()
        async with anyio.create_task_group() as tg:
            for name in wanted:
                tg.start_soon(self._connection, self._servers[name])
        return {name: self.health(name) for name in wanted}

    async def list_tools(self, server: str) -> tuple[ToolSpec, ...]:
        """The server's current tools, starting it if needed; empty when it is down."""
        (name,) = self._known([server])
        self._require_open()
        state = self._servers[name]
        conn = await self._connection(state)
        return state.tools if isinstance(conn, Connection) else ()

    async def catalog(self, names: Iterable[str] | None = None) -> ToolCatalog:
        """A catalog of the named servers (default: all) that are up; the others are absent (see `health`)."""
        wanted = self._known(names)
        await self.start(wanted)
        return ToolCatalog(
            {
                name: self._servers[name].tools
                for name in wanted
                if (conn := self._servers[name].conn) is not None and conn.up
            }
        )

    @property
    def catalog_version(self) -> str:
        """Changes whenever a tool list of any started server changes."""
        return ToolCatalog({name: s.tools for name, s in self._servers.items() if s.listed}).version

    def health(self, name: str) -> ServerHealth:
        (name,) = self._known([name])
        if name in self._final:
            return self._final[name]
        server = self._servers[name]
        return ServerHealth(
            name=name,
            state=self._state(server),
            tool_count=len(server.tools),
            startup_seconds=server.startup_seconds,
            restarts=server.restarts,
            last_error=server.last_error,
            protocol_version=server.protocol_version,
            log_path=str(server.log_path) if server.log_path is not None else None,
        )

    def down_reason(self, name: str) -> str | None:
        """Why a configured server cannot serve calls (its start failed, or it gave up restarting), else None."""
        server = self._servers.get(name)
        if server is None or self.health(name).state is not ServerState.DOWN:
            return None
        return f"server {name!r} is down: {server.last_error or 'it failed'}"

    def healths(self) -> dict[str, ServerHealth]:
        return {name: self.health(name) for name in self._servers}

    async def call_tool(
        self, server: str, tool: str, args: dict[str, Any], *, timeout: float | None = None
    ) -> ToolCallResult:
        """Call one tool; the answer comes within `timeout` (default `call_timeout`) and never raises."""
        started = anyio.current_time()
        state = self._servers.get(server)
        if state is None:
            known = ", ".join(self._servers) or "none"
            return failure(CallStatus.UNKNOWN_SERVER, f"unknown server {server!r} (known: {known})", started)
        limit = self.call_timeout if timeout is None else timeout
        with anyio.move_on_after(limit):
            result = await self._call(state, tool, args, started, started + limit)
            state.recent.append(result.status in (CallStatus.TIMEOUT, CallStatus.SERVER_DOWN))
            if result.status is CallStatus.TIMEOUT and state.conn is not None:
                state.conn.suspect()
            return result
        state.recent.append(True)
        if state.conn is not None:
            state.conn.suspect()
        starting = state.conn is not None and not state.conn.ready.is_set()
        why = f"server {server!r} was still starting" if starting else "the call was cancelled"
        return failure(
            CallStatus.TIMEOUT, f"no result from {server}:{tool} within {limit:g} s; {why}", started
        )

    # -- calls -----------------------------------------------------------------------------------------

    async def _call(
        self, state: ServerRecord, tool: str, args: dict[str, Any], started: float, deadline: float
    ) -> ToolCallResult:
        conn = await self._connection(state)
        if isinstance(conn, str):
            return failure(CallStatus.SERVER_DOWN, f"server {state.name!r} is down: {conn}", started)
        request = Request(tool, dict(args), started, anyio.CancelScope(deadline=deadline))
        try:
            conn.requests.send_nowait(request)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            reason = conn.error or "the server pool is closing"
            return failure(CallStatus.SERVER_DOWN, f"server {state.name!r} is down: {reason}", started)
        try:
            await request.done.wait()
        finally:
            request.scope.cancel()  # the caller gave up (deadline or its own cancellation): stop the call too
        assert request.result is not None
        return request.result

    async def _serve_one(
        self, state: ServerRecord, conn: Connection, client: Client, request: Request
    ) -> None:
        """Run one request as a child of the owner task; always finishes the request."""
        try:
            with request.scope:
                async with conn.limit:
                    remaining = max(request.scope.deadline - anyio.current_time(), 0.001)
                    answer = await client.call_tool(
                        request.tool, request.args, read_timeout_seconds=remaining
                    )
                request.finish(self._result(answer, request.started))
            if request.scope.cancelled_caught:
                request.finish(
                    failure(
                        CallStatus.TIMEOUT,
                        f"{request.tool}: the call was cancelled at its deadline",
                        request.started,
                    )
                )
        except Exception as exc:  # boundary: a call's fault becomes that call's result
            request.finish(self._call_failure(state, conn, request, exc))
        finally:
            request.finish(
                failure(CallStatus.SERVER_DOWN, conn.error or "the server pool is closing", request.started)
            )

    async def _probe_when_suspected(self, server: ServerRecord, conn: Connection, client: Client) -> None:
        """After a timed-out call, make sure the server still answers; a stuck one is restarted.

        A result too large to read in time (stdio reads one line at a time) holds up every later answer of
        the connection, so a tools/list that gets none within `_PROBE_SECONDS` ends it, and the next call
        starts a fresh one. Calls wait for the verdict (see `_connection`) instead of queueing behind it.
        """
        seconds = min(_PROBE_SECONDS, self.connect_timeout)
        async for _ in conn.suspicions:
            try:
                with anyio.move_on_after(seconds) as waiting:
                    await client.list_tools()
                if waiting.cancelled_caught and conn.error is None:
                    message = f"stuck after a call timed out: no answer to tools/list within {seconds:g} s"
                    self._mark_dead(server, conn, message + " (a result too large to read in time?)")
            except (MCPError, ValidationError, anyio.BrokenResourceError, anyio.ClosedResourceError) as exc:
                logger.debug(
                    "server %s answered the probe with %s", server.name, self.config.redact(repr(exc))
                )
            finally:
                if conn.probe is not None:
                    conn.probe.set()
                conn.probe = None

    def _result(self, answer: types.CallToolResult, started: float) -> ToolCallResult:
        text = content_text(answer.content)
        seconds = anyio.current_time() - started
        if answer.is_error:
            error = one_line(self.config.redact(text)) or "the tool reported an error without a message"
            return ToolCallResult(CallStatus.TOOL_ERROR, answer.structured_content, text, error, seconds)
        return ToolCallResult(CallStatus.OK, answer.structured_content, text, None, seconds)

    def _call_failure(
        self, state: ServerRecord, conn: Connection, request: Request, exc: Exception
    ) -> ToolCallResult:
        leaf = innermost(exc)
        redact = self.config.redact
        if isinstance(leaf, MCPError) and leaf.code == types.REQUEST_TIMEOUT:
            return failure(CallStatus.TIMEOUT, redact(f"{request.tool}: {leaf.message}"), request.started)
        if isinstance(leaf, TimeoutError):
            return failure(CallStatus.TIMEOUT, f"{request.tool}: timed out", request.started)
        if (isinstance(leaf, MCPError) and leaf.code == types.CONNECTION_CLOSED) or isinstance(
            leaf, anyio.BrokenResourceError | anyio.ClosedResourceError | anyio.EndOfStream
        ):
            if conn.error is None:
                self._mark_dead(state, conn, "the server closed the connection during a call")
            return failure(
                CallStatus.SERVER_DOWN, conn.error or "the server pool is closing", request.started
            )
        if isinstance(leaf, MCPError):
            message = f"server error {leaf.code} from {request.tool}: {leaf.message}"
            return failure(CallStatus.PROTOCOL_ERROR, one_line(redact(message)), request.started)
        if isinstance(leaf, ValidationError | RuntimeError):
            message = f"malformed result from {request.tool}: {type(leaf).__name__}: {leaf}"
            return failure(CallStatus.PROTOCOL_ERROR, one_line(redact(message)), request.started)
        logger.warning("%s:%s failed unexpectedly: %s", state.name, request.tool, redact(repr(leaf)))
        message = f"{request.tool} failed: {type(leaf).__name__}: {leaf}"
        return failure(CallStatus.PROTOCOL_ERROR, one_line(redact(message)), request.started)

    # -- starting and owning a server ------------------------------------------------------------------

    def _require_open(self) -> None:
        if self._tg is None:
            raise RuntimeError("use the ServerPool inside `async with`")

    def _known(self, names: Iterable[str] | None) -> list[str]:
        if names is None:
            return list(self._servers)
        wanted = list(dict.fromkeys(names))
        unknown = [name for name in wanted if name not in self._servers]
        if unknown:
            known = ", ".join(self._servers) or "none"
            raise UserError(f"unknown server {', '.join(map(repr, unknown))} (known: {known})")
        return wanted

    def _state(self, server: ServerRecord) -> ServerState:
        conn = server.conn
        if server.failed:
            return ServerState.DOWN
        if conn is None:
            return ServerState.NOT_STARTED
        if not conn.ready.is_set():
            return ServerState.STARTING
        if not conn.up and server.restarts >= self.max_restarts:
            return ServerState.DOWN
        if not conn.up or any(server.recent):
            return ServerState.DEGRADED
        return ServerState.UP

    async def _connection(self, server: ServerRecord) -> Connection | str:
        """The server's live connection, starting or restarting it as needed; a string says why not."""
        if self._closing or self._tg is None:
            return "the server pool is not open"
        if server.failed:
            return server.last_error or "it failed"
        conn = server.conn
        if conn is not None and conn.probe is not None:
            await conn.probe.wait()  # a call timed out: is the server stuck behind it?
        if conn is None or (conn.ready.is_set() and not conn.up):
            if conn is not None:  # it was up and died
                if server.restarts >= self.max_restarts:
                    server.failed = True
                    server.last_error = f"gave up after {server.restarts} restarts; last error: {conn.error}"
                    return server.last_error
                server.restarts += 1
                server.recent.append(True)
                logger.info(
                    "restarting server %s (restart %d of %d)", server.name, server.restarts, self.max_restarts
                )
            conn = self._launch(server)
        if not conn.ready.is_set():
            with anyio.move_on_after(conn.connect_deadline - anyio.current_time()):
                await conn.ready.wait()
            if not conn.ready.is_set():
                self._start_failed(
                    server, conn, timeout_message(server, conn, self.connect_timeout, self.config.redact)
                )
        return conn if conn.up else (conn.error or server.last_error or "it is not running")

    def _launch(self, server: ServerRecord) -> Connection:
        assert self._tg is not None
        offset = 0
        if isinstance(server.spec, StdioServer):
            server.log_path = self._stderr_path(server.name)
            offset = server.log_path.stat().st_size if server.log_path.exists() else 0
        conn = Connection(
            anyio.current_time() + self.connect_timeout, self.max_concurrency_per_server, offset
        )
        server.conn = conn
        self._tg.start_soon(self._own, server, conn, name=f"evoflux MCP server {server.name}")
        return conn

    def _stderr_path(self, name: str) -> Path:
        if self._log_dir is None:
            self._log_dir = make_temp_dir("evoflux-servers-")
        self._log_dir.mkdir(parents=True, exist_ok=True)
        return self._log_dir / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}.stderr.log"

    def _start_failed(self, server: ServerRecord, conn: Connection, error: str) -> None:
        if conn.ready.is_set():
            return
        conn.error = error
        conn.ready.set()
        conn.scope.cancel()
        if server.conn is conn and not self._closing:
            server.failed = True
            server.last_error = error
            logger.warning("server %s is down: %s", server.name, error)

    async def _own(self, server: ServerRecord, conn: Connection) -> None:
        """The owner task: open the transport and session, list tools, serve requests, close, sweep."""
        started = anyio.current_time()
        try:
            with conn.scope:
                conn.scope.deadline = conn.connect_deadline
                async with AsyncExitStack() as stack:
                    client = await open_client(stack, server, conn, self.mode, self.config.redact)
                    conn.phase = "tools/list"
                    tools = await list_all_tools(server, client)
                    conn.scope.deadline = math.inf
                    self._started(server, conn, client, tools, anyio.current_time() - started)
                    await self._serve(server, conn, client)
            if conn.scope.cancelled_caught and not conn.ready.is_set() and not self._closing:
                self._start_failed(
                    server, conn, timeout_message(server, conn, self.connect_timeout, self.config.redact)
                )
        except Exception as exc:  # boundary: one server's fault ends only its own owner task
            error = describe_failure(server, conn, exc, self.config.redact)
            logger.debug("server %s owner ended by %s", server.name, self.config.redact(repr(innermost(exc))))
            if not conn.ready.is_set():
                self._start_failed(server, conn, error)
            elif conn.error is None:
                conn.error = error
        finally:
            with anyio.CancelScope(shield=True):
                await self._ended(server, conn)

    def _started(
        self,
        server: ServerRecord,
        conn: Connection,
        client: Client,
        tools: tuple[ToolSpec, ...],
        seconds: float,
    ) -> None:
        if conn.ready.is_set():  # the start was given up on a moment ago
            return
        conn.up = conn.was_up = True
        conn.modern = client.protocol_version in MODERN_PROTOCOL_VERSIONS
        server.startup_seconds = seconds
        server.protocol_version = client.protocol_version
        self._set_tools(server, tools)
        conn.ready.set()
        logger.info(
            "server %s is up: %d tools in %.2f s (protocol %s)",
            server.name,
            len(tools),
            seconds,
            client.protocol_version,
        )

    async def _serve(self, server: ServerRecord, conn: Connection, client: Client) -> None:
        with conn.serving:
            async with anyio.create_task_group() as tg:
                tg.start_soon(self._watch_transport, server, conn)
                tg.start_soon(self._follow_changes, server, conn, client)
                tg.start_soon(self._probe_when_suspected, server, conn, client)
                if conn.modern:
                    tg.start_soon(self._listen, server, conn, client)
                async for request in conn.inbox:
                    tg.start_soon(self._serve_one, server, conn, client, request)
                tg.cancel_scope.cancel()  # the pool is closing: stop in-flight calls and helpers

    async def _watch_transport(self, server: ServerRecord, conn: Connection) -> None:
        await conn.transport_closed.wait()
        if conn.error is None:
            self._mark_dead(server, conn, "the server closed the connection (did its process exit?)")

    def _mark_dead(self, server: ServerRecord, conn: Connection, message: str) -> None:
        """The server is gone: stop serving (in-flight calls end as server_down); the next call restarts it."""
        conn.up = False
        conn.error = with_context(server, conn, message, self.config.redact)
        if server.conn is conn:
            server.last_error = conn.error
        logger.warning("server %s died: %s", server.name, conn.error)
        conn.serving.cancel()

    async def _listen(self, server: ServerRecord, conn: Connection, client: Client) -> None:
        """On modern (2026-07-28) connections, tool-list changes arrive on a `subscriptions/listen` stream."""
        try:
            async with client.listen(tools_list_changed=True) as subscription:
                if not subscription.honored.tools_list_changed:
                    logger.info("server %s does not report tool-list changes", server.name)
                    return
                async for _event in subscription:
                    conn.signal_change()
        except ListenNotSupportedError as exc:
            logger.info("server %s: no tool-list change events (%s)", server.name, exc)
        except SubscriptionLost as exc:
            logger.debug("server %s: tool-list subscription lost: %s", server.name, exc)
        except MCPError as exc:
            logger.info(
                "server %s does not serve subscriptions/listen: %s", server.name, self.config.redact(str(exc))
            )

    async def _follow_changes(self, server: ServerRecord, conn: Connection, client: Client) -> None:
        async for _ in conn.changes:
            try:
                with anyio.fail_after(self.connect_timeout):
                    tools = await list_all_tools(server, client)
            except (MCPError, TimeoutError, ValidationError) as exc:
                server.last_error = one_line(
                    self.config.redact(f"re-listing tools after a change failed: {exc}")
                )
                logger.warning("server %s: %s", server.name, server.last_error)
                continue
            self._set_tools(server, tools)

    def _set_tools(self, server: ServerRecord, tools: tuple[ToolSpec, ...]) -> None:
        changed = server.listed and tools_version(tools) != tools_version(server.tools)
        server.tools = tools
        server.listed = True
        if not changed:
            return
        logger.info("server %s now has %d tools", server.name, len(tools))
        if self.on_tools_changed is not None:
            try:
                self.on_tools_changed(server.name, tools)
            except Exception:  # boundary: a faulty listener must not stop the server
                logger.exception("on_tools_changed failed for server %s", server.name)

    async def _ended(self, server: ServerRecord, conn: Connection) -> None:
        """Bookkeeping once the owner's session is closed: answer what is queued, kill leftovers."""
        conn.up = False
        if not conn.ready.is_set():
            self._start_failed(server, conn, conn.error or "the server stopped while starting")
        conn.close_mailbox(conn.error or "the server pool is closing")
        if conn.was_up and conn.error is not None and server.conn is conn:
            server.last_error = conn.error
        if isinstance(server.spec, StdioServer):
            leftovers = await kill_marked(conn.token)
            if leftovers:
                logger.info("server %s left processes %s behind; they were killed", server.name, leftovers)

    # -- error messages ------------------------------------------------------------------------------
