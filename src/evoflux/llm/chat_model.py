"""`ChatModel`: what planning, search, baselines, the judge and the solver need from a chat client.

`ChatClient` (a server) and `ScriptedChat` (a script, for tests) both satisfy it; annotate with it to accept
either.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from evoflux.llm.reply import ModelReply, Purpose
from evoflux.llm.usage import UsageLedger


@runtime_checkable
class ChatModel(Protocol):
    """A model answering JSON requests, counting every call in `ledger`."""

    ledger: UsageLedger

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
        """One JSON value matching `schema`; bad output is `reply.failure`, a failed call raises LLMError."""
        ...

    def counting_into(self, ledger: UsageLedger, scope: str | None = None) -> ChatModel:
        """The same model, counting calls into `ledger`; `scope` names the task (one among many)."""
        ...
