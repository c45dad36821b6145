"""Static checks of a workflow against a tool catalog: tools exist, arguments fit, references and order hold.

Owns tool lookup with suggestions and the graph checks; argument schemas are `schema_check`'s, nothing runs.
Linear in the size of the workflow: the graph is indexed once (`_Graph`), cycles are its strongly connected
components, and only the nodes with an issue pay for a walk of the graph.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from functools import cached_property

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.workflow.graph import AnswerNode, Node, ToolNode, Workflow, format_path
from evoflux.workflow.issues import Issue, IssueCode, has_errors
from evoflux.workflow.schema_check import check_arguments
from evoflux.workflow.similar import nearest, similarity
from evoflux.workflow.validators import VALIDATOR_SERVER

__all__ = ["Issue", "IssueCode", "check_arguments", "check_workflow", "has_errors"]

_MAX_LISTED = 8
_MAX_SUGGESTIONS = 5
_TOOL_CUTOFF = 0.4


def check_workflow(workflow: Workflow, catalog: ToolCatalog, *, max_steps: int = 12) -> list[Issue]:
    """Every problem found without running anything: structure, tools, arguments, references, cycles."""
    graph = _Graph(workflow)
    issues = _structure_issues(graph, max_steps)
    for node in workflow.tool_nodes:
        spec, found = _resolve_tool(node, catalog)
        issues.extend(found)
        if spec is not None:
            issues.extend(check_arguments(node.id, spec, node.args))
    issues.extend(_reference_issues(graph))
    return issues


class _Graph:
    """A workflow's dependency edges indexed once, both ways, with the strongly connected components."""

    def __init__(self, workflow: Workflow) -> None:
        self.workflow = workflow
        self.deps = {node.id: workflow.dependencies(node.id) for node in workflow.nodes}
        self.readers: dict[str, list[str]] = defaultdict(list)
        for node in workflow.nodes:
            for dep in workflow.dependencies(node.id):
                self.readers[dep].append(node.id)
        self._upstream: dict[str, set[str]] = {}
        self._downstream: dict[str, set[str]] = {}

    @cached_property
    def component(self) -> dict[str, int]:
        """The strongly connected component of every node (Tarjan's algorithm, without recursion)."""
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        component: dict[str, int] = {}
        stack: list[str] = []
        found = 0
        for root in self.deps:
            if root in index:
                continue
            index[root] = low[root] = len(index)
            stack.append(root)
            work = [(root, iter(self.deps[root]))]
            while work:
                current, pending = work[-1]
                step = next(pending, None)
                if step is not None:
                    if step not in index:
                        index[step] = low[step] = len(index)
                        stack.append(step)
                        work.append((step, iter(self.deps[step])))
                    elif step not in component:
                        low[current] = min(low[current], index[step])
                    continue
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[current])
                if low[current] == index[current]:
                    found += 1
                    while True:
                        member = stack.pop()
                        component[member] = found
                        if member == current:
                            break
        return component

    def cyclic(self, a: str, b: str) -> bool:
        """Whether `a` and `b` wait for each other, directly or through other steps."""
        return self.component[a] == self.component[b]

    def waits_for(self, node_id: str, other: str) -> bool:
        """Whether `node_id` waits for `other`, directly or not. When `other` waits for `node_id` (as a reader
        does, unless several nodes share its id) that is whether both sit on one cycle; else a walk."""
        if node_id in self.deps[other]:
            return self.cyclic(node_id, other)
        return other in self.upstream(node_id)

    def upstream(self, node_id: str) -> set[str]:
        """Every node `node_id` waits for (walked once per node asked about, only for issues)."""
        if node_id not in self._upstream:
            self._upstream[node_id] = _reach(node_id, self.deps)
        return self._upstream[node_id]

    def downstream(self, node_id: str) -> set[str]:
        """Every node that waits for `node_id`."""
        if node_id not in self._downstream:
            self._downstream[node_id] = _reach(node_id, self.readers)
        return self._downstream[node_id]


def _reach(start: str, edges: dict[str, list[str]] | dict[str, tuple[str, ...]]) -> set[str]:
    seen: set[str] = set()
    queue = deque(edges.get(start, ()))
    while queue:
        current = queue.popleft()
        if current not in seen:
            seen.add(current)
            queue.extend(edges.get(current, ()))
    return seen


# ---------------------------------------------------------------- structure


def _structure_issues(graph: _Graph, max_steps: int) -> list[Issue]:
    workflow = graph.workflow
    ids = set(workflow.ids)
    issues = [_duplicate(node_id, count, ids) for node_id, count in workflow.duplicate_ids.items()]
    steps = len(workflow.tool_nodes)
    if steps > max_steps:
        unread = tuple(n.id for n in workflow.tool_nodes if not graph.readers.get(n.id))
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
    offered = _offered_servers(catalog)
    servers = nearest(node.server, offered, limit=3, cutoff=0.3)
    if elsewhere:
        hint, suggestions = f"did you mean {elsewhere[0]}?", elsewhere
    elif servers:
        hint, suggestions = f"did you mean server {servers[0]!r}?", tuple(servers)
    else:
        hint, suggestions = f"use one of the servers: {_listed(offered)}", ()
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


def _offered_servers(catalog: ToolCatalog) -> list[str]:
    """The servers a suggestion may name: the validators' pseudo-server is evoflux's own, not the user's."""
    return [s for s in catalog.servers if s != VALIDATOR_SERVER]


def _nearest_tools(node: ToolNode, catalog: ToolCatalog) -> list[ToolSpec]:
    """Catalog tools most like the written one, by name and by `server:tool`; same server ranks a bit higher.
    Validator tools are offered only to a step that already names their pseudo-server."""

    def score(tool: ToolSpec) -> float:
        best = similarity(node.tool, tool.name)
        if node.server:
            best = max(best, similarity(node.tool_key, tool.key)) + (
                0.1 if tool.server == node.server else 0.0
            )
        return best

    offered = [t for t in catalog if t.server != VALIDATOR_SERVER or node.server == VALIDATOR_SERVER]
    ranked = sorted(((score(t), t.key, t) for t in offered), key=lambda item: (-item[0], item[1]))
    return [t for s, _, t in ranked[:_MAX_SUGGESTIONS] if s >= _TOOL_CUTOFF]


# ---------------------------------------------------------------- references and order


def _reference_issues(graph: _Graph) -> list[Issue]:
    workflow = graph.workflow
    issues: list[Issue] = []
    broken_edges: set[tuple[str, str]] = set()
    for node in workflow.nodes:
        targets = [(format_path(where) or None, ref.node, True) for where, ref in workflow.refs_of(node)]
        targets += [("after", target, False) for target in node.after]
        for arg, target, reads in targets:
            issue = _target_issue(graph, node, target, arg, reads)
            if issue is not None:
                issues.append(issue)
                broken_edges.add((node.id, target))
    issues.extend(_cycle_issues(graph, broken_edges))
    return issues


def _target_issue(graph: _Graph, node: Node, target: str, arg: str | None, reads: bool) -> Issue | None:
    """What is wrong with `node` reading (`reads`) or waiting for `target`, if anything.

    A reference to a step that itself waits for `node` is `ref_downstream`; the same through `after`
    alone is left to the cycle check.
    """
    workflow = graph.workflow
    found = workflow.node(target)
    if target == node.id:
        verb = "reads its own output" if reads else "waits for itself"
        hint = (
            "read an earlier step's output or write the value directly" if reads else "remove it from 'after'"
        )
        return Issue(IssueCode.REF_SELF, node.id, arg, f"{node.id} {verb}", hint, _before(graph, node))
    if found is None:
        others = _before(graph, node)  # never the answer, never a step that reads this one
        close = tuple(nearest(target, others, limit=3, cutoff=0.3))
        hint = f"did you mean {close[0]}?" if close else f"use one of: {_listed(others)}"
        if not others:
            hint = f"no step gives it: add a step that calls a tool before {node.id} and read its output"
        return Issue(IssueCode.REF_MISSING_NODE, node.id, arg, f"there is no node {target!r}", hint, close)
    if isinstance(found, AnswerNode) and isinstance(node, ToolNode):
        options = _before(graph, node)
        hint = "the answer comes last; use the tool step it reads" + (
            f", e.g. {options[0]}" if options else ""
        )
        message = f"tool step {node.id} uses the answer node {target}"
        return Issue(IssueCode.REF_TO_ANSWER, node.id, arg, message, hint, options)
    if reads and graph.waits_for(target, node.id):
        options = _before(graph, node)
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


def _cycle_issues(graph: _Graph, broken_edges: set[tuple[str, str]]) -> Iterator[Issue]:
    """One issue per cycle of `after` waits; cycles closed by a reference were already reported."""
    members: dict[int, set[str]] = defaultdict(set)
    for node_id, number in graph.component.items():
        members[number].add(node_id)
    broken_in = {graph.component[a] for a, b in broken_edges if b in graph.component and graph.cyclic(a, b)}
    seen: set[int] = set()
    for node in graph.workflow.nodes:
        number = graph.component[node.id]
        if len(members[number]) < 2 or number in seen:
            continue
        seen.add(number)
        if number in broken_in:
            continue
        cycle = _chain(graph.workflow, node.id, node.id)
        message = f"steps wait for each other in a cycle: {' -> '.join(cycle)}"
        hint = f"remove {cycle[1]!r} from the 'after' list of {cycle[0]}"
        yield Issue(IssueCode.CYCLE, cycle[0], "after", message, hint, tuple(cycle[:-1]))


def _chain(workflow: Workflow, start: str, goal: str) -> list[str]:
    """The shortest wait chain start -> ... -> goal (start == goal gives a cycle); [start, goal] if none."""
    return workflow.dependency_chain(start, goal) or [start, goal]


def _before(graph: _Graph, node: Node) -> tuple[str, ...]:
    """Tool steps `node` may read: those it already waits for first, then those not waiting on it."""
    waiting_on_node = graph.downstream(node.id)
    upstream = graph.upstream(node.id)
    safe = [n.id for n in graph.workflow.tool_nodes if n.id != node.id and n.id not in waiting_on_node]
    ordered = sorted(safe, key=lambda i: i not in upstream)
    return tuple(ordered[:_MAX_SUGGESTIONS])


def _listed(names: Iterable[str]) -> str:
    items = list(names)
    return ", ".join(items[:_MAX_LISTED]) + (", …" if len(items) > _MAX_LISTED else "")
