"""Typed results of running a workflow: one outcome per node, the execution, its JSON trace.

Plain values only; producing them is the executor's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from evoflux.execute.results import cap_value
from evoflux.workflow.graph import Workflow


class NodeStatus(StrEnum):
    OK = "ok"
    TOOL_ERROR = "tool_error"
    SCHEMA_REJECTED = "schema_rejected"
    TIMEOUT = "timeout"
    SERVER_DOWN = "server_down"
    UNRESOLVED_REF = "unresolved_ref"
    NOT_RECORDED = "not_recorded"
    SKIPPED = "skipped"

    @property
    def failed(self) -> bool:
        return self is not NodeStatus.OK


@dataclass(frozen=True)
class NodeOutcome:
    """What happened to one node: status, the value later steps read, timings."""

    node: str
    status: NodeStatus
    output: Any = None
    error: str | None = None
    args: dict[str, Any] | None = None
    started: float = 0.0
    seconds: float = 0.0
    cached: bool = False
    note: str | None = None
    empty: bool = False  # ran and returned nothing (`[]`, no text, "No results found")

    @property
    def ok(self) -> bool:
        return self.status is NodeStatus.OK

    def to_json(self, preview_chars: int = 2000) -> dict[str, Any]:
        data: dict[str, Any] = {
            "node": self.node,
            "status": self.status.value,
            "started_s": round(self.started, 4),
            "seconds": round(self.seconds, 4),
        }
        if self.args is not None:
            data["args"] = self.args
        shown_cut = None
        if self.status is NodeStatus.OK:
            data["output"], shown_cut = cap_value(self.output, preview_chars)
        if self.error:
            data["error"] = self.error
        if self.cached:
            data["cached"] = True
        if self.empty:
            data["empty"] = True
        notes = [note for note in (self.note, shown_cut and f"shown here: {shown_cut}") if note]
        if notes:
            data["truncated"] = True  # the output here is not all the tool returned
            data["note"] = "; ".join(notes)
        return data


@dataclass(frozen=True)
class Execution:
    """A finished run of one workflow."""

    workflow: Workflow
    outcomes: dict[str, NodeOutcome]
    wall_seconds: float
    tool_calls: int
    cache_hits: int = 0
    catalog_version: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Every node ran and succeeded."""
        return bool(self.outcomes) and all(o.ok for o in self.outcomes.values())

    @property
    def answer(self) -> str | None:
        node = self.workflow.answer
        if node is None:
            return None
        outcome = self.outcomes.get(node.id)
        return outcome.output if outcome is not None and outcome.ok else None

    def failures(self) -> list[NodeOutcome]:
        """Nodes that failed themselves (not those skipped because an input failed)."""
        return [o for o in self.outcomes.values() if o.status.failed and o.status is not NodeStatus.SKIPPED]

    def to_trace(self) -> dict[str, Any]:
        return {
            "workflow": self.workflow.to_json(),
            "ok": self.ok,
            "answer": self.answer,
            "wall_seconds": round(self.wall_seconds, 4),
            "tool_calls": self.tool_calls,
            "cache_hits": self.cache_hits,
            "catalog_version": self.catalog_version,
            "nodes": [self.outcomes[i].to_json() for i in self.workflow.ids if i in self.outcomes],
            **({"meta": self.meta} if self.meta else {}),
        }
