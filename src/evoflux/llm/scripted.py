"""`ScriptedChat`: the fake `ChatModel` for tests, evoflux's and your own (as httpx's MockTransport is for
HTTP): it answers from a script instead of a server, and keeps every request it was sent.

    chat = ScriptedChat(plan_json, '{"answer": "It is 12 °C [n2]."}')
    result = await solve_with(task, env, chat, strategy="zero-shot")
    assert [call.purpose for call in chat.calls] == [Purpose.PLAN, Purpose.SYNTHESIZE]

Answers are used once each, in order: a text becomes the reply `ChatClient` would build from a server's
text (parsed, repaired and validated against the call's schema), an exception is raised as a failed call.
When they run out, `respond` (a function of the `ScriptedCall`) writes the text; without it the call fails
the test. Every call is counted in `ledger`, with the fixed token counts and seconds given.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evoflux.llm.parsing import parse_json_text, schema_validator
from evoflux.llm.reply import ChatMessage, ModelReply, Purpose, normalize_messages
from evoflux.llm.usage import CallRecord, UsageLedger


@dataclass(frozen=True)
class ScriptedCall:
    """One request a `ScriptedChat` was sent."""

    messages: list[ChatMessage]
    schema: dict[str, Any]
    purpose: Purpose
    temperature: float
    max_tokens: int
    seed: int | None
    deadline_s: float | None


class ScriptedChat:
    """A chat model that answers from a script; `calls` holds every request, shared with `counting_into`
    views as the script is."""

    def __init__(
        self,
        *answers: str | Exception,
        respond: Callable[[ScriptedCall], str] | None = None,
        ledger: UsageLedger | None = None,
        model: str = "scripted",
        finish_reason: str = "stop",
        prompt_tokens: int = 100,
        completion_tokens: int = 10,
        seconds: float = 0.01,
    ) -> None:
        self.answers = list(answers)
        self.respond = respond
        self.ledger = ledger if ledger is not None else UsageLedger()
        self.model = model
        self.finish_reason = finish_reason
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = completion_tokens
        self.seconds = seconds
        self.calls: list[ScriptedCall] = []
        self.scope: str | None = None

    async def complete_json(
        self,
        messages: Sequence[Mapping[str, str]],
        schema: dict[str, Any],
        *,
        purpose: Purpose | str,
        temperature: float = 0.0,
        max_tokens: int = 1024,
        seed: int | None = None,
        schema_name: str | None = None,
        deadline_s: float | None = None,
    ) -> ModelReply:
        """The next scripted answer to this request, parsed as `ChatClient.complete_json` parses a reply."""
        call = ScriptedCall(
            normalize_messages(messages),
            schema,
            Purpose.coerce(purpose),
            temperature,
            max_tokens,
            seed,
            deadline_s,
        )
        self.calls.append(call)
        answer = self._next_answer(call)
        if isinstance(answer, Exception):
            self.ledger.record(
                CallRecord(call.purpose, self.model, 0, 0, self.seconds, error=type(answer).__name__)
            )
            raise answer
        self.ledger.record(
            CallRecord(call.purpose, self.model, self.prompt_tokens, self.completion_tokens, self.seconds)
        )
        return self.reply(answer, schema, call.purpose)

    def reply(self, text: str, schema: dict[str, Any], purpose: Purpose | str) -> ModelReply:
        """The reply `ChatClient` builds when a server answers `text` to a request for `schema`."""
        parsed = parse_json_text(text, self.finish_reason, schema_validator(schema))
        return ModelReply(
            purpose=Purpose.coerce(purpose),
            model=self.model,
            text=text,
            value=parsed.value,
            failure=parsed.failure,
            finish_reason=self.finish_reason,
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            seconds=self.seconds,
            json_mode="schema",
            repaired=parsed.repaired,
        )

    def counting_into(self, ledger: UsageLedger, scope: str | None = None) -> ScriptedChat:
        """The same script and call list, counting calls into `ledger`."""
        view = copy.copy(self)
        view.ledger = ledger
        view.scope = scope
        return view

    def _next_answer(self, call: ScriptedCall) -> str | Exception:
        if self.answers:
            return self.answers.pop(0)
        if self.respond is not None:
            return self.respond(call)
        raise AssertionError(f"ScriptedChat has no answer left for call {len(self.calls)} ({call.purpose}).")
