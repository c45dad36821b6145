"""Inputs of a step added to look something up: read from a misread step, the invented value, the task text,
the same argument elsewhere in the workflow, the one upstream step that offers them, or the one name of the
task no step has used.

Owns filling a new step's arguments; choosing the tool and binding what it returns are `lookup_strategies`'.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.lexicon import base_name, name_words
from evoflux.lexicon.places import country_codes
from evoflux.lexicon.vocabulary import FILTER_WORDS
from evoflux.repair.context import RepairContext
from evoflux.repair.fields import node_fields, readable_nodes
from evoflux.request.options import argument_schema
from evoflux.request.text import literal_for, task_literals
from evoflux.workflow.graph import Node, Ref, ToolNode, Workflow
from evoflux.workflow.schema_check import value_fits
from evoflux.workflow.schema_read import schema_types

# Plain words (a name or a title), not an id: letters, spaces and light punctuation, some lower-case,
# no digits.
_TEXT_LIKE = re.compile(r"(?=.*[a-z])[^\W\d_](?:[^\W\d_]|[ .,'’&-])*")


@dataclass(frozen=True, kw_only=True)
class InputSources:
    """What a new step's inputs may be read from: the `workflow` and the task (`context`), the steps before
    `node` (the step that will read the new one), the `invented` value (`named`: the words of the task it
    spells), what the `misread` step was given or returned, and (`by_name`) the one name of the task no step
    has used."""

    workflow: Workflow
    node: Node
    catalog: ToolCatalog
    context: RepairContext
    invented: str | float | None = None
    named: str | None = None
    misread: ToolNode | None = None
    by_name: bool = False


def filled_inputs(
    producer: ToolSpec, sources: InputSources, *, only_misread: bool = False
) -> dict[str, Any] | None:
    """Values for the producer's required arguments (or, when it requires none, for its filter arguments,
    at least one); None when a required one cannot be filled (`only_misread`: from the misread step alone).
    Past the misread step and the task text, an argument reads the one step before `sources.node` that
    offers a field of its name (`lat` from a city search)."""
    wanted = list(producer.required) or [p for p in producer.properties if set(name_words(p)) & FILTER_WORDS]
    args: dict[str, Any] = {}
    for arg in wanted:
        schema = argument_schema(producer, arg)
        value = None
        if schema is not None:
            value = _misread_value(producer, arg, sources)
            if value is None and not only_misread:
                value = _value_for(producer, arg, schema, sources)
            if value is None and not only_misread:
                value = _upstream_value(producer, arg, sources)
        if value is not None:
            args[arg] = value
        elif arg in producer.required:
            return None
    return args or None


def _upstream_value(producer: ToolSpec, arg: str, sources: InputSources) -> Ref | None:
    """A reference to the field named like `arg` (its base name) that exactly one step `sources.node` may
    read offers, the shallowest there; None when no step or several steps offer one."""
    workflow = sources.workflow
    fields = [
        field
        for node_id in readable_nodes(workflow, sources.node.id)
        for field in node_fields(workflow, node_id, sources.catalog, sources.context)
        if base_name(field.name) == base_name(arg)
        and (not field.executed or value_fits(producer, arg, field.value))
    ]
    if len({field.node for field in fields}) != 1:
        return None
    best = min(fields, key=lambda field: len(field.path))
    return Ref(best.node, best.path)


def _misread_value(producer: ToolSpec, arg: str, sources: InputSources) -> Any:
    """What the misread step was given for `arg` (a literal), else a reference to its output field of that
    name (`$n1.lat` for `lat`), shallowest first; None when it has neither or the value does not fit."""
    misread = sources.misread
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
            for f in node_fields(sources.workflow, misread.id, sources.catalog, sources.context)
            if base_name(f.name) == base_name(arg)
        ),
        key=lambda f: len(f.path),
    )
    for field in fields:
        if not field.executed or value_fits(producer, arg, field.value):
            return Ref(misread.id, field.path)
    return None


def _value_for(producer: ToolSpec, arg: str, schema: Mapping[str, Any], sources: InputSources) -> Any:
    """A value for the producer's argument: the invented value as the task spells it, a task literal that
    fits, the one value the workflow gives the same argument elsewhere, or (`by_name`, a search argument)
    the one name of the task no step has used yet."""
    free_text = "string" in schema_types(schema) and "enum" not in schema and "pattern" not in schema
    invented = sources.invented
    if free_text and isinstance(invented, str):
        if sources.named is not None:
            return sources.named
        if _TEXT_LIKE.fullmatch(invented.strip()):
            return invented.strip()
    literal = literal_for(arg, schema, sources.context.task)
    if literal is not None and value_fits(producer, arg, literal[0]):
        return literal[0]
    elsewhere = {
        n.args[arg]
        for n in sources.workflow.tool_nodes
        if isinstance(n.args.get(arg), str | int | float) and not isinstance(n.args.get(arg), bool)
    }
    if len(elsewhere) == 1:
        value = elsewhere.pop()
        return value if value_fits(producer, arg, value) else None
    if sources.by_name and free_text and set(name_words(arg)) & FILTER_WORDS:
        return _unmentioned_name(sources.workflow, sources.context)
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
