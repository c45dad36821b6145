"""An answer that reads a whole output: a record of several fields, a list of records or a whole document, where
the request asks for a value (`workflow.refs.bulk`, the test the answer check fails such an answer by).

The deterministic path first: a record with one field named by the request's own words (`sheets` for "what
sheets ...") is read at that field. Otherwise an `evoflux:extract` step pulls the value the request asks for
out of the output, typed by what the request asks (a number, a list, yes or no), and the answer reads it. Owns
that one rule; running the extraction is `execute.glue_steps`'.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evoflux.catalog.tools import ToolCatalog
from evoflux.execute.outcome import NodeStatus
from evoflux.lexicon import name_words, stem
from evoflux.repair.context import Fix, RepairContext
from evoflux.request.asks import LIST, NUMBER, YES_NO, asks, words_of
from evoflux.workflow.edits import add_step, rewire
from evoflux.workflow.glue import EXTRACT, GLUE_TOOLS, is_pseudo
from evoflux.workflow.graph import AnswerNode, Ref, ToolNode, Workflow, iter_refs
from evoflux.workflow.refs import UnresolvedReference, bulk, resolve_ref

# The value an extraction returns, by the kind of value the request asks for; a string when it does not say.
_EXTRACT_SCHEMAS: dict[str, dict[str, Any]] = {
    NUMBER: {"type": "number"},
    LIST: {"type": "array", "items": {"type": "string"}},
    YES_NO: {"type": "boolean"},
}


def answer_from_whole_output(
    workflow: Workflow, node_id: str, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """The answer reads one executed output of a real tool that is too big to answer with: it reads the one
    field the request names, else the value an added extraction step pulls out of that output."""
    node = workflow.node(node_id)
    if not isinstance(node, AnswerNode) or not context.task.strip():
        return None
    outputs = context.outputs(workflow)
    whole = [
        ref
        for ref in dict.fromkeys(ref for _, ref in iter_refs(node.text))
        if _reads_bulk(workflow, ref, outputs)
    ]
    if len(whole) != 1 or _extraction_failed_on(whole[0], context):
        return None
    ref = whole[0]
    value = resolve_ref(ref, outputs)
    named = _named_field(value, context.task)
    if named is not None:
        narrower = Ref(ref.node, (*ref.path, named))
        why = f"{ref} is {bulk(value)}; the request names its field {named!r}"
        return rewire(workflow, node_id, None, narrower, old=ref, reason=why)
    wanted = asks(context.task)
    ask = wanted[0] if len(wanted) == 1 else None
    args = {
        "extract": ask.text if ask is not None else context.task,
        "from": ref,
        "schema": _EXTRACT_SCHEMAS.get(ask.kind if ask is not None else "", {"type": "string"}),
    }
    why = f"the answer reads {ref}, {bulk(value)}: pull out the value the request asks for"
    workflow, added = add_step(workflow, GLUE_TOOLS[EXTRACT], args, reason=why)
    extracted = Ref(added.node, ())
    workflow, moved = rewire(
        workflow, node_id, None, extracted, old=ref, reason=f"the answer reads {extracted}"
    )
    return workflow, (added, moved)


def _reads_bulk(workflow: Workflow, ref: Ref, outputs: Mapping[str, Any]) -> bool:
    """Whether `ref` reads an executed output of a real tool's step that is too big to answer with."""
    target = workflow.node(ref.node)
    if not isinstance(target, ToolNode) or is_pseudo(target) or ref.node not in outputs:
        return False
    try:
        return bulk(resolve_ref(ref, outputs)) is not None
    except UnresolvedReference:
        return False


def _named_field(value: Any, task: str) -> str | None:
    """The one key of a record whose every name word the request uses (`sheets` in "what sheets ..."), when
    what it holds is no longer too big to answer with; None for anything but a record, or no clear one."""
    if not isinstance(value, Mapping):
        return None
    said = {stem(word) for word in words_of(task)}
    named = [
        key
        for key in value
        if (words := name_words(str(key)))
        and all(stem(w) in said for w in words)
        and bulk(value[key]) is None
    ]
    return str(named[0]) if len(named) == 1 else None


def _extraction_failed_on(ref: Ref, context: RepairContext) -> bool:
    """Whether the last run already tried extracting from `ref`, and the extraction failed: asking again would
    spend a model call on the same answer."""
    execution = context.execution
    if execution is None:
        return False
    for step in execution.workflow.tool_nodes:
        outcome = execution.outcomes.get(step.id)
        if (
            step.tool != EXTRACT
            or not is_pseudo(step)
            or outcome is None
            or outcome.status is not NodeStatus.TOOL_ERROR
        ):
            continue
        if ref in {found for _, found in iter_refs(step.args.get("from"))}:
            return True
    return False
