"""The async DAG executor: every node starts as soon as its inputs exist.

Runs independent branches past a failure and skips only its dependents; it never decides
what to repair, and reaches tools only through a `ToolInvoker` (the server pool, or a fake).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import anyio

from evoflux.catalog.pool import CallStatus, ToolCallResult
from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.execute.cache import CacheMode, CallCache, NotRecorded, call_key
from evoflux.execute.failure_text import (
    failure_message,
    is_empty,
    object_failure,
    off_shape_message,
    reports_failure,
)
from evoflux.execute.glue_steps import Extractor, run_glue
from evoflux.execute.outcome import Execution, NodeOutcome, NodeStatus
from evoflux.execute.results import as_text_arguments, cap_value, output_value
from evoflux.lexicon.wording import REJECTION_MARKS
from evoflux.workflow.check import check_arguments
from evoflux.workflow.glue import is_glue
from evoflux.workflow.graph import AnswerNode, Node, ToolNode, Workflow
from evoflux.workflow.refs import UnresolvedReference, resolve_value
from evoflux.workflow.schema_read import value_schema
from evoflux.workflow.validators import VALIDATOR_SERVER, evaluate_validator


class ToolInvoker(Protocol):
    """Anything that can call a tool: the server pool in production, plain functions in benchmarks."""

    async def call_tool(
        self, server: str, tool: str, args: dict[str, Any], *, timeout: float | None = None
    ) -> ToolCallResult: ...


_STATUS_OF_CALL = {
    CallStatus.OK: NodeStatus.OK,
    CallStatus.TOOL_ERROR: NodeStatus.TOOL_ERROR,
    CallStatus.TIMEOUT: NodeStatus.TIMEOUT,
    CallStatus.SERVER_DOWN: NodeStatus.SERVER_DOWN,
    CallStatus.PROTOCOL_ERROR: NodeStatus.TOOL_ERROR,
    CallStatus.UNKNOWN_SERVER: NodeStatus.SERVER_DOWN,
}


class Executor:
    """Runs workflows against a tool invoker; one instance can run many workflows concurrently."""

    def __init__(
        self,
        invoker: ToolInvoker,
        catalog: ToolCatalog | None = None,
        *,
        call_timeout: float = 30.0,
        max_result_chars: int = 20_000,
        max_concurrency_per_server: int = 4,
        cache: CallCache | None = None,
        cache_uncacheable: bool = False,
        validate_arguments: bool = True,
        down_reason: Callable[[str], str | None] | None = None,
    ):
        """`down_reason(server)` says why a server cannot serve calls (its start failed), else None: its
        tools are then missing from the catalog, and a step of one is `server_down`, not an unknown tool."""
        self.invoker = invoker
        self.down_reason = down_reason
        self.catalog = catalog
        self.call_timeout = call_timeout
        self.max_result_chars = max_result_chars
        self.cache = cache if cache is not None else CallCache(CacheMode.MEMORY)
        self.cache_uncacheable = cache_uncacheable
        self.validate_arguments = validate_arguments
        self._limits: Mapping[str, anyio.CapacityLimiter] = defaultdict(
            lambda: anyio.CapacityLimiter(max_concurrency_per_server)
        )

    async def run(
        self,
        workflow: Workflow,
        on_event: Callable[[str, NodeOutcome | None], None] | None = None,
        *,
        extractor: Extractor | None = None,
    ) -> Execution:
        """Run every node; `on_event(node, None)` fires when a node starts, with its outcome when it ends.
        `extractor` serves the run's extract steps (without one they fail)."""
        start = time.perf_counter()
        done = {node.id: anyio.Event() for node in workflow.nodes}
        outcomes: dict[str, NodeOutcome] = {}
        outputs: dict[str, Any] = {}  # values of the nodes that succeeded, for references
        counters = {"calls": 0, "hits": 0}
        blocked = _nodes_in_cycles(workflow)

        async def run_node(node: Node) -> None:
            try:
                if node.id in blocked:
                    outcomes[node.id] = NodeOutcome(
                        node.id, NodeStatus.UNRESOLVED_REF, error="part of a dependency cycle", started=_now()
                    )
                    return
                deps = workflow.dependencies(node.id)
                for dep in deps:
                    await done[dep].wait()
                failed = [d for d in deps if not outcomes[d].ok]
                if failed:
                    reasons = ", ".join(f"{d} ({outcomes[d].status.value})" for d in failed)
                    outcomes[node.id] = NodeOutcome(
                        node.id, NodeStatus.SKIPPED, error=f"skipped: input {reasons} failed", started=_now()
                    )
                    return
                if on_event is not None:
                    on_event(node.id, None)
                outcome = outcomes[node.id] = await self._run_node(node, outputs, counters, _now, extractor)
                if outcome.ok:
                    outputs[node.id] = outcome.output
            finally:
                done[node.id].set()
                if on_event is not None and node.id in outcomes:
                    on_event(node.id, outcomes[node.id])

        def _now() -> float:
            return time.perf_counter() - start

        shared = workflow.shared_ids_note()
        if shared is not None:  # one outcome per id: a run would keep one result of several and look fine
            outcomes.update(
                {i: NodeOutcome(i, NodeStatus.SKIPPED, error=f"not run: {shared}") for i in workflow.ids}
            )
        else:
            async with anyio.create_task_group() as group:
                for node in workflow.nodes:
                    group.start_soon(run_node, node)

        return Execution(
            workflow=workflow,
            outcomes={i: outcomes[i] for i in workflow.ids},
            wall_seconds=time.perf_counter() - start,
            tool_calls=counters["calls"],
            cache_hits=counters["hits"],
            catalog_version=self.catalog.version if self.catalog is not None else None,
        )

    async def _run_node(
        self,
        node: Node,
        outputs: Mapping[str, Any],
        counters: dict[str, int],
        now: Callable[[], float],
        extractor: Extractor | None = None,
    ) -> NodeOutcome:
        started = now()
        try:
            resolved = resolve_value(node.args if isinstance(node, ToolNode) else node.text, outputs)
        except UnresolvedReference as exc:
            return NodeOutcome(node.id, NodeStatus.UNRESOLVED_REF, error=str(exc), started=started)
        if isinstance(node, AnswerNode):
            return NodeOutcome(
                node.id, NodeStatus.OK, output=resolved, started=started, seconds=now() - started
            )
        if is_glue(node):
            glued = await run_glue(node.tool, resolved, extractor)
            return NodeOutcome(
                node.id,
                NodeStatus.OK if glued.ok else NodeStatus.TOOL_ERROR,
                output=glued.value,
                error=glued.error,
                args=resolved,
                started=started,
                seconds=now() - started,
            )
        if node.server == VALIDATOR_SERVER:
            passed, message = evaluate_validator(node.tool, resolved)
            return NodeOutcome(
                node.id,
                NodeStatus.OK if passed else NodeStatus.TOOL_ERROR,
                output={"ok": passed, "message": message},
                error=None if passed else message,
                args=resolved,
                started=started,
                seconds=now() - started,
            )
        spec = self.catalog.get(node.server, node.tool) if self.catalog is not None else None
        if spec is not None:
            resolved = as_text_arguments(resolved, spec.properties)
        rejected = self._rejection(node, spec, resolved)
        if rejected is not None:
            status, error = rejected
            return NodeOutcome(node.id, status, error=error, args=resolved, started=started)
        result, cached = await self._call(node, spec, resolved, counters)
        if result is None:
            return NodeOutcome(
                node.id,
                NodeStatus.NOT_RECORDED,
                error=f"the recording has no result for {node.tool_key} with these arguments",
                args=resolved,
                started=started,
            )
        status = _STATUS_OF_CALL[result.status]
        value, note, empty, error = None, None, False, result.error or result.text or status.value
        if status is NodeStatus.OK:
            value = output_value(result.structured, result.text)
            failure = _failure_in(spec, result, value)
            if failure is None:
                empty = is_empty(value)
                if not empty and self.catalog is not None and spec is not None:
                    self.catalog.observe(node.server, node.tool, value_schema(value))
                value, note = cap_value(value, self.max_result_chars)
            else:  # an error the server returned as a result
                status, value, error = NodeStatus.TOOL_ERROR, None, failure
        if status is NodeStatus.TOOL_ERROR and _is_rejection(error, result):
            status = NodeStatus.SCHEMA_REJECTED
        return NodeOutcome(
            node.id,
            status,
            output=value,
            error=None if status is NodeStatus.OK else error,
            args=resolved,
            started=started,
            seconds=now() - started,
            cached=cached,
            note=note,
            empty=empty,
        )

    def _rejection(
        self, node: ToolNode, spec: ToolSpec | None, args: dict[str, Any]
    ) -> tuple[NodeStatus, str] | None:
        """Why the catalog says this call cannot succeed (`spec` is its entry for the step), or None to go ahead."""
        if self.catalog is None:
            return None
        if spec is None:
            down = self.down_reason(node.server) if self.down_reason is not None else None
            if down is not None:
                return NodeStatus.SERVER_DOWN, down
            return NodeStatus.TOOL_ERROR, f"unknown tool {node.tool_key}: the catalog has no such tool"
        if not self.validate_arguments:
            return None
        issues = [i for i in check_arguments(node.id, spec, args) if i.severity == "error"]
        if not issues:
            return None
        return NodeStatus.SCHEMA_REJECTED, "; ".join(issue.message for issue in issues)

    async def _call(
        self, node: ToolNode, spec: ToolSpec | None, args: dict[str, Any], counters: dict[str, int]
    ) -> tuple[ToolCallResult | None, bool]:
        version = self.catalog.server_version(node.server) if spec is not None else None
        cacheable = self.cache_uncacheable or spec is None or spec.cacheable

        async def live() -> ToolCallResult:
            counters["calls"] += 1
            async with self._limits[node.server]:
                # Backstop deadline: the invoker enforces `timeout` itself; this guards a faulty one.
                with anyio.move_on_after(self.call_timeout + 5.0) as scope:
                    return await self.invoker.call_tool(
                        node.server, node.tool, args, timeout=self.call_timeout
                    )
            assert scope.cancelled_caught
            return ToolCallResult(
                status=CallStatus.TIMEOUT,
                structured=None,
                text="",
                error=f"no answer within {self.call_timeout:g} s",
                seconds=self.call_timeout + 5.0,
            )

        key = call_key(node.server, node.tool, args, version)
        try:
            result, cached = await self.cache.call(key, cacheable, live, describe=f"{node.tool_key} {args}")
        except NotRecorded:
            return None, False
        if cached:
            counters["hits"] += 1
        return result, cached


def _is_rejection(error: str, result: ToolCallResult) -> bool:
    text = f"{error} {result.text}".lower()
    return any(mark in text for mark in REJECTION_MARKS)


def _failure_in(spec: ToolSpec | None, result: ToolCallResult, value: Any) -> str | None:
    """The error message a successful call's reply holds instead of a result, or None: an object that reports
    its own failure, text that reads as a failure, or a short message where the tool usually returns objects or
    lists (`spec`'s declared or observed output)."""
    reported = object_failure(value)
    if reported is not None:
        return reported
    reply = result.text if result.structured is None else _wrapped_text(result.structured)
    if reply is None:
        return None  # the server's own structure, not a message
    if reports_failure(reply) or off_shape_message(value, spec.result_schema if spec else None):
        return failure_message(reply)
    return None


def _wrapped_text(structured: Any) -> str | None:
    """The text an SDK server wrapped as `{"result": text}`, else None."""
    if (
        isinstance(structured, dict)
        and list(structured) == ["result"]
        and isinstance(structured["result"], str)
    ):
        return structured["result"]
    return None


def _nodes_in_cycles(workflow: Workflow) -> set[str]:
    """Nodes that can never run because they sit on, or wait for, a dependency cycle."""
    waiting = {n.id: len(workflow.dependencies(n.id)) for n in workflow.nodes}
    dependents: dict[str, list[str]] = defaultdict(list)
    for node in workflow.nodes:
        for dep in workflow.dependencies(node.id):
            dependents[dep].append(node.id)
    ready = [i for i, count in waiting.items() if count == 0]
    for current in ready:  # grows while we walk it: a topological order
        for other in dependents[current]:
            waiting[other] -= 1
            if waiting[other] == 0:
                ready.append(other)
    return set(waiting) - set(ready)
