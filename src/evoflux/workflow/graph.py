"""The typed workflow graph: tool-call nodes, an answer node, references between them.

Pure values with no I/O; parsing lives in `parse`, checking in `check`, resolving in `refs`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


class _Star:
    """The `[*]` step of a path: map the rest of the path over every list item."""

    _instance: _Star | None = None

    def __new__(cls) -> _Star:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "STAR"


STAR = _Star()
PathStep = str | int | _Star


def format_path(path: tuple[PathStep, ...]) -> str:
    """`("items", 0, "id")` -> `items[0].id`; `("items", STAR, "price")` -> `items[*].price`."""
    out = ""
    for step in path:
        if step is STAR:
            out += "[*]"
        elif isinstance(step, int):
            out += f"[{step}]"
        elif step.isidentifier() or step.replace("-", "_").isidentifier():
            out += f".{step}" if out else step
        else:
            out += f"[{step!r}]"
    return out


@dataclass(frozen=True)
class Ref:
    """A value taken from an earlier node's output, optionally at a path inside it."""

    node: str
    path: tuple[PathStep, ...] = ()

    def __str__(self) -> str:
        path = format_path(self.path)
        return f"${self.node}{'' if path.startswith('[') or not path else '.'}{path}"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"$ref": self.node}
        if self.path:
            data["path"] = format_path(self.path)
        return data


@dataclass(frozen=True)
class Template:
    """A string with references interpolated into it: `"weather in {n1.city}"`."""

    parts: tuple[str | Ref, ...]

    @property
    def refs(self) -> tuple[Ref, ...]:
        return tuple(p for p in self.parts if isinstance(p, Ref))

    def __str__(self) -> str:
        return "".join(p if isinstance(p, str) else "{" + str(p)[1:] + "}" for p in self.parts)


@dataclass(frozen=True)
class ToolNode:
    """One call of `server:tool` with arguments that may hold references."""

    id: str
    server: str
    tool: str
    args: dict[str, Any] = field(default_factory=dict)
    after: tuple[str, ...] = ()

    @property
    def tool_key(self) -> str:
        return f"{self.server}:{self.tool}"


@dataclass(frozen=True)
class AnswerNode:
    """The final step: the answer text, interpolated from executed outputs."""

    id: str
    text: Template
    after: tuple[str, ...] = ()


Node = ToolNode | AnswerNode


def iter_refs(value: Any, where: tuple[PathStep, ...] = ()) -> Iterator[tuple[tuple[PathStep, ...], Ref]]:
    """Every reference inside an argument value, with the argument path where it sits."""
    if isinstance(value, Ref):
        yield where, value
    elif isinstance(value, Template):
        for ref in value.refs:
            yield where, ref
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from iter_refs(item, (*where, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from iter_refs(item, (*where, index))


def value_to_json(value: Any) -> Any:
    """An argument value in the canonical JSON form that `parse` reads back."""
    if isinstance(value, Ref):
        return value.to_json()
    if isinstance(value, Template):
        return str(value)
    if isinstance(value, dict):
        return {k: value_to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [value_to_json(v) for v in value]
    return value


@dataclass(frozen=True)
class Workflow:
    """A DAG of nodes; edges come from references and explicit `after` lists."""

    nodes: tuple[Node, ...]
    task: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {n.id: n for n in self.nodes})

    def node(self, node_id: str) -> Node | None:
        return self._index.get(node_id)  # type: ignore[attr-defined]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(n.id for n in self.nodes)

    @property
    def duplicate_ids(self) -> dict[str, int]:
        """Ids that several nodes share, with how many share each (such a workflow cannot run)."""
        counts: dict[str, int] = {}
        for node in self.nodes:
            counts[node.id] = counts.get(node.id, 0) + 1
        return {node_id: count for node_id, count in counts.items() if count > 1}

    def shared_ids_note(self) -> str | None:
        """`several nodes share an id: 'n1' (2 nodes)`, or None when every id is unique."""
        shared = self.duplicate_ids
        if not shared:
            return None
        return "several nodes share an id: " + ", ".join(f"{i!r} ({n} nodes)" for i, n in shared.items())

    @property
    def tool_nodes(self) -> tuple[ToolNode, ...]:
        return tuple(n for n in self.nodes if isinstance(n, ToolNode))

    @property
    def answer(self) -> AnswerNode | None:
        return next((n for n in self.nodes if isinstance(n, AnswerNode)), None)

    def refs_of(self, node: Node) -> list[tuple[tuple[PathStep, ...], Ref]]:
        """(argument path, reference) for every reference the node reads."""
        if isinstance(node, ToolNode):
            return list(iter_refs(node.args))
        return [((), ref) for ref in node.text.refs]

    def dependencies(self, node_id: str) -> tuple[str, ...]:
        """Ids of existing nodes this node waits for, in first-mention order."""
        node = self.node(node_id)
        if node is None:
            return ()
        wanted = [ref.node for _, ref in self.refs_of(node)] + list(node.after)
        return tuple(dict.fromkeys(d for d in wanted if d != node_id and d in self._index))  # type: ignore[attr-defined]

    def upstream(self, node_id: str) -> set[str]:
        """Every node `node_id` waits for, directly or transitively (itself only when on a cycle)."""
        seen: set[str] = set()
        queue = deque(self.dependencies(node_id))
        while queue:
            current = queue.popleft()
            if current not in seen:
                seen.add(current)
                queue.extend(self.dependencies(current))
        return seen

    def dependency_chain(self, start: str, goal: str) -> list[str]:
        """The shortest chain start -> ... -> goal along dependencies ([] when there is none)."""
        came_from: dict[str, str | None] = dict.fromkeys(self.dependencies(start))  # None: from `start`
        queue = deque(came_from)
        while queue:
            current = queue.popleft()
            if current == goal:
                path = [current]
                step = came_from[current]
                while step is not None:
                    path.append(step)
                    step = came_from[step]
                return [start, *reversed(path)]
            for dep in self.dependencies(current):
                if dep not in came_from:
                    came_from[dep] = current
                    queue.append(dep)
        return []

    def to_json(self) -> dict[str, Any]:
        nodes: list[dict[str, Any]] = []
        for n in self.nodes:
            if isinstance(n, ToolNode):
                item: dict[str, Any] = {"id": n.id, "tool": n.tool_key, "args": value_to_json(n.args)}
            else:
                item = {"id": n.id, "answer": str(n.text)}
            if n.after:
                item["after"] = list(n.after)
            nodes.append(item)
        data: dict[str, Any] = {"nodes": nodes}
        if self.task:
            data = {"task": self.task, **data}
        return data
