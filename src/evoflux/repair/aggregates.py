"""Lists in the answer. Counting in a step, not in the model's head: a request that asks how many, answered by a
template that reads a whole list, gets a `transform` step that counts the list, and the answer reads the count.
A request that asks for a list (`What sheets ...`, `Which books ...`), answered by a template that reads only the
first of several items (`{n1.sheets[0].name}`), reads every item instead (`{n1.sheets[*].name}`).

Owns those two rules; the transform itself is `workflow.glue`'s. They act on what the list is known to be: the
executed value (tools without an output schema) or else the output schema at the referenced path.
"""

from __future__ import annotations

import re

from evoflux.catalog.tools import ToolCatalog
from evoflux.lexicon.wording import COUNT_PHRASES, alternatives
from evoflux.repair.context import Fix, RepairContext
from evoflux.request.asks import LIST, NUMBER, asks
from evoflux.workflow.edits import add_step, rewire
from evoflux.workflow.glue import GLUE_TOOLS, TRANSFORM, is_pseudo
from evoflux.workflow.graph import STAR, AnswerNode, Ref, ToolNode, Workflow, iter_refs
from evoflux.workflow.refs import UnresolvedReference, resolve_ref
from evoflux.workflow.schema_read import schema_at, schema_types

_ASKS_COUNT = re.compile(rf"\b{alternatives(COUNT_PHRASES)}\b", re.IGNORECASE)
COUNT = "length(@)"


def count_listed_answer(
    workflow: Workflow, node_id: str, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """The answer of a request that asks how many reads one list: add `evoflux:transform` counting it and read
    the count instead."""
    node = workflow.node(node_id)
    if not isinstance(node, AnswerNode) or not _ASKS_COUNT.search(context.task):
        return None
    refs = list(dict.fromkeys(ref for _, ref in iter_refs(node.text)))
    listed = [ref for ref in refs if _is_list(workflow, ref, catalog, context)]
    if len(listed) != 1:  # none, or several lists: which one is counted would be a guess
        return None
    ref = listed[0]
    why = f"the request asks how many and the answer reads the list {ref}: count it in a step"
    workflow, added = add_step(
        workflow, GLUE_TOOLS[TRANSFORM], {"input": ref, "expression": COUNT}, reason=why
    )
    count = Ref(added.node, ())
    workflow, moved = rewire(
        workflow, node_id, None, count, old=ref, reason=f"the answer reads the count {count}"
    )
    return workflow, (added, moved)


def list_every_item(
    workflow: Workflow, node_id: str, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """The answer of a request that asks for a list (and no count) reads the first item of an executed list of
    several: it reads every item instead."""
    node = workflow.node(node_id)
    kinds = {ask.kind for ask in asks(context.task)}
    if not isinstance(node, AnswerNode) or LIST not in kinds or NUMBER in kinds:
        return None
    for ref in dict.fromkeys(ref for _, ref in iter_refs(node.text)):
        if 0 not in ref.path:
            continue
        at = ref.path.index(0)
        if _is_list(workflow, Ref(ref.node, ref.path[:at]), catalog, context, several=True):
            every = Ref(ref.node, (*ref.path[:at], STAR, *ref.path[at + 1 :]))
            why = f"the request asks for a list and the answer reads only its first item {ref}"
            return rewire(workflow, node_id, None, every, old=ref, reason=why)
    return None


def _is_list(
    workflow: Workflow, ref: Ref, catalog: ToolCatalog, context: RepairContext, *, several: bool = False
) -> bool:
    """Whether `ref` reads a list of a real tool's step: its executed value, else its output schema, says so;
    with `several`, an executed list of more than one item."""
    target = workflow.node(ref.node)
    if not isinstance(target, ToolNode) or is_pseudo(target):
        return False
    outputs = context.outputs(workflow)
    if ref.node in outputs:
        try:
            value = resolve_ref(ref, outputs)
        except UnresolvedReference:
            return False
        return isinstance(value, list) and len(value) > (1 if several else 0)
    spec = catalog.get(target.server, target.tool)
    if several or spec is None or not spec.output_schema:
        return False
    found = schema_at(spec.output_schema, ref.path)
    return found is not None and schema_types(found) == {"array"}
