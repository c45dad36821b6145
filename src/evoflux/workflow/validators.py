"""Validator steps: tool steps of the pseudo-server `evoflux` that check an upstream value and gate its readers.

Owns the validator tools and their schemas, adding them to a catalog, running one in-process (for the
executor) and `insert_validator`, the edit that adds one; not deciding where validators help.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from jsonschema import Draft202012Validator

from evoflux.catalog.tools import ToolSpec
from evoflux.workflow.edits import Edit, EditOp, EditSource, brief
from evoflux.workflow.graph import Node, Ref, ToolNode, Workflow, value_to_json
from evoflux.workflow.paths import EditError, Path, fresh_id, guarded, readers_of, tool_node_of
from evoflux.workflow.schema_check import check_arguments
from evoflux.workflow.schema_read import json_type

VALIDATOR_SERVER = "evoflux"
"""The pseudo-server of validator and glue steps (`glue`); the executor runs its tools in-process."""

_JSON_TYPES = ["string", "number", "integer", "boolean", "array", "object", "null"]
_VALUE = {"description": "The value to check, normally a reference to an upstream output"}
_OUTPUT = {
    "type": "object",
    "properties": {"ok": {"type": "boolean"}, "message": {"type": "string"}},
    "required": ["ok", "message"],
}
_READ_ONLY = {"readOnlyHint": True, "idempotentHint": True, "openWorldHint": False}


def _validator_spec(name: str, description: str, extra: dict[str, Any], **schema: Any) -> ToolSpec:
    input_schema = {
        "type": "object",
        "properties": {"value": _VALUE, **extra},
        "required": ["value", *schema.pop("required", ())],
        "additionalProperties": False,
        **schema,
    }
    return ToolSpec(VALIDATOR_SERVER, name, description, input_schema, _OUTPUT, _READ_ONLY)


VALIDATOR_TOOLS: dict[str, ToolSpec] = {
    spec.name: spec
    for spec in (
        _validator_spec("assert_present", "Fails when the value is null.", {}),
        _validator_spec(
            "assert_nonempty",
            "Fails when the value is null, an empty or blank string, or an empty list/object.",
            {},
        ),
        _validator_spec(
            "assert_type",
            "Fails unless the value has one of the JSON types given.",
            {
                "type": {
                    "anyOf": [
                        {"type": "string", "enum": _JSON_TYPES},
                        {"type": "array", "items": {"type": "string", "enum": _JSON_TYPES}, "minItems": 1},
                    ]
                }
            },
            required=("type",),
        ),
        _validator_spec(
            "assert_range",
            "Fails unless the value is a number within [minimum, maximum] (each bound optional, one required).",
            {"minimum": {"type": "number"}, "maximum": {"type": "number"}},
            anyOf=[{"required": ["minimum"]}, {"required": ["maximum"]}],
        ),
        _validator_spec(
            "assert_matches",
            "Fails unless the value is a string in which the regular expression is found.",
            {"pattern": {"type": "string", "format": "regex"}},
            required=("pattern",),
        ),
    )
}
"""Validator tools by name, with real input schemas; `glue.with_pseudo_tools` adds them to a catalog."""


def evaluate_validator(tool: str, args: Mapping[str, Any]) -> tuple[bool, str]:
    """Run one validator on resolved arguments: (passed, message). Never raises: an unknown validator or
    arguments its schema rejects are a failed check whose message says why."""
    spec = VALIDATOR_TOOLS.get(tool)
    if spec is None:
        return False, f"unknown validator {tool!r}; known: {', '.join(VALIDATOR_TOOLS)}"
    errors = sorted(Draft202012Validator(spec.input_schema).iter_errors(dict(args)), key=lambda e: e.path)
    if errors:
        return False, f"bad arguments for {tool}: {errors[0].message}"
    value = args["value"]
    shown = brief(value_to_json(value))
    if tool == "assert_present":
        return (value is not None), ("value is present" if value is not None else "value is null")
    if tool == "assert_nonempty":
        empty = (
            value is None
            or (isinstance(value, str) and not value.strip())
            or (isinstance(value, list | Mapping) and not value)
        )
        return (not empty), (f"value {shown} is empty" if empty else "value is not empty")
    if tool == "assert_type":
        wanted = args["type"] if isinstance(args["type"], list) else [args["type"]]
        actual = json_type(value)
        ok = actual in wanted or (actual == "integer" and "number" in wanted)
        return ok, f"value {shown} is {'' if ok else 'not '}of type {' or '.join(wanted)} (it is {actual})"
    if tool == "assert_range":
        return _in_range(value, args.get("minimum"), args.get("maximum"), shown)
    return _matches(value, args["pattern"], shown)


def _in_range(value: Any, low: float | None, high: float | None, shown: str) -> tuple[bool, str]:
    bounds = f"[{'-inf' if low is None else low}, {'inf' if high is None else high}]"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False, f"value {shown} is not a number, so it is not in {bounds}"
    ok = (low is None or value >= low) and (high is None or value <= high)
    return ok, f"value {shown} is {'' if ok else 'not '}in {bounds}"


def _matches(value: Any, pattern: str, shown: str) -> tuple[bool, str]:
    if not isinstance(value, str):
        return False, f"value {shown} is not a string, so it cannot match {pattern!r}"
    try:
        ok = re.search(pattern, value) is not None
    except re.error as exc:
        return False, f"pattern {pattern!r} is not a valid regular expression ({exc})"
    return ok, f"value {shown} {'matches' if ok else 'does not match'} {pattern!r}"


@dataclass(frozen=True)
class ValidatorCheck:
    """What a validator step checks: a validator tool, the path in the upstream output, the tool's other args."""

    tool: str
    path: Path = ()
    params: Mapping[str, Any] = field(default_factory=dict)


def insert_validator(
    workflow: Workflow,
    upstream_id: str,
    check: ValidatorCheck,
    *,
    gate: Iterable[str] | None = None,
    reason: str | None = None,
    source: EditSource = "rule",
) -> tuple[Workflow, Edit]:
    """Insert a step `evoflux:<check.tool>(value=$upstream.<path>, ...)` right after the upstream step and make
    its readers (or the nodes in `gate`) wait for it, so that they are skipped when the check fails."""
    _, upstream = tool_node_of(workflow, upstream_id)
    spec = VALIDATOR_TOOLS.get(check.tool)
    if spec is None:
        raise EditError(f"unknown validator {check.tool!r}; use one of: {', '.join(VALIDATOR_TOOLS)}")
    args = {"value": Ref(upstream_id, tuple(check.path)), **check.params}
    bad = [i.message for i in check_arguments("_", spec, args) if i.severity == "error"]
    if bad:
        raise EditError(f"bad validator arguments: {'; '.join(bad)}")
    gated = list(dict.fromkeys(gate)) if gate is not None else readers_of(workflow, upstream_id)
    if not gated:
        raise EditError(f"nothing reads {upstream_id}, so a validator would gate nothing")
    missing = [g for g in gated if g not in workflow.ids]
    if missing:
        raise EditError(f"cannot gate missing nodes: {', '.join(missing)}")
    new_id = fresh_id(workflow, "v")
    nodes: list[Node] = []
    for node in workflow.nodes:
        if node.id in gated:
            node = replace(node, after=(*node.after, new_id))
        nodes.append(node)
        if node is upstream:
            nodes.append(ToolNode(new_id, VALIDATOR_SERVER, check.tool, args))
    result = guarded(
        workflow, Workflow(tuple(nodes), workflow.task), f"inserting a validator after {upstream_id}"
    )
    after = {"tool": f"{VALIDATOR_SERVER}:{check.tool}", "args": value_to_json(args), "gates": gated}
    why = reason or f"check {Ref(upstream_id, tuple(check.path))} before {', '.join(gated)} use it"
    return result, Edit(EditOp.INSERT_VALIDATOR, new_id, None, None, after, why, source)
