"""Value types of a model call: why it was made (Purpose), the messages sent and the ModelReply returned.
A reply carries the parsed JSON or a typed ReplyFailure next to the raw text and the token counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Literal, TypedDict, cast

from pydantic import BaseModel, ConfigDict, JsonValue

from evoflux.llm.errors import InvalidRequest


class Purpose(StrEnum):
    """What a model call is for; the ledger sums usage per purpose."""

    PLAN = "plan"
    EDIT = "edit"
    REDESIGN = "redesign"
    SYNTHESIZE = "synthesize"
    JUDGE = "judge"
    REACT = "react"
    EXTRACT = "extract"

    @classmethod
    def coerce(cls, value: str) -> Purpose:
        try:
            return cls(value)
        except ValueError:
            choices = ", ".join(p.value for p in cls)
            raise InvalidRequest(f"Unknown purpose {value!r}; use one of: {choices}.") from None


Role = Literal["system", "user", "assistant"]
ROLES: frozenset[str] = frozenset({"system", "user", "assistant"})


class ChatMessage(TypedDict):
    role: Role
    content: str


JsonMode = Literal["schema", "instructions", "text"]
"""How the output format was requested: response_format json_schema, prompt instructions, or free text."""


def normalize_messages(messages: Sequence[Mapping[str, str]]) -> list[ChatMessage]:
    """Check roles and contents and return plain dicts with exactly `role` and `content`."""
    if not messages:
        raise InvalidRequest("A model call needs at least one message.")
    out: list[ChatMessage] = []
    for index, message in enumerate(messages):
        role = message.get("role")
        content = message.get("content")
        if role not in ROLES:
            raise InvalidRequest(f"Message {index} has role {role!r}; use system, user or assistant.")
        if not isinstance(content, str):
            raise InvalidRequest(f"Message {index} content must be a string, got {type(content).__name__}.")
        out.append(ChatMessage(role=cast(Role, role), content=content))
    return out


class FailureKind(StrEnum):
    EMPTY = "empty"
    NOT_JSON = "not_json"
    TRUNCATED = "truncated"
    SCHEMA_MISMATCH = "schema_mismatch"


class ReplyFailure(BaseModel):
    """Why a reply's text did not yield a usable JSON value."""

    model_config = ConfigDict(frozen=True)

    kind: FailureKind
    detail: str


class ModelReply(BaseModel):
    """One completed model call. `value` is set when the text parsed as JSON (even on SCHEMA_MISMATCH)."""

    model_config = ConfigDict(frozen=True)

    purpose: Purpose
    model: str
    text: str
    value: JsonValue = None
    failure: ReplyFailure | None = None
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    cached_prompt_tokens: int = 0
    seconds: float
    replayed: bool = False
    json_mode: JsonMode
    repaired: bool = False

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def truncated(self) -> bool:
        return self.finish_reason == "length"
