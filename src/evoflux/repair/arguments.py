"""Repairs of argument names and literal values: near-miss names renamed to the schema's, values coerced to fit it.

Owns which name or value to change and checking the result against the schema; value transforms are `values`'.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evoflux.catalog.tools import ToolCatalog, ToolSpec
from evoflux.repair.context import Fix, RepairContext
from evoflux.repair.values import candidates
from evoflux.request.options import argument_schema, enum_options, named_options
from evoflux.workflow.check import check_arguments
from evoflux.workflow.edits import remove_arg, rename_arg, set_arg
from evoflux.workflow.graph import PathStep, Ref, Template, ToolNode, Workflow, format_path
from evoflux.workflow.issues import Issue, IssueCode
from evoflux.workflow.paths import get_arg, with_value
from evoflux.workflow.refs import parse_path
from evoflux.workflow.schema_check import value_fits
from evoflux.workflow.schema_read import resolve_local, schema_at, schema_types
from evoflux.workflow.similar import close_name

Path = tuple[PathStep, ...]
_MISSING = object()
_NOT_STRING = frozenset({"number", "integer", "boolean", "array", "object"})


def node_and_spec(
    workflow: Workflow, node_id: str | None, catalog: ToolCatalog
) -> tuple[ToolNode, ToolSpec] | None:
    """The tool step with this (unique) id and its catalog entry, or None."""
    node = workflow.node(node_id or "")
    if not isinstance(node, ToolNode) or workflow.ids.count(node.id) > 1:
        return None
    spec = catalog.get(node.server, node.tool)
    return (node, spec) if spec is not None else None


def issue_path(issue: Issue) -> Path | None:
    """The argument path an issue points at, or None when it points at no argument."""
    if not issue.arg or issue.arg == "after":
        return None
    try:
        return parse_path(issue.arg)
    except ValueError:
        return None


def top_level_target(
    workflow: Workflow, issue: Issue, catalog: ToolCatalog
) -> tuple[ToolNode, ToolSpec, str] | None:
    """The step, its tool and the top-level argument name an issue is about, or None."""
    found = node_and_spec(workflow, issue.node, catalog)
    path = issue_path(issue)
    if found is None or path is None or len(path) != 1 or not isinstance(path[0], str):
        return None
    return (*found, path[0])


# ---------------------------------------------------------------- names


def rename_near_miss(
    workflow: Workflow, issue: Issue, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """unknown_arg / missing_required_arg: move a value written under a near-miss name to the schema's name.

    The name must be clearly one free property (`close_name`: same words, contained words, abbreviation or
    similarity >= 0.75 with a lead); failing that, a lone unknown argument moves to a lone missing required
    one when its value fits. An unknown argument the schema forbids and nothing matches is removed.
    """
    found = node_and_spec(workflow, issue.node, catalog)
    path = issue_path(issue)
    if found is None or path is None or not isinstance(path[-1], str):
        return None
    node, spec = found
    parent_path, key = path[:-1], path[-1]
    parent = get_arg(node.args, parent_path, None) if parent_path else node.args
    parent_schema = schema_at(spec.input_schema, parent_path) if parent_path else spec.input_schema
    if not isinstance(parent, Mapping) or not isinstance(parent_schema, Mapping):
        return None
    properties = list(parent_schema.get("properties") or {})
    required = [r for r in parent_schema.get("required") or () if r not in parent]
    unknown = [k for k in parent if k not in properties]
    free = [p for p in properties if p not in parent]
    if issue.code is IssueCode.UNKNOWN_ARG and key in parent:
        target = close_name(key, free) or _lone_fit(node, spec, unknown, required, key, parent_path)
        if target is not None:
            why = f"{spec.key} has no argument {key!r}; {target!r} is the one it means"
            return rename_arg(workflow, node.id, path, target, reason=why)
        if issue.severity == "error":
            why = f"{spec.key} accepts no argument {key!r} and none of its arguments is close"
            return remove_arg(workflow, node.id, path, reason=why)
        return None
    if issue.code is IssueCode.MISSING_REQUIRED_ARG and key not in parent:
        sources = [u for u in unknown if close_name(u, free) == key]
        if len(sources) != 1 and len(unknown) == 1 and required == [key]:
            sources = [u for u in unknown if _lone_fit(node, spec, unknown, required, u, parent_path) == key]
        if len(sources) == 1:
            why = f"{sources[0]!r} is a misspelling of the required argument {key!r}"
            return rename_arg(workflow, node.id, (*parent_path, sources[0]), key, reason=why)
    return None


def _lone_fit(
    node: ToolNode, spec: ToolSpec, unknown: list[str], required: list[str], key: str, parent: Path
) -> str | None:
    """With exactly one unknown and one missing required argument at top level, the latter when the value fits."""
    if parent or len(unknown) != 1 or len(required) != 1 or unknown[0] != key:
        return None
    value = node.args[key]
    if isinstance(value, Ref) or value_fits(spec, required[0], value):
        return required[0]
    return None


# ---------------------------------------------------------------- values


def coerce_argument(
    workflow: Workflow, issue: Issue, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """arg_type / arg_enum / arg_format / arg_pattern / arg_range: the first schema-guided rewrite of the
    literal (see `values.candidates`) after which the schema reports no error at that argument. A template
    where a number, boolean, list or object is needed becomes its single reference."""
    found = node_and_spec(workflow, issue.node, catalog)
    path = issue_path(issue)
    if found is None or path is None:
        return None
    node, spec = found
    value = get_arg(node.args, path, _MISSING)
    schema = schema_at(spec.input_schema, path)
    if value is _MISSING or isinstance(value, Ref) or not isinstance(schema, Mapping):
        return None
    where = format_path(path)
    if isinstance(value, Template):
        refs = value.refs
        if len(refs) == 1 and schema_types(resolve_local(schema, spec.input_schema)) <= _NOT_STRING and refs:
            needs = _kinds(schema, spec)
            why = f"a template always makes a string but {where} needs {needs}; pass the reference alone"
            return (
                set_arg(workflow, node.id, path, refs[0], reason=why)
                if _passes(spec, node, path, refs[0])
                else None
            )
        return None
    name = next((s for s in reversed(path) if isinstance(s, str)), "")
    for candidate, why in candidates(value, schema, spec.input_schema, name):
        if candidate != value and _passes(spec, node, path, candidate):
            return set_arg(workflow, node.id, path, candidate, reason=f"{where}: {why}")
    return None


def _passes(spec: ToolSpec, node: ToolNode, path: Path, value: Any) -> bool:
    """Whether, with `value` at `path`, the schema reports no error at or inside that argument."""
    args = with_value(node.args, path, value)
    where = format_path(path)
    return not any(
        i.severity == "error"
        and i.arg is not None
        and (i.arg == where or i.arg.startswith((where + ".", where + "[")))
        for i in check_arguments(node.id, spec, args)
    )


def _kinds(schema: Mapping[str, Any], spec: ToolSpec) -> str:
    return " or ".join(sorted(schema_types(resolve_local(schema, spec.input_schema)))) or "a typed value"


# ---------------------------------------------------------------- options the task names


def choose_named_option(
    workflow: Workflow, node_id: str, catalog: ToolCatalog, context: RepairContext
) -> Fix | None:
    """An enum argument set to (or left at) an option the task does not name, while the task names exactly
    one other option of it that no other argument of the step takes (`speed="standard"` for "by express")."""
    found = node_and_spec(workflow, node_id, catalog)
    if found is None or not context.task:
        return None
    node, spec = found
    everywhere = enum_options(catalog)  # "nautical miles" names another tool's option, not this one's "mile"
    for name in spec.properties:
        schema = argument_schema(spec, name)
        options = schema.get("enum") if schema is not None else None
        current = node.args.get(name, _MISSING)
        if not options or isinstance(current, Ref | Template):
            continue
        named = [option for option in named_options(context.task, everywhere) if option in options]
        taken = {value for arg, value in node.args.items() if arg != name and isinstance(value, str)}
        free = [option for option in named if option not in taken]
        if current in named or len(free) != 1:
            continue
        was = "unset" if current is _MISSING else repr(current)
        why = f"the request names {free[0]!r} for {name} (was {was})"
        return set_arg(workflow, node.id, name, free[0], reason=why)
    return None
