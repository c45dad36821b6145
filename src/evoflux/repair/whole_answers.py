"""An answer that reads a whole output: a record of several fields, a list of records or a whole document, where
the request asks for a value (`workflow.refs.bulk`, the test the answer check fails such an answer by); or that
reads a field a document's text has not (`{n1.daily_allowance}` of an XML string).

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
    """The answer reads an executed output of one real tool's step that is too big to answer with, or reads a
    field that a text or such a record does not have (`{n1.daily_allowance}` of a document's text, `{n1.diff}`
    of a record of years, months and days): it reads the one field the request names ("how many days" ->
    `{n1.days}`), else the value an added extraction step pulls out of that output."""
    node = workflow.node(node_id)
    if not isinstance(node, AnswerNode) or not context.task.strip():
        return None
    outputs = context.outputs(workflow)
    unusable = [
        ref
        for ref in dict.fromkeys(ref for _, ref in iter_refs(node.text))
        if _unusable(workflow, ref, outputs)
    ]
    if not unusable or len({ref.node for ref in unusable}) > 1:
        return None
    ref = unusable[0]
    source = ref if len(unusable) == 1 and _resolves(ref, outputs) else Ref(ref.node, ())
    if _extraction_failed_on(source, context):
        return None
    value = resolve_ref(source, outputs)
    named = _named_field(value, context.task) if len(unusable) == 1 else None
    if named is not None:
        narrower = Ref(ref.node, (*source.path, named))
        why = f"{ref} is {bulk(value)}; the request names its field {named!r}"
        return rewire(workflow, node_id, None, narrower, old=ref, reason=why)
    wanted = asks(context.task)
    ask = wanted[0] if len(wanted) == 1 else None
    kind = ask.kind if ask is not None and len(unusable) == 1 else ""  # several parts read as one text
    args = {
        "extract": ask.text if ask is not None else context.task,
        "from": source,
        "schema": _EXTRACT_SCHEMAS.get(kind, {"type": "string"}),
    }
    what = bulk(value) or "a text without fields"
    why = f"the answer reads {', '.join(map(str, unusable))} of {source}, {what}: pull out what the request asks"
    workflow, added = add_step(workflow, GLUE_TOOLS[EXTRACT], args, reason=why)
    extracted = Ref(added.node, ())
    edits = [added]
    for old in unusable:
        workflow, moved = rewire(
            workflow, node_id, None, extracted, old=old, reason=f"the answer reads {extracted}"
        )
        edits.append(moved)
    return workflow, tuple(edits)


def _unusable(workflow: Workflow, ref: Ref, outputs: Mapping[str, Any]) -> bool:
    """Whether `ref` reads an executed output of a real tool's step that is too big to answer with, or a field
    of a text, or a key a record too big to answer with does not have (a record's missing key with a clear
    match is `references.fix_reference_paths`' to mend first; an empty list where the key is there is no
    reason to extract)."""
    target = workflow.node(ref.node)
    if not isinstance(target, ToolNode) or is_pseudo(target) or ref.node not in outputs:
        return False
    if _resolves(ref, outputs):
        return bulk(resolve_ref(ref, outputs)) is not None
    whole = outputs[ref.node]
    if isinstance(whole, str):
        return True
    first = next((step for step in ref.path if isinstance(step, str)), None)
    return isinstance(whole, Mapping) and bulk(whole) is not None and first is not None and first not in whole


def _resolves(ref: Ref, outputs: Mapping[str, Any]) -> bool:
    try:
        resolve_ref(ref, outputs)
    except UnresolvedReference:
        return False
    return True


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
