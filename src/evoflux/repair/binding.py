"""Repairs of missing required arguments: bound to an upstream output field that fits, else to the value the
other steps of the same server were given under that name, else to a task literal.

Owns choosing the source and refusing ambiguous ones; adding a lookup step when nothing upstream fits is `lookups`'.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.lexicon import base_name, name_words, stem
from evoflux.lexicon.vocabulary import (
    ACCESS_VERBS,
    CONTAINER_WORDS,
    FUNCTION_WORDS,
    GENERIC_FIELD_WORDS,
    PAIR_TAGS,
)
from evoflux.repair.arguments import top_level_target
from evoflux.repair.context import Fix, RepairContext
from evoflux.repair.fields import (
    FIT_CUTOFF,
    OutputField,
    Scored,
    clear_winner,
    node_fields,
    rank_fields,
    readable_nodes,
)
from evoflux.request.options import argument_schema
from evoflux.request.text import literal_for
from evoflux.workflow.edits import set_arg
from evoflux.workflow.graph import Ref, ToolNode, Workflow
from evoflux.workflow.issues import Issue
from evoflux.workflow.schema_check import value_fits

# Words of a tool's name that say nothing about the data it gives.
_FILLER = ACCESS_VERBS | FUNCTION_WORDS


def bind_missing(
    workflow: Workflow, issue: Issue, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """missing_required_arg: read the value from an upstream output field that clearly fits the argument's
    name and type; else the one value the other steps of its server were given under that name; else take the
    one literal of the right kind the task states (a place, a date, a number with a matching unit, a quoted
    phrase). Nothing when a source is ambiguous."""
    target = top_level_target(workflow, issue, catalog)
    if target is None:
        return None
    node, spec, name = target
    if name in node.args:
        return None
    ref = upstream_source(workflow, node, name, spec, catalog, context)
    if ref is not None:
        why = f"{name} is required; {ref} is the upstream output that fits it"
        return set_arg(workflow, node.id, name, ref, reason=why)
    shared = _shared_by_server(workflow, node, name)
    if shared is not None and value_fits(spec, name, shared):
        why = f"{name} is required; the other {node.server} steps were given {name}={shared!r}"
        return set_arg(workflow, node.id, name, shared, reason=why)
    schema = argument_schema(spec, name)
    if schema is None:
        return None
    literal = literal_for(name, schema, context.task, exclude=used_literals(workflow, node, name))
    if literal is None or not value_fits(spec, name, literal[0]):
        return None
    return set_arg(workflow, node.id, name, literal[0], reason=f"{name} is required; {literal[1]}")


def _shared_by_server(workflow: Workflow, node: ToolNode, name: str) -> Any:
    """The one plain value other steps of the node's server were given as `name`, when `name` says what the
    tools work on together (the workbook's `path`, the `database`): what they work on, this step works on too.
    A city or a date is each call's own."""
    if not set(name_words(name)) & CONTAINER_WORDS:
        return None
    given = {
        repr(value): value
        for other in workflow.tool_nodes
        if other.id != node.id and other.server == node.server and _plain(value := other.args.get(name))
    }
    return next(iter(given.values())) if len(given) == 1 else None


def upstream_source(
    workflow: Workflow,
    node: ToolNode,
    name: str,
    spec: ToolSpec,
    catalog: ToolCatalog,
    context: RepairContext,
    schema: Mapping[str, Any] | None = None,
) -> Ref | None:
    """A reference to the upstream output field that clearly fills argument `name` of `node` (of `schema`,
    by default the tool's schema for `name`), or None.

    Fields that only echo the producer's own inputs are left out, and generic names need context (see
    `_about_the_same`). Sibling arguments with the same base name (`city_id_a`, `city_id_b`) share out the
    producers in workflow order when there are exactly as many producers as siblings; producers a sibling
    already reads are left out.
    """
    schema = schema if schema is not None else argument_schema(spec, name)
    siblings = [p for p in spec.properties if p != name and base_name(p) == base_name(name)]
    taken = {node.args[s].node for s in siblings if isinstance(node.args.get(s), Ref)}
    fields = [
        f
        for other in readable_nodes(workflow, node.id)
        if other not in taken
        for f in node_fields(workflow, other, catalog, context)
        if not _echo(workflow, f) and _about_the_same(workflow, f, name, schema)
    ]
    ranked = rank_fields(fields, name, schema, spec.input_schema)
    best = clear_winner(ranked)
    if best is not None:
        return Ref(best.node, best.path)
    return _shared_out(workflow, node, name, siblings, ranked)


def _about_the_same(
    workflow: Workflow, field: OutputField, name: str, schema: Mapping[str, Any] | None
) -> bool:
    """When the field or the argument has a generic name (`name`, `id`, `value`...), the field fits only if what
    it belongs to (its own other words, its step's tool, the keys above it) shares a word with the argument's
    name or description: a city's `name`, not a country's or a `capital_name`, for "City name"."""
    if not (
        set(name_words(field.name)) <= GENERIC_FIELD_WORDS or set(name_words(name)) <= GENERIC_FIELD_WORDS
    ):
        return True
    producer = workflow.node(field.node)
    owner = set(name_words(producer.tool if isinstance(producer, ToolNode) else ""))
    owner |= {w for key in field.path if isinstance(key, str) for w in name_words(key)}
    wanted = set(name_words(name)) | set(name_words(str((schema or {}).get("description") or "")))
    telling = {stem(w) for w in owner - GENERIC_FIELD_WORDS - _FILLER}
    return bool(telling & {stem(w) for w in wanted - GENERIC_FIELD_WORDS - _FILLER})


def _echo(workflow: Workflow, field: OutputField) -> bool:
    """Whether a field just repeats one of its step's own inputs, at any depth (`get_timezone(city=...)` ->
    `city`; `compute_order_total(items=[{product_id: ...}])` -> `lines[0].product_id`)."""
    producer = workflow.node(field.node)
    return isinstance(producer, ToolNode) and base_name(field.name) in {
        base_name(k) for k in _keys(producer.args)
    }


def _keys(value: Any) -> set[str]:
    """Every object key inside an argument value."""
    if isinstance(value, Mapping):
        return set(value) | {k for item in value.values() for k in _keys(item)}
    if isinstance(value, list):
        return {k for item in value for k in _keys(item)}
    return set()


def _shared_out(
    workflow: Workflow, node: ToolNode, name: str, siblings: list[str], ranked: list[Scored]
) -> Ref | None:
    open_siblings = [s for s in siblings if s not in node.args]
    if not open_siblings:
        return None
    group = sorted([name, *open_siblings], key=_sibling_rank)
    top = ranked[0].score if ranked else 0.0
    best_per_node: dict[str, OutputField] = {}
    for scored in ranked:
        if scored.score >= top - 1e-9 and scored.field.node not in best_per_node:
            best_per_node[scored.field.node] = scored.field
    if top < FIT_CUTOFF or len(best_per_node) != len(group):
        return None
    order = [i for i in workflow.ids if i in best_per_node]
    chosen = best_per_node[order[group.index(name)]]
    return Ref(chosen.node, chosen.path)


def _sibling_rank(name: str) -> tuple[int, str]:
    tag = name_words(name)[-1] if name_words(name) else ""
    return PAIR_TAGS.get(tag, 2), name


def used_literals(workflow: Workflow, node: ToolNode, name: str) -> list[Any]:
    """Literals a task value should not be reused for: this call's other arguments, and what other calls of
    the same tool already give this argument."""
    used = [v for k, v in node.args.items() if k != name and _plain(v)]
    for other in workflow.tool_nodes:
        if other.id != node.id and other.tool_key == node.tool_key and _plain(other.args.get(name)):
            used.append(other.args[name])
    return used


def _plain(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)
