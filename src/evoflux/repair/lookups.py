"""Repairs of invented ids: a made-up or missing id is bound upstream, else a lookup step that yields it is added.

Owns choosing the lookup tool and filling its inputs; binding to an existing field is `binding`'s.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from evoflux.catalog.retrieval import is_lookup_name, lookup_arguments, produces
from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.execute.outcome import NodeOutcome, NodeStatus
from evoflux.lexicon import base_name, name_words
from evoflux.repair.arguments import issue_path, node_and_spec
from evoflux.repair.binding import upstream_source
from evoflux.repair.context import Fix, RepairContext, names_unknown_value
from evoflux.repair.fields import (
    FILTER_WORDS,
    OutputField,
    clear_winner,
    node_fields,
    rank_fields,
    readable_nodes,
)
from evoflux.request.checks import made_up_ids
from evoflux.request.options import argument_schema
from evoflux.request.text import country_codes, literal_for, task_literals
from evoflux.workflow.edits import add_step, set_arg
from evoflux.workflow.graph import Node, PathStep, Ref, ToolNode, Workflow, format_path, iter_refs
from evoflux.workflow.issues import Issue, IssueCode
from evoflux.workflow.paths import get_arg
from evoflux.workflow.refs import UnresolvedReference, resolve_ref
from evoflux.workflow.schema_check import value_fits
from evoflux.workflow.schema_read import schema_at, schema_fields, schema_types
from evoflux.workflow.validators import VALIDATOR_SERVER

Path = tuple[PathStep, ...]
# Plain words (a name or a title), not an id: letters, spaces and light punctuation, some lower-case, no digits.
_TEXT_LIKE = re.compile(r"(?=.*[a-z])[^\W\d_](?:[^\W\d_]|[ .,'’&-])*")


def look_up_invented_id(
    workflow: Workflow, issue: Issue, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """arg_pattern / missing_required_arg on a lookup argument (`lookup_arguments`), at the top level or
    inside a list of objects (`items[0].product_id`): see `look_up`. The value is surely no id of this kind
    (or absent), so a search may also be for the one name of the task no step has used (`by_name`):
    "COFFEE15" as a product id, for "two Conical Burr Coffee Grinders with the COFFEE15 coupon"."""
    found = node_and_spec(workflow, issue.node, catalog)
    path = issue_path(issue)
    if found is None or not path or not isinstance(path[-1], str) or not isinstance(path[0], str):
        return None
    node, spec = found
    if not _is_lookup(spec, path):
        return None
    value = get_arg(node.args, path, None)
    if issue.code is IssueCode.ARG_PATTERN and not isinstance(value, str):
        return None
    if issue.code is IssueCode.MISSING_REQUIRED_ARG and value is not None:
        return None
    invented = value if isinstance(value, str) else None
    return look_up(workflow, node, spec, path, invented, catalog, context, by_name=True)


def _is_lookup(spec: ToolSpec, path: Path) -> bool:
    """Whether the argument at `path` is one a caller must look up: a lookup argument of the tool, or a
    required lookup-named key of an object inside an argument."""
    if len(path) == 1:
        return path[0] in lookup_arguments(spec)
    parent = schema_at(spec.input_schema, path[:-1])
    required = parent.get("required") if parent else None
    return isinstance(required, list) and path[-1] in required and is_lookup_name(str(path[-1]))


def look_up_unknown_id(
    workflow: Workflow, outcome: NodeOutcome, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """A call that failed because the server knows no such id (`Unknown station 'WX-MAD-99'`): see `look_up`."""
    if outcome.status is not NodeStatus.TOOL_ERROR or not context.unchanged(workflow, outcome.node):
        return None
    found = node_and_spec(workflow, outcome.node, catalog)
    if found is None:
        return None
    node, spec = found
    for name in lookup_arguments(spec):
        value = node.args.get(name)
        if isinstance(value, str) and names_unknown_value(outcome.error, value):
            return look_up(workflow, node, spec, (name,), value, catalog, context)
    return None


def look_up_misread_id(
    workflow: Workflow, outcome: NodeOutcome, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """A call rejected because a lookup argument reads the wrong kind of id from an upstream step
    (`station_id` from `$n1.capital_city_id`, "CTY-0029" against `^WX-...`): see `look_up`; the lookup
    takes its inputs from what the misread step was given or returned (`city="Rome"`) before anything else."""
    if outcome.status is not NodeStatus.SCHEMA_REJECTED or not context.unchanged(workflow, outcome.node):
        return None
    found = node_and_spec(workflow, outcome.node, catalog)
    if found is None or not isinstance(outcome.args, dict):
        return None
    node, spec = found
    for name in lookup_arguments(spec):
        ref = node.args.get(name)
        if not isinstance(ref, Ref) or name not in outcome.args or value_fits(spec, name, outcome.args[name]):
            continue
        source = workflow.node(ref.node)
        misread = source if isinstance(source, ToolNode) else None
        fix = look_up(workflow, node, spec, (name,), None, catalog, context, misread)
        if fix is not None:
            return fix
    return None


def look_up_made_up_id(
    workflow: Workflow, node_id: str, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """A lookup argument given as a literal nothing supports (`station_id="WX-OSL-01"` for a request about
    Reykjavik, with no step that returned it): see `look_up`."""
    found = node_and_spec(workflow, node_id, catalog)
    if found is None:
        return None
    node, spec = found
    others = [output for other, output in context.outputs(workflow).items() if other != node_id]
    for name in made_up_ids(node, spec, context.task, others):
        fix = look_up(workflow, node, spec, (name,), node.args[name], catalog, context)
        if fix is not None:
            return fix
    return None


def look_up(
    workflow: Workflow,
    node: ToolNode,
    spec: ToolSpec,
    at: Path,
    invented: str | float | None,
    catalog: ToolCatalog,
    context: RepairContext,
    misread: ToolNode | None = None,
    *,
    by_name: bool = False,
) -> Fix | None:
    """Bind the argument `at` (named `name`, its last key) to an upstream field that fits (when the invented
    value spells a name of the task, only a field of a step given or returning that name); else add the
    cheapest step of a tool that yields it (`retrieval.produces`, same server first, fewest required
    arguments) whose inputs can be filled from the `misread` step's inputs and outputs of the same name,
    the invented value (when it is plain words, as the task spells it), the task text, the same argument
    elsewhere in the workflow, or (`by_name`) the one name of the task no step has used, and bind every
    call that passed the same invented value to `$new.<field>`. Producers the misread step alone can fill
    come first: its values beat a guess from the task text. A producer that would only list everything (no
    filter filled) is not used: its first item would be a guess. A made-up number (`invented` a number) may
    also be read through a producer whose own id nothing gives (`_chained`)."""
    name, where = str(at[-1]), format_path(at)
    if misread is not None:
        written = f"{where} from {misread.id} is the wrong kind of id"
    elif isinstance(invented, str):
        written = f"{where}={invented!r} is not a looked-up id"
    elif invented is not None:
        written = f"{where}={invented!r} is made up"
    else:
        written = f"the missing {where} is not a looked-up id"
    schema = schema_at(spec.input_schema, at)
    named = task_spelling(invented, context.task) if isinstance(invented, str) else None
    ref = upstream_source(workflow, node, name, spec, catalog, context, schema)
    if (
        ref is not None
        and (misread is None or _same_subject(workflow, misread, ref.node))
        and (named is None or _mentions(workflow, ref.node, named, context))
    ):
        return set_arg(workflow, node.id, at, ref, reason=f"{written}; {ref} holds it")
    producers = sorted(
        (t for t in catalog if t.server != VALIDATOR_SERVER and t.key != spec.key and produces(t, name)),
        key=lambda t: (t.server != spec.server, len(t.required), t.key),
    )
    consumers: list[tuple[str, Path]] = [(node.id, at)] + [
        (n.id, (name,))
        for n in workflow.tool_nodes
        if invented is not None
        and n.id != node.id
        and n.args.get(name) == invented
        and workflow.ids.count(n.id) == 1
    ]
    paths = {producer.key: output_path(producer, name, schema, spec) for producer in producers}
    if misread is not None:
        for producer in producers:  # what the misread step was given or returned beats a guess from the task
            args = filled_inputs(producer, None, misread, node, workflow, catalog, context, only_misread=True)
            if paths[producer.key] is not None and args is not None:
                return _added(workflow, producer, args, paths[producer.key], consumers, written)
        for producer in producers:
            path = paths[producer.key]
            bridged = _bridged(workflow, node, at, producer, path, catalog, context) if path else None
            if bridged is not None:
                return bridged
    for producer in producers:
        args = filled_inputs(producer, invented, misread, node, workflow, catalog, context, by_name=by_name)
        if paths[producer.key] is not None and args is not None:
            return _added(workflow, producer, args, paths[producer.key], consumers, written)
    # An id goes through its own producers only: a guessed search for it finds the wrong thing.
    if not isinstance(invented, int | float):
        return None
    for producer in producers:
        path = paths[producer.key]
        chained = (
            _chained(workflow, node, producer, path, consumers, written, catalog, context) if path else None
        )
        if chained is not None:
            return chained
    return None


def _added(
    workflow: Workflow,
    producer: ToolSpec,
    args: dict[str, Any],
    path: Path,
    consumers: list[tuple[str, Path]],
    written: str,
) -> Fix:
    shown = ", ".join(f"{k}={v!r}" for k, v in args.items())
    why = f"{written}; {producer.key}({shown}) finds it"
    return add_step(workflow, producer, args, bind={c: path for c in consumers}, reason=why)


def _chained(
    workflow: Workflow,
    consumer: ToolNode,
    producer: ToolSpec,
    path: Path,
    consumers: list[tuple[str, Path]],
    written: str,
    catalog: ToolCatalog,
    context: RepairContext,
) -> Fix | None:
    """The producer's one required argument is an id nothing fills (`get_product` needs a `product_id` to
    give a weight): a step that finds that id (`search_products(query="Barista Pro")`, searching for the one
    name of the task no step has used) is added first, and the producer reads it."""
    if len(producer.required) != 1 or producer.required[0] not in lookup_arguments(producer):
        return None
    inner = producer.required[0]
    finders = sorted(
        (
            t
            for t in catalog
            if t.server != VALIDATOR_SERVER
            and t.key not in (producer.key, consumer.tool_key)
            and produces(t, inner)
        ),
        key=lambda t: (t.server != producer.server, len(t.required), t.key),
    )
    for finder in finders:
        found = output_path(finder, inner, argument_schema(producer, inner), producer)
        args = (
            filled_inputs(finder, None, None, consumer, workflow, catalog, context, by_name=True)
            if found
            else None
        )
        if found is None or args is None:
            continue
        shown = ", ".join(f"{k}={v!r}" for k, v in args.items())
        why = f"{written}; {producer.key} gives it from the {inner} that {finder.key}({shown}) finds"
        workflow, first = add_step(workflow, finder, args, reason=why)
        why = f"{producer.key} gives {format_path(consumers[0][1])} for the {inner} {first.node} found"
        workflow, second = add_step(
            workflow, producer, {inner: Ref(first.node, found)}, bind={c: path for c in consumers}, reason=why
        )
        return workflow, (first, second)
    return None


def _bridged(
    workflow: Workflow,
    node: ToolNode,
    at: Path,
    producer: ToolSpec,
    path: Path,
    catalog: ToolCatalog,
    context: RepairContext,
) -> Fix | None:
    """The misread value is an id of another kind (`capital_city_id` "CTY-0029" where a station id belongs)
    and the producer needs what that id leads to (`lat`, `lon`): a tool that takes the id and returns
    those (`get_city`) bridges the two, and both steps are added, the producer bound at `at`."""
    ref = get_arg(node.args, at, None)
    if not isinstance(ref, Ref) or not producer.required:
        return None
    try:
        value = resolve_ref(ref, context.outputs(workflow))
    except UnresolvedReference:
        return None
    for bridge in catalog:
        if bridge.server == VALIDATOR_SERVER or bridge.key in (producer.key, node.tool_key):
            continue
        takes = _takes_id(bridge, ref, value)
        outputs = {
            base_name(str(p[0])): p for p, _ in schema_fields(bridge.output_schema or {}) if len(p) == 1
        }
        given = {arg: outputs.get(base_name(arg)) for arg in producer.required}
        if takes is None or None in given.values():
            continue
        why = f"{format_path(at)} from {ref.node} is the wrong kind of id; {bridge.key} turns {value!r} into "
        why += f"{', '.join(given)} for {producer.key}"
        workflow, first = add_step(workflow, bridge, {takes: ref}, reason=why)
        args = {arg: Ref(first.node, out) for arg, out in given.items() if out is not None}
        why = f"{producer.key} finds {format_path(at)} from what {first.node} returned"
        workflow, second = add_step(workflow, producer, args, bind={(node.id, at): path}, reason=why)
        return workflow, (first, second)
    return None


def _takes_id(tool: ToolSpec, ref: Ref, value: Any) -> str | None:
    """The one required argument of `tool`, when it is a lookup argument that takes `value`: its pattern
    accepts it, or (no pattern) its name ends the misread field's name (`city_id` for `capital_city_id`)."""
    if (
        len(tool.required) != 1
        or not isinstance(value, str)
        or tool.required[0] not in lookup_arguments(tool)
    ):
        return None
    name = tool.required[0]
    schema = argument_schema(tool, name) or {}
    field = name_words(str(ref.path[-1])) if ref.path else []
    words = name_words(name)
    if "pattern" in schema:
        return name if value_fits(tool, name, value) else None
    return name if field[-len(words) :] == words else None


def _same_subject(workflow: Workflow, misread: ToolNode, other_id: str) -> bool:
    """Whether step `other_id` is about what the misread step was about: it reads the misread step, or
    they were given a literal in common (`city="Lisbon"`). Another city's station is no replacement."""
    other = workflow.node(other_id)
    if not isinstance(other, ToolNode):
        return False
    if any(ref.node == misread.id for _, ref in iter_refs(other.args)):
        return True
    given = {
        json.dumps(v, sort_keys=True, default=str) for v in misread.args.values() if not isinstance(v, Ref)
    }
    return any(
        json.dumps(v, sort_keys=True, default=str) in given
        for v in other.args.values()
        if not isinstance(v, Ref)
    )


def task_spelling(value: str, task: str) -> str | None:
    """The words of the task that an invented id spells (`"OSLO"` or `"new_york"` for "New York"), as the
    task writes them; None when the value is not plain words the task contains."""
    words = re.findall(r"[^\W\d_]+", value)
    if not words or re.fullmatch(r"[^\W\d_]+(?:[\s_\-.]+[^\W\d_]+)*", value.strip()) is None:
        return None
    found = re.search(r"\b" + r"[\s\-]+".join(re.escape(w) for w in words) + r"\b", task, re.IGNORECASE)
    return found.group() if found else None


def _mentions(workflow: Workflow, node_id: str, name: str, context: RepairContext) -> bool:
    """Whether step `node_id` was given or returned `name`: it is about the thing the invented id names."""
    node = workflow.node(node_id)
    seen = [node.args if isinstance(node, ToolNode) else None, context.outputs(workflow).get(node_id)]
    return name.casefold() in json.dumps(seen, default=str, ensure_ascii=False).casefold()


def output_path(
    producer: ToolSpec, name: str, wanted: Mapping[str, Any] | None, consumer: ToolSpec | None
) -> Path | None:
    """Where in the producer's output the value for `name` (of schema `wanted`, read by `consumer`'s
    arguments when a tool reads it) is (the first list item for a list), or None."""
    if not producer.output_schema:
        return None
    fields = [OutputField("new", path, schema) for path, schema in schema_fields(producer.output_schema)]
    best = clear_winner(rank_fields(fields, name, wanted, consumer.input_schema if consumer else {}))
    return best.path if best is not None else None


def filled_inputs(
    producer: ToolSpec,
    invented: str | float | None,
    misread: ToolNode | None,
    consumer: Node,
    workflow: Workflow,
    catalog: ToolCatalog,
    context: RepairContext,
    *,
    only_misread: bool = False,
    by_name: bool = False,
) -> dict[str, Any] | None:
    """Values for the producer's required arguments (or, when it requires none, for its filter arguments,
    at least one); None when a required one cannot be filled (`only_misread`: from `misread` alone). Past
    the misread step and the task text, an argument reads the one step before `consumer` that offers a
    field of its name (`lat` from a city search)."""
    wanted = list(producer.required) or [p for p in producer.properties if set(name_words(p)) & FILTER_WORDS]
    args: dict[str, Any] = {}
    for arg in wanted:
        schema = argument_schema(producer, arg)
        value = None
        if schema is not None:
            value = _misread_value(producer, arg, misread, workflow, catalog, context)
            if value is None and not only_misread:
                value = _value_for(producer, arg, schema, invented, workflow, context, by_name=by_name)
            if value is None and not only_misread:
                value = _upstream_value(producer, arg, consumer, workflow, catalog, context)
        if value is not None:
            args[arg] = value
        elif arg in producer.required:
            return None
    return args or None


def _upstream_value(
    producer: ToolSpec,
    arg: str,
    consumer: Node,
    workflow: Workflow,
    catalog: ToolCatalog,
    context: RepairContext,
) -> Ref | None:
    """A reference to the field named like `arg` (its base name) that exactly one step `consumer` may read
    offers, the shallowest there; None when no step or several steps offer one."""
    fields = [
        field
        for node_id in readable_nodes(workflow, consumer.id)
        for field in node_fields(workflow, node_id, catalog, context)
        if base_name(field.name) == base_name(arg)
        and (not field.executed or value_fits(producer, arg, field.value))
    ]
    if len({field.node for field in fields}) != 1:
        return None
    best = min(fields, key=lambda field: len(field.path))
    return Ref(best.node, best.path)


def _misread_value(
    producer: ToolSpec,
    arg: str,
    misread: ToolNode | None,
    workflow: Workflow,
    catalog: ToolCatalog,
    context: RepairContext,
) -> Any:
    """What the misread step was given for `arg` (a literal), else a reference to its output field of that
    name (`$n1.lat` for `lat`), shallowest first; None when it has neither or the value does not fit."""
    if misread is None:
        return None
    given = misread.args.get(arg)
    if (
        isinstance(given, str | int | float)
        and not isinstance(given, bool)
        and value_fits(producer, arg, given)
    ):
        return given
    fields = sorted(
        (
            f
            for f in node_fields(workflow, misread.id, catalog, context)
            if base_name(f.name) == base_name(arg)
        ),
        key=lambda f: len(f.path),
    )
    for field in fields:
        if not field.executed or value_fits(producer, arg, field.value):
            return Ref(misread.id, field.path)
    return None


def _value_for(
    producer: ToolSpec,
    arg: str,
    schema: Mapping[str, Any],
    invented: str | float | None,
    workflow: Workflow,
    context: RepairContext,
    *,
    by_name: bool = False,
) -> Any:
    """A value for the producer's argument: the invented value as the task spells it, a task literal that
    fits, the one value the workflow gives the same argument elsewhere, or (`by_name`, a search argument)
    the one name of the task no step has used yet."""
    free_text = "string" in schema_types(schema) and "enum" not in schema and "pattern" not in schema
    if free_text and isinstance(invented, str):
        named = task_spelling(invented, context.task)
        if named is not None:
            return named
        if _TEXT_LIKE.fullmatch(invented.strip()):
            return invented.strip()
    literal = literal_for(arg, schema, context.task)
    if literal is not None and value_fits(producer, arg, literal[0]):
        return literal[0]
    elsewhere = {
        n.args[arg]
        for n in workflow.tool_nodes
        if isinstance(n.args.get(arg), str | int | float) and not isinstance(n.args.get(arg), bool)
    }
    if len(elsewhere) == 1:
        value = elsewhere.pop()
        return value if value_fits(producer, arg, value) else None
    if by_name and free_text and set(name_words(arg)) & FILTER_WORDS:
        return _unmentioned_name(workflow, context)
    return None


def _unmentioned_name(workflow: Workflow, context: RepairContext) -> str | None:
    """The one name the task gives (not a country) that no step was given or returned yet: what a search
    added to find something must be about ("Barista Pro" once the country is in the workflow)."""
    seen = json.dumps(
        [[n.args for n in workflow.tool_nodes], list(context.outputs(workflow).values())],
        default=str,
        ensure_ascii=False,
    ).casefold()
    names = {
        lit.value
        for lit in task_literals(context.task)
        if lit.kind == "place" and not country_codes(lit.value) and lit.value.casefold() not in seen
    }
    return names.pop() if len(names) == 1 else None
