"""A glue step that failed gives way: a `transform` whose expression failed on, or an `extract` that found
nothing in, the output of a tool step that ran is removed, and whatever read it reads that output instead.

A small model writes expressions that do not fit the data it has not seen (`length([?status == 'open'])` over a
document's text); the tool's own output then still reaches the answer, which is written from the evidence and
checked like any other. Owns that one rule; running glue steps is `execute.glue_steps`'.
"""

from __future__ import annotations

from evoflux.catalog.tools import ToolCatalog
from evoflux.execute.outcome import NodeStatus
from evoflux.repair.context import Fix, RepairContext
from evoflux.workflow.edits import Edit, remove_step, rewire
from evoflux.workflow.glue import EXTRACT, is_glue
from evoflux.workflow.graph import ToolNode, Workflow, iter_refs


def drop_failed_glue(
    workflow: Workflow, node_id: str, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """The glue step `node_id` ran, unchanged since, and failed on the one output it reads, which is there:
    its readers read that output instead and the step is removed."""
    node = workflow.node(node_id)
    if not isinstance(node, ToolNode) or not is_glue(node) or not context.unchanged(workflow, node_id):
        return None
    assert context.execution is not None
    outcome = context.execution.outcomes.get(node_id)
    if outcome is None or outcome.status is not NodeStatus.TOOL_ERROR:
        return None
    source = node.args.get("from" if node.tool == EXTRACT else "input")
    refs = list(dict.fromkeys(ref for _, ref in iter_refs(source)))
    if len(refs) != 1 or refs[0].node not in context.outputs(workflow):
        return None
    edits: list[Edit] = []
    for reader in workflow.nodes:
        for where, ref in list(dict.fromkeys(workflow.refs_of(reader))):
            if ref.node != node_id:
                continue
            arg = None if not isinstance(reader, ToolNode) else where
            why = f"{node_id} failed ({outcome.error}); {reader.id} reads what it worked on, {refs[0]}"
            workflow, edit = rewire(workflow, reader.id, arg, refs[0], old=ref, reason=why)
            edits.append(edit)
    why = f"{node_id} failed on the output of {refs[0].node}, which its readers now read"
    workflow, removed = remove_step(workflow, node_id, catalog, reason=why)
    return workflow, (*edits, removed)
