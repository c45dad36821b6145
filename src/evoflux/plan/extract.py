"""The extraction prompt: one model call that pulls a typed value out of a step's free text for an extract step.

Owns the instructions, the capped source text and the reply schema's use; reading the reply is `glue`'s, and
which calls the budget allows is the strategy's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from evoflux.llm import ChatModel, Purpose
from evoflux.workflow.glue import GlueResult, read_extraction, reply_schema

INSTRUCTIONS = """You read a text and pull out one value. Reply {"found": true, "value": ...} with the value \
as the text gives it, in the form the schema asks for. If the text does not hold it, reply {"found": false}. \
Never guess."""

MAX_SOURCE_CHARS = 2_000
_MAX_TOKENS = 200


def extraction_messages(what: str, source: str, schema: Mapping[str, Any]) -> list[dict[str, str]]:
    """The instructions, then what to pull out, the value's schema and the source text (cut to its head)."""
    text = source if len(source) <= MAX_SOURCE_CHARS else source[: MAX_SOURCE_CHARS - 1] + "…"
    request = f"value wanted: {what}\nschema: {json.dumps(dict(schema), ensure_ascii=False)}\n\ntext:\n{text}"
    return [{"role": "system", "content": INSTRUCTIONS}, {"role": "user", "content": request}]


async def extract(
    client: ChatModel, what: str, source: str, schema: Mapping[str, Any], *, deadline_s: float | None = None
) -> GlueResult:
    """The value `what` names in `source`, typed by `schema`; a reply without it, or outside the schema, is
    an error saying so, never a guessed value. A failed call raises `LLMError` (the caller spends it)."""
    reply = await client.complete_json(
        extraction_messages(what, source, schema),
        reply_schema(schema),
        purpose=Purpose.EXTRACT,
        max_tokens=_MAX_TOKENS,
        deadline_s=deadline_s,
    )
    if reply.value is None:
        reason = reply.failure.detail if reply.failure else "an empty reply"
        return GlueResult(error=f"the model's reply to extract {what!r} is not JSON: {reason}")
    return read_extraction(reply.value, schema, what)
