"""A required list the model left empty: a call that asks for nothing gets nothing back (a text editor asked for
no line ranges returns the file's hash and no line of it). When every required field of the list's items has a
value the schema itself gives (its default, its minimum, or 1 for a number the description calls 1-based), the
list gets that one item, its optional fields left out (a range from line 1, its end left open).

Owns that one rule; it reads only the input schema, never a server's tool names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from evoflux.catalog.tools import ToolCatalog
from evoflux.repair.context import Fix, RepairContext
from evoflux.workflow.edits import set_arg
from evoflux.workflow.graph import PathStep, ToolNode, Workflow
from evoflux.workflow.schema_read import resolve_local, schema_types

Path = tuple[PathStep, ...]
_ONE_BASED = re.compile(r"\b1-based\b|\bone-based\b|\bstarting (?:at|from) 1\b", re.IGNORECASE)
_MAX_DEPTH = 4


def fill_empty_required_list(
    workflow: Workflow, node_id: str, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """The first required list of `node_id`'s arguments (at any depth) that is empty gets the one item its
    schema fills alone."""
    node = workflow.node(node_id)
    if not isinstance(node, ToolNode):
        return None
    spec = catalog.get(node.server, node.tool)
    if spec is None or not spec.input_schema:
        return None
    for path, items in _empty_required_lists(node.args, spec.input_schema, spec.input_schema, (), 0):
        item = _schema_only_item(items, spec.input_schema)
        if item is not None:
            why = (
                f"the required list {'.'.join(map(str, path))} was empty: it asks for nothing; ask for {item}"
            )
            return set_arg(workflow, node_id, path, [item], reason=why)
    return None


def _empty_required_lists(
    value: Any, schema: Any, root: Mapping[str, Any], path: Path, depth: int
) -> Iterator[tuple[Path, Mapping[str, Any]]]:
    """Where `value` holds an empty list its object schema requires, with the schema of that list's items."""
    schema = resolve_local(schema, root)
    if depth > _MAX_DEPTH or not isinstance(schema, Mapping):
        return
    if isinstance(value, Mapping):
        properties = schema.get("properties") or {}
        required = set(schema.get("required") or ())
        for key, inner in value.items():
            if key not in properties:
                continue
            sub = resolve_local(properties[key], root)
            if inner == [] and key in required and isinstance(sub, Mapping) and "array" in schema_types(sub):
                items = resolve_local(sub.get("items"), root)
                if isinstance(items, Mapping) and sub.get("maxItems") != 0:
                    yield (*path, key), items
            else:
                yield from _empty_required_lists(inner, sub, root, (*path, key), depth + 1)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _empty_required_lists(inner, schema.get("items"), root, (*path, index), depth + 1)


def _schema_only_item(items: Mapping[str, Any], root: Mapping[str, Any]) -> dict[str, Any] | None:
    """An item with each required field at the value its schema alone gives, or None when one has none."""
    if "object" not in schema_types(items):
        return None
    properties = items.get("properties") or {}
    item = {}
    for name in items.get("required") or ():
        field = resolve_local(properties.get(name), root)
        if not isinstance(field, Mapping):
            return None
        if "default" in field:
            item[name] = field["default"]
        elif "minimum" in field:
            item[name] = field["minimum"]
        elif schema_types(field) & {"integer", "number"} and _ONE_BASED.search(
            str(field.get("description", ""))
        ):
            item[name] = 1
        else:
            return None
    return item or None
