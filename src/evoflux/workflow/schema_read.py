"""What a JSON Schema says, read without validating anything (validation is `schema_check`'s job).

Owns the types a schema allows, a value's JSON type, local `$ref`s, the sub-schema a path leads to, the
fields an output schema offers and the schema a returned value shows; not checking arguments.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from evoflux.workflow.graph import STAR
from evoflux.workflow.paths import Path

_MAX_SCHEMA_DEPTH = 6


def schema_types(schema: Any) -> set[str]:
    """JSON types a schema allows (through anyOf/oneOf and enum values); empty when it does not say."""
    if not isinstance(schema, Mapping):
        return set()
    declared = schema.get("type")
    found = (
        set(declared) if isinstance(declared, list) else ({declared} if isinstance(declared, str) else set())
    )
    for key in ("anyOf", "oneOf"):
        for branch in schema.get(key) or ():
            found |= schema_types(branch)
    if not found and isinstance(schema.get("enum"), list):
        found = {json_type(v) for v in schema["enum"]}
    return found


def json_type(value: Any) -> str:
    """The JSON type name of a plain value (`integer` for whole numbers, as JSON Schema counts them)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def resolve_local(schema: Any, root: Mapping[str, Any]) -> Any:
    """`schema` with a local `$ref` (`#/$defs/X`) followed, as often as needed."""
    seen = 0
    while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str) and seen < _MAX_SCHEMA_DEPTH:
        pointer = schema["$ref"]
        if not pointer.startswith("#/"):
            return {}
        target: Any = root
        for part in pointer[2:].split("/"):
            target = (
                target.get(part.replace("~1", "/").replace("~0", "~"))
                if isinstance(target, Mapping)
                else None
            )
        schema, seen = target if isinstance(target, Mapping) else {}, seen + 1
    return schema


def schema_at(
    schema: Mapping[str, Any], path: Path, root: Mapping[str, Any] | None = None
) -> Mapping[str, Any] | None:
    """The part of an output schema `path` leads to, stepping as leniently as `refs.resolve_value`;
    `{}` when the schema does not say, None when the path cannot exist (declared properties lack a key)."""
    root = schema if root is None else root
    here = resolve_local(schema, root)
    if not isinstance(here, Mapping):
        return {}
    if not path:
        return here
    branches = [b for key in ("anyOf", "oneOf") for b in here.get(key) or () if schema_types(b) != {"null"}]
    if branches:
        found = [f for b in branches if (f := schema_at(b, path, root)) is not None]
        return found[0] if found else None
    step, rest = path[0], path[1:]
    types = schema_types(here)
    properties = here.get("properties")
    if isinstance(step, str) and isinstance(properties, Mapping):
        if step in properties:
            return schema_at(properties[step], rest, root)
        if isinstance(here.get("additionalProperties"), Mapping):
            return schema_at(here["additionalProperties"], rest, root)
        if len(properties) == 1:  # resolve_value descends into a single key
            return schema_at(next(iter(properties.values())), path, root)
        return None
    if "items" in here or types == {"array"}:
        if step is STAR or isinstance(step, int) or (isinstance(step, str) and step.lstrip("-").isdigit()):
            return schema_at(here.get("items", {}), rest, root)
        return None
    if types and types <= {"string", "number", "integer", "boolean", "null"}:
        return None
    return {}


def schema_fields(
    schema: Mapping[str, Any] | None, root: Mapping[str, Any] | None = None
) -> list[tuple[Path, Mapping[str, Any]]]:
    """Every path an output schema offers (objects' keys; a list's first item as `[0]`), with its sub-schema."""
    if not isinstance(schema, Mapping):
        return []
    root = schema if root is None else root
    found: list[tuple[Path, Mapping[str, Any]]] = []

    def walk(node: Any, path: Path, depth: int) -> None:
        node = resolve_local(node, root)
        if not isinstance(node, Mapping) or depth > _MAX_SCHEMA_DEPTH:
            return
        for key in ("anyOf", "oneOf"):
            for branch in node.get(key) or ():
                walk(branch, path, depth + 1)
        for name, sub in (node.get("properties") or {}).items():
            found.append(((*path, name), resolve_local(sub, root)))
            walk(sub, (*path, name), depth + 1)
        if isinstance(node.get("items"), Mapping):
            found.append(((*path, 0), resolve_local(node["items"], root)))
            walk(node["items"], (*path, 0), depth + 1)

    walk(schema, (), 0)
    return found


def value_schema(value: Any, depth: int = 0) -> dict[str, Any]:
    """The JSON Schema a returned value shows: its type, an object's properties, a list's item shape (from
    its first items, merged); how a tool without a declared output schema is known after one call."""
    kind = json_type(value)
    if depth > _MAX_SCHEMA_DEPTH or kind not in ("object", "array"):
        return {"type": kind}
    if kind == "object":
        return {
            "type": "object",
            "properties": {str(k): value_schema(v, depth + 1) for k, v in value.items()},
        }
    items: dict[str, Any] = {}
    for item in value[:5]:  # rows of a table share their keys; a few show the optional ones too
        shown = value_schema(item, depth + 1)
        if not items:
            items = shown
        elif items.get("type") == shown.get("type") == "object":
            items = {"type": "object", "properties": {**shown["properties"], **items["properties"]}}
    return {"type": "array", "items": items} if items else {"type": "array"}
