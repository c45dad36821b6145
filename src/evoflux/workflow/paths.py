"""Where things are in a workflow graph and in a step's argument tree; `EditError` when something is not there.

Owns what a node waits for and who reads it, the graph problems an edit must not add (and the guard against
them), fresh ids, nodes by id, and reading, setting and removing values at argument paths; not the operators.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from evoflux.workflow.graph import AnswerNode, PathStep, Ref, Template, ToolNode, Workflow, format_path
from evoflux.workflow.refs import parse_path

Path = tuple[PathStep, ...]
ArgPath = str | Path


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


def guarded(before: Workflow, after: Workflow, what: str, renamed: tuple[str, str] | None = None) -> Workflow:
    """`after`, unless it has a graph problem `before` did not have (an edit may leave old problems alone);
    with `renamed` (old id, new id), a problem the node had under its old id is not new."""
    old, new = set(graph_problems(before)), graph_problems(after)
    if renamed is not None:
        old |= {tuple(renamed[1] if part == renamed[0] else part for part in key) for key in old}
    added = [message for key, message in new.items() if key not in old]
    if added:
        raise EditError(f"{what} would {'; '.join(added)}")
    return after


# ---------------------------------------------------------------- node lookup


def position_of(workflow: Workflow, node_id: str) -> int:
    """Where the one node `node_id` sits in `workflow.nodes`; EditError when it is missing or duplicated."""
    positions = [i for i, n in enumerate(workflow.nodes) if n.id == node_id]
    if not positions:
        raise EditError(f"there is no node {node_id!r}")
    if len(positions) > 1:
        raise EditError(f"{len(positions)} nodes have the id {node_id!r}; rename them apart first")
    return positions[0]


def tool_node_of(workflow: Workflow, node_id: str) -> tuple[int, ToolNode]:
    """The position and node of tool step `node_id`; EditError when it is missing, duplicated or the answer."""
    index = position_of(workflow, node_id)
    node = workflow.nodes[index]
    if not isinstance(node, ToolNode):
        raise EditError(f"{node_id} is the answer node, not a tool step")
    return index, node


# ---------------------------------------------------------------- argument paths


_REQUIRED = object()  # get_arg without a default: raise when nothing is there


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


def without(value: Any, path: Path) -> Any:
    """A copy of `value` (arguments) without what is at `path`; EditError when nothing is there."""
    step, rest = path[0], path[1:]
    if isinstance(value, Mapping) and step in value:
        out = dict(value)
        if rest:
            out[step] = without(out[step], rest)
        else:
            del out[step]
        return out
    if isinstance(value, list) and isinstance(step, int) and -len(value) <= step < len(value):
        items = list(value)
        if rest:
            items[step] = without(items[step], rest)
        else:
            del items[step]
        return items
    raise EditError(f"there is no argument {format_path(path)}")


def map_refs(value: Any, change: Callable[[Ref], Ref]) -> Any:
    """`value` with every reference (alone or inside a template) replaced by `change(ref)`."""
    if isinstance(value, Ref):
        return change(value)
    if isinstance(value, Template):
        return Template(tuple(change(p) if isinstance(p, Ref) else p for p in value.parts))
    if isinstance(value, Mapping):
        return {k: map_refs(v, change) for k, v in value.items()}
    if isinstance(value, list):
        return [map_refs(v, change) for v in value]
    return value


def renamed_key(value: Any, path: Path, new_name: str) -> Any:
    """A copy of `value` where the key at `path` is called `new_name`, keeping its place among its siblings."""
    if len(path) == 1:
        return {(new_name if k == path[0] else k): v for k, v in value.items()}
    step = path[0]
    if isinstance(value, Mapping):
        return {k: (renamed_key(v, path[1:], new_name) if k == step else v) for k, v in value.items()}
    items = list(value)
    items[step] = renamed_key(items[step], path[1:], new_name)  # type: ignore[index]
    return items


def path_sort_key(path: Path) -> tuple[tuple[int, Any], ...]:
    """Orders paths so that later list items come later (removing in reverse keeps indices valid)."""
    return tuple((0, s) if isinstance(s, int) else (1, str(s)) for s in path)
