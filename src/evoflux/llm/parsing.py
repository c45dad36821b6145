"""Turn a model's raw text into a JSON value or a typed ReplyFailure, never raising on bad output.
Strict json first, then json_repair for fenced/sloppy JSON, then JSON-Schema validation."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

import json_repair
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from pydantic import JsonValue

from evoflux.llm.errors import InvalidRequest
from evoflux.llm.reply import FailureKind, ReplyFailure

MAX_SCHEMA_ERRORS = 5


@dataclass(frozen=True)
class ParsedText:
    value: JsonValue
    failure: ReplyFailure | None
    repaired: bool


def schema_validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for `schema`; raises InvalidRequest if the schema itself is malformed."""
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise InvalidRequest(f"The JSON schema is invalid: {exc.message}") from None
    return Draft202012Validator(schema)


def parse_json_text(text: str, finish_reason: str | None, validator: Draft202012Validator) -> ParsedText:
    """Parse `text` as one JSON object or array and validate it; report problems as a ReplyFailure."""
    stripped = text.strip()
    if finish_reason == "length":
        return ParsedText(
            None, ReplyFailure(kind=FailureKind.TRUNCATED, detail=_truncated_detail(stripped)), False
        )
    if not stripped:
        return ParsedText(
            None, ReplyFailure(kind=FailureKind.EMPTY, detail="The model returned no text."), False
        )
    repaired = False
    try:
        value = json.loads(stripped)
    except json.JSONDecodeError:
        value = repair_json(stripped)
        repaired = True
    if not isinstance(value, dict | list):
        detail = f"Expected a JSON object, got: {_preview(stripped)}"
        return ParsedText(None, ReplyFailure(kind=FailureKind.NOT_JSON, detail=detail), repaired)
    errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
    if errors:
        shown = "; ".join(_describe(e) for e in errors[:MAX_SCHEMA_ERRORS])
        more = f" (+{len(errors) - MAX_SCHEMA_ERRORS} more)" if len(errors) > MAX_SCHEMA_ERRORS else ""
        failure = ReplyFailure(kind=FailureKind.SCHEMA_MISMATCH, detail=shown + more)
        return ParsedText(value, failure, repaired)
    return ParsedText(value, None, repaired)


def text_failure(text: str, finish_reason: str | None) -> ReplyFailure | None:
    """Failure of a free-text reply: truncated or empty, else None."""
    if finish_reason == "length":
        return ReplyFailure(kind=FailureKind.TRUNCATED, detail=_truncated_detail(text.strip()))
    if not text.strip():
        return ReplyFailure(kind=FailureKind.EMPTY, detail="The model returned no text.")
    return None


def repair_json(text: str) -> JsonValue:
    """The JSON value json-repair makes of `text` (a truncated object keeps its finished fields); None without one."""
    if "{" not in text and "[" not in text:
        return None
    # Without logging=True, json_repair returns the repaired value itself, never a (value, log) tuple.
    return cast(JsonValue, json_repair.loads(text))


def _describe(error: Any) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "(root)"
    return f"{where}: {error.message}"


def _truncated_detail(text: str) -> str:
    return f"The reply hit max_tokens after {len(text)} characters; raise max_tokens or shorten the prompt."


def _preview(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
