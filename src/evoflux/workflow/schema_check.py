"""One tool call's arguments against the tool's JSON input schema, as `Issue`s (references: unknown values).

Owns jsonschema use and mapping its errors to codes and hints; not tool lookup or graph checks (`check`).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError, ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from referencing.exceptions import Unresolvable

from evoflux.catalog.tools import ToolSpec
from evoflux.lexicon import spells_number
from evoflux.workflow.graph import PathStep, Ref, Template, format_path
from evoflux.workflow.issues import Issue, IssueCode
from evoflux.workflow.similar import nearest

Path = tuple[PathStep, ...]

_BRANCHING = frozenset({"anyOf", "oneOf"})
# Keywords judging a container as a whole: unknowable while an item inside it is a reference.
_WHOLE_VALUE = frozenset({"not", "enum", "const", "uniqueItems", "contains"})
_RANGE_HINTS = {
    "minimum": "use a value >= {v}",
    "maximum": "use a value <= {v}",
    "exclusiveMinimum": "use a value > {v}",
    "exclusiveMaximum": "use a value < {v}",
    "multipleOf": "use a multiple of {v}",
    "minLength": "use at least {v} characters",
    "maxLength": "use at most {v} characters",
    "minItems": "give at least {v} items",
    "maxItems": "give at most {v} items",
    "minProperties": "give at least {v} fields",
    "maxProperties": "give at most {v} fields",
}
_CODES = {
    "type": IssueCode.ARG_TYPE,
    "enum": IssueCode.ARG_ENUM,
    "const": IssueCode.ARG_ENUM,
    "format": IssueCode.ARG_FORMAT,
    "pattern": IssueCode.ARG_PATTERN,
    **dict.fromkeys(_RANGE_HINTS, IssueCode.ARG_RANGE),
}
_FORMAT_HINTS = {
    "date": "use YYYY-MM-DD, e.g. 2024-05-31",
    "date-time": "use ISO 8601 date and time, e.g. 2024-05-31T14:00:00Z",
    "time": "use HH:MM[:SS], e.g. 14:00:00",
    "email": "use an address like name@example.com",
    "uri": "use an absolute URI like https://example.com/page",
    "ipv4": "use an address like 192.0.2.1",
    "ipv6": "use an address like 2001:db8::1",
    "uuid": "use a UUID like 123e4567-e89b-12d3-a456-426614174000",
    "jmespath": "write a JMESPath expression, e.g. length(items[?price > `10`]) or sum(items[].qty)",
}
_TYPE_NAMES = {
    "string": "a string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "a boolean",
    "array": "a list",
    "object": "an object",
    "null": "null",
}
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
_MAX_LISTED = 8


def check_arguments(node_id: str, spec: ToolSpec, args: Mapping[str, Any]) -> list[Issue]:
    """Issues with `args` (which may hold `Ref`/`Template`) under `spec`'s input schema, without duplicates."""
    schema = spec.input_schema
    try:
        validator = _validator(schema)
    except SchemaError as exc:
        return [_bad_schema(node_id, spec, exc.message)]
    holes: dict[Path, str] = {}
    concrete = _concrete(args, (), holes)
    try:
        errors = list(validator.iter_errors(concrete))
    except Unresolvable as exc:
        return [_bad_schema(node_id, spec, f"unresolvable $ref {exc}")]
    context = _Context(node_id, spec, args, holes)
    issues = _unknown_args(context, (), args, schema)
    for error in errors:
        if error.validator == "additionalProperties" and not error.absolute_path:
            continue  # top-level unknown arguments are reported by _unknown_args above
        if _survives(error, holes):
            issues.extend(_issues_for(context, error))
    return list(dict.fromkeys(issues))


def value_fits(spec: ToolSpec, name: str, value: Any) -> bool:
    """Whether `value` passes `spec`'s schema for argument `name` (references count as fitting)."""
    prefix = (name + ".", name + "[")
    return not any(
        issue.severity == "error"
        and issue.arg is not None
        and (issue.arg == name or issue.arg.startswith(prefix))
        for issue in check_arguments("_", spec, {name: value})
    )


@dataclass(frozen=True)
class _Context:
    """What every issue of one call needs: where it is, the arguments as written, where references sit."""

    node_id: str
    spec: ToolSpec
    args: Mapping[str, Any]
    holes: dict[Path, str]

    def issue(
        self,
        code: IssueCode,
        path: Path,
        message: str,
        hint: str,
        suggestions: tuple[str, ...] = (),
        *,
        warning: bool = False,
    ) -> Issue:
        severity = "warning" if warning else "error"
        return Issue(code, self.node_id, format_path(path) or None, message, hint, suggestions, severity)

    def written(self, error: ValidationError) -> Any:
        """The value as the model wrote it (references intact) at the error's location."""
        value: Any = self.args
        for step in error.absolute_path:
            try:
                value = value[step]
            except (KeyError, IndexError, TypeError):
                return error.instance  # the path leaves the written arguments: show what was validated
        return value


def _validator(schema: Mapping[str, Any]) -> Validator:
    """A validator for `schema`, checked once per distinct schema (a workflow calls the same tools often)."""
    return _validator_of(json.dumps(schema, sort_keys=True, default=str))


@functools.lru_cache(maxsize=512)
def _validator_of(schema_json: str) -> Validator:
    schema = json.loads(schema_json)
    cls = validator_for(schema, default=Draft202012Validator)
    cls.check_schema(schema)
    return cls(schema, format_checker=_FORMATS)


def _format_checker() -> FormatChecker:
    """jsonschema's checkers plus plain ones for formats that would otherwise need extra packages."""
    checker = FormatChecker()
    extra = {"date-time": _is_date_time, "time": _is_time, "uri": _is_uri, "jmespath": _is_jmespath}
    for name, check in extra.items():
        if name not in checker.checkers:
            checker.checks(name)(check)
    return checker


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return _DATE_TIME.match(value) is not None and _parses(datetime.fromisoformat, value)


def _is_time(value: object) -> bool:
    return not isinstance(value, str) or _parses(time.fromisoformat, value)


def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or _URI.fullmatch(value) is not None


def _is_jmespath(value: object) -> bool:
    """Whether a string compiles as a JMESPath expression (the glue steps' `transform`)."""
    if not isinstance(value, str):
        return True
    try:
        jmespath.compile(value)
    except JMESPathError:
        return False
    return True


def _parses(parse: Callable[[str], object], text: str) -> bool:
    try:
        parse(text)
    except ValueError:
        return False
    return True


_FORMATS = _format_checker()


def _bad_schema(node_id: str, spec: ToolSpec, reason: str) -> Issue:
    return Issue(
        IssueCode.ARG_SCHEMA,
        node_id,
        None,
        f"the input schema of {spec.key} is invalid ({reason}); its arguments were not checked",
        "nothing to fix in the workflow; the tool's server publishes a broken schema",
        severity="warning",
    )


# ---------------------------------------------------------------- references as holes


def _concrete(value: Any, path: Path, holes: dict[Path, str]) -> Any:
    """`value` with each Ref replaced by null and each Template by "", recording where they were."""
    if isinstance(value, Ref):
        holes[path] = "ref"
        return None
    if isinstance(value, Template):
        holes[path] = "template"
        return ""
    if isinstance(value, Mapping):
        return {k: _concrete(v, (*path, k), holes) for k, v in value.items()}
    if isinstance(value, list):
        return [_concrete(v, (*path, i), holes) for i, v in enumerate(value)]
    return value


def _survives(error: ValidationError, holes: dict[Path, str]) -> bool:
    """Whether an error holds whatever values the references turn out to have."""
    path = tuple(error.absolute_path)
    for hole, kind in holes.items():
        if path[: len(hole)] == hole:
            if kind == "ref":
                return False
            return (
                _every_branch_fails(error, holes)
                if error.validator in _BRANCHING
                else error.validator == "type"
            )
    if any(hole[: len(path)] == path for hole in holes):
        if error.validator in _BRANCHING:
            return _every_branch_fails(error, holes)
        return error.validator not in _WHOLE_VALUE
    return True


def _every_branch_fails(error: ValidationError, holes: dict[Path, str]) -> bool:
    return all(any(_survives(e, holes) for e in branch) for branch in _branches(error).values())


def _branches(error: ValidationError) -> dict[Any, list[ValidationError]]:
    """The context errors of an anyOf/oneOf error, grouped by the index of the branch they come from."""
    grouped: dict[Any, list[ValidationError]] = {}
    for sub in error.context or ():
        grouped.setdefault(sub.relative_schema_path[0], []).append(sub)
    return grouped


# ---------------------------------------------------------------- errors to issues


def _issues_for(context: _Context, error: ValidationError) -> list[Issue]:
    keyword = str(error.validator)
    path = tuple(error.absolute_path)
    if keyword in _BRANCHING:
        return _branch_issues(context, error)
    if keyword == "required":
        return _missing(context, path, error)
    if keyword in ("additionalProperties", "unevaluatedProperties"):
        return _unknown_args(context, path, error.instance, error.schema)
    if keyword == "type":
        return [_type_issue(context, path, error.validator_value, context.written(error))]
    if keyword in ("enum", "const"):
        return [_enum_issue(context, path, error)]
    return [_other_issue(context, path, error)]


def _branch_issues(context: _Context, error: ValidationError) -> list[Issue]:
    """An anyOf/oneOf failure explained by the first branch whose type fits, else as a type error."""
    path = tuple(error.absolute_path)
    wanted: list[str] = []
    for branch in _branches(error).values():
        alive = [e for e in branch if _survives(e, context.holes)]
        type_errors = [e for e in alive if e.validator == "type" and tuple(e.absolute_path) == path]
        if not type_errors:
            return [issue for e in alive for issue in _issues_for(context, e)]
        wanted.extend(_as_list(type_errors[0].validator_value))
    if not wanted:
        return [_other_issue(context, path, error)]
    return [_type_issue(context, path, wanted, context.written(error))]


def _type_issue(context: _Context, path: Path, types: Any, value: Any) -> Issue:
    names = list(dict.fromkeys(_as_list(types)))
    expected = " or ".join(_TYPE_NAMES.get(t, t) for t in names)
    message = f"argument {format_path(path)} must be {expected}, got {_describe(value)}"
    return context.issue(IssueCode.ARG_TYPE, path, message, _type_hint(names, value, expected))


def _type_hint(types: list[str], value: Any, expected: str) -> str:
    if isinstance(value, Template):
        return 'a template always makes a string; pass the reference alone, e.g. "$n1.value"'
    if isinstance(value, str) and {"number", "integer"} & set(types) and spells_number(value):
        return f"write {value.strip()} without quotes"
    if isinstance(value, str) and "boolean" in types and value.strip().lower() in ("true", "false"):
        return f"write {value.strip().lower()} without quotes"
    if "array" in types and not isinstance(value, list):
        return "wrap the value in a list: [value]"
    return f"give {expected}"


def _enum_issue(context: _Context, path: Path, error: ValidationError) -> Issue:
    value = context.written(error)
    if error.validator == "const":
        const = json.dumps(error.validator_value)
        message = f"argument {format_path(path)} must be {const}, got {_describe(value)}"
        return context.issue(IssueCode.ARG_ENUM, path, message, f"use {const}", (const,))
    options = [o if isinstance(o, str) else json.dumps(o) for o in error.validator_value]
    query = value if isinstance(value, str) else json.dumps(value)
    ranked = nearest(query, options, limit=len(options), cutoff=0.0)
    shown = ", ".join(ranked[:_MAX_LISTED]) + (", …" if len(ranked) > _MAX_LISTED else "")
    message = f"argument {format_path(path)} is {_describe(value)}, which is not an allowed value"
    return context.issue(
        IssueCode.ARG_ENUM, path, message, f"use one of: {shown}", tuple(nearest(query, options))
    )


def _other_issue(context: _Context, path: Path, error: ValidationError) -> Issue:
    keyword = str(error.validator)
    code = _CODES.get(keyword, IssueCode.ARG_SCHEMA)
    arg = format_path(path) or "the arguments"
    if code is IssueCode.ARG_FORMAT:
        fmt = str(error.validator_value)
        message = f"argument {arg} is not a valid {fmt}: {_describe(context.written(error))}"
        hint = _FORMAT_HINTS.get(fmt, f"use a valid {fmt} value")
    elif code is IssueCode.ARG_PATTERN:
        message = (
            f"argument {arg} ({_describe(context.written(error))}) does not match {error.validator_value}"
        )
        hint = f"write a value matching the pattern {error.validator_value}"
    elif code is IssueCode.ARG_RANGE:
        message = f"argument {arg}: {_short(error.message)}"
        hint = _RANGE_HINTS[keyword].format(v=error.validator_value)
    else:
        message = f"argument {arg}: {_short(error.message)}"
        hint = f"change {arg} to fit the input schema of {context.spec.key}"
    return context.issue(code, path, message, hint)


def _missing(context: _Context, path: Path, error: ValidationError) -> list[Issue]:
    present = error.instance if isinstance(error.instance, Mapping) else {}
    properties = error.schema.get("properties") or {}
    extras = [k for k in present if k not in properties]
    issues = []
    for name in error.validator_value:
        if name in present:
            continue
        where = f" in {format_path(path)}" if path else ""
        message = f"missing required argument {name!r}{where} of {context.spec.key}"
        hint = _add_hint(name, properties.get(name))
        issues.append(
            context.issue(
                IssueCode.MISSING_REQUIRED_ARG, (*path, name), message, hint, tuple(nearest(name, extras))
            )
        )
    return issues


def _add_hint(name: str, schema: Any) -> str:
    if not isinstance(schema, Mapping):
        return f"add {name!r}"
    kind = "/".join(_as_list(schema.get("type"))) or "value"
    about = " ".join(str(schema.get("description") or schema.get("title") or "").split())[:80]
    return f"add {name!r} ({kind}{': ' + about if about else ''})"


def _unknown_args(context: _Context, path: Path, instance: Any, schema: Any) -> list[Issue]:
    """Fields of `instance` the schema does not declare, when it declares some and does not allow extras."""
    if not isinstance(instance, Mapping) or not isinstance(schema, Mapping):
        return []
    extra_rule = schema.get("additionalProperties")
    if (
        extra_rule is True
        or isinstance(extra_rule, Mapping)
        or ("properties" not in schema and extra_rule is None)
    ):
        return []
    properties = list(schema.get("properties") or {})
    patterns = list(schema.get("patternProperties") or {})
    issues = []
    for key in instance:
        if key in properties or any(re.search(p, key) for p in patterns):
            continue
        close = tuple(nearest(key, properties))
        hint = f"did you mean {close[0]}?" if close else _takes(properties)
        message = f"{context.spec.key} has no argument {format_path((*path, key))!r}"
        issues.append(
            context.issue(
                IssueCode.UNKNOWN_ARG, (*path, key), message, hint, close, warning=extra_rule is None
            )
        )
    return issues


def _takes(properties: list[str]) -> str:
    if not properties:
        return "remove it; this takes no arguments"
    listed = ", ".join(properties[:_MAX_LISTED]) + (", …" if len(properties) > _MAX_LISTED else "")
    return f"remove it; accepted: {listed}"


# ---------------------------------------------------------------- small helpers


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _describe(value: Any) -> str:
    if isinstance(value, Template):
        return f'the template "{value}"'
    if isinstance(value, Ref):
        return f"the reference {value}"
    return _short(json.dumps(value, ensure_ascii=False, default=str), 60)


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
