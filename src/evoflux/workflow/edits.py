"""Edit operators on the typed workflow graph: each returns a new workflow and an `Edit`, or raises `EditError`.

Owns the operators, their no-new-graph-problem guard, output-schema paths and validator steps; not choosing edits.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Literal

from jsonschema import Draft202012Validator

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.workflow.graph import (
    STAR,
    AnswerNode,
    Node,
    PathStep,
    Ref,
    Template,
    ToolNode,
    Workflow,
    format_path,
    iter_refs,
    value_to_json,
)
from evoflux.workflow.refs import parse_path
from evoflux.workflow.schema_check import check_arguments
from evoflux.workflow.similar import similarity, words

Path = tuple[PathStep, ...]
ArgPath = str | Path
EditSource = Literal["rule", "model", "random"]

_NODE_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*")
# Argument names closer than this (see `similar.similarity`) may carry over in a tool swap.
_SWAP_NAME_CUTOFF = 0.75
_SWAP_NAME_MARGIN = 0.05
_ID_WORDS = frozenset({"id", "ids", "key", "uuid", "isbn", "slug", "handle", "code"})
_MAX_SCHEMA_DEPTH = 6


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
        where = self.node + (f".{self.arg}" if self.arg else "")
        return f"{self.op} {where}: {_shown(self.before)} -> {_shown(self.after)} ({self.reason})"


class EditError(ValueError):
    """An edit that cannot be made, or that would break the graph; the message says which and why."""


# ---------------------------------------------------------------- graph structure


def upstream_of(workflow: Workflow, node_id: str) -> set[str]:
    """Ids of every node `node_id` waits for, directly or transitively."""
    return workflow.upstream(node_id)


def readers_of(workflow: Workflow, node_id: str) -> list[str]:
    """Ids of the nodes that read `node_id`'s output through a reference, in workflow order."""
    return [n.id for n in workflow.nodes if any(r.node == node_id for _, r in workflow.refs_of(n))]


def graph_problems(workflow: Workflow) -> dict[tuple[str, ...], str]:
    """Structural problems (duplicate ids, missing or self targets, tool steps on the answer, cycles), keyed."""
    problems: dict[tuple[str, ...], str] = {}
    counts = Counter(workflow.ids)
    for node_id, count in counts.items():
        if count > 1:
            problems[("duplicate", node_id)] = f"leave {count} nodes with the id {node_id!r}"
    for node in workflow.nodes:
        targets = [ref.node for _, ref in workflow.refs_of(node)] + list(node.after)
        for target in targets:
            if target == node.id:
                problems[("self", node.id)] = f"make {node.id} depend on itself"
            elif target not in counts:
                problems[("missing", node.id, target)] = (
                    f"leave {node.id} pointing at the missing node {target!r}"
                )
            elif isinstance(node, ToolNode) and isinstance(workflow.node(target), AnswerNode):
                problems[("answer", node.id, target)] = (
                    f"make tool step {node.id} depend on the answer {target}"
                )
        if node.id in upstream_of(workflow, node.id):
            problems[("cycle", node.id)] = f"put {node.id} on a dependency cycle"
    return problems


def fresh_id(workflow: Workflow, prefix: str = "n") -> str:
    """An unused id `<prefix><k>`, numbered after the highest `<prefix><k>` already present."""
    pattern = re.compile(re.escape(prefix) + r"(\d+)")
    numbers = [int(m.group(1)) for i in workflow.ids if (m := pattern.fullmatch(i))]
    number = max(numbers, default=0) + 1
    while f"{prefix}{number}" in workflow.ids:
        number += 1
    return f"{prefix}{number}"


def _guarded(
    before: Workflow, after: Workflow, what: str, renamed: tuple[str, str] | None = None
) -> Workflow:
    """`after`, unless it has a graph problem `before` did not have (an edit may leave old problems alone);
    with `renamed` (old id, new id), a problem the node had under its old id is not new."""
    old, new = set(graph_problems(before)), graph_problems(after)
    if renamed is not None:
        old |= {tuple(renamed[1] if part == renamed[0] else part for part in key) for key in old}
    added = [message for key, message in new.items() if key not in old]
    if added:
        raise EditError(f"{what} would {'; '.join(added)}")
    return after


# ---------------------------------------------------------------- argument paths


_ABSENT = object()  # "nothing there", as a value get_arg can return
_REQUIRED = object()  # get_arg without a default: raise when nothing is there
_UNAVAILABLE = "(unavailable)"


def as_path(arg_path: ArgPath) -> Path:
    """An argument path from `"items[0].qty"` or a tuple of steps; EditError when empty or malformed."""
    if isinstance(arg_path, tuple):
        path = arg_path
    else:
        try:
            path = parse_path(arg_path)
        except ValueError as exc:
            raise EditError(str(exc)) from None
    if not path:
        raise EditError("an argument path cannot be empty")
    return path


def get_arg(args: Mapping[str, Any], path: Path, default: Any = _REQUIRED) -> Any:
    """The value at `path` in `args`; `default` (or EditError when none is given) when nothing is there."""
    value: Any = args
    for step in path:
        if _has_step(value, step):
            value = value[step]
        elif default is not _REQUIRED:
            return default
        else:
            raise EditError(f"there is no argument {format_path(path)}")
    return value


def _has_step(value: Any, step: PathStep) -> bool:
    if isinstance(value, Mapping):
        return isinstance(step, str) and step in value
    return isinstance(value, list) and isinstance(step, int) and -len(value) <= step < len(value)


def with_value(value: Any, path: Path, new: Any) -> Any:
    """A copy of `value` (arguments) with `new` at `path`; missing keys create objects (`[0]` a list), and an
    index one past the end appends."""
    if not path:
        return new
    step, rest = path[0], path[1:]
    if isinstance(step, str):
        if value is None:
            value = {}
        if not isinstance(value, Mapping):
            raise EditError(f"cannot set key {step!r} inside a {type(value).__name__}")
        out = dict(value)
        out[step] = with_value(out.get(step), rest, new)
        return out
    if value is None and step == 0:
        value = []
    if not isinstance(step, int) or not isinstance(value, list):
        raise EditError(f"cannot set {format_path((step,))} inside a {type(value).__name__}")
    items = list(value)
    if step == len(items):
        items.append(with_value(None, rest, new))
    elif -len(items) <= step < len(items):
        items[step] = with_value(items[step], rest, new)
    else:
        raise EditError(f"index {step} is out of range for a list of {len(items)}")
    return items


def _without(value: Any, path: Path) -> Any:
    step, rest = path[0], path[1:]
    if isinstance(value, Mapping) and step in value:
        out = dict(value)
        if rest:
            out[step] = _without(out[step], rest)
        else:
            del out[step]
        return out
    if isinstance(value, list) and isinstance(step, int) and -len(value) <= step < len(value):
        items = list(value)
        if rest:
            items[step] = _without(items[step], rest)
        else:
            del items[step]
        return items
    raise EditError(f"there is no argument {format_path(path)}")


def _map_refs(value: Any, change: Callable[[Ref], Ref]) -> Any:
    """`value` with every reference (alone or inside a template) replaced by `change(ref)`."""
    if isinstance(value, Ref):
        return change(value)
    if isinstance(value, Template):
        return Template(tuple(change(p) if isinstance(p, Ref) else p for p in value.parts))
    if isinstance(value, Mapping):
        return {k: _map_refs(v, change) for k, v in value.items()}
    if isinstance(value, list):
        return [_map_refs(v, change) for v in value]
    return value


# ---------------------------------------------------------------- node lookup and replacement


def _position(workflow: Workflow, node_id: str) -> int:
    positions = [i for i, n in enumerate(workflow.nodes) if n.id == node_id]
    if not positions:
        raise EditError(f"there is no node {node_id!r}")
    if len(positions) > 1:
        raise EditError(f"{len(positions)} nodes have the id {node_id!r}; rename them apart first")
    return positions[0]


def _tool_node(workflow: Workflow, node_id: str) -> tuple[int, ToolNode]:
    index = _position(workflow, node_id)
    node = workflow.nodes[index]
    if not isinstance(node, ToolNode):
        raise EditError(f"{node_id} is the answer node, not a tool step")
    return index, node


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
    index, node = _tool_node(workflow, node_id)
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
    result = _guarded(workflow, _replaced(workflow, index, changed), f"swapping {node_id} to {new_spec.key}")
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


def close_name(name: str, candidates: Iterable[str]) -> str | None:
    """The one candidate that clearly names the same thing as `name`, or None when none or several do.

    Same words ignoring case and separators (`firstNumber`/`first_number`, `unit_from`/`from_unit`), else
    `name`'s words all inside exactly one candidate (`from` -> `from_unit`), else the one candidate it
    abbreviates (`temp` -> `temperature`, at least 3 letters), else a single candidate with
    similarity >= 0.75 that beats the runner-up by 0.05.
    """
    options = [c for c in dict.fromkeys(candidates) if c != name]
    mine = words(name)
    same = [c for c in options if words(c) == mine]
    if same:
        return same[0] if len(same) == 1 else None
    inside = [c for c in options if mine and mine < words(c)]
    if inside:
        return inside[0] if len(inside) == 1 else None
    squashed = _squash(name)
    longer = [c for c in options if len(squashed) >= 3 and _squash(c).startswith(squashed)]
    if longer:
        return longer[0] if len(longer) == 1 else None
    scored = sorted(((similarity(name, c), c) for c in options), reverse=True)
    if not scored or scored[0][0] < _SWAP_NAME_CUTOFF:
        return None
    if len(scored) > 1 and scored[0][0] - scored[1][0] < _SWAP_NAME_MARGIN:
        return None
    return scored[0][1]


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _carries(value: Any, name: str, old_spec: ToolSpec | None, target: str, new_spec: ToolSpec) -> bool:
    """Whether `value` (old argument `name`) can stand for `target` of the new tool: same kind of thing, fits."""
    if bool(words(name) & _ID_WORDS) != bool(words(target) & _ID_WORDS):
        return False
    if isinstance(value, Ref):
        old_types = schema_types(old_spec.properties.get(name, {})) if old_spec else set()
        new_types = schema_types(new_spec.properties.get(target, {}))
        return not old_types or not new_types or bool(old_types & new_types) or _numeric(old_types, new_types)
    return value_fits(new_spec, target, value)


def _numeric(old: set[str], new: set[str]) -> bool:
    return "integer" in old and "number" in new


def value_fits(spec: ToolSpec, name: str, value: Any) -> bool:
    """Whether `value` passes `spec`'s schema for argument `name` (references count as fitting)."""
    prefix = (name + ".", name + "[")
    return not any(
        issue.severity == "error"
        and issue.arg is not None
        and (issue.arg == name or issue.arg.startswith(prefix))
        for issue in check_arguments("_", spec, {name: value})
    )


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
    index, node = _tool_node(workflow, node_id)
    path = as_path(arg_path)
    before = get_arg(node.args, path, None)
    changed = replace(node, args=with_value(node.args, path, value))
    where = format_path(path)
    result = _guarded(workflow, _replaced(workflow, index, changed), f"setting {node_id}.{where}")
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
    index, node = _tool_node(workflow, node_id)
    path = as_path(arg_path)
    before = get_arg(node.args, path)
    changed = replace(node, args=_without(node.args, path))
    where = format_path(path)
    result = _guarded(workflow, _replaced(workflow, index, changed), f"removing {node_id}.{where}")
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
    index, node = _tool_node(workflow, node_id)
    path = as_path(arg_path)
    if not isinstance(path[-1], str):
        raise EditError(f"{format_path(path)} is a list item, not a named argument")
    value = get_arg(node.args, path)
    target = (*path[:-1], new_name)
    if get_arg(node.args, target, _ABSENT) is not _ABSENT:
        raise EditError(f"{node_id} already has an argument {format_path(target)}")
    args = _renamed_key(node.args, path, new_name)
    changed = replace(node, args=args)
    where, new_where = format_path(path), format_path(target)
    result = _guarded(workflow, _replaced(workflow, index, changed), f"renaming {node_id}.{where}")
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


def _renamed_key(value: Any, path: Path, new_name: str) -> Any:
    """A copy of `value` where the key at `path` is called `new_name`, keeping its place among its siblings."""
    if len(path) == 1:
        return {(new_name if k == path[0] else k): v for k, v in value.items()}
    step = path[0]
    if isinstance(value, Mapping):
        return {k: (_renamed_key(v, path[1:], new_name) if k == step else v) for k, v in value.items()}
    items = list(value)
    items[step] = _renamed_key(items[step], path[1:], new_name)  # type: ignore[index]
    return items


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
        index, node = _tool_node(workflow, consumer)
        node = nodes[index]  # may already hold an earlier binding
        path = as_path(arg_path)
        out = out_path if isinstance(out_path, tuple) else (as_path(out_path) if out_path else ())
        ref = Ref(new_id, out)
        nodes[index] = replace(node, args=with_value(node.args, path, ref))  # type: ignore[arg-type]
        bound[f"{consumer}.{format_path(path)}"] = str(ref)
    positions = [_position(workflow, c) for c, _ in (bind or {})]
    if before is not None:
        at = _position(workflow, before)
        waiter = nodes[at]
        if not any(r.node == new_id for _, r in iter_refs(_node_values(waiter))):
            nodes[at] = replace(waiter, after=(*waiter.after, new_id))
        positions.append(at)
    answer = next((i for i, n in enumerate(nodes) if isinstance(n, AnswerNode)), len(nodes))
    new_node = ToolNode(new_id, spec.server, spec.name, dict(args))
    nodes.insert(min(positions, default=answer), new_node)
    result = _guarded(workflow, Workflow(tuple(nodes), workflow.task), f"adding {spec.key} as {new_id}")
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
    _, node = _tool_node(workflow, node_id)
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
    result = _guarded(workflow, Workflow(tuple(nodes), workflow.task), f"removing {node_id}")
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
    if spec is None or not spec.output_schema:
        return False
    found = schema_at(spec.output_schema, path)
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
        key=_path_sort_key,
        reverse=True,
    )
    for where in dict.fromkeys(removals):
        args = _without(args, where)
        dropped.append(f"{node.id}.{format_path(where)}")
    args = _map_refs(args, lambda r: choices.get(r) or r)
    return replace(node, args=args)


def _path_sort_key(path: Path) -> tuple[tuple[int, Any], ...]:
    """Orders paths so that later list items come later (removing in reverse keeps indices valid)."""
    return tuple((0, s) if isinstance(s, int) else (1, str(s)) for s in path)


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
    index = _position(workflow, node_id)
    node = workflow.nodes[index]
    _check_target(workflow, node, new_ref.node)
    if isinstance(node, AnswerNode):
        old_ref = _pick_ref(node.text, old, "the answer")
        changed: Node = replace(node, text=_map_refs(node.text, lambda r: new_ref if r == old_ref else r))
        where = None
    else:
        if arg_path is None:
            raise EditError(f"{node_id} is a tool step; say which argument to rewire")
        path = as_path(arg_path)
        value = get_arg(node.args, path)
        where = format_path(path)
        old_ref = _pick_ref(value, old, where)
        new_value = _map_refs(value, lambda r: new_ref if r == old_ref else r)
        changed = replace(node, args=with_value(node.args, path, new_value))
    result = _guarded(workflow, _replaced(workflow, index, changed), f"rewiring {node_id} to {new_ref}")
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
    index = _position(workflow, node_id)
    node = workflow.nodes[index]
    _check_target(workflow, node, target)
    if target in node.after:
        raise EditError(f"{node_id} already waits for {target}")
    changed = replace(node, after=(*node.after, target))
    result = _guarded(workflow, _replaced(workflow, index, changed), f"making {node_id} wait for {target}")
    why = reason or f"{node_id} must run after {target}"
    return result, Edit(EditOp.ADD_WAIT, node_id, "after", list(node.after), list(changed.after), why, source)


def remove_wait(
    workflow: Workflow, node_id: str, target: str, *, reason: str | None = None, source: EditSource = "rule"
) -> tuple[Workflow, Edit]:
    """Drop `target` from `node_id`'s `after` list."""
    index = _position(workflow, node_id)
    node = workflow.nodes[index]
    if target not in node.after:
        raise EditError(f"{node_id} does not wait for {target!r} through 'after'")
    changed = replace(node, after=tuple(a for a in node.after if a != target))
    result = _guarded(
        workflow, _replaced(workflow, index, changed), f"removing {target} from {node_id}.after"
    )
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
                node = replace(node, args=_map_refs(node.args, moved), after=after)
            else:
                node = replace(node, text=_map_refs(node.text, moved), after=after)
        nodes.append(node)
    result = _guarded(
        workflow, Workflow(tuple(nodes), workflow.task), f"renaming {node_id} to {new_id}", (node_id, new_id)
    )
    why = reason or f"rename {node_id} to {new_id}"
    return result, Edit(EditOp.RENAME_NODE, node_id, None, node_id, new_id, why, source)


# ---------------------------------------------------------------- output schemas


def schema_types(schema: Any) -> set[str]:
    """JSON types a schema allows (through anyOf/oneOf and enum values); empty when it does not say."""
    if not isinstance(schema, Mapping):
        return set()
    declared = schema.get("type")
    found = (
        set(declared) if isinstance(declared, list) else ({declared} if isinstance(declared, str) else set())
    )
    for key in ("anyOf", "oneOf"):
        for branch in schema.get(key) or ():
            found |= schema_types(branch)
    if not found and isinstance(schema.get("enum"), list):
        found = {json_type(v) for v in schema["enum"]}
    return found


def json_type(value: Any) -> str:
    """The JSON type name of a plain value (`integer` for whole numbers, as JSON Schema counts them)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def resolve_local(schema: Any, root: Mapping[str, Any]) -> Any:
    """`schema` with a local `$ref` (`#/$defs/X`) followed, as often as needed."""
    seen = 0
    while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str) and seen < _MAX_SCHEMA_DEPTH:
        pointer = schema["$ref"]
        if not pointer.startswith("#/"):
            return {}
        target: Any = root
        for part in pointer[2:].split("/"):
            target = (
                target.get(part.replace("~1", "/").replace("~0", "~"))
                if isinstance(target, Mapping)
                else None
            )
        schema, seen = target if isinstance(target, Mapping) else {}, seen + 1
    return schema


def schema_at(
    schema: Mapping[str, Any], path: Path, root: Mapping[str, Any] | None = None
) -> Mapping[str, Any] | None:
    """The part of an output schema `path` leads to, stepping as leniently as `refs.resolve_value`;
    `{}` when the schema does not say, None when the path cannot exist (declared properties lack a key)."""
    root = schema if root is None else root
    here = resolve_local(schema, root)
    if not isinstance(here, Mapping):
        return {}
    if not path:
        return here
    branches = [b for key in ("anyOf", "oneOf") for b in here.get(key) or () if schema_types(b) != {"null"}]
    if branches:
        found = [f for b in branches if (f := schema_at(b, path, root)) is not None]
        return found[0] if found else None
    step, rest = path[0], path[1:]
    types = schema_types(here)
    properties = here.get("properties")
    if isinstance(step, str) and isinstance(properties, Mapping):
        if step in properties:
            return schema_at(properties[step], rest, root)
        if isinstance(here.get("additionalProperties"), Mapping):
            return schema_at(here["additionalProperties"], rest, root)
        if len(properties) == 1:  # resolve_value descends into a single key
            return schema_at(next(iter(properties.values())), path, root)
        return None
    if "items" in here or types == {"array"}:
        if step is STAR or isinstance(step, int) or (isinstance(step, str) and step.lstrip("-").isdigit()):
            return schema_at(here.get("items", {}), rest, root)
        return None
    if types and types <= {"string", "number", "integer", "boolean", "null"}:
        return None
    return {}


def schema_fields(
    schema: Mapping[str, Any] | None, root: Mapping[str, Any] | None = None
) -> list[tuple[Path, Mapping[str, Any]]]:
    """Every path an output schema offers (objects' keys; a list's first item as `[0]`), with its sub-schema."""
    if not isinstance(schema, Mapping):
        return []
    root = schema if root is None else root
    found: list[tuple[Path, Mapping[str, Any]]] = []

    def walk(node: Any, path: Path, depth: int) -> None:
        node = resolve_local(node, root)
        if not isinstance(node, Mapping) or depth > _MAX_SCHEMA_DEPTH:
            return
        for key in ("anyOf", "oneOf"):
            for branch in node.get(key) or ():
                walk(branch, path, depth + 1)
        for name, sub in (node.get("properties") or {}).items():
            found.append(((*path, name), resolve_local(sub, root)))
            walk(sub, (*path, name), depth + 1)
        if isinstance(node.get("items"), Mapping):
            found.append(((*path, 0), resolve_local(node["items"], root)))
            walk(node["items"], (*path, 0), depth + 1)

    walk(schema, (), 0)
    return found


# ---------------------------------------------------------------- validators


VALIDATOR_SERVER = "evoflux"
"""The pseudo-server of validator steps; the executor runs its tools in-process with `evaluate_validator`."""

_JSON_TYPES = ["string", "number", "integer", "boolean", "array", "object", "null"]
_VALUE = {"description": "The value to check, normally a reference to an upstream output"}
_OUTPUT = {
    "type": "object",
    "properties": {"ok": {"type": "boolean"}, "message": {"type": "string"}},
    "required": ["ok", "message"],
}
_READ_ONLY = {"readOnlyHint": True, "idempotentHint": True, "openWorldHint": False}


def _validator_spec(name: str, description: str, extra: dict[str, Any], **schema: Any) -> ToolSpec:
    input_schema = {
        "type": "object",
        "properties": {"value": _VALUE, **extra},
        "required": ["value", *schema.pop("required", ())],
        "additionalProperties": False,
        **schema,
    }
    return ToolSpec(VALIDATOR_SERVER, name, description, input_schema, _OUTPUT, _READ_ONLY)


VALIDATOR_TOOLS: dict[str, ToolSpec] = {
    spec.name: spec
    for spec in (
        _validator_spec("assert_present", "Fails when the value is null.", {}),
        _validator_spec(
            "assert_nonempty",
            "Fails when the value is null, an empty or blank string, or an empty list/object.",
            {},
        ),
        _validator_spec(
            "assert_type",
            "Fails unless the value has one of the JSON types given.",
            {
                "type": {
                    "anyOf": [
                        {"type": "string", "enum": _JSON_TYPES},
                        {"type": "array", "items": {"type": "string", "enum": _JSON_TYPES}, "minItems": 1},
                    ]
                }
            },
            required=("type",),
        ),
        _validator_spec(
            "assert_range",
            "Fails unless the value is a number within [minimum, maximum] (each bound optional, one required).",
            {"minimum": {"type": "number"}, "maximum": {"type": "number"}},
            anyOf=[{"required": ["minimum"]}, {"required": ["maximum"]}],
        ),
        _validator_spec(
            "assert_matches",
            "Fails unless the value is a string in which the regular expression is found.",
            {"pattern": {"type": "string", "format": "regex"}},
            required=("pattern",),
        ),
    )
}
"""Validator tools by name, with real input schemas; add them to a catalog with `with_validators`."""


def with_validators(catalog: ToolCatalog) -> ToolCatalog:
    """`catalog` plus the validator tools (unchanged when it already has the validator server)."""
    if VALIDATOR_SERVER in catalog.servers:
        return catalog
    return catalog.with_server(VALIDATOR_SERVER, VALIDATOR_TOOLS.values())


def evaluate_validator(tool: str, args: Mapping[str, Any]) -> tuple[bool, str]:
    """Run one validator on resolved arguments: (passed, message). Never raises: an unknown validator or
    arguments its schema rejects are a failed check whose message says why."""
    spec = VALIDATOR_TOOLS.get(tool)
    if spec is None:
        return False, f"unknown validator {tool!r}; known: {', '.join(VALIDATOR_TOOLS)}"
    errors = sorted(Draft202012Validator(spec.input_schema).iter_errors(dict(args)), key=lambda e: e.path)
    if errors:
        return False, f"bad arguments for {tool}: {errors[0].message}"
    value = args["value"]
    shown = _brief(value_to_json(value))
    if tool == "assert_present":
        return (value is not None), ("value is present" if value is not None else "value is null")
    if tool == "assert_nonempty":
        empty = (
            value is None
            or (isinstance(value, str) and not value.strip())
            or (isinstance(value, list | Mapping) and not value)
        )
        return (not empty), (f"value {shown} is empty" if empty else "value is not empty")
    if tool == "assert_type":
        wanted = args["type"] if isinstance(args["type"], list) else [args["type"]]
        actual = json_type(value)
        ok = actual in wanted or (actual == "integer" and "number" in wanted)
        return ok, f"value {shown} is {'' if ok else 'not '}of type {' or '.join(wanted)} (it is {actual})"
    if tool == "assert_range":
        return _in_range(value, args.get("minimum"), args.get("maximum"), shown)
    return _matches(value, args["pattern"], shown)


def _in_range(value: Any, low: float | None, high: float | None, shown: str) -> tuple[bool, str]:
    bounds = f"[{'-inf' if low is None else low}, {'inf' if high is None else high}]"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False, f"value {shown} is not a number, so it is not in {bounds}"
    ok = (low is None or value >= low) and (high is None or value <= high)
    return ok, f"value {shown} is {'' if ok else 'not '}in {bounds}"


def _matches(value: Any, pattern: str, shown: str) -> tuple[bool, str]:
    if not isinstance(value, str):
        return False, f"value {shown} is not a string, so it cannot match {pattern!r}"
    try:
        ok = re.search(pattern, value) is not None
    except re.error as exc:
        return False, f"pattern {pattern!r} is not a valid regular expression ({exc})"
    return ok, f"value {shown} {'matches' if ok else 'does not match'} {pattern!r}"


@dataclass(frozen=True)
class ValidatorCheck:
    """What a validator step checks: a validator tool, the path in the upstream output, the tool's other args."""

    tool: str
    path: Path = ()
    params: Mapping[str, Any] = field(default_factory=dict)


def insert_validator(
    workflow: Workflow,
    upstream_id: str,
    check: ValidatorCheck,
    *,
    gate: Iterable[str] | None = None,
    reason: str | None = None,
    source: EditSource = "rule",
) -> tuple[Workflow, Edit]:
    """Insert a step `evoflux:<check.tool>(value=$upstream.<path>, ...)` right after the upstream step and make
    its readers (or the nodes in `gate`) wait for it, so that they are skipped when the check fails."""
    _, upstream = _tool_node(workflow, upstream_id)
    spec = VALIDATOR_TOOLS.get(check.tool)
    if spec is None:
        raise EditError(f"unknown validator {check.tool!r}; use one of: {', '.join(VALIDATOR_TOOLS)}")
    args = {"value": Ref(upstream_id, tuple(check.path)), **check.params}
    bad = [i.message for i in check_arguments("_", spec, args) if i.severity == "error"]
    if bad:
        raise EditError(f"bad validator arguments: {'; '.join(bad)}")
    gated = list(dict.fromkeys(gate)) if gate is not None else readers_of(workflow, upstream_id)
    if not gated:
        raise EditError(f"nothing reads {upstream_id}, so a validator would gate nothing")
    missing = [g for g in gated if g not in workflow.ids]
    if missing:
        raise EditError(f"cannot gate missing nodes: {', '.join(missing)}")
    new_id = fresh_id(workflow, "v")
    nodes: list[Node] = []
    for node in workflow.nodes:
        if node.id in gated:
            node = replace(node, after=(*node.after, new_id))
        nodes.append(node)
        if node is upstream:
            nodes.append(ToolNode(new_id, VALIDATOR_SERVER, check.tool, args))
    result = _guarded(
        workflow, Workflow(tuple(nodes), workflow.task), f"inserting a validator after {upstream_id}"
    )
    after = {"tool": f"{VALIDATOR_SERVER}:{check.tool}", "args": value_to_json(args), "gates": gated}
    why = reason or f"check {Ref(upstream_id, tuple(check.path))} before {', '.join(gated)} use it"
    return result, Edit(EditOp.INSERT_VALIDATOR, new_id, None, None, after, why, source)


def _shown(value: Any) -> str:
    return _brief(json.dumps(value, ensure_ascii=False, default=str))


def _brief(value: Any, limit: int = 80) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 1] + "…"
