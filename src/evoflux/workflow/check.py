"""Static checks of a workflow against a tool catalog: tools exist, arguments fit, references and order hold.

Owns tool lookup with suggestions and the graph checks; argument schemas are `schema_check`'s, nothing runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.workflow.graph import AnswerNode, Node, ToolNode, Workflow, format_path
from evoflux.workflow.issues import Issue, IssueCode, has_errors
from evoflux.workflow.schema_check import check_arguments
from evoflux.workflow.similar import nearest, similarity

__all__ = ["Issue", "IssueCode", "check_arguments", "check_workflow", "has_errors"]

_MAX_LISTED = 8
_MAX_SUGGESTIONS = 5
_TOOL_CUTOFF = 0.4


def check_workflow(workflow: Workflow, catalog: ToolCatalog, *, max_steps: int = 12) -> list[Issue]:
    """Every problem found without running anything: structure, tools, arguments, references, cycles."""
    issues = _structure_issues(workflow, max_steps)
    for node in workflow.tool_nodes:
        spec, found = _resolve_tool(node, catalog)
        issues.extend(found)
        if spec is not None:
            issues.extend(check_arguments(node.id, spec, node.args))
    issues.extend(_reference_issues(workflow))
    return issues


# ---------------------------------------------------------------- structure


def _structure_issues(workflow: Workflow, max_steps: int) -> list[Issue]:
    issues = [
        _duplicate(node_id, count, set(workflow.ids))
        for node_id, count in Counter(workflow.ids).items()
        if count > 1
    ]
    steps = len(workflow.tool_nodes)
    if steps > max_steps:
        unread = tuple(n.id for n in workflow.tool_nodes if not _readers(workflow, n.id))
        message = f"the workflow has {steps} tool steps; at most {max_steps} are allowed"
        issues.append(
            Issue(
                IssueCode.TOO_MANY_STEPS,
                None,
                None,
                message,
                "merge steps or drop those whose output nothing uses",
                unread,
            )
        )
    if steps == 0:
        issues.append(
            Issue(
                IssueCode.NO_TOOL_STEPS,
                None,
                None,
                "the workflow calls no tool",
                "add at least one tool step that gathers what the answer needs",
            )
        )
    if workflow.answer is None:
        hint = 'add a last node {"id": "answer", "answer": "... {n1.field} ..."}'
        issues.append(
            Issue(
                IssueCode.MISSING_ANSWER,
                None,
                None,
                "the workflow has no answer node",
                hint,
                severity="warning",
            )
        )
    return issues


def _duplicate(node_id: str, count: int, ids: set[str]) -> Issue:
    free = next(f"{node_id}_{k}" for k in range(2, len(ids) + 3) if f"{node_id}_{k}" not in ids)
    hint = f"give each node its own id, e.g. rename the second to {free!r}"
    return Issue(
        IssueCode.DUPLICATE_ID, node_id, None, f"{count} nodes have the id {node_id!r}", hint, (free,)
    )


def _readers(workflow: Workflow, node_id: str) -> list[str]:
    return [n.id for n in workflow.nodes if node_id in workflow.dependencies(n.id)]


# ---------------------------------------------------------------- tools


def _resolve_tool(node: ToolNode, catalog: ToolCatalog) -> tuple[ToolSpec | None, list[Issue]]:
    if not node.server:
        owners = catalog.find_by_name(node.tool)
        return None, [_missing_server(node, owners) if owners else _unknown_tool(node, catalog)]
    if node.server not in catalog.servers:
        return None, [_unknown_server(node, catalog)]
    spec = catalog.get(node.server, node.tool)
    return (spec, []) if spec is not None else (None, [_unknown_tool(node, catalog)])


def _missing_server(node: ToolNode, owners: list[ToolSpec]) -> Issue:
    keys = tuple(t.key for t in owners)
    if len(keys) == 1:
        message = f"tool {node.tool!r} is named without its server"
        hint = f"write the tool as {keys[0]!r}"
    else:
        message = f"tool {node.tool!r} is named without a server and {len(keys)} servers have it"
        hint = f"name the server: one of {', '.join(keys)}"
    return Issue(IssueCode.MISSING_SERVER, node.id, None, message, hint, keys)


def _unknown_server(node: ToolNode, catalog: ToolCatalog) -> Issue:
    elsewhere = tuple(t.key for t in catalog.find_by_name(node.tool))
    servers = nearest(node.server, catalog.servers, limit=3, cutoff=0.3)
    if elsewhere:
        hint, suggestions = f"did you mean {elsewhere[0]}?", elsewhere
    elif servers:
        hint, suggestions = f"did you mean server {servers[0]!r}?", tuple(servers)
    else:
        hint, suggestions = f"use one of the servers: {_listed(catalog.servers)}", ()
    message = f"there is no server {node.server!r} (tool {node.tool!r})"
    return Issue(IssueCode.UNKNOWN_SERVER, node.id, None, message, hint, suggestions)


def _unknown_tool(node: ToolNode, catalog: ToolCatalog) -> Issue:
    close = _nearest_tools(node, catalog)
    where = f"server {node.server!r} has no tool" if node.server else "no server has a tool"
    if close:
        top = close[0]
        hint = f"did you mean {top.name}?" if top.server == node.server else f"did you mean {top.key}?"
    elif node.server:
        hint = f"use a tool of {node.server}: {_listed(t.name for t in catalog.tools_of(node.server))}"
    else:
        hint = "use a tool from the catalog, written as 'server:tool'"
    return Issue(
        IssueCode.UNKNOWN_TOOL, node.id, None, f"{where} {node.tool!r}", hint, tuple(t.key for t in close)
    )


def _nearest_tools(node: ToolNode, catalog: ToolCatalog) -> list[ToolSpec]:
    """Catalog tools most like the written one, by name and by `server:tool`; same server ranks a bit higher."""

    def score(tool: ToolSpec) -> float:
        best = similarity(node.tool, tool.name)
        if node.server:
            best = max(best, similarity(node.tool_key, tool.key)) + (
                0.1 if tool.server == node.server else 0.0
            )
        return best

    ranked = sorted(((score(t), t.key, t) for t in catalog), key=lambda item: (-item[0], item[1]))
    return [t for s, _, t in ranked[:_MAX_SUGGESTIONS] if s >= _TOOL_CUTOFF]


# ---------------------------------------------------------------- references and order


def _reference_issues(workflow: Workflow) -> list[Issue]:
    ancestors = {node.id: workflow.upstream(node.id) for node in workflow.nodes}
    issues: list[Issue] = []
    broken_edges: set[tuple[str, str]] = set()
    for node in workflow.nodes:
        targets = [(format_path(where) or None, ref.node, True) for where, ref in workflow.refs_of(node)]
        targets += [("after", target, False) for target in node.after]
        for arg, target, reads in targets:
            issue = _target_issue(workflow, ancestors, node, target, arg, reads)
            if issue is not None:
                issues.append(issue)
                broken_edges.add((node.id, target))
    issues.extend(_cycle_issues(workflow, ancestors, broken_edges))
    return issues


def _target_issue(
    workflow: Workflow, ancestors: dict[str, set[str]], node: Node, target: str, arg: str | None, reads: bool
) -> Issue | None:
    """What is wrong with `node` reading (`reads`) or waiting for `target`, if anything.

    A reference to a step that itself waits for `node` is `ref_downstream`; the same through `after`
    alone is left to the cycle check.
    """
    found = workflow.node(target)
    if target == node.id:
        verb = "reads its own output" if reads else "waits for itself"
        hint = (
            "read an earlier step's output or write the value directly" if reads else "remove it from 'after'"
        )
        return Issue(
            IssueCode.REF_SELF, node.id, arg, f"{node.id} {verb}", hint, _before(workflow, ancestors, node)
        )
    if found is None:
        others = [i for i in workflow.ids if i != node.id]
        close = tuple(nearest(target, others, limit=3, cutoff=0.3))
        hint = f"did you mean {close[0]}?" if close else f"use one of: {_listed(others)}"
        return Issue(IssueCode.REF_MISSING_NODE, node.id, arg, f"there is no node {target!r}", hint, close)
    if isinstance(found, AnswerNode) and isinstance(node, ToolNode):
        options = _before(workflow, ancestors, node)
        hint = "the answer comes last; use the tool step it reads" + (
            f", e.g. {options[0]}" if options else ""
        )
        message = f"tool step {node.id} uses the answer node {target}"
        return Issue(IssueCode.REF_TO_ANSWER, node.id, arg, message, hint, options)
    if reads and node.id in ancestors[target]:
        options = _before(workflow, ancestors, node)
        hint = (
            f"reference {options[0]} which runs before this step, or remove the reference"
            if options
            else "remove the reference: no step runs before this one"
        )
        chain = " -> ".join(_chain(workflow, target, node.id))
        message = f"{node.id} reads {target}, but {target} runs after {node.id} ({chain})"
        return Issue(
            IssueCode.REF_DOWNSTREAM,
            node.id,
            arg,
            message,
            hint if options else "remove the reference",
            options,
        )
    return None


def _cycle_issues(
    workflow: Workflow, ancestors: dict[str, set[str]], broken_edges: set[tuple[str, str]]
) -> Iterator[Issue]:
    """One issue per cycle of `after` waits; cycles closed by a reference were already reported."""
    seen: set[frozenset[str]] = set()
    for node in workflow.nodes:
        members = frozenset({node.id} | {a for a in ancestors[node.id] if node.id in ancestors[a]})
        if len(members) < 2 or members in seen:
            continue
        seen.add(members)
        if any(a in members and b in members for a, b in broken_edges):
            continue
        cycle = _chain(workflow, node.id, node.id)
        message = f"steps wait for each other in a cycle: {' -> '.join(cycle)}"
        hint = f"remove {cycle[1]!r} from the 'after' list of {cycle[0]}"
        yield Issue(IssueCode.CYCLE, cycle[0], "after", message, hint, tuple(cycle[:-1]))


def _chain(workflow: Workflow, start: str, goal: str) -> list[str]:
    """The shortest wait chain start -> ... -> goal (start == goal gives a cycle); [start, goal] if none."""
    return workflow.dependency_chain(start, goal) or [start, goal]


def _before(workflow: Workflow, ancestors: dict[str, set[str]], node: Node) -> tuple[str, ...]:
    """Tool steps `node` may read: those it already waits for first, then those not waiting on it."""
    safe = [n.id for n in workflow.tool_nodes if n.id != node.id and node.id not in ancestors[n.id]]
    ordered = sorted(safe, key=lambda i: i not in ancestors[node.id])
    return tuple(ordered[:_MAX_SUGGESTIONS])


def _listed(names: Iterable[str]) -> str:
    items = list(names)
    return ", ".join(items[:_MAX_LISTED]) + (", …" if len(items) > _MAX_LISTED else "")
