"""Helpers for repair tests: building workflows, asserting soundness."""

from __future__ import annotations

from typing import Any

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.execute.outcome import Execution, NodeOutcome, NodeStatus
from evoflux.repair import Repair, repair_workflow
from evoflux.workflow import Issue, IssueCode, check_workflow, parse_workflow
from evoflux.workflow.edits import EditOp
from evoflux.workflow.graph import Workflow
from evoflux.workflow.paths import graph_problems
from evoflux.workflow.validators import with_validators

GRAPH_CODES = {
    IssueCode.REF_MISSING_NODE,
    IssueCode.REF_TO_ANSWER,
    IssueCode.REF_SELF,
    IssueCode.REF_DOWNSTREAM,
    IssueCode.CYCLE,
    IssueCode.DUPLICATE_ID,
}


def flow(catalog: ToolCatalog, *nodes: dict[str, Any], task: str = "") -> Workflow:
    return parse_workflow({"task": task, "nodes": list(nodes)}, catalog=catalog)


def repaired(catalog: ToolCatalog, *nodes: dict[str, Any], task: str = "", **kwargs: Any) -> Repair:
    """Repair a workflow and assert the graph is sound afterwards."""
    result = repair_workflow(flow(catalog, *nodes, task=task), catalog, **kwargs)
    assert_sound(result.workflow, catalog)
    return result


def assert_sound(workflow: Workflow, catalog: ToolCatalog) -> None:
    issues = [i for i in check_workflow(workflow, with_validators(catalog)) if i.code in GRAPH_CODES]
    assert issues == [], issues
    assert graph_problems(workflow) == {}


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


def spec(
    server: str,
    name: str,
    properties: dict[str, Any],
    required: tuple[str, ...] = (),
    *,
    output: dict[str, Any] | None = None,
    annotations: dict[str, Any] | None = None,
    **schema: Any,
) -> ToolSpec:
    input_schema = {"type": "object", "properties": properties, "required": list(required), **schema}
    return ToolSpec(server, name, f"{name} on {server}", input_schema, output, annotations or {})


def catalog_of(*specs: ToolSpec) -> ToolCatalog:
    servers: dict[str, list[ToolSpec]] = {}
    for one in specs:
        servers.setdefault(one.server, []).append(one)
    return ToolCatalog(servers)
