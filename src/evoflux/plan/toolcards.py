"""Compact one-line tool descriptions for prompts: name, typed arguments, enums, required marks.

Pure text rendering of `ToolSpec`s; which tools to show is the retriever's job.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from evoflux.catalog.retrieval import lookup_arguments, produces
from evoflux.catalog.tools import ToolSpec

_MAX_ENUM = 24
_MAX_DESCRIPTION = 140


def type_of(schema: Mapping[str, Any], defs: Mapping[str, Any] | None = None) -> str:
    """A short type for a property schema: `"a"|"b"`, `integer 1..7`, `list[string]`, `{id, qty}`."""
    defs = defs or {}
    if "$ref" in schema:
        target = defs.get(str(schema["$ref"]).rsplit("/", 1)[-1], {})
        return type_of(target, defs)
    if "enum" in schema:
        values = [json.dumps(v, ensure_ascii=False) for v in schema["enum"]]
        return "|".join(values[:_MAX_ENUM]) + ("|…" if len(values) > _MAX_ENUM else "")
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        kinds = [type_of(o, defs) for o in options if o.get("type") != "null"]
        return " or ".join(dict.fromkeys(kinds)) or "any"
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        kind = " or ".join(k for k in kind if k != "null")
    if kind == "array":
        return f"list[{type_of(schema.get('items') or {}, defs)}]"
    if kind == "object" and schema.get("properties"):
        return "{" + ", ".join(schema["properties"]) + "}"
    return str(kind) + _bounds(schema)


def _bounds(schema: Mapping[str, Any]) -> str:
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        return f" {low}..{high}"
    if low is not None:
        return f" >={low}"
    if high is not None:
        return f" <={high}"
    if "pattern" in schema:
        return f" /{schema['pattern']}/"
    if schema.get("format"):
        return f" ({schema['format']})"
    return ""


def output_shape(schema: Mapping[str, Any] | None) -> str:
    """The fields a tool returns, one level into lists of objects: `{stations: list[{station_id, name}]}`."""
    if not schema or not schema.get("properties"):
        return "text"
    defs = schema.get("$defs") or {}
    fields = []
    for name, prop in schema["properties"].items():
        prop = _deref(prop, defs)
        items = _deref(prop.get("items") or {}, defs)
        if prop.get("type") == "array" and items.get("properties"):
            fields.append(f"{name}: list[{{{', '.join(items['properties'])}}}]")
        elif prop.get("type") == "object" and prop.get("properties"):
            fields.append(f"{name}: {{{', '.join(prop['properties'])}}}")
        else:
            fields.append(name)
    return "{" + ", ".join(fields) + "}"


def _deref(schema: Mapping[str, Any], defs: Mapping[str, Any]) -> Mapping[str, Any]:
    if "$ref" in schema:
        return defs.get(str(schema["$ref"]).rsplit("/", 1)[-1], {})
    options = [o for o in schema.get("anyOf") or () if o.get("type") != "null"]
    return _deref(options[0], defs) if len(options) == 1 else schema


def tool_card(tool: ToolSpec, sources: Mapping[str, str] | None = None) -> str:
    """`server:tool(arg*: type, opt: type) -> {fields} - description`; `*` marks a required argument.

    `sources` names, per argument, the tool whose output supplies it
    (`station_id*: string (returned by search_stations)`).
    """
    sources = sources or {}
    defs = tool.input_schema.get("$defs") or tool.input_schema.get("definitions") or {}
    shown: dict[str, str] = {}
    args = []
    for name, prop in tool.properties.items():
        kind = type_of(prop if isinstance(prop, Mapping) else {}, defs)
        twin = next((other for other, seen in shown.items() if seen == kind and "|" in kind), None)
        shown[name] = kind
        shown_kind = f"same as {twin}" if twin else kind
        if name in sources:
            shown_kind += f" (returned by {sources[name]})"
        args.append(f"{name}{'*' if name in tool.required else ''}: {shown_kind}")
    description = " ".join(tool.description.split())
    if len(description) > _MAX_DESCRIPTION:
        description = description[: _MAX_DESCRIPTION - 1].rsplit(" ", 1)[0] + "…"
    returns = f" -> {output_shape(tool.output_schema)}" if tool.output_schema else ""
    return f"{tool.key}({', '.join(args)}){returns} - {description}"


def tool_cards(tools: Iterable[ToolSpec]) -> str:
    """Cards for every tool; an id argument names the shown tool that looks it up."""
    shown = list(tools)
    lines = []
    for tool in shown:
        sources = {}
        for arg in lookup_arguments(tool):
            source = next((t for t in shown if t is not tool and produces(t, arg)), None)
            if source is not None:
                sources[arg] = source.name if source.server == tool.server else source.key
        lines.append(tool_card(tool, sources))
    return "\n".join(lines)
