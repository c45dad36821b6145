"""Repairs of references: bad targets re-pointed, missing paths moved to the nearest field, whole outputs narrowed,
values that do not fit read from the field that does.

Owns where a reference should point; cycles and waits are `structure`'s.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from evoflux.catalog.tools import ToolCatalog
from evoflux.execute.outcome import NodeOutcome, NodeStatus
from evoflux.lexicon import name_words, squash
from evoflux.repair.arguments import issue_path
from evoflux.repair.context import Fix, RepairContext
from evoflux.repair.fields import (
    DEPTH_PENALTY,
    FIT_CUTOFF,
    PATTERN_BONUS,
    OutputField,
    Scored,
    clear_winner,
    name_fit,
    node_fields,
    readable_nodes,
    types_fit,
    value_matches,
)
from evoflux.request.options import argument_schema
from evoflux.workflow.edits import remove_wait, rewire, set_arg
from evoflux.workflow.glue import is_glue
from evoflux.workflow.graph import AnswerNode, Node, PathStep, Ref, ToolNode, Workflow, iter_refs
from evoflux.workflow.issues import Issue, IssueCode
from evoflux.workflow.paths import get_arg
from evoflux.workflow.refs import UnresolvedReference, resolve_ref
from evoflux.workflow.schema_read import resolve_local, schema_at, schema_types

Path = tuple[PathStep, ...]
_CONSUMER_WEIGHT = 0.2
_SCALARS = frozenset({"string", "number", "integer", "boolean"})


# ---------------------------------------------------------------- bad targets


def retarget_reference(
    workflow: Workflow, issue: Issue, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """ref_missing_node / ref_self / ref_to_answer: point the reference at the one upstream step whose output
    has the path (a missing id may also be matched up to case, `$N2` -> `n2`, or by its number, `$step2` ->
    `n2`), else at the field that clearly fits, else (a glue step) at the whole output of the tool step it
    follows; an `after` entry with a bad target is dropped."""
    node = workflow.node(issue.node or "")
    if node is None or workflow.ids.count(node.id) > 1:
        return None
    if issue.arg == "after":
        bad = [t for t in node.after if _bad_target(workflow, node, t, issue.code)]
        if not bad:
            return None
        return remove_wait(
            workflow, node.id, bad[0], reason=f"{node.id} cannot wait for {bad[0]!r}: {issue.message}"
        )
    path = issue_path(issue) if isinstance(node, ToolNode) else None
    value = get_arg(node.args, path, None) if isinstance(node, ToolNode) and path else _answer_text(node)
    for _, ref in iter_refs(value):
        if not _bad_target(workflow, node, ref.node, issue.code):
            continue
        new = _alternative(
            workflow, node, ref, path, catalog, context, by_number=issue.code is IssueCode.REF_MISSING_NODE
        )
        if new is not None:
            why = f"{ref} {_problem(issue.code)}; {new} is the upstream output it means"
            return rewire(workflow, node.id, path, new, old=ref, reason=why)
    return None


def _answer_text(node: Node) -> Any:
    return node.text if isinstance(node, AnswerNode) else None


def _bad_target(workflow: Workflow, node: Node, target: str, code: IssueCode) -> bool:
    found = workflow.node(target)
    if code is IssueCode.REF_MISSING_NODE:
        return found is None
    if code is IssueCode.REF_SELF:
        return target == node.id
    return code is IssueCode.REF_TO_ANSWER and isinstance(found, AnswerNode)


def _problem(code: IssueCode) -> str:
    return {IssueCode.REF_MISSING_NODE: "names no node", IssueCode.REF_SELF: "reads its own step"}.get(
        code, "reads the answer"
    )


def _alternative(
    workflow: Workflow,
    node: Node,
    ref: Ref,
    path: Path | None,
    catalog: ToolCatalog,
    context: RepairContext,
    *,
    by_number: bool,
) -> Ref | None:
    candidates = [c for c in readable_nodes(workflow, node.id) if c != ref.node]
    if ref.path:
        having = [c for c in candidates if path_exists(workflow, Ref(c, ref.path), catalog, context)]
        if len(having) == 1:
            return Ref(having[0], ref.path)
    if by_number:
        for same_id in (squash, _digits):
            same = [c for c in candidates if same_id(c) and same_id(c) == same_id(ref.node)]
            if (
                len(same) == 1
                and path_exists(workflow, Ref(same[0], ref.path), catalog, context) is not False
            ):
                return Ref(same[0], ref.path)
    if ref.path:
        consumer, schema = _consumer(workflow, node, path, catalog)
        fields = [f for c in candidates for f in node_fields(workflow, c, catalog, context)]
        best = clear_winner(_rank_paths(fields, ref.path, consumer, schema))
        if best is not None:
            return Ref(best.node, best.path)
    return _glue_source(workflow, node, candidates) if isinstance(node, ToolNode) and is_glue(node) else None


def _glue_source(workflow: Workflow, node: ToolNode, candidates: list[str]) -> Ref | None:
    """What a glue step with a bad reference works on: the whole output of the last tool step listed before
    it, else of the one tool step it can read (a glue step is written after what it counts or reads)."""
    tools = [c for c in candidates if isinstance(step := workflow.node(c), ToolNode) and not is_glue(step)]
    at = workflow.ids.index(node.id)
    before = [c for c in tools if workflow.ids.index(c) < at]
    chosen = before[-1] if before else (tools[0] if len(tools) == 1 else None)
    return Ref(chosen, ()) if chosen is not None else None


def _digits(node_id: str) -> str:
    return "/".join(re.findall(r"\d+", node_id))


# ---------------------------------------------------------------- paths


def _output_schema(workflow: Workflow, node_id: str, catalog: ToolCatalog) -> Mapping[str, Any] | None:
    """The output schema of a tool step's tool, declared or observed."""
    target = workflow.node(node_id)
    spec = catalog.get(target.server, target.tool) if isinstance(target, ToolNode) else None
    return spec.result_schema if spec is not None and spec.result_schema else None


def path_exists(workflow: Workflow, ref: Ref, catalog: ToolCatalog, context: RepairContext) -> bool | None:
    """Whether `ref` resolves: against the executed output when there is one, else the output schema;
    None when neither says."""
    outputs = context.outputs(workflow)
    if ref.node in outputs:
        try:
            resolve_ref(ref, outputs)
        except UnresolvedReference:
            return False
        return True
    schema = _output_schema(workflow, ref.node, catalog)
    if schema is None:
        return None
    found = schema_at(schema, ref.path)
    return None if found == {} and ref.path else found is not None


def fix_reference_paths(
    workflow: Workflow, node_id: str, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """A reference whose path the target's output lacks (executed value, else output schema) moves to the
    nearest existing field: `$n1.temperature_c` -> `$n1.temperature`, `$n1.stations.station_id` ->
    `$n1.stations[0].station_id`, `$n1.id` -> `$n1.stations[0].station_id` when the argument is a station id.
    A field of a step that returned text reads the whole text (`$n1.result` -> `$n1`)."""
    node = workflow.node(node_id)
    if node is None or workflow.ids.count(node_id) > 1:
        return None
    outputs = context.outputs(workflow)
    for where, ref in workflow.refs_of(node):
        if not ref.path or ref.node == node_id or path_exists(workflow, ref, catalog, context) is not False:
            continue
        arg = where if isinstance(node, ToolNode) else None
        consumer, schema = _consumer(workflow, node, arg, catalog)
        if isinstance(outputs.get(ref.node), str) and (
            arg is None or _takes_text(schema, get_arg(node.args, arg, None), ref)
        ):
            # A text-only tool has no fields: the answer quotes its whole text, an argument reads all of it.
            reader = "the answer quotes" if arg is None else f"{consumer or 'the argument'} reads"
            why = f"{ref.node} returned text, not fields; {reader} it whole"
            return rewire(workflow, node.id, arg, Ref(ref.node), old=ref, reason=why)
        fields = node_fields(workflow, ref.node, catalog, context)
        best = clear_winner(_rank_paths(fields, ref.path, consumer, schema))
        if best is not None and best.path != ref.path:
            new = Ref(ref.node, best.path)
            why = f"the output of {ref.node} has no {ref}; {new} is the nearest field"
            return rewire(workflow, node.id, arg, new, old=ref, reason=why)
    return None


def read_producer_argument(
    workflow: Workflow, node_id: str, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """An argument that reads a field the target's output lacks but the target was given as an argument
    (`path` from `$n1.path`, where n1 described the workbook at that path) takes the target's own argument
    value: the model referred back to an input, not to something the tool returned."""
    node = workflow.node(node_id)
    if not isinstance(node, ToolNode) or workflow.ids.count(node_id) > 1:
        return None
    for where, ref in workflow.refs_of(node):
        target = workflow.node(ref.node)
        if (
            len(ref.path) != 1
            or not isinstance(ref.path[0], str)
            or not isinstance(target, ToolNode)
            or get_arg(node.args, where, None) != ref
            or path_exists(workflow, ref, catalog, context) is not False
        ):
            continue
        given = _same_named_arg(target, ref.path[0])
        if given is not None:
            why = f"{ref.node}'s output has no {ref.path[0]}; {ref.node} was given {ref.path[0]}={given!r}"
            return set_arg(workflow, node.id, where, given, reason=why)
    return None


def _same_named_arg(node: ToolNode, key: str) -> Any:
    """The value of the node's argument named `key` (by its words, so `fileName` is `file_name`), if one."""
    words = name_words(key)
    found = [value for name, value in node.args.items() if name_words(name) == words]
    return found[0] if len(found) == 1 else None


def _takes_text(schema: Mapping[str, Any] | None, value: Any, ref: Ref) -> bool:
    """Whether an argument holding just `ref` may read a whole text instead: it takes a string, or says nothing."""
    return value == ref and (schema is None or not schema_types(schema) or "string" in schema_types(schema))


def rebind_misfit_reference(
    workflow: Workflow, outcome: NodeOutcome, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """A call rejected because a referenced value does not fit the argument's pattern or enum (`date` read
    from `$n1.origin`, "Amsterdam, NL"): the reference moves to the one field of the same step whose
    executed value fits (`$n1.estimated_delivery_date`), the closest by name when several do."""
    if outcome.status is not NodeStatus.SCHEMA_REJECTED or not context.unchanged(workflow, outcome.node):
        return None
    node = workflow.node(outcome.node)
    if not isinstance(node, ToolNode) or not isinstance(outcome.args, dict):
        return None
    spec = catalog.get(node.server, node.tool)
    for name, ref in node.args.items():
        schema = argument_schema(spec, name)
        if not isinstance(ref, Ref) or schema is None or name not in outcome.args:
            continue
        given = OutputField(ref.node, ref.path, {}, outcome.args[name], executed=True)
        if value_matches(schema, given) is not False:
            continue
        fitting = [
            f for f in node_fields(workflow, ref.node, catalog, context) if value_matches(schema, f) is True
        ]
        best = clear_winner(_rank_paths(fitting, (), name, schema), 0.0)
        if best is not None and best.path != ref.path:
            new = Ref(ref.node, best.path)
            why = f"{name}={outcome.args[name]!r} from {ref} does not fit its schema; {new} holds a value that does"
            return rewire(workflow, node.id, name, new, old=ref, reason=why)
    return None


def _consumer(
    workflow: Workflow, node: Node, path: Path | None, catalog: ToolCatalog
) -> tuple[str, Mapping[str, Any] | None]:
    """The argument name a reference fills and its schema (both empty for the answer or nested values)."""
    if not isinstance(node, ToolNode) or not path or len(path) != 1 or not isinstance(path[0], str):
        return "", None
    spec = catalog.get(node.server, node.tool)
    return path[0], argument_schema(spec, path[0])


def _rank_paths(
    fields: list[OutputField], wanted: Path, consumer: str, schema: Mapping[str, Any] | None
) -> list[Scored]:
    """Fields scored against a wanted path: the same keys with list steps added count 1.0, else how well the
    last key fits the field name; plus 0.2 times how well the field fits the consuming argument's name. With
    no wanted path only the consuming argument's name counts."""
    keys = [s for s in wanted if isinstance(s, str)]
    scored = []
    for field in fields:
        if schema is not None and (not types_fit(schema, field) or value_matches(schema, field) is False):
            continue
        if not keys:
            score = name_fit(consumer, field.name)
        else:
            same_keys = [s for s in field.path if isinstance(s, str)] == keys
            score = 1.0 if same_keys else name_fit(keys[-1], field.name)
            if consumer:
                score += _CONSUMER_WEIGHT * name_fit(consumer, field.name)
        if schema is not None and value_matches(schema, field):
            score += PATTERN_BONUS
        scored.append(Scored(field, score - DEPTH_PENALTY * len(field.path)))
    return sorted(scored, key=lambda s: -s.score)


# ---------------------------------------------------------------- whole outputs


def narrow_whole_output(
    workflow: Workflow, node_id: str, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """An argument that reads a whole object or list where the schema wants a single value gets the field
    inside it that clearly fits the argument (by name, type and, when executed, pattern)."""
    node = workflow.node(node_id)
    if not isinstance(node, ToolNode) or workflow.ids.count(node_id) > 1:
        return None
    spec = catalog.get(node.server, node.tool)
    for name, value in node.args.items():
        schema = argument_schema(spec, name)
        if not isinstance(value, Ref) or schema is None or not _needs_scalar(schema, spec.input_schema):
            continue
        inner = [
            f
            for f in node_fields(workflow, value.node, catalog, context)
            if f.path[: len(value.path)] == value.path
        ]
        if not _is_container(workflow, value, inner, catalog, context):
            continue
        best = clear_winner(_rank_paths(inner, (), name, schema), FIT_CUTOFF)
        if best is not None:
            new = Ref(value.node, best.path)
            why = f"{name} needs a single value but {value} is a whole object; {new} is the field that fits"
            return rewire(workflow, node.id, name, new, old=value, reason=why)
    return None


def _needs_scalar(schema: Mapping[str, Any], root: Mapping[str, Any]) -> bool:
    types = schema_types(resolve_local(schema, root))
    return bool(types) and types <= _SCALARS | {"null"}


def _is_container(
    workflow: Workflow, ref: Ref, inner: list[OutputField], catalog: ToolCatalog, context: RepairContext
) -> bool:
    """Whether `ref` yields an object or list: by the executed value, else by the schema at its path."""
    outputs = context.outputs(workflow)
    if ref.node in outputs:
        try:
            return isinstance(resolve_ref(ref, outputs), Mapping | list)
        except UnresolvedReference:
            return False
    schema = _output_schema(workflow, ref.node, catalog)
    if schema is None:
        return False
    found = schema_at(schema, ref.path)
    if not found or not inner:
        return False
    return bool(schema_types(found) & {"object", "array"}) or "properties" in found
