"""How the search changes a workflow: model-proposed edits applied through the typed operators, and
random exploration edits (no model call) that still respect the tool schemas.

Every change goes through `evoflux.workflow.edits`, so the graph stays valid or the edit is dropped.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.plan.edits import ProposedEdit
from evoflux.workflow.edits import Edit, remove_step, set_arg, swap_tool
from evoflux.workflow.edits import add_step as add_step_op
from evoflux.workflow.graph import Ref, Template, ToolNode, Workflow
from evoflux.workflow.paths import EditError, readers_of

Change = tuple[Workflow, Edit]


def _spec(catalog: ToolCatalog, key: str | None) -> ToolSpec | None:
    if not key or ":" not in key:
        return None
    server, name = key.split(":", 1)
    return catalog.get(server, name)


def apply_proposed(
    workflow: Workflow, proposed: Sequence[ProposedEdit], catalog: ToolCatalog
) -> tuple[Workflow, list[Edit]]:
    """Apply each proposed edit in turn; one that names unknown things or would break the graph is skipped."""
    applied: list[Edit] = []
    for edit in proposed:
        try:
            change = _apply_one(workflow, edit, catalog)
        except EditError:
            continue
        if change is not None:
            workflow, made = change
            applied.append(made)
    return workflow, applied


def _apply_one(workflow: Workflow, edit: ProposedEdit, catalog: ToolCatalog) -> Change | None:
    node = workflow.node(edit.node) if edit.node else None
    if edit.op == "set_arg" and isinstance(node, ToolNode) and edit.arg:
        return set_arg(
            workflow, node.id, edit.arg, edit.value, reason="proposed by the model", source="model"
        )
    if edit.op == "swap_tool" and isinstance(node, ToolNode):
        spec = _spec(catalog, edit.tool)
        return swap_tool(workflow, node.id, spec, catalog, source="model") if spec else None
    if edit.op == "add_step":
        spec = _spec(catalog, edit.tool)
        if spec is None:
            return None
        before = workflow.answer.id if workflow.answer else None
        return add_step_op(
            workflow, spec, edit.args, before=before, reason="proposed by the model", source="model"
        )
    if edit.op == "remove_step" and isinstance(node, ToolNode):
        return remove_step(workflow, node.id, catalog, reason="proposed by the model", source="model")
    return None


# ---------------------------------------------------------------- random exploration


def explore(
    workflow: Workflow, catalog: ToolCatalog, tools: Sequence[ToolSpec], rng: random.Random
) -> Change | None:
    """One random, schema-respecting change: another enum value, a sibling tool, or dropping an unread step."""
    moves: list[Callable[[], Change | None]] = [
        lambda: _other_enum_value(workflow, catalog, rng),
        lambda: _sibling_tool(workflow, catalog, tools, rng),
        lambda: _drop_unread_step(workflow, catalog, rng),
    ]
    rng.shuffle(moves)
    for move in moves:
        try:
            change = move()
        except EditError:
            continue
        if change is not None:
            return change
    return None


def _other_enum_value(workflow: Workflow, catalog: ToolCatalog, rng: random.Random) -> Change | None:
    choices = []
    for node in workflow.tool_nodes:
        spec = catalog.get(node.server, node.tool)
        for name, prop in (spec.properties if spec else {}).items():
            values = prop.get("enum") if isinstance(prop, dict) else None
            current = node.args.get(name)
            if values and len(values) > 1 and not isinstance(current, Ref | Template):
                choices.append((node.id, name, [v for v in values if v != current]))
    if not choices:
        return None
    node_id, name, values = rng.choice(choices)
    return set_arg(
        workflow,
        node_id,
        name,
        rng.choice(values),
        reason="exploration: another allowed value",
        source="random",
    )


def _sibling_tool(
    workflow: Workflow, catalog: ToolCatalog, tools: Sequence[ToolSpec], rng: random.Random
) -> Change | None:
    """Swap a step for another retrieved tool of the same server that takes at least one of its arguments."""
    nodes = list(workflow.tool_nodes)
    rng.shuffle(nodes)
    for node in nodes:
        siblings = [
            t
            for t in tools
            if t.server == node.server and t.name != node.tool and set(t.properties) & set(node.args)
        ]
        if siblings:
            return swap_tool(
                workflow,
                node.id,
                rng.choice(siblings),
                catalog,
                reason="exploration: a sibling tool",
                source="random",
            )
    return None


def _drop_unread_step(workflow: Workflow, catalog: ToolCatalog, rng: random.Random) -> Change | None:
    unread = [n.id for n in workflow.tool_nodes if not readers_of(workflow, n.id)]
    if not unread or len(workflow.tool_nodes) < 2:
        return None
    return remove_step(
        workflow, rng.choice(unread), catalog, reason="exploration: a step nothing reads", source="random"
    )
