"""Human-readable views of a workflow: an indented text tree and a Mermaid flowchart.

Owns layout and escaping only; it neither checks nor runs workflows (outcome marks are passed in).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from evoflux.workflow.graph import AnswerNode, Node, Ref, Template, ToolNode, Workflow

_INDENT = "  "
_MERMAID_RESERVED = frozenset(
    {"end", "graph", "flowchart", "subgraph", "style", "class", "classdef", "click", "linkstyle", "direction"}
)
_MERMAID_ESCAPES = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;"}


def render_text(
    workflow: Workflow, outcomes: Mapping[str, str] | None = None, *, max_value_chars: int = 48
) -> str:
    """One line per node in dependency order, indented by depth, e.g.

    `  n2 Unit Converter:convert_length(value=$n1.km, from_unit="kilometer")  <- n1`, and the answer
    as `answer "It is {n2.value} miles"`;
    with `outcomes` (node id -> status word) each line starts with `[status]` (`[ ]` when absent).
    """
    depth: dict[str, int] = {}
    lines = []
    for node in _dependency_order(workflow):
        deps = workflow.dependencies(node.id)
        depth[node.id] = 1 + max((depth.get(d, 0) for d in deps), default=-1)
        mark = f"[{outcomes.get(node.id, ' ')}] " if outcomes is not None else ""
        waits = f"  <- {', '.join(deps)}" if deps else ""
        lines.append(f"{_INDENT * depth[node.id]}{mark}{node.id} {_describe(node, max_value_chars)}{waits}")
    return "\n".join(lines)


def render_mermaid(workflow: Workflow) -> str:
    """A `flowchart TD`: a box per tool step, a rounded box for the answer, an arrow per dependency
    (solid when data flows through a reference, dotted when only `after` orders the steps)."""
    names = _mermaid_names(workflow)
    lines = ["flowchart TD"]
    for node in workflow.nodes:
        if isinstance(node, AnswerNode):
            lines.append(f'    {names[node.id]}(["{_escape(node.id)}"])')
        else:
            lines.append(f'    {names[node.id]}["{_escape(f"{node.id}: {_tool_label(node)}")}"]')
    for node in workflow.nodes:
        read = {ref.node for _, ref in workflow.refs_of(node)}
        for dep in workflow.dependencies(node.id):
            arrow = "-->" if dep in read else "-.->"
            lines.append(f"    {names[dep]} {arrow} {names[node.id]}")
    return "\n".join(lines)


def _dependency_order(workflow: Workflow) -> list[Node]:
    """Nodes so that each comes after what it waits for; ties keep the written order, cycles go last."""
    placed: set[str] = set()
    order: list[Node] = []
    remaining = list(workflow.nodes)
    while remaining:
        ready = [n for n in remaining if all(d in placed for d in workflow.dependencies(n.id))]
        batch = ready[:1] or remaining[:1]
        order.extend(batch)
        placed.update(n.id for n in batch)
        remaining = [n for n in remaining if n not in batch]
    return order


def _describe(node: Node, limit: int) -> str:
    if isinstance(node, AnswerNode):
        return ("" if node.id == "answer" else "(answer) ") + _compact(node.text, limit * 2)
    args = ", ".join(f"{name}={_compact(value, limit)}" for name, value in node.args.items())
    return f"{_tool_label(node)}({args})"


def _tool_label(node: ToolNode) -> str:
    return node.tool_key if node.server else node.tool


def _compact(value: Any, limit: int) -> str:
    """A short, JSON-like rendering where references read as `$n1.path`."""
    if isinstance(value, Ref):
        return str(value)
    if isinstance(value, Template | str):
        text = str(value)
        return json.dumps(text if len(text) <= limit else text[: limit - 1] + "…", ensure_ascii=False)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_compact(v, limit)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_compact(v, limit) for v in value) + "]"
    return json.dumps(value, default=str)


def _mermaid_names(workflow: Workflow) -> dict[str, str]:
    """A safe, unique Mermaid node name per workflow id."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for node in workflow.nodes:
        base = re.sub(r"\W", "_", node.id, flags=re.ASCII) or "node"
        if base[0].isdigit() or base.lower() in _MERMAID_RESERVED:
            base = f"node_{base}"
        name, k = base, 2
        while name in used:
            name, k = f"{base}_{k}", k + 1
        used.add(name)
        names.setdefault(node.id, name)
    return names


def _escape(label: str) -> str:
    return "".join(_MERMAID_ESCAPES.get(ch, ch) for ch in " ".join(label.split()))
