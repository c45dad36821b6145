"""Turn a raw tool result into the value later steps read, and cap its size.

Structured content first, then the structure the text holds (`text_values`), then the text itself; nothing
here calls tools.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from evoflux.execute.text_values import parse_text
from evoflux.workflow.schema_read import schema_types


def output_value(structured: Any, text: str) -> Any:
    """The value a reference into this node's output walks."""
    if structured is not None:
        # Servers built on the SDK wrap a non-object return value as {"result": value}.
        if isinstance(structured, dict) and list(structured) == ["result"]:
            inner = structured["result"]
            return parse_text(inner) if isinstance(inner, str) else inner
        return structured
    return parse_text(text)


def json_size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, default=str))


def cap_value(value: Any, max_chars: int) -> tuple[Any, str | None]:
    """Shrink `value` to at most about `max_chars` of JSON; the note says what was cut, or is None.

    Long lists keep their first items and long strings their head, so references into the
    front of a large result still resolve; only when that is not enough does the value become
    a cut string.
    """
    size = json_size(value)
    if size <= max_chars:
        return value, None
    for keep in (50, 20, 10, 5, 2, 1):
        trimmed = _trim(value, keep, max_chars // 4)
        if json_size(trimmed) <= max_chars:
            return (
                trimmed,
                f"result cut from {size} to {json_size(trimmed)} characters (lists kept their first {keep} items)",
            )
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text[:max_chars], f"result cut from {size} to {max_chars} characters"


def _trim(value: Any, keep: int, max_string: int) -> Any:
    if isinstance(value, dict):
        return {k: _trim(v, keep, max_string) for k, v in value.items()}
    if isinstance(value, list):
        return [_trim(v, keep, max_string) for v in value[:keep]]
    if isinstance(value, str) and len(value) > max_string:
        return value[:max_string]
    return value


def as_text_arguments(args: dict[str, Any], properties: Mapping[str, Any]) -> dict[str, Any]:
    """`args` with structure given where the tool takes only text turned into its JSON text: an output read
    from text (`parse_text`) and passed on whole to a tool that wants a string gets the text back."""
    return {
        name: json.dumps(value, ensure_ascii=False, default=str)
        if isinstance(value, dict | list) and schema_types(properties.get(name)) == {"string"}
        else value
        for name, value in args.items()
    }
