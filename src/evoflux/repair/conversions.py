"""Repairs of units: a quantity in another unit than the request names is converted; a conversion away from the
named unit is undone.

Owns finding the quantity and its unit in an executed output and the converting tool; naming options is `request.options`'.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evoflux.catalog.retrieval import is_lookup_name
from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.lexicon import name_words, singular
from evoflux.lexicon.vocabulary import SOURCE_WORDS, TARGET_WORDS
from evoflux.repair.context import Fix, RepairContext
from evoflux.repair.fields import value_paths
from evoflux.request.options import (
    argument_schema,
    declared_args,
    enum_options,
    evidence_text,
    named_options,
    option_mentioned,
)
from evoflux.workflow.edits import add_step, remove_step, rewire
from evoflux.workflow.glue import is_pseudo
from evoflux.workflow.graph import PathStep, Ref, ToolNode, Workflow, format_path, iter_refs
from evoflux.workflow.schema_read import schema_fields, schema_types

Path = tuple[PathStep, ...]


@dataclass(frozen=True)
class Converter:
    """A tool that turns `amount` in the unit `source` into the unit `target` (enum arguments of one tool)."""

    spec: ToolSpec
    amount: str
    source: str
    target: str


def as_converter(spec: ToolSpec) -> Converter | None:
    """The tool as a converter: one `to`-named and one `from`-named enum argument and one other required
    numeric argument (the amount); None when it is not shaped so."""
    if is_pseudo(spec):
        return None
    enums = [
        name
        for name in spec.properties
        if (schema := argument_schema(spec, name)) is not None and isinstance(schema.get("enum"), list)
    ]
    targets = [n for n in enums if TARGET_WORDS & set(name_words(n))]
    sources = [n for n in enums if SOURCE_WORDS & set(name_words(n)) and n not in targets]
    amounts = [
        n
        for n in spec.required
        if n not in enums and schema_types(argument_schema(spec, n) or {}) & {"number", "integer"}
    ]
    if len(targets) == 1 and len(sources) == 1 and len(amounts) == 1:
        return Converter(spec, amounts[0], sources[0], targets[0])
    return None


def converters(catalog: ToolCatalog, option: str) -> list[Converter]:
    """The converters (`as_converter`) whose target unit may be `option`; fewest arguments first."""
    found = [
        converter
        for spec in catalog
        if (converter := as_converter(spec)) is not None
        and option in ((argument_schema(spec, converter.target) or {}).get("enum") or ())
    ]
    return sorted(found, key=lambda c: (len(c.spec.properties), c.spec.key))


def quantity_in(output: Any, units: Sequence[Any], unwanted: str) -> tuple[Path, Path, str] | None:
    """Where `output` holds a number and its unit, the unit being one of `units` other than `unwanted`:
    (path of the number, path of the unit, the unit). The unit field is `<number>_unit` beside the number
    (`wind_speed` and `wind_speed_unit`), or a field named `unit` beside exactly one number that is no id.
    None when there is no such pair, or more than one."""
    fields = value_paths(output)
    values = {path: value for path, value in fields}
    found = []
    for path, unit in fields:
        if not isinstance(unit, str) or unit == unwanted or unit not in units:
            continue
        parent, key = path[:-1], str(path[-1])
        words = name_words(key)
        if not words or singular(words[-1]) != "unit":
            continue
        numbers = [
            p
            for p, v in values.items()
            if p[:-1] == parent
            and isinstance(v, int | float)
            and not isinstance(v, bool)
            and not is_lookup_name(str(p[-1]))
        ]
        stem = words[:-1]
        named = [p for p in numbers if stem and name_words(str(p[-1])) == stem]
        if named:
            found.append((named[0], path, unit))
        elif not stem and len(numbers) == 1:
            found.append((numbers[0], path, unit))
    return found[0] if len(found) == 1 else None


def convert_to_named_unit(
    workflow: Workflow, node_id: str, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """A step returned a quantity in one unit (`wind_speed` in `kilometer_per_hour`) while the request names
    another unit (`knots`) that no step uses or returns: add the tool that converts between them, reading
    the quantity and its unit from the step, and let the answer read the converted value instead."""
    node = workflow.node(node_id)
    output = context.outputs(workflow).get(node_id)
    if not isinstance(node, ToolNode) or not isinstance(output, Mapping) or not context.task:
        return None
    given = (declared_args(n.args, catalog.get(n.server, n.tool)) for n in workflow.tool_nodes)
    evidence = evidence_text(given, context.outputs(workflow).values())
    for option in named_options(context.task, enum_options(catalog)):
        if option_mentioned(option, evidence):
            continue
        for converter in converters(catalog, option):
            units = (argument_schema(converter.spec, converter.source) or {}).get("enum") or []
            found = quantity_in(output, units, option)
            if found is None:
                continue
            number, unit, unit_value = found
            args = {
                converter.amount: Ref(node_id, number),
                converter.source: Ref(node_id, unit),
                converter.target: option,
            }
            why = (
                f"the request asks for {option!r} but {node_id}.{format_path(number)} is in {unit_value!r}; "
                f"{converter.spec.key} converts it"
            )
            changed, added = add_step(workflow, converter.spec, args, reason=why)
            answer = changed.answer
            if answer is None or Ref(node_id, number) not in {ref for _, ref in iter_refs(answer.text)}:
                return changed, added
            result = Ref(added.node, _result_path(converter.spec))
            why = f"the answer reads the quantity converted to {option!r}"
            changed, rewired = rewire(changed, answer.id, None, result, old=Ref(node_id, number), reason=why)
            return changed, (added, rewired)
    return None


def _result_path(spec: ToolSpec) -> Path:
    """The converted number in the tool's output: its one numeric field that is not named like an input,
    else the whole output (a tool that answers in text)."""
    if not spec.result_schema:
        return ()
    numbers = [
        path
        for path, schema in schema_fields(spec.result_schema)
        if len(path) == 1
        and schema_types(schema) & {"number", "integer"}
        and str(path[0]) not in spec.properties
    ]
    return numbers[0] if len(numbers) == 1 else ()


def drop_conversion_away_from_named_unit(
    workflow: Workflow, node_id: str, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """A conversion from the unit the request names (`fahrenheit`) into one it does not name, of a quantity an
    earlier step returned, undoes what was asked: the answer reads that quantity instead, and the conversion,
    then read by nothing, is removed."""
    node = workflow.node(node_id)
    spec = catalog.get(node.server, node.tool) if isinstance(node, ToolNode) else None
    converter = as_converter(spec) if spec is not None else None
    answer = workflow.answer
    if converter is None or answer is None or not context.task or not isinstance(node, ToolNode):
        return None
    amount, source, target = (
        node.args.get(a) for a in (converter.amount, converter.source, converter.target)
    )
    named = named_options(context.task, enum_options(catalog))
    if not isinstance(amount, Ref) or source not in named or target in named:
        return None
    readers = [n.id for n in workflow.nodes if any(ref.node == node_id for _, ref in workflow.refs_of(n))]
    if readers != [answer.id]:
        return None
    why = f"the request asks for {source!r}; {node_id} converts {amount} from it into {target!r}"
    changed = workflow
    edits = []
    for old in dict.fromkeys(ref for _, ref in iter_refs(answer.text) if ref.node == node_id):
        changed, edit = rewire(
            changed, answer.id, None, amount, old=old, reason=f"{why}, so the answer reads {amount}"
        )
        edits.append(edit)
    changed, removed = remove_step(changed, node_id, catalog, reason=f"{why}; nothing else reads it")
    return changed, (*edits, removed)
