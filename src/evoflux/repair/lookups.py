"""Repairs of invented ids: a made-up or missing id is bound upstream, else a lookup step that yields it is added.

Owns choosing the lookup tool and filling its inputs; binding to an existing field is `binding`'s.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from evoflux.catalog.retrieval import lookup_arguments, produces
from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.execute.outcome import NodeOutcome, NodeStatus
from evoflux.repair.arguments import node_and_spec, top_level_target
from evoflux.repair.binding import upstream_source
from evoflux.repair.context import Fix, RepairContext, names_unknown_value
from evoflux.repair.fields import OutputField, argument_schema, clear_winner, name_words, rank_fields
from evoflux.repair.task_text import literal_for
from evoflux.workflow.edits import (
    VALIDATOR_SERVER,
    add_step,
    schema_fields,
    schema_types,
    set_arg,
    value_fits,
)
from evoflux.workflow.graph import PathStep, ToolNode, Workflow
from evoflux.workflow.issues import Issue, IssueCode

Path = tuple[PathStep, ...]
# Plain words (a name or a title), not an id: letters, spaces and light punctuation, some lower-case, no digits.
_TEXT_LIKE = re.compile(r"(?=.*[a-z])[^\W\d_](?:[^\W\d_]|[ .,'’&-])*")
_FILTER_WORDS = frozenset(
    {"query", "q", "name", "title", "city", "location", "keyword", "keywords", "term", "search"}
)


def look_up_invented_id(
    workflow: Workflow, issue: Issue, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """arg_pattern / missing_required_arg on a lookup argument (`lookup_arguments`): see `_look_up`."""
    target = top_level_target(workflow, issue, catalog)
    if target is None:
        return None
    node, spec, name = target
    if name not in lookup_arguments(spec):
        return None
    value = node.args.get(name)
    if issue.code is IssueCode.ARG_PATTERN and not isinstance(value, str):
        return None
    if issue.code is IssueCode.MISSING_REQUIRED_ARG and name in node.args:
        return None
    return _look_up(workflow, node, spec, name, value if isinstance(value, str) else None, catalog, context)


def look_up_unknown_id(
    workflow: Workflow, outcome: NodeOutcome, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """A call that failed because the server knows no such id (`Unknown station 'WX-MAD-99'`): see `_look_up`."""
    if outcome.status is not NodeStatus.TOOL_ERROR or not context.unchanged(workflow, outcome.node):
        return None
    found = node_and_spec(workflow, outcome.node, catalog)
    if found is None:
        return None
    node, spec = found
    for name in lookup_arguments(spec):
        value = node.args.get(name)
        if isinstance(value, str) and names_unknown_value(outcome.error, value):
            return _look_up(workflow, node, spec, name, value, catalog, context)
    return None


def made_up_ids(node: ToolNode, spec: ToolSpec, task: str, others: Iterable[Any]) -> list[str]:
    """Lookup arguments of `node` (`lookup_arguments`) given as literals that the task does not state and
    that no other step returned (`others` are those steps' outputs): ids the plan made up."""
    if not task:
        return []
    seen: str | None = None
    found = []
    for name in lookup_arguments(spec):
        value = node.args.get(name)
        if not isinstance(value, str) or not value.strip() or value.strip().casefold() in task.casefold():
            continue
        if seen is None:
            seen = json.dumps(list(others), default=str, ensure_ascii=False).casefold()
        if json.dumps(value, ensure_ascii=False).casefold() not in seen:
            found.append(name)
    return found


def look_up_made_up_id(
    workflow: Workflow, node_id: str, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """A lookup argument given as a literal nothing supports (`station_id="WX-OSL-01"` for a request about
    Reykjavik, with no step that returned it): see `_look_up`."""
    found = node_and_spec(workflow, node_id, catalog)
    if found is None:
        return None
    node, spec = found
    others = [output for other, output in context.outputs(workflow).items() if other != node_id]
    for name in made_up_ids(node, spec, context.task, others):
        fix = _look_up(workflow, node, spec, name, node.args[name], catalog, context)
        if fix is not None:
            return fix
    return None


def _look_up(
    workflow: Workflow,
    node: ToolNode,
    spec: ToolSpec,
    name: str,
    invented: str | None,
    catalog: ToolCatalog,
    context: RepairContext,
) -> Fix | None:
    """Bind `name` to an upstream field that fits; else add the cheapest step of a tool that yields it
    (`retrieval.produces`, same server first, fewest required arguments) whose inputs can be filled from
    the invented value (when it is plain words), the task text, or the same argument elsewhere in the
    workflow, and bind every call that passed the same invented value to `$new.<field>`. A producer that
    would only list everything (no filter filled) is not used: its first item would be a guess."""
    written = f"{name}={invented!r}" if invented is not None else f"the missing {name}"
    ref = upstream_source(workflow, node, name, spec, catalog, context)
    if ref is not None:
        return set_arg(
            workflow, node.id, name, ref, reason=f"{written} is not a looked-up id; {ref} holds it"
        )
    producers = sorted(
        (t for t in catalog if t.server != VALIDATOR_SERVER and t.key != spec.key and produces(t, name)),
        key=lambda t: (t.server != spec.server, len(t.required), t.key),
    )
    consumers = [node.id] + [
        n.id
        for n in workflow.tool_nodes
        if invented is not None
        and n.id != node.id
        and n.args.get(name) == invented
        and workflow.ids.count(n.id) == 1
    ]
    for producer in producers:
        path = _output_path(producer, name, spec)
        args = _filled(producer, invented, workflow, context) if path is not None else None
        if path is None or args is None:
            continue
        shown = ", ".join(f"{k}={v!r}" for k, v in args.items())
        why = f"{written} is not a looked-up id; {producer.key}({shown}) finds it"
        return add_step(workflow, producer, args, bind={(c, name): path for c in consumers}, reason=why)
    return None


def _output_path(producer: ToolSpec, name: str, consumer: ToolSpec) -> Path | None:
    """Where in the producer's output the value for `name` is (the first list item for a list), or None."""
    if not producer.output_schema:
        return None
    fields = [OutputField("new", path, schema) for path, schema in schema_fields(producer.output_schema)]
    best = clear_winner(rank_fields(fields, name, argument_schema(consumer, name), consumer.input_schema))
    return best.path if best is not None else None


def _filled(
    producer: ToolSpec, invented: str | None, workflow: Workflow, context: RepairContext
) -> dict[str, Any] | None:
    """Values for the producer's required arguments (or, when it requires none, for its filter arguments,
    at least one); None when a required one cannot be filled."""
    wanted = list(producer.required) or [p for p in producer.properties if set(name_words(p)) & _FILTER_WORDS]
    args: dict[str, Any] = {}
    for arg in wanted:
        schema = argument_schema(producer, arg)
        value = _value_for(producer, arg, schema, invented, workflow, context) if schema is not None else None
        if value is not None:
            args[arg] = value
        elif arg in producer.required:
            return None
    return args or None


def _value_for(
    producer: ToolSpec,
    arg: str,
    schema: Mapping[str, Any],
    invented: str | None,
    workflow: Workflow,
    context: RepairContext,
) -> Any:
    free_text = "string" in schema_types(schema) and "enum" not in schema and "pattern" not in schema
    if free_text and invented is not None and _TEXT_LIKE.fullmatch(invented.strip()):
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
    return None
