"""Helpers for repair tests: building workflows and executions, repairing with a soundness check."""

from __future__ import annotations

from typing import Any

from evoflux.catalog.tools import ToolCatalog
from evoflux.execute.outcome import Execution, NodeOutcome, NodeStatus
from evoflux.repair import Repair, repair_workflow
from evoflux.workflow import Issue, IssueCode, parse_workflow
from evoflux.workflow.edits import EditOp
from evoflux.workflow.graph import Workflow
from tests.support import assert_sound


def flow(catalog: ToolCatalog, *nodes: dict[str, Any], task: str = "") -> Workflow:
    return parse_workflow({"task": task, "nodes": list(nodes)}, catalog=catalog)


def repaired(catalog: ToolCatalog, *nodes: dict[str, Any], task: str = "", **kwargs: Any) -> Repair:
    """Repair a workflow and assert the graph is sound afterwards."""
    result = repair_workflow(flow(catalog, *nodes, task=task), catalog, **kwargs)
    assert_sound(result.workflow, catalog)
    return result


def errors(result: Repair, code: IssueCode | None = None) -> list[Issue]:
    return [i for i in result.remaining if i.severity == "error" and (code is None or i.code == code)]


def ops(result: Repair) -> list[EditOp]:
    return [edit.op for edit in result.edits]


def executed(workflow: Workflow, **outcomes: tuple[NodeStatus, Any]) -> Execution:
    """An execution of `workflow` with the given (status, output-or-error) per node; others are ok with {}."""
    results = {}
    for node_id in workflow.ids:
        status, payload = outcomes.get(node_id, (NodeStatus.OK, {}))
        ok = status is NodeStatus.OK
        results[node_id] = NodeOutcome(
            node_id, status, output=payload if ok else None, error=None if ok else payload
        )
    return Execution(workflow, results, wall_seconds=0.0, tool_calls=len(results))


def rejected(
    workflow: Workflow, node_id: str, args: dict[str, Any], **others: tuple[NodeStatus, Any]
) -> Execution:
    """An execution where `node_id` was rejected for the resolved `args`; `others` as in `executed`."""
    run = executed(workflow, **others)
    outcome = NodeOutcome(node_id, NodeStatus.SCHEMA_REJECTED, error="does not match", args=args)
    return Execution(workflow, {**run.outcomes, node_id: outcome}, wall_seconds=0.0, tool_calls=1)
