"""Glue steps: tool steps of the pseudo-server `evoflux` that reshape earlier outputs between real tools.

Owns the glue tools (`transform`: a JMESPath expression over earlier outputs; `extract`: a typed value the model
pulls out of free text under a JSON schema), running a transform, the reply schema of an extraction and reading
its reply, and the pseudo-server's catalog view (validators and glue); not calling the model (the executor's
extractor does that).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.workflow.edits import brief
from evoflux.workflow.graph import ToolNode, value_to_json
from evoflux.workflow.validators import VALIDATOR_SERVER, VALIDATOR_TOOLS

# A text that opens as markup (`<?xml`, `<!DOCTYPE html>`, `<html>`, `<w:document ...>`).
_MARKUP = re.compile(r"\s*<(?:\?xml|!doctype|[a-z][\w.-]*(?::[\w.-]+)?[\s>])", re.IGNORECASE)
# The end of a block (a paragraph, a heading, a list item, a table row, a line break), with any namespace.
_BLOCK_END = re.compile(
    r"</(?:\w+:)?(?:p|div|li|tr|h[1-6]|title|section)\s*>|<(?:\w+:)?br\s*/?>", re.IGNORECASE
)
_TAG = re.compile(r"<[^>]*>")

TRANSFORM = "transform"
EXTRACT = "extract"
DEFAULT_EXTRACT_SCHEMA: Mapping[str, Any] = {"type": "string"}
_OPEN_OUTPUT = {"description": "any JSON value: the expression's result or the value extracted"}
_PURE = {"readOnlyHint": True, "idempotentHint": True, "openWorldHint": False}

GLUE_TOOLS: dict[str, ToolSpec] = {
    TRANSFORM: ToolSpec(
        VALIDATOR_SERVER,
        TRANSFORM,
        "Count, sum, filter, sort or pick from what an earlier tool step returned, with a JMESPath expression",
        {
            "type": "object",
            "properties": {
                "input": {"description": "The value to work on, normally a reference to an earlier output"},
                "expression": {"type": "string", "format": "jmespath"},
            },
            "required": ["input", "expression"],
            "additionalProperties": False,
        },
        _OPEN_OUTPUT,
        _PURE,
    ),
    EXTRACT: ToolSpec(
        VALIDATOR_SERVER,
        EXTRACT,
        "Ask the model for one value written in the text an earlier tool step returned, typed by a JSON schema",
        {
            "type": "object",
            "properties": {
                "extract": {"type": "string", "minLength": 1},
                "from": {"description": "The text or values to read, normally references to earlier outputs"},
                "schema": {"type": "object"},
            },
            "required": ["extract", "from"],
            "additionalProperties": False,
        },
        _OPEN_OUTPUT,
        {**_PURE, "idempotentHint": False},
    ),
}
"""Glue tools by name; with the validators they make the pseudo-server's tools (`with_pseudo_tools`)."""

PSEUDO_TOOLS: dict[str, ToolSpec] = {**VALIDATOR_TOOLS, **GLUE_TOOLS}


def with_pseudo_tools(catalog: ToolCatalog) -> ToolCatalog:
    """`catalog` plus the pseudo-server's tools, validators and glue (unchanged when it already has them)."""
    if VALIDATOR_SERVER in catalog.servers:
        return catalog
    return catalog.with_server(VALIDATOR_SERVER, PSEUDO_TOOLS.values())


def is_pseudo(tool: ToolSpec | ToolNode) -> bool:
    """Whether a tool (or a step's tool) is evoflux's own, run in-process: never a producer of real data."""
    return tool.server == VALIDATOR_SERVER


def is_glue(tool: ToolSpec | ToolNode) -> bool:
    """Whether a tool (or a step's tool) is a glue tool, `transform` or `extract`."""
    name = tool.name if isinstance(tool, ToolSpec) else tool.tool
    return is_pseudo(tool) and name in GLUE_TOOLS


@dataclass(frozen=True)
class GlueResult:
    """What a glue step gave: its value, or why it failed (then `value` is None)."""

    value: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def argument_error(tool: str, args: Mapping[str, Any]) -> str | None:
    """Why `args` do not fit the glue tool's input schema, or None."""
    spec = GLUE_TOOLS[tool]
    errors = sorted(Draft202012Validator(spec.input_schema).iter_errors(dict(args)), key=lambda e: e.path)
    return f"bad arguments for {spec.key}: {errors[0].message}" if errors else None


def compile_error(expression: str) -> str | None:
    """Why `expression` is not JMESPath, or None when it compiles."""
    try:
        jmespath.compile(expression)
    except JMESPathError as exc:
        return " ".join(str(exc).split())
    return None


def evaluate_transform(args: Mapping[str, Any]) -> GlueResult:
    """The JMESPath expression's result over the resolved input. Never raises: bad arguments, an expression
    that does not compile or fails on the input, and null from a non-null input are errors naming it."""
    bad = argument_error(TRANSFORM, args)
    if bad is not None:
        return GlueResult(error=bad)
    expression, data = args["expression"], value_to_json(args["input"])
    syntax = compile_error(expression)
    if syntax is not None:
        return GlueResult(error=f"the JMESPath expression {expression!r} does not compile: {syntax}")
    try:
        result = jmespath.search(expression, data)
    except JMESPathError as exc:
        return GlueResult(error=f"the JMESPath expression {expression!r} failed on the input: {exc}")
    if result is None and data is not None:
        return GlueResult(
            error=f"the JMESPath expression {expression!r} found nothing (null) in the input {_outline(data)}"
        )
    return GlueResult(result)


def _outline(data: Any) -> str:
    """What the input holds, for an error: an object's keys, a list's length and first item's keys."""
    if isinstance(data, Mapping):
        return f"(an object with keys {', '.join(map(str, list(data)[:12]))})"
    if isinstance(data, list):
        first = data[0] if data else None
        keys = (
            f" of objects with keys {', '.join(map(str, list(first)[:12]))}"
            if isinstance(first, Mapping)
            else ""
        )
        return f"(a list of {len(data)} items{keys})"
    return brief(data)


def source_text(value: Any) -> str:
    """The text an extraction reads: strings as they are (markup such as a document's XML or a page's HTML read
    as its text), a list's items one per line, a record holding a text as `key: value` lines so the text reads
    as written, other values as JSON."""
    if isinstance(value, str):
        return markup_text(value) if _MARKUP.match(value) else value
    if isinstance(value, list):
        return "\n".join(source_text(item) for item in value)
    if isinstance(value, Mapping) and _holds_lines(value):
        return "\n".join(f"{key}: {source_text(item)}" for key, item in value.items())
    return json.dumps(value_to_json(value), ensure_ascii=False, default=str)


def _holds_lines(value: Any) -> bool:
    """Whether a text of several lines is somewhere inside `value`."""
    if isinstance(value, str):
        return "\n" in value
    if isinstance(value, Mapping):
        return any(_holds_lines(item) for item in value.values())
    return isinstance(value, list) and any(_holds_lines(item) for item in value)


def markup_text(markup: str) -> str:
    """The text of an XML or HTML document: tags dropped, a block's end a line break, entities read."""
    text = _BLOCK_END.sub("\n", markup)
    text = html.unescape(_TAG.sub(" ", text))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def wanted_schema(args: Mapping[str, Any]) -> Mapping[str, Any]:
    """The schema of the value an extract step asks for (a string when it names none)."""
    schema = args.get("schema")
    return schema if isinstance(schema, Mapping) and schema else DEFAULT_EXTRACT_SCHEMA


def schema_error(schema: Mapping[str, Any]) -> str | None:
    """Why `schema` is not a JSON Schema, or None."""
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        return f"the schema of the value wanted is not a JSON Schema: {exc.message}"
    return None


def reply_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """What the model replies to an extraction: whether the text holds the value, and the value if it does."""
    return {
        "title": "extraction",
        "type": "object",
        "properties": {"found": {"type": "boolean"}, "value": dict(schema)},
        "required": ["found"],
        "additionalProperties": False,
    }


def read_extraction(reply: Any, schema: Mapping[str, Any], what: str) -> GlueResult:
    """The value an extraction reply gives; not found, missing or outside `schema` is an error saying so."""
    if not isinstance(reply, Mapping) or not isinstance(reply.get("found"), bool):
        return GlueResult(
            error=f"the model's reply to extract {what!r} is not {{found, value}}: {brief(reply)}"
        )
    if not reply["found"]:
        return GlueResult(error=f"the model found no {what!r} in the text")
    if "value" not in reply:
        return GlueResult(error=f"the model said it found {what!r} but gave no value")
    errors = list(Draft202012Validator(schema).iter_errors(reply["value"]))
    if errors:
        return GlueResult(
            error=f"the model's value for {what!r}, {brief(reply['value'])}, does not fit the schema: "
            f"{errors[0].message}"
        )
    return GlueResult(reply["value"])
