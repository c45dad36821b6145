"""Repairs of the graph's shape: duplicate ids, cycles, identical unread calls, waiting for the creating step.

Owns ids and ordering; where references point is `references`'.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Any

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.execute.outcome import NodeOutcome, NodeStatus
from evoflux.lexicon import name_words
from evoflux.lexicon.vocabulary import CREATING_VERBS
from evoflux.repair.context import Fix, RepairContext, names_unknown_value
from evoflux.repair.references import path_exists
from evoflux.workflow.edits import add_wait, remove_step, remove_wait, rename_node, rewire
from evoflux.workflow.graph import AnswerNode, Node, Ref, ToolNode, Workflow, value_to_json
from evoflux.workflow.issues import Issue, IssueCode
from evoflux.workflow.paths import EditError, fresh_id, readers_of, upstream_of
from evoflux.workflow.schema_read import schema_at

# ---------------------------------------------------------------- duplicate ids


def rename_duplicate(
    workflow: Workflow, issue: Issue, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """duplicate_id: the second node with the id gets a new one: the id later steps read but no node has
    (`n1, n2, n2, $n3` -> the second n2 becomes n3) when that keeps the graph sound, else the checker's
    suggestion. Later readers follow it only when the path they read exists in its output and not in the
    first one's."""
    positions = [i for i, n in enumerate(workflow.nodes) if n.id == issue.node]
    if len(positions) < 2:
        return None
    second = positions[1]
    first_node, second_node = workflow.nodes[positions[0]], workflow.nodes[second]
    later = workflow.nodes[second + 1 :]
    ids = set(workflow.ids)
    retarget = [
        n.id
        for n in later
        if any(
            r.node == issue.node and _only_in(second_node, first_node, r, catalog)
            for _, r in workflow.refs_of(n)
        )
    ]
    suggested = [s for s in issue.suggestions if s not in ids]
    fallback = suggested[0] if suggested else fresh_id(workflow)
    dangling = {r.node for n in later for _, r in workflow.refs_of(n) if r.node not in ids}
    dangling |= {a for n in later for a in n.after if a not in ids}
    base = f"two nodes are called {issue.node}"
    if len(dangling) != 1:
        return rename_node(
            workflow,
            issue.node,
            fallback,
            index=second,
            retarget=retarget,
            reason=f"{base}; the second becomes {fallback}",
        )
    adopted = dangling.pop()
    try:
        why = f"{base}; later steps read {adopted}, which no node has"
        return rename_node(workflow, issue.node, adopted, index=second, retarget=retarget, reason=why)
    except EditError as refused:  # the step reading the free id cannot be this one: use a fresh id instead
        why = f"{base}; the second becomes {fallback} ({adopted} would not do: {refused})"
        return rename_node(workflow, issue.node, fallback, index=second, retarget=retarget, reason=why)


def _only_in(second: Node, first: Node, ref: Ref, catalog: ToolCatalog) -> bool:
    return _has_path(second, ref, catalog) is True and _has_path(first, ref, catalog) is False


def _has_path(node: Node, ref: Ref, catalog: ToolCatalog) -> bool | None:
    spec = catalog.get(node.server, node.tool) if isinstance(node, ToolNode) else None
    if spec is None or not spec.result_schema or not ref.path:
        return None
    return schema_at(spec.result_schema, ref.path) is not None


# ---------------------------------------------------------------- cycles


def break_cycle(workflow: Workflow, issue: Issue, catalog: ToolCatalog, context: RepairContext) -> Fix | None:
    """cycle / ref_downstream: break the loop at its weakest edge: an `after` wait that reads nothing (one
    pointing forward in the written order first), else a reference another step's output can serve.
    Loops through the answer node are left to the ref_to_answer repair."""
    node = workflow.node(issue.node or "")
    if node is None or workflow.ids.count(node.id) > 1:
        return None
    edges = list(_cycle_edges(workflow, node.id, issue))
    if not edges or any(isinstance(workflow.node(target), AnswerNode) for _, target in edges):
        return None  # a loop through the answer is the answer being read: ref_to_answer's to fix
    position = {n.id: i for i, n in enumerate(workflow.nodes)}
    waits = [(a, b) for a, b in edges if _waits(workflow, a, b) and not _reads(workflow, a, b)]
    if waits:
        waiter, target = sorted(waits, key=lambda e: position[e[1]] < position[e[0]])[0]
        why = f"{waiter} and {target} wait for each other; {waiter} reads nothing from {target}, so that wait goes"
        return remove_wait(workflow, waiter, target, reason=why)
    for reader, target in edges:
        fix = _reroute(workflow, reader, target, catalog, context)
        if fix is not None:
            return fix
    return None


def _waits(workflow: Workflow, waiter: str, target: str) -> bool:
    node = workflow.node(waiter)
    return node is not None and target in node.after


def _reads(workflow: Workflow, reader: str, target: str) -> bool:
    node = workflow.node(reader)
    return node is not None and any(r.node == target for _, r in workflow.refs_of(node))


def _cycle_edges(workflow: Workflow, start: str, issue: Issue) -> Iterator[tuple[str, str]]:
    """The (waiter, target) edges of the loop through `start`: for ref_downstream the bad reference closes it."""
    if issue.code is IssueCode.REF_DOWNSTREAM:
        node = workflow.node(start)
        refs = workflow.refs_of(node) if node is not None else []
        targets = [r.node for _, r in refs if start in upstream_of(workflow, r.node)]
        if not targets:
            return
        chain = workflow.dependency_chain(targets[0], start)
        yield start, targets[0]
    else:
        chain = workflow.dependency_chain(start, start)
    yield from pairwise(chain)


def _reroute(
    workflow: Workflow, reader: str, target: str, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """Point `reader`'s one reference to `target` at the one other step (not itself waiting for `reader`)
    whose output has the same path."""
    node = workflow.node(reader)
    if node is None:
        return None
    refs = [(where, r) for where, r in workflow.refs_of(node) if r.node == target]
    if len(refs) != 1 or target in node.after:
        return None
    where, ref = refs[0]
    others = [
        n.id
        for n in workflow.tool_nodes
        if n.id not in (reader, target)
        and reader not in upstream_of(workflow, n.id)
        and path_exists(workflow, Ref(n.id, ref.path), catalog, context) is True
    ]
    if len(others) != 1:
        return None
    new = Ref(others[0], ref.path)
    why = f"{reader} and {target} wait for each other; {new} gives what {reader} reads without the loop"
    return rewire(workflow, reader, where if isinstance(node, ToolNode) else None, new, old=ref, reason=why)


# ---------------------------------------------------------------- repeated calls


def drop_duplicate_call(
    workflow: Workflow, node_id: str, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """A tool step that repeats an earlier call exactly (tool, arguments, waits) and that nothing reads or
    waits for is removed, when the tool is read-only/idempotent (so the repeat would return the same)."""
    node = workflow.node(node_id)
    if not isinstance(node, ToolNode) or workflow.ids.count(node_id) > 1:
        return None
    spec = catalog.get(node.server, node.tool)
    if spec is None or not spec.cacheable or readers_of(workflow, node_id):
        return None
    if any(node_id in other.after for other in workflow.nodes):
        return None
    written = value_to_json(node.args)
    for other in workflow.tool_nodes:
        if other.id == node_id:
            break
        if (
            other.tool_key == node.tool_key
            and value_to_json(other.args) == written
            and other.after == node.after
        ):
            why = f"{node_id} repeats {other.id} exactly and nothing reads it"
            return remove_step(workflow, node_id, catalog, reason=why)
    return None


# ---------------------------------------------------------------- state order


def wait_for_creator(
    workflow: Workflow, outcome: NodeOutcome, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """A step whose call failed because a name it passed is unknown waits for the one earlier step that
    creates server state under that name (a state-changing tool given the same literal) and that ran
    alongside it instead of before it."""
    if outcome.status is not NodeStatus.TOOL_ERROR or not context.unchanged(workflow, outcome.node):
        return None
    node = workflow.node(outcome.node)
    if not isinstance(node, ToolNode) or workflow.ids.count(node.id) > 1:
        return None
    position = {n.id: i for i, n in enumerate(workflow.nodes)}
    for value in _strings(node.args):
        if not names_unknown_value(outcome.error, value):
            continue
        creators = [
            c.id
            for c in workflow.tool_nodes
            if position[c.id] < position[node.id]
            and value in _strings(c.args)
            and _changes_state(catalog.get(c.server, c.tool), c)
            and c.id not in upstream_of(workflow, node.id)
        ]
        if len(creators) == 1:
            why = f"{node.id} failed because {value!r} did not exist yet; {creators[0]} creates it, so wait for it"
            return add_wait(workflow, node.id, creators[0], reason=why)
    return None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _changes_state(spec: ToolSpec | None, node: ToolNode) -> bool:
    if spec is not None and (
        spec.annotations.get("readOnlyHint") is False or spec.annotations.get("destructiveHint")
    ):
        return True
    first = name_words(node.tool)[:1]
    return bool(first) and first[0] in CREATING_VERBS
