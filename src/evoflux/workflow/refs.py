"""Reference syntax (`$n1.items[0].id`, `{n1.city}`, `{"$ref": ...}`) and resolving it against node outputs.

Owns paths, turning strings/objects into `Ref`/`Template`, and lookup; not whole workflows (`parse`, `check`).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Container, Mapping
from typing import Any

from evoflux.workflow.graph import STAR, PathStep, Ref, Template, format_path

# A node id as written inside references: a word, optionally with inner dashes (`fetch-weather`).
_ID = r"[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*"
# Ids that are references even when no node has them yet: n1, s2, step3, node_4, t1, task-5, ...
_STEP_ID = re.compile(r"(?:n|s|t|step|node|task|call|tool|action)[_-]?\d+", re.IGNORECASE)
# After a bare `$id` in running text the path must be unambiguous: `.word`, `.0`, `.*`, `[0]`, `[*]`, `['k']`
# (`.[0]` too, as `str(Ref)` writes a leading index that way).
_DOLLAR_PATH = (
    r"(?:\.(?:[A-Za-z_][\w-]*|\d+|\*)|\.?\[\s*(?:-?\d+|\*|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\s*\])*"
)
_REFERENCE = re.compile(
    r"\{\{\s*(?P<id_mustache>" + _ID + r")(?P<path_mustache>[^{}]*?)\s*\}\}"
    r"|\$\{\s*(?P<id_dollar_brace>" + _ID + r")(?P<path_dollar_brace>[^{}]*?)\s*\}"
    r"|\{\s*(?P<id_brace>" + _ID + r")(?P<path_brace>[^{}]*?)\s*\}"
    r"|\$(?P<id_dollar>" + _ID + r")(?P<path_dollar>" + _DOLLAR_PATH + r")"
)
_FORMS = ("mustache", "dollar_brace", "brace", "dollar")
_BARE_KEY = re.compile(r"[^.\[\]\s]+")
_INT = re.compile(r"-?\d+")
_MAX_KEYS_SHOWN = 10


class ReferenceSyntaxError(ValueError):
    """A reference that is clearly meant as one but is malformed; `where` is the argument path."""

    def __init__(self, where: tuple[PathStep, ...], reason: str):
        self.where = where
        self.reason = reason
        super().__init__(f"{format_path(where) or 'value'}: {reason}" if where else reason)


class UnresolvedReference(LookupError):
    """A reference whose data is not in the executed outputs."""

    def __init__(self, ref: Ref, reason: str):
        self.ref = ref
        self.reason = reason
        super().__init__(f"cannot resolve {ref}: {reason}")


# ---------------------------------------------------------------- paths


def parse_path(text: str) -> tuple[PathStep, ...]:
    """`"items[0].id"` -> `("items", 0, "id")`; `[*]` or `.*` is `STAR`; `['a b']` quotes a key.

    A leading `.` and a `.` before `[` are allowed. Bare keys are strings (even `0`); only bracketed integers are indices.
    Raises ValueError naming the position of the first problem.
    """
    steps: list[PathStep] = []
    pos, need_dot = (1, False) if text.startswith(".") else (0, False)
    if text == ".":
        raise ValueError("bad path '.': nothing after the dot")
    while pos < len(text):
        if text[pos] == "[":
            step, pos = _bracket_step(text, pos)
        else:
            if need_dot:
                if text[pos] != ".":
                    raise ValueError(
                        f"bad path {text!r}: expected '.' or '[' at position {pos}, found {text[pos]!r}"
                    )
                pos += 1
            step, pos = _bracket_step(text, pos) if text[pos : pos + 1] == "[" else _bare_step(text, pos)
        steps.append(step)
        need_dot = True
    return tuple(steps)


def _bare_step(text: str, pos: int) -> tuple[PathStep, int]:
    match = _BARE_KEY.match(text, pos)
    if match is None:
        found = "the end" if pos >= len(text) else repr(text[pos])
        raise ValueError(f"bad path {text!r}: expected a key at position {pos}, found {found}")
    key = match.group()
    return (STAR if key == "*" else key), match.end()


def _bracket_step(text: str, pos: int) -> tuple[PathStep, int]:
    inner = pos + 1
    while inner < len(text) and text[inner] == " ":
        inner += 1
    if inner < len(text) and text[inner] in "'\"":
        return _quoted_step(text, pos, inner)
    close = text.find("]", pos)
    if close < 0:
        raise ValueError(f"bad path {text!r}: '[' at position {pos} is never closed")
    content = text[pos + 1 : close].strip()
    if not content:
        raise ValueError(
            f"bad path {text!r}: empty brackets at position {pos}; use [0], [-1], [*] or ['key']"
        )
    if content == "*":
        return STAR, close + 1
    return (int(content) if _INT.fullmatch(content) else content), close + 1


def _quoted_step(text: str, pos: int, start: int) -> tuple[PathStep, int]:
    quote, end = text[start], start + 1
    while end < len(text) and text[end] != quote:
        end += 2 if text[end] == "\\" else 1
    if end >= len(text):
        raise ValueError(f"bad path {text!r}: quoted key at position {start} is never closed")
    try:
        key = ast.literal_eval(text[start : end + 1])
    except (ValueError, SyntaxError) as exc:
        raise ValueError(f"bad path {text!r}: bad quoted key at position {start} ({exc})") from None
    close = end + 1
    while close < len(text) and text[close] == " ":
        close += 1
    if close >= len(text) or text[close] != "]":
        raise ValueError(f"bad path {text!r}: expected ']' after the quoted key at position {start}")
    return key, close + 1


# ---------------------------------------------------------------- model-written references


def is_reference_id(name: str, known_ids: Container[str]) -> bool:
    """Whether `name` inside `{...}` or after `$` denotes a node: a known id, or one shaped like `n1`/`step3`."""
    return name in known_ids or _STEP_ID.fullmatch(name) is not None


def parse_template(text: str, known_ids: frozenset[str]) -> Template:
    """Split `text` into literal parts and references; text without references is one literal part."""
    parts: list[str | Ref] = []
    pos = 0
    for match in _REFERENCE.finditer(text):
        ref = _match_to_ref(match, known_ids)
        if ref is None:
            continue
        if match.start() > pos:
            _append_literal(parts, text[pos : match.start()])
        parts.append(ref)
        pos = match.end()
    if pos < len(text):
        _append_literal(parts, text[pos:])
    return Template(tuple(parts))


def _append_literal(parts: list[str | Ref], text: str) -> None:
    if parts and isinstance(parts[-1], str):
        parts[-1] += text
    else:
        parts.append(text)


def _match_to_ref(match: re.Match[str], known_ids: frozenset[str]) -> Ref | None:
    form = next(f for f in _FORMS if match.group(f"id_{f}") is not None)
    node, path_text = match.group(f"id_{form}"), match.group(f"path_{form}")
    if not is_reference_id(node, known_ids) or (path_text and path_text[0] not in ".["):
        return None
    try:
        return Ref(node, parse_path(path_text) if path_text else ())
    except ValueError as exc:
        raise ValueError(f"bad reference {match.group()!r}: {exc}") from None


def parse_string(text: str, known_ids: frozenset[str]) -> str | Ref | Template:
    """A string value: a `Ref` when it is one reference alone (surrounding spaces ignored),
    a `Template` when references are mixed with text, else the string unchanged."""
    template = parse_template(text, known_ids)
    refs = template.refs
    if not refs:
        return text
    if len(refs) == 1 and all(isinstance(p, Ref) or not p.strip() for p in template.parts):
        return refs[0]
    return template


def parse_ref_object(value: Mapping[str, Any], known_ids: frozenset[str]) -> Ref | None:
    """`{"$ref": "n1", "path": "a[0]"}`, `{"$ref": "n1.a[0]"}`, `{"ref": ...}` or `{"node": "n1", "path": ...}`.

    Returns None when the object is not a reference (other keys, or an id that cannot be a node).
    """
    keys = set(value)
    if keys in ({"$ref"}, {"$ref", "path"}):
        target, strict = value["$ref"], False
    elif keys in ({"ref"}, {"ref", "path"}):
        target, strict = value["ref"], True
    elif keys == {"node", "path"}:
        target, strict = value["node"], True
    else:
        return None
    if not isinstance(target, str):
        return None
    node, inline_path = _split_target(target.strip().removeprefix("$"), known_ids, "path" in value)
    if node is None or (strict and not is_reference_id(node, known_ids)):
        return None
    path = value.get("path", inline_path)
    return Ref(node, _object_path(path))


def _split_target(target: str, known_ids: frozenset[str], has_path: bool) -> tuple[str | None, str]:
    """`"n1.items[0]"` -> (`"n1"`, `".items[0]"`); a known id or an id with a separate path stays whole."""
    if target in known_ids or (has_path and target):
        return target, ""
    match = re.match(_ID, target)
    if match is None or (match.end() < len(target) and target[match.end()] not in ".["):
        return None, ""
    return match.group(), target[match.end() :]


def _object_path(path: Any) -> tuple[PathStep, ...]:
    if path is None:
        return ()
    if isinstance(path, str):
        return parse_path(path.strip().removeprefix("$")) if path.strip() not in ("", "$") else ()
    if isinstance(path, list) and all(isinstance(s, str | int) and not isinstance(s, bool) for s in path):
        return tuple(STAR if s == "*" else s for s in path)
    raise ValueError(
        f"a reference 'path' must be a string like 'items[0].id' or a list of keys, got {path!r}"
    )


def lift_refs(value: Any, known_ids: frozenset[str], where: tuple[PathStep, ...] = ()) -> Any:
    """A plain JSON value with every reference string/object turned into `Ref`/`Template`.

    Raises ReferenceSyntaxError (with the argument path) for a malformed reference.
    """
    if isinstance(value, list):
        return [lift_refs(v, known_ids, (*where, i)) for i, v in enumerate(value)]
    if not isinstance(value, str | Mapping):
        return value
    try:
        lifted = (
            parse_string(value, known_ids) if isinstance(value, str) else parse_ref_object(value, known_ids)
        )
    except ValueError as exc:
        raise ReferenceSyntaxError(where, str(exc)) from None
    if lifted is not None:
        return lifted
    return {str(k): lift_refs(v, known_ids, (*where, str(k))) for k, v in value.items()}


# ---------------------------------------------------------------- resolution


def resolve_value(value: Any, outputs: Mapping[str, Any]) -> Any:
    """`value` with every `Ref` replaced by the data it points at and every `Template` rendered to a string.

    `outputs[node_id]` is the executed output of a node. Lenient on purpose, as small models guess
    output shapes: a missing key on a one-key object descends into that key (`{"result": {...}}`);
    a string holding JSON is parsed before stepping into it; a string key on a one-item list applies
    to the item; a key of digits indexes a list and an index on an object tries the key `"0"`.
    Raises UnresolvedReference naming the node, the path, how far it got and what was there.
    """
    if isinstance(value, Ref):
        return resolve_ref(value, outputs)
    if isinstance(value, Template):
        return "".join(p if isinstance(p, str) else stringify(resolve_ref(p, outputs)) for p in value.parts)
    if isinstance(value, Mapping):
        return {k: resolve_value(v, outputs) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_value(v, outputs) for v in value]
    return value


def resolve_ref(ref: Ref, outputs: Mapping[str, Any]) -> Any:
    """The data `ref` points at; see `resolve_value` for the lenient rules."""
    if ref.node not in outputs:
        have = ", ".join(sorted(outputs)[:_MAX_KEYS_SHOWN]) or "none"
        raise UnresolvedReference(
            ref, f"node {ref.node} has no output (not run or failed; outputs exist for: {have})"
        )
    return _walk(outputs[ref.node], ref, 0, ())


def stringify(value: Any) -> str:
    """How a value reads inside a template: integral floats without `.0`, objects and lists as compact JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


LONG_TEXT = 200
"""A text this long (in characters), or of this many lines, read whole into an answer is a document, not a
value that answers."""
LONG_TEXT_LINES = 3


def bulk(value: Any) -> str | None:
    """What `value` is when it is too big to answer with as it stands: a record of several fields, a list of
    such records, or a long text (a whole document); None for a single value or a plain list of them."""
    if isinstance(value, str):
        lines = sum(1 for line in value.splitlines() if line.strip())
        if len(value) >= LONG_TEXT or lines >= LONG_TEXT_LINES:
            return f"a whole text of {len(value)} characters in {lines} lines"
        return None
    if isinstance(value, Mapping) and len(value) > 1:
        return f"a whole record of fields {', '.join(map(str, list(value)[:6]))}"
    if isinstance(value, Mapping):
        return next(((f"{kind} under {key!r}") for key, item in value.items() if (kind := bulk(item))), None)
    if isinstance(value, list) and any(isinstance(item, Mapping) and len(item) > 1 for item in value):
        fields = dict.fromkeys(str(key) for item in value if isinstance(item, Mapping) for key in item)
        return f"{len(value)} whole records of fields {', '.join(list(fields)[:6])}"
    return None


def _walk(value: Any, ref: Ref, index: int, done: tuple[PathStep, ...]) -> Any:
    """Follow `ref.path[index:]` from `value`; `done` is the concrete path walked so far (for messages)."""
    for position in range(index, len(ref.path)):
        step = ref.path[position]
        if step is STAR:
            items, done = _as_list(value, ref, done)
            mapped = [_walk(item, ref, position + 1, (*done, i)) for i, item in enumerate(items)]
            if STAR in ref.path[position + 1 :]:
                return [x for sub in mapped for x in sub]
            return mapped
        value, done = _step(value, step, ref, done)
    return value


def _step(
    value: Any, step: PathStep, ref: Ref, done: tuple[PathStep, ...]
) -> tuple[Any, tuple[PathStep, ...]]:
    value = _parsed_if_json(value)
    if isinstance(value, Mapping):
        return _key_step(value, step, ref, done)
    if isinstance(value, list):
        return _index_step(value, step, ref, done)
    raise _failure(ref, done, f"cannot take {_describe_step(step)} of {_describe(value)}")


def _key_step(
    value: Mapping[str, Any], step: PathStep, ref: Ref, done: tuple[PathStep, ...]
) -> tuple[Any, tuple[PathStep, ...]]:
    key = str(step)
    if key in value:
        return value[key], (*done, key)
    if len(value) == 1:
        only, inner = next(iter(value.items()))
        return _step(inner, step, ref, (*done, only))
    raise _failure(ref, done, f"no key {key!r} in {_describe(value)}")


def _index_step(
    value: list[Any], step: PathStep, ref: Ref, done: tuple[PathStep, ...]
) -> tuple[Any, tuple[PathStep, ...]]:
    index = _as_index(step)
    if index is not None:
        if -len(value) <= index < len(value):
            return value[index], (*done, index)
        raise _failure(ref, done, f"index {index} is out of range for {_describe(value)}")
    if len(value) == 1:
        return _step(value[0], step, ref, (*done, 0))
    raise _failure(
        ref, done, f"cannot take {_describe_step(step)} of {_describe(value)}; use [0] or [*] first"
    )


def _as_index(step: PathStep) -> int | None:
    if isinstance(step, int):
        return step
    return int(step) if isinstance(step, str) and _INT.fullmatch(step) else None


def _as_list(value: Any, ref: Ref, done: tuple[PathStep, ...]) -> tuple[list[Any], tuple[PathStep, ...]]:
    value = _parsed_if_json(value)
    if isinstance(value, list):
        return value, done
    if isinstance(value, Mapping) and len(value) == 1:
        only, inner = next(iter(value.items()))
        return _as_list(inner, ref, (*done, only))
    raise _failure(ref, done, f"[*] needs a list but found {_describe(value)}")


def _parsed_if_json(value: Any) -> Any:
    """A string holding a JSON object or list becomes that value; any other value is returned as is."""
    if not isinstance(value, str) or value.strip()[:1] not in ("{", "["):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value  # text that merely starts with a bracket: the next step reports it as a string


def _failure(ref: Ref, done: tuple[PathStep, ...], reason: str) -> UnresolvedReference:
    where = str(Ref(ref.node, done))
    return UnresolvedReference(ref, f"at {where}: {reason}")


def _describe_step(step: PathStep) -> str:
    if step is STAR:
        return "[*]"
    return f"index {step}" if isinstance(step, int) else f"key {step!r}"


def _describe(value: Any) -> str:
    if isinstance(value, Mapping):
        keys = list(value)
        shown = ", ".join(str(k) for k in keys[:_MAX_KEYS_SHOWN])
        more = f" (+{len(keys) - _MAX_KEYS_SHOWN} more)" if len(keys) > _MAX_KEYS_SHOWN else ""
        return f"an object with keys: {shown}{more}" if keys else "an empty object"
    if isinstance(value, list):
        inner = f"; items are {_describe(value[0])}" if value and isinstance(value[0], Mapping) else ""
        return f"a list of {len(value)} items{inner}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:40] + "…"
        return f"the string {shown!r}"
    return f"the value {json.dumps(value, default=str)}"
