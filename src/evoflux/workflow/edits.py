"""Edit operators on the typed workflow graph: each returns a new workflow and an `Edit`, or raises `EditError`.

Owns `Edit`, `EditOp` and the operators (swap tool, set/rename/remove argument, add/remove step, rewire,
waits, rename node); where things are is `paths`, validator steps are `validators`; not choosing edits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Literal

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.lexicon import ID_OR_CODE_WORDS
from evoflux.workflow.graph import (
    AnswerNode,
    Node,
    Ref,
    Template,
    ToolNode,
    Workflow,
    format_path,
    iter_refs,
    value_to_json,
)
from evoflux.workflow.paths import (
    ArgPath,
    EditError,
    Path,
    as_path,
    fresh_id,
    get_arg,
    guarded,
    map_refs,
    path_sort_key,
    position_of,
    renamed_key,
    tool_node_of,
    upstream_of,
    with_value,
    without,
)
from evoflux.workflow.schema_check import value_fits
from evoflux.workflow.schema_read import schema_at, schema_types
from evoflux.workflow.similar import close_name, words

EditSource = Literal["rule", "model", "random"]

_NODE_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*")
_ABSENT = object()  # "nothing there", as a value get_arg can return
_UNAVAILABLE = "(unavailable)"


class EditOp(StrEnum):
    SWAP_TOOL = "swap_tool"
    SET_ARG = "set_arg"
    REMOVE_ARG = "remove_arg"
    RENAME_ARG = "rename_arg"
    ADD_STEP = "add_step"
    REMOVE_STEP = "remove_step"
    REWIRE = "rewire"
    ADD_WAIT = "add_wait"
    REMOVE_WAIT = "remove_wait"
    INSERT_VALIDATOR = "insert_validator"
    RENAME_NODE = "rename_node"


@dataclass(frozen=True)
class Edit:
    """One change to a workflow: what (`op`), where (`node`, `arg`), the value before and after, and why."""

    op: EditOp
    node: str
    arg: str | None
    before: Any
    after: Any
    reason: str
    source: EditSource = "rule"

    def to_json(self) -> dict[str, Any]:
        return {
            "op": self.op.value,
            "node": self.node,
            "arg": self.arg,
            "before": self.before,
            "after": self.after,
            "reason": self.reason,
            "source": self.source,
        }

    def __str__(self) -> str:
        return edit_line(self.to_json())


def edit_line(edit: Mapping[str, Any]) -> str:
    """An edit as one line from its JSON (`Edit.to_json`, or as a trace reads it back):
    `op node.arg: before -> after (reason)`."""
    where = edit["node"] + (f".{edit['arg']}" if edit.get("arg") else "")
    change = f"{shown(edit.get('before'))} -> {shown(edit.get('after'))}"
    return f"{edit['op']} {where}: {change} ({edit.get('reason', '')})"


# ---------------------------------------------------------------- node replacement and summary


def _replaced(workflow: Workflow, index: int, node: Node) -> Workflow:
    return Workflow((*workflow.nodes[:index], node, *workflow.nodes[index + 1 :]), workflow.task)


def _summary(node: ToolNode) -> dict[str, Any]:
    return {"tool": node.tool_key, "args": value_to_json(node.args)}


# ---------------------------------------------------------------- swap_tool


def swap_tool(
    workflow: Workflow,
    node_id: str,
    new_spec: ToolSpec,
    catalog: ToolCatalog,
    *,
    reason: str | None = None,
    source: EditSource = "rule",
) -> tuple[Workflow, Edit]:
    """Call `new_spec` in place of the node's tool, carrying over the arguments the new tool can take.

    Arguments map by exact name, then close name (`from` -> `from_unit`), then type (in order, onto
    unfilled required arguments); the rest are dropped and listed in the edit.
    """
    index, node = tool_node_of(workflow, node_id)
    old_spec = catalog.get(node.server, node.tool)
    mapping = map_arguments(node.args, old_spec, new_spec)
    args = {new: node.args[old] for old, new in mapping.items()}
    changed = replace(node, server=new_spec.server, tool=new_spec.name, args=args)
    after: dict[str, Any] = _summary(changed)
    renamed = {old: new for old, new in mapping.items() if old != new}
    dropped = [name for name in node.args if name not in mapping]
    if renamed:
        after["renamed"] = renamed
    if dropped:
        after["dropped"] = dropped
    why = reason or f"use {new_spec.key} instead of {node.tool_key}"
    result = guarded(workflow, _replaced(workflow, index, changed), f"swapping {node_id} to {new_spec.key}")
    return result, Edit(EditOp.SWAP_TOOL, node_id, None, _summary(node), after, why, source)


def map_arguments(args: Mapping[str, Any], old_spec: ToolSpec | None, new_spec: ToolSpec) -> dict[str, str]:
    """Old argument name -> new argument name for the arguments `new_spec` can take (unmapped ones drop)."""
    properties = list(new_spec.properties)
    mapping = {name: name for name in args if name in new_spec.properties}
    for name in args:
        if name in mapping:
            continue
        free = [p for p in properties if p not in mapping.values()]
        target = close_name(name, free)
        if target is not None:
            mapping[name] = target
    for name in args:
        if name in mapping:
            continue
        free = [p for p in new_spec.required if p not in mapping.values()]
        target = next((p for p in free if _carries(args[name], name, old_spec, p, new_spec)), None)
        if target is not None:
            mapping[name] = target
    return mapping


def _carries(value: Any, name: str, old_spec: ToolSpec | None, target: str, new_spec: ToolSpec) -> bool:
    """Whether `value` (old argument `name`) can stand for `target` of the new tool: same kind of thing, fits."""
    if bool(words(name) & ID_OR_CODE_WORDS) != bool(words(target) & ID_OR_CODE_WORDS):
        return False
    if isinstance(value, Ref):
        old_types = schema_types(old_spec.properties.get(name, {})) if old_spec else set()
        new_types = schema_types(new_spec.properties.get(target, {}))
        return not old_types or not new_types or bool(old_types & new_types) or _numeric(old_types, new_types)
    return value_fits(new_spec, target, value)


def _numeric(old: set[str], new: set[str]) -> bool:
    return "integer" in old and "number" in new


# ---------------------------------------------------------------- arguments


def set_arg(
    workflow: Workflow,
    node_id: str,
    arg_path: ArgPath,
    value: Any,
    *,
    reason: str | None = None,
    source: EditSource = "rule",
) -> tuple[Workflow, Edit]:
    """Set an argument (a literal, `Ref` or `Template`) at a path; a reference may not create a cycle."""
    index, node = tool_node_of(workflow, node_id)
    path = as_path(arg_path)
    before = get_arg(node.args, path, None)
    changed = replace(node, args=with_value(node.args, path, value))
    where = format_path(path)
    result = guarded(workflow, _replaced(workflow, index, changed), f"setting {node_id}.{where}")
    why = reason or f"set {where}"
    return result, Edit(
        EditOp.SET_ARG, node_id, where, value_to_json(before), value_to_json(value), why, source
    )


def remove_arg(
    workflow: Workflow,
    node_id: str,
    arg_path: ArgPath,
    *,
    reason: str | None = None,
    source: EditSource = "rule",
) -> tuple[Workflow, Edit]:
    """Drop an argument (or one item of a list argument)."""
    index, node = tool_node_of(workflow, node_id)
    path = as_path(arg_path)
    before = get_arg(node.args, path)
    changed = replace(node, args=without(node.args, path))
    where = format_path(path)
    result = guarded(workflow, _replaced(workflow, index, changed), f"removing {node_id}.{where}")
    why = reason or f"remove {where}"
    return result, Edit(EditOp.REMOVE_ARG, node_id, where, value_to_json(before), None, why, source)


def rename_arg(
    workflow: Workflow,
    node_id: str,
    arg_path: ArgPath,
    new_name: str,
    *,
    reason: str | None = None,
    source: EditSource = "rule",
) -> tuple[Workflow, Edit]:
    """Move an argument's value to the sibling key `new_name` (which must be free)."""
    index, node = tool_node_of(workflow, node_id)
    path = as_path(arg_path)
    if not isinstance(path[-1], str):
        raise EditError(f"{format_path(path)} is a list item, not a named argument")
    value = get_arg(node.args, path)
    target = (*path[:-1], new_name)
    if get_arg(node.args, target, _ABSENT) is not _ABSENT:
        raise EditError(f"{node_id} already has an argument {format_path(target)}")
    args = renamed_key(node.args, path, new_name)
    changed = replace(node, args=args)
    where, new_where = format_path(path), format_path(target)
    result = guarded(workflow, _replaced(workflow, index, changed), f"renaming {node_id}.{where}")
    why = reason or f"rename {where} to {new_where}"
    return result, Edit(
        EditOp.RENAME_ARG,
        node_id,
        where,
        {where: value_to_json(value)},
        {new_where: value_to_json(value)},
        why,
        source,
    )


# ---------------------------------------------------------------- steps


def add_step(
    workflow: Workflow,
    spec: ToolSpec,
    args: Mapping[str, Any],
    *,
    before: str | None = None,
    bind: Mapping[tuple[str, ArgPath], ArgPath | Path] | None = None,
    node_id: str | None = None,
    reason: str | None = None,
    source: EditSource = "rule",
) -> tuple[Workflow, Edit]:
    """Add a call of `spec` with `args` under a fresh id; each bound `(consumer, arg)` then reads `$new.<path>`.

    `before` names a node that must wait for the new step (it is placed just before it); `bind` values
    are paths in the new step's output (`""` for the whole output).
    """
    new_id = node_id or fresh_id(workflow)
    if node_id is not None and (not _NODE_ID.fullmatch(node_id) or node_id in workflow.ids):
        raise EditError(f"{node_id!r} cannot be the new step's id: it is taken or not a plain id")
    nodes = list(workflow.nodes)
    bound: dict[str, str] = {}
    for (consumer, arg_path), out_path in (bind or {}).items():
        index, node = tool_node_of(workflow, consumer)
        node = nodes[index]  # may already hold an earlier binding
        path = as_path(arg_path)
        out = out_path if isinstance(out_path, tuple) else (as_path(out_path) if out_path else ())
        ref = Ref(new_id, out)
        nodes[index] = replace(node, args=with_value(node.args, path, ref))  # type: ignore[arg-type]
        bound[f"{consumer}.{format_path(path)}"] = str(ref)
    positions = [position_of(workflow, c) for c, _ in (bind or {})]
    if before is not None:
        at = position_of(workflow, before)
        waiter = nodes[at]
        if not any(r.node == new_id for _, r in iter_refs(_node_values(waiter))):
            nodes[at] = replace(waiter, after=(*waiter.after, new_id))
        positions.append(at)
    answer = next((i for i, n in enumerate(nodes) if isinstance(n, AnswerNode)), len(nodes))
    new_node = ToolNode(new_id, spec.server, spec.name, dict(args))
    nodes.insert(min(positions, default=answer), new_node)
    result = guarded(workflow, Workflow(tuple(nodes), workflow.task), f"adding {spec.key} as {new_id}")
    after: dict[str, Any] = _summary(new_node)
    if bound:
        after["bound"] = bound
    if before is not None:
        after["before"] = before
    why = reason or f"add a call of {spec.key}"
    return result, Edit(EditOp.ADD_STEP, new_id, None, None, after, why, source)


def _node_values(node: Node) -> Any:
    return node.args if isinstance(node, ToolNode) else node.text


def remove_step(
    workflow: Workflow,
    node_id: str,
    catalog: ToolCatalog,
    *,
    reason: str | None = None,
    source: EditSource = "rule",
) -> tuple[Workflow, Edit]:
    """Remove a tool step; each reference to it moves to an upstream step producing the same field, else
    the referring argument (or answer placeholder) is removed. Nodes that waited for it inherit its waits."""
    _, node = tool_node_of(workflow, node_id)
    rebound: dict[str, str] = {}
    dropped: list[str] = []
    nodes: list[Node] = []
    for other in workflow.nodes:
        if other is node:
            continue
        choices = {
            ref: _same_field_elsewhere(workflow, node, other, ref, catalog)
            for _, ref in workflow.refs_of(other)
            if ref.node == node_id
        }
        waited = node_id in other.after or bool(choices)
        changed = _rebound_node(other, choices, rebound, dropped)
        if waited:
            inherited = [a for a in node.after if a != changed.id and a not in changed.after]
            changed = replace(changed, after=(*(a for a in changed.after if a != node_id), *inherited))
        nodes.append(changed)
    result = guarded(workflow, Workflow(tuple(nodes), workflow.task), f"removing {node_id}")
    after: dict[str, Any] = {}
    if rebound:
        after["rebound"] = rebound
    if dropped:
        after["removed_args"] = dropped
    why = reason or f"remove {node_id}"
    return result, Edit(EditOp.REMOVE_STEP, node_id, None, _summary(node), after or None, why, source)


def _same_field_elsewhere(
    workflow: Workflow, removed: ToolNode, reader: Node, ref: Ref, catalog: ToolCatalog
) -> Ref | None:
    """The same data from another tool step the reader may wait for: the same call, or an output schema
    that has the path; steps the reader already waits for first, then workflow order."""
    if not ref.path:
        same = [n for n in workflow.tool_nodes if n.id != removed.id and n.tool_key == removed.tool_key]
    else:
        same = [
            n
            for n in workflow.tool_nodes
            if n.id != removed.id and _has_output_path(catalog.get(n.server, n.tool), removed, n, ref.path)
        ]
    upstream = upstream_of(workflow, reader.id)
    allowed = [n for n in same if n.id != reader.id and reader.id not in upstream_of(workflow, n.id)]
    allowed.sort(key=lambda n: n.id not in upstream)
    return Ref(allowed[0].id, ref.path) if allowed else None


def _has_output_path(spec: ToolSpec | None, removed: ToolNode, candidate: ToolNode, path: Path) -> bool:
    if candidate.tool_key == removed.tool_key:
        return True
    if spec is None or not spec.result_schema:
        return False
    found = schema_at(spec.result_schema, path)
    return found is not None


def _rebound_node(
    node: Node, choices: Mapping[Ref, Ref | None], rebound: dict[str, str], dropped: list[str]
) -> Node:
    if not choices:
        return node
    for old, new in choices.items():
        if new is not None:
            rebound[f"{node.id}: {old}"] = str(new)
    if isinstance(node, AnswerNode):
        parts = tuple(
            (choices[p] or _UNAVAILABLE) if isinstance(p, Ref) and p in choices else p
            for p in node.text.parts
        )
        dropped.extend(f"{node.id}: {old}" for old, new in choices.items() if new is None)
        return replace(node, text=Template(parts))
    args: Any = node.args
    removals = sorted(
        (where for where, ref in iter_refs(node.args) if ref in choices and choices[ref] is None),
        key=path_sort_key,
        reverse=True,
    )
    for where in dict.fromkeys(removals):
        args = without(args, where)
        dropped.append(f"{node.id}.{format_path(where)}")
    args = map_refs(args, lambda r: choices.get(r) or r)
    return replace(node, args=args)


# ---------------------------------------------------------------- references and waits


def rewire(
    workflow: Workflow,
    node_id: str,
    arg_path: ArgPath | None,
    new_ref: Ref,
    *,
    old: Ref | None = None,
    reason: str | None = None,
    source: EditSource = "rule",
) -> tuple[Workflow, Edit]:
    """Point a reference somewhere else. `arg_path` is None for the answer node; `old` picks the reference
    when the value (a template, the answer) holds several. Refuses targets that run after the node."""
    index = position_of(workflow, node_id)
    node = workflow.nodes[index]
    _check_target(workflow, node, new_ref.node)
    if isinstance(node, AnswerNode):
        old_ref = _pick_ref(node.text, old, "the answer")
        changed: Node = replace(node, text=map_refs(node.text, lambda r: new_ref if r == old_ref else r))
        where = None
    else:
        if arg_path is None:
            raise EditError(f"{node_id} is a tool step; say which argument to rewire")
        path = as_path(arg_path)
        value = get_arg(node.args, path)
        where = format_path(path)
        old_ref = _pick_ref(value, old, where)
        new_value = map_refs(value, lambda r: new_ref if r == old_ref else r)
        changed = replace(node, args=with_value(node.args, path, new_value))
    result = guarded(workflow, _replaced(workflow, index, changed), f"rewiring {node_id} to {new_ref}")
    why = reason or f"read {new_ref} instead of {old_ref}"
    return result, Edit(EditOp.REWIRE, node_id, where, str(old_ref), str(new_ref), why, source)


def _pick_ref(value: Any, old: Ref | None, where: str) -> Ref:
    refs = list(dict.fromkeys(r for _, r in iter_refs(value)))
    if old is not None:
        if old not in refs:
            raise EditError(f"{where} does not hold the reference {old}")
        return old
    if len(refs) != 1:
        found = "no reference" if not refs else f"{len(refs)} references; say which one"
        raise EditError(f"{where} holds {found}")
    return refs[0]


def _check_target(workflow: Workflow, node: Node, target: str) -> None:
    found = workflow.node(target)
    if found is None:
        raise EditError(f"there is no node {target!r}")
    if target == node.id:
        raise EditError(f"{node.id} cannot read its own output")
    if isinstance(found, AnswerNode):
        raise EditError(f"{target} is the answer node; tool steps cannot read it")
    if node.id in upstream_of(workflow, target):
        raise EditError(f"{target} runs after {node.id} (it waits for it), so {node.id} cannot read it")


def add_wait(
    workflow: Workflow, node_id: str, target: str, *, reason: str | None = None, source: EditSource = "rule"
) -> tuple[Workflow, Edit]:
    """Make `node_id` wait for `target` (an `after` edge) without reading it."""
    index = position_of(workflow, node_id)
    node = workflow.nodes[index]
    _check_target(workflow, node, target)
    if target in node.after:
        raise EditError(f"{node_id} already waits for {target}")
    changed = replace(node, after=(*node.after, target))
    result = guarded(workflow, _replaced(workflow, index, changed), f"making {node_id} wait for {target}")
    why = reason or f"{node_id} must run after {target}"
    return result, Edit(EditOp.ADD_WAIT, node_id, "after", list(node.after), list(changed.after), why, source)


def remove_wait(
    workflow: Workflow, node_id: str, target: str, *, reason: str | None = None, source: EditSource = "rule"
) -> tuple[Workflow, Edit]:
    """Drop `target` from `node_id`'s `after` list."""
    index = position_of(workflow, node_id)
    node = workflow.nodes[index]
    if target not in node.after:
        raise EditError(f"{node_id} does not wait for {target!r} through 'after'")
    changed = replace(node, after=tuple(a for a in node.after if a != target))
    result = guarded(workflow, _replaced(workflow, index, changed), f"removing {target} from {node_id}.after")
    why = reason or f"{node_id} need not wait for {target}"
    return result, Edit(
        EditOp.REMOVE_WAIT, node_id, "after", list(node.after), list(changed.after), why, source
    )


def rename_node(
    workflow: Workflow,
    node_id: str,
    new_id: str,
    *,
    index: int | None = None,
    retarget: Iterable[str] | None = None,
    reason: str | None = None,
    source: EditSource = "rule",
) -> tuple[Workflow, Edit]:
    """Give a node a new id and update what points at it.

    For a duplicated id, `index` (position in `workflow.nodes`) says which node; references then keep
    meaning the other node, except those of the nodes named in `retarget`. For a unique id every
    reference follows unless `retarget` limits them.
    """
    positions = [i for i, n in enumerate(workflow.nodes) if n.id == node_id]
    if not positions:
        raise EditError(f"there is no node {node_id!r}")
    if index is None:
        if len(positions) > 1:
            raise EditError(f"{len(positions)} nodes have the id {node_id!r}; say which one (index)")
        index = positions[0]
    elif index not in positions:
        raise EditError(f"node #{index} is not called {node_id!r}")
    if not _NODE_ID.fullmatch(new_id):
        raise EditError(f"{new_id!r} is not a plain id (letters, digits, '_' and inner '-')")
    if new_id in workflow.ids:
        raise EditError(f"the id {new_id!r} is already taken")
    unique = len(positions) == 1
    follow = set(retarget) if retarget is not None else ({n.id for n in workflow.nodes} if unique else set())

    def moved(ref: Ref) -> Ref:
        return Ref(new_id, ref.path) if ref.node == node_id else ref

    nodes: list[Node] = []
    for position, node in enumerate(workflow.nodes):
        if position == index:
            node = replace(node, id=new_id)
        elif node.id in follow:
            after = tuple(new_id if a == node_id else a for a in node.after)
            if isinstance(node, ToolNode):
                node = replace(node, args=map_refs(node.args, moved), after=after)
            else:
                node = replace(node, text=map_refs(node.text, moved), after=after)
        nodes.append(node)
    result = guarded(
        workflow, Workflow(tuple(nodes), workflow.task), f"renaming {node_id} to {new_id}", (node_id, new_id)
    )
    why = reason or f"rename {node_id} to {new_id}"
    return result, Edit(EditOp.RENAME_NODE, node_id, None, node_id, new_id, why, source)


def shown(value: Any, limit: int = 80) -> str:
    """`value` as JSON text, cut to `limit` characters with an ellipsis."""
    return brief(json.dumps(value, ensure_ascii=False, default=str), limit)


def brief(value: Any, limit: int = 80) -> str:
    """`value` as text (strings as they are, others by repr), cut to `limit` characters with an ellipsis."""
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 1] + "…"
